"""``peercert grade``: score a whole cohort's quiz without running trainee code.

Workers read and score submissions in parallel; the main process is the only gradebook
writer, committing in batches, so SQLite never reports "database is locked".
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from peercert.grade.read import Outcome, SubmissionResult, grade_submission
from peercert.grade.trusted import NotReleased, TrustedQuiz, load_trusted

__all__ = ["GradeReport", "NotReleased", "Outcome", "SubmissionResult", "grade_quiz",
           "quizzes_with_submissions"]

TRAINEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
BATCH = 200


@dataclass
class GradeReport:
    quiz: str
    results: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _grade_one(course: Path, trusted: TrustedQuiz, trainee: str) -> tuple[SubmissionResult, str]:
    quiz = trusted.quiz
    folder = course / "submitted" / trainee / quiz
    result = grade_submission(folder / f"{quiz}.ipynb", trainee, trusted)
    stamp_file = folder / "timestamp.txt"
    stamp = stamp_file.read_text(encoding="utf-8").strip() if stamp_file.exists() else ""
    if result.notebook is not None:
        out = course / "autograded" / trainee / quiz
        _write_atomic(out / f"{quiz}.ipynb", json.dumps(result.notebook, indent=1) + "\n")
        if stamp:
            _write_atomic(out / "timestamp.txt", stamp)
        result.notebook = None  # written; do not ship it back to the writer
    return result, stamp


def quizzes_with_submissions(course: Path) -> list[str]:
    """Released quizzes (in the gradebook) with at least one collected submission."""
    from nbgrader.api import Gradebook

    from peercert.course import load_settings

    settings = load_settings(course.resolve())
    with Gradebook(settings.db_url, settings.course_id) as gb:
        names = sorted(a.name for a in gb.assignments)
    return [q for q in names if _submitters(course.resolve(), q)]


def _submitters(course: Path, quiz: str) -> list[str]:
    """Folder names under ``submitted/`` holding a collected submission of ``quiz``."""
    return sorted(p.parent.name for p in (course / "submitted").glob(f"*/{quiz}") if p.is_dir())


def _failed(trainee: str, quiz: str, reason: str) -> Outcome:
    return SubmissionResult(trainee, quiz, "failed", [reason]).outcome()


def find_trainees(course: Path, quiz: str,
                  students: list[str] | None) -> tuple[list[str], list[Outcome]]:
    """Trainees with a submission of ``quiz``, and failed outcomes for bad requested ids."""
    submitted = course / "submitted"
    found = _submitters(course, quiz)
    if not students:
        good = [t for t in found if TRAINEE_ID.match(t)]
        bad = [_failed(t, quiz, f"trainee id {t!r} has characters nbgrader does not allow")
               for t in found if not TRAINEE_ID.match(t)]
        return good, bad
    good, bad = [], []
    for t in students:
        if not TRAINEE_ID.match(t):
            bad.append(_failed(t, quiz, f"{t!r} is not a valid trainee id"))
        elif t not in found:
            bad.append(_failed(t, quiz, f"no submission in {submitted / t / quiz}"))
        else:
            good.append(t)
    return good, bad


def _grade_chunk(course: Path, trusted: TrustedQuiz,
                 trainees: list[str]) -> list[tuple[SubmissionResult, str]]:
    return [_grade_one(course, trusted, t) for t in trainees]


def _scored(course: Path, trusted: TrustedQuiz, trainees: list[str],
            workers: int) -> Iterator[tuple[SubmissionResult, str]]:
    """Results in trainee order; at most a few chunks per worker are in flight at once."""
    if workers <= 1 or len(trainees) < 8:
        yield from (_grade_one(course, trusted, t) for t in trainees)
        return
    size = max(1, min(64, len(trainees) // (workers * 8)))
    chunks = iter([trainees[i:i + size] for i in range(0, len(trainees), size)])
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = deque(pool.submit(_grade_chunk, course, trusted, c)
                        for c in islice(chunks, workers * 4))
        while pending:
            done = pending.popleft().result()
            for chunk in islice(chunks, 1):
                pending.append(pool.submit(_grade_chunk, course, trusted, chunk))
            yield from done


def grade_quiz(course: Path, quiz: str, *, workers: int = 1, students: list[str] | None = None,
               progress: Callable[[int, int], None] | None = None) -> GradeReport:
    """Grade every (or the given) trainee's submission of ``quiz`` in ``course``.

    ``progress(done, total)`` is called with ``done = 0`` once the submissions are found,
    then after each submission is scored.
    """
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    from peercert.course import load_config, load_settings
    from peercert.grade.record import GradebookWriter
    from peercert.grade.status import save_status

    course = course.resolve()
    settings = load_settings(course)
    report = GradeReport(quiz)
    with Gradebook(settings.db_url, settings.course_id) as gb:
        trusted = load_trusted(gb, quiz)
        writer = GradebookWriter(gb, quiz, load_config(course))
        trainees, report.results = find_trainees(course, quiz, students)
        if progress:
            progress(0, len(trainees))
        batch: list[SubmissionResult] = []
        stamps: dict[str, datetime | None] = {}
        for done, (result, stamp) in enumerate(_scored(course, trusted, trainees, workers), 1):
            batch.append(result)
            stamps[result.trainee] = parse_utc(stamp) if stamp else None
            if progress:
                progress(done, len(trainees))
            if len(batch) >= BATCH or done == len(trainees):
                writer.write(batch, stamps)
                report.results += [r.outcome() for r in batch]
                batch, stamps = [], {}
    save_status(course, quiz, report.results)
    return report


def execute_unsafe(course: Path, report: GradeReport) -> list[str]:
    """Hand the 'needs review' submissions to stock ``nbgrader autograde``, which runs their code.

    Only for an instructor who has read them: it executes trainee code as the grader's user.
    Returns the trainees regraded; their status records who graded them and the scores
    stock autograde wrote to the gradebook.
    """
    from nbgrader.api import Gradebook

    from peercert.course import load_settings, nbgrader_api
    from peercert.grade.status import save_status

    course = course.resolve()
    api = nbgrader_api(course)
    done = []
    for res in report.results:
        if res.status != "needs review":
            continue
        out = api.autograde(report.quiz, res.trainee)
        if out["success"]:
            res.status = "graded"
            res.reasons.append("graded by stock nbgrader autograde (--execute-unsafe)")
            done.append(res.trainee)
        else:
            res.reasons.append("stock nbgrader autograde failed too")
    settings = load_settings(course)
    with Gradebook(settings.db_url, settings.course_id) as gb:
        for res in report.results:
            if res.trainee in done:
                nb = gb.find_submission_notebook(report.quiz, report.quiz, res.trainee)
                res.rescore({g.name: g.auto_score for g in nb.grades})
    save_status(course, report.quiz, report.results)
    return done

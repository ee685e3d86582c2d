"""``peercert grade``: score a whole cohort's quiz without running trainee code.

Workers read and score submissions in parallel; the main process is the only gradebook
writer, committing in batches, so SQLite never reports "database is locked".
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from peercert import output
from peercert.course import Course
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


@dataclass(frozen=True)
class Folders:
    """Where a worker reads submissions and writes autograded copies (from the course config)."""

    submitted: Path
    autograded: Path


def _grade_one(folders: Folders, trusted: TrustedQuiz,
               trainee: str) -> tuple[SubmissionResult, str]:
    quiz = trusted.quiz
    folder = folders.submitted / trainee / quiz
    result = grade_submission(folder / f"{quiz}.ipynb", trainee, trusted)
    stamp_file = folder / "timestamp.txt"
    stamp = stamp_file.read_text(encoding="utf-8").strip() if stamp_file.exists() else ""
    if result.notebook is not None:
        out = folders.autograded / trainee / quiz
        output.write_text(out / f"{quiz}.ipynb", json.dumps(result.notebook, indent=1) + "\n")
        if stamp:
            output.write_text(out / "timestamp.txt", stamp)
        result.notebook = None  # written; do not ship it back to the writer
    return result, stamp


def quizzes_with_submissions(course: Path | Course) -> list[str]:
    """Released quizzes (in the gradebook) with at least one collected submission."""
    c = course if isinstance(course, Course) else Course.open(course)
    if not c.has_gradebook():
        return []
    return [q for q in c.quizzes() if c.submitters(q)]


def _failed(trainee: str, quiz: str, reason: str) -> Outcome:
    return SubmissionResult(trainee, quiz, "failed", [reason]).outcome()


def find_trainees(course: Path | Course, quiz: str,
                  students: list[str] | None) -> tuple[list[str], list[Outcome]]:
    """Trainees with a submission of ``quiz``, and failed outcomes for bad requested ids."""
    c = course if isinstance(course, Course) else Course.open(course)
    submitted = c.folder("submitted")
    found = c.submitters(quiz)
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


def _grade_chunk(course: Folders, trusted: TrustedQuiz,
                 trainees: list[str]) -> list[tuple[SubmissionResult, str]]:
    return [_grade_one(course, trusted, t) for t in trainees]


def _scored(course: Folders, trusted: TrustedQuiz, trainees: list[str],
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


def grade_quiz(course: Path, quiz: str, *, workers: int | None = None,
               students: list[str] | None = None,
               progress: Callable[[int, int], None] | None = None) -> GradeReport:
    """Grade every (or the given) trainee's submission of ``quiz`` in ``course``.

    ``workers`` defaults to the course's ``c.Peercert.workers``. ``progress(done, total)`` is
    called with ``done = 0`` once the submissions are found, then after each submission.
    """
    from peercert.grade.record import GradebookWriter
    from peercert.grade.status import save_status
    from peercert.nbgrader_compat import parse_utc

    c = Course.open(course)
    report = GradeReport(quiz)
    folders = Folders(c.folder("submitted"), c.folder("autograded"))
    try:
        with c.connect() as conn:
            trusted = load_trusted(conn, quiz, course_id=c.course_id,
                                   markers=c.hidden_test_markers)
            writer = GradebookWriter(conn, quiz, c.config, course_id=c.course_id)
            trainees, report.results = find_trainees(c, quiz, students)
            if progress:
                progress(0, len(trainees))
            batch: list[SubmissionResult] = []
            stamps: dict[str, datetime | None] = {}
            scored = _scored(folders, trusted, trainees, workers or c.defaults.workers)
            for done, (result, stamp) in enumerate(scored, 1):
                batch.append(result)
                stamps[result.trainee] = parse_utc(stamp) if stamp else None
                if progress:
                    progress(done, len(trainees))
                if len(batch) >= BATCH or done == len(trainees):
                    writer.write(batch, stamps)
                    report.results += [r.outcome() for r in batch]
                    batch, stamps = [], {}
    finally:
        c.close()
    save_status(c, quiz, report.results)
    return report


def execute_unsafe(course: Path, report: GradeReport) -> list[str]:
    """Hand the 'needs review' submissions to stock ``nbgrader autograde``, which runs their code.

    Only for an instructor who has read them: it executes trainee code as the grader's user.
    Returns the trainees regraded; their status records who graded them and the scores
    stock autograde wrote to the gradebook.
    """
    import sqlalchemy as sa

    from peercert import nbgrader_compat as nbc
    from peercert.course import nbgrader_api
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
    c = Course.open(course)
    g, bc, sn = nbc.grade, nbc.base_cell, nbc.submitted_notebook
    sub, a = nbc.submitted_assignment, nbc.assignment
    try:
        with c.connect() as conn:
            for res in report.results:
                if res.trainee in done:
                    rows = conn.execute(
                        sa.select(bc.c.name, g.c.auto_score).join(bc, bc.c.id == g.c.cell_id)
                        .join(sn, sn.c.id == g.c.notebook_id)
                        .join(sub, sub.c.id == sn.c.assignment_id)
                        .join(a, a.c.id == sub.c.assignment_id)
                        .where(a.c.name == report.quiz, a.c.course_id == c.course_id,
                               sub.c.student_id == res.trainee)).all()
                    res.rescore(dict(rows))
    finally:
        c.close()
    save_status(c, report.quiz, report.results)
    return done

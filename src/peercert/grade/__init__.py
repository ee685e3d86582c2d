"""``peercert grade``: score a whole cohort's quiz without running trainee code.

Workers read (:mod:`~peercert.grade.files`) and score (:mod:`~peercert.grade.read`)
submissions in parallel and die with their run (:mod:`~peercert.grade.pool`); the main
process is the only gradebook writer of its run, committing in batches under the course's
gradebook lock (:mod:`~peercert.grade.lock`), so runs side by side take turns and never
lose a grade.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from peercert import output
from peercert.course import Course
from peercert.grade import pool
from peercert.grade.files import Refused, read_submission
from peercert.grade.lock import CourseBusy, CourseLock
from peercert.grade.read import Outcome, SubmissionResult, grade_notebook
from peercert.grade.trusted import NotReleased, TrustedQuiz, load_trusted

__all__ = ["CourseBusy", "GradeReport", "NotReleased", "Outcome", "SubmissionResult",
           "grade_quiz", "quizzes_with_submissions"]

TRAINEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
BATCH = 200
_log = logging.getLogger(__name__)


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
    modes: output.Modes = output.PRIVATE


def _grade_one(folders: Folders, trusted: TrustedQuiz,
               trainee: str) -> tuple[SubmissionResult, datetime | None]:
    """Read (safely) and score one submission; write its autograded copy. Never raises for
    a bad submission: that is the trainee's failed result, and the rest is still graded."""
    quiz = trusted.quiz
    try:
        files = read_submission(folders.submitted, trainee, quiz)
    except Refused as exc:
        return SubmissionResult(trainee, quiz, "failed", [str(exc)]), None
    result = grade_notebook(files.notebook, f"{quiz}.ipynb", trainee, trusted)
    if result.notebook is not None:
        out = output.prepare_folder(folders.autograded / trainee / quiz, folders.modes)
        output.write_text(out / f"{quiz}.ipynb", output.notebook_json(result.notebook) + "\n",
                          folders.modes)
        if files.stamp_text:
            output.write_text(out / "timestamp.txt", files.stamp_text, folders.modes)
        if files.secret_text:
            output.write_text(out / "submission_secret.txt", files.secret_text, folders.modes)
        result.notebook = None  # written; do not ship it back to the writer
    return result, files.stamp


def quizzes_with_submissions(course: Path | Course) -> list[str]:
    """Released quizzes (in the gradebook) with at least one collected submission."""
    c = Course.of(course)
    if not c.has_gradebook():
        return []
    return [q for q in c.quizzes() if c.submitters(q)]


def _failed(trainee: str, quiz: str, reason: str) -> Outcome:
    return SubmissionResult(trainee, quiz, "failed", [reason]).outcome()


def find_trainees(course: Path | Course, quiz: str,
                  students: list[str] | None) -> tuple[list[str], list[Outcome]]:
    """Trainees with a submission of ``quiz``, and failed outcomes for bad requested ids."""
    c = Course.of(course)
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


def grade_quiz(course: Path, quiz: str, *, workers: int | None = None,
               students: list[str] | None = None,
               progress: Callable[[int, int], None] | None = None,
               on_wait: Callable[[str], None] | None = None) -> GradeReport:
    """Grade every (or the given) trainee's submission of ``quiz`` in ``course``.

    ``workers`` defaults to the course's ``c.Peercert.workers``. ``progress(done, total)`` is
    called with ``done = 0`` once the submissions are found, then after each submission.
    Grades and statuses are stored batch by batch, each batch under the course's gradebook
    lock (:mod:`peercert.grade.lock`); ``on_wait(message)`` hears once when another run holds
    it (default: a logged warning). A killed run keeps every batch it stored.
    """
    from peercert.grade.record import GradebookWriter
    from peercert.grade.status import append_status, save_status

    c = Course.open(course)
    report = GradeReport(quiz)
    c.protect()
    folders = Folders(c.folder("submitted"), c.folder("autograded"), c.modes)
    lock = CourseLock(c.grade_lock, c.defaults.lock_timeout, on_wait or _log.warning,
                      modes=c.modes)
    try:
        with c.connect() as conn:
            trusted = load_trusted(conn, quiz, course_id=c.course_id,
                                   markers=c.hidden_test_markers)
            writer = GradebookWriter(conn, quiz, c.config, course_id=c.course_id)
            trainees, refused = find_trainees(c, quiz, students)
            if progress:
                progress(0, len(trainees))
            batch: list[SubmissionResult] = []
            stamps: dict[str, datetime | None] = {}
            work = partial(_grade_one, folders, trusted)
            scored = pool.in_order(work, trainees, workers or c.defaults.workers)
            for done, (result, stamp) in enumerate(scored, 1):
                batch.append(result)
                stamps[result.trainee] = stamp
                if progress:
                    progress(done, len(trainees))
                if len(batch) >= BATCH or done == len(trainees):
                    outcomes = [r.outcome() for r in batch]
                    with lock.held():
                        writer.write(batch, stamps)
                        append_status(c, quiz, refused + outcomes)
                    report.results += refused + outcomes
                    batch, stamps, refused = [], {}, []
    finally:
        c.close()
    with lock.held():
        save_status(c, quiz, refused)  # and fold the batches' journal into the status file
    report.results += refused
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
    c = Course.open(course)
    lock = CourseLock(c.grade_lock, c.defaults.lock_timeout, _log.warning, modes=c.modes)
    done = []
    for res in report.results:
        if res.status != "needs review":
            continue
        with lock.held():
            out = api.autograde(report.quiz, res.trainee)
        if out["success"]:
            res.status = "graded"
            res.reasons.append("graded by stock nbgrader autograde (--execute-unsafe)")
            done.append(res.trainee)
        else:
            res.reasons.append("stock nbgrader autograde failed too")
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
    with lock.held():
        save_status(c, report.quiz, report.results)
    return done

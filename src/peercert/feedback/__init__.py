"""``peercert feedback``: each trainee's feedback page, in plain words, from the gradebook.

One stage per module: :mod:`~peercert.feedback.content` (what the quiz asks, from what was
graded), :mod:`~peercert.feedback.scores` (the gradebook's scores and comments),
:mod:`~peercert.feedback.chosen` (what the trainee answered), :mod:`~peercert.feedback.review`
(which module section to review), :mod:`~peercert.feedback.explain` and
:mod:`~peercert.feedback.page` (the page), written here where nbgrader's
``release_feedback`` looks: ``feedback/<trainee>/<quiz>/<quiz>.html`` beside the
submission's ``timestamp.txt`` and ``submission_secret.txt``, from which nbgrader computes
the hash that matches the page to the trainee's submission. No notebook is executed or
converted, so a cohort takes a second instead of nbconvert's time per notebook.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from peercert import nbgrader_compat as nbc
from peercert import output
from peercert.course import Course
from peercert.feedback.chosen import notebook_path, read_chosen
from peercert.feedback.content import QuizContent, load_content
from peercert.feedback.page import Renderer, build_page, item_key
from peercert.feedback.review import Reviewer
from peercert.feedback.scores import Graded, graded_trainees, load_grades

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

__all__ = ["FeedbackReport", "release_feedback", "write_feedback"]

SIDE_FILES = ("timestamp.txt", "submission_secret.txt")
WRITERS = 4  # threads that write files (mostly waiting on the file system)


@dataclass
class FeedbackReport:
    quiz: str
    folder: Path
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (trainee, reason)
    waiting: list[str] = field(default_factory=list)  # trainees with items not scored yet
    no_secret: list[str] = field(default_factory=list)  # cannot be released by nbgrader


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_if_changed(path: Path, text: str, modes: output.Modes) -> None:
    """Write atomically, unless the file already holds exactly this text (a rerun)."""
    if _read(path) != text:
        output.write_text(path, text, modes)


def _newer_than_grades(stamp: str | None, graded: Graded) -> bool:
    from peercert.nbgrader_compat import parse_utc

    if not stamp or not stamp.strip() or graded.timestamp is None:
        return False
    try:
        return parse_utc(stamp.strip()) != graded.timestamp
    except (ValueError, OverflowError):
        return False


class _Writer:
    """Writes the pages of one quiz; the quiz's content and module sections are read once."""

    def __init__(self, course: Course, content: QuizContent):
        self.course = course
        self.content = content
        self.reviewer = Reviewer(course.root / "modules", course.defaults.feedback_modules)
        self.kinds = {q.item_id: (q.kind, "".join(q.options)) for q in content.questions}
        self.folders = (course.folder("autograded"), course.folder("submitted"))
        self.out = course.folder("feedback")
        self.renderer = Renderer()
        # Pages with nbgrader's mode: release_feedback copies it to the exchange, where the
        # trainee reads it; the folders (and the side files, with their secret) stay private.
        self.page_modes = replace(course.modes, file=nbc.feedback_page_mode(course.config))
        # Writing is mostly waiting on the file system: a few threads overlap that wait.
        self.pool = ThreadPoolExecutor(max_workers=WRITERS)
        self.pending: deque[Future[None]] = deque()

    def _submit(self, path: Path, text: str, modes: output.Modes) -> None:
        # at most a few pages wait in memory, however large the cohort
        while len(self.pending) >= 8 * WRITERS:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(_write_if_changed, path, text, modes))

    def finish(self) -> None:
        """Wait for every file to be written; raise the first error."""
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown()

    def write(self, graded: Graded, report: FeedbackReport) -> None:
        quiz, trainee = self.content.quiz, graded.trainee
        submitted = self.course.submission(trainee, quiz)
        side = {name: _read(submitted / name) for name in SIDE_FILES}
        if _newer_than_grades(side["timestamp.txt"], graded):
            report.skipped.append((trainee, "a newer submission is not graded yet: "
                                   f"run 'peercert grade {quiz} --student {trainee}'"))
            return
        answers = read_chosen(notebook_path(self.folders, trainee, quiz), self.kinds)
        page = build_page(self.content, graded, answers, self.reviewer)
        keys = [item_key(q.item_id, graded, answers[q.item_id]) for q in self.content.questions]
        folder = self.out / trainee / quiz
        output.prepare_folder(folder, self.course.modes)
        self._submit(folder / f"{quiz}.html", self.renderer.render(page, keys), self.page_modes)
        for name, text in side.items():
            if text is not None:
                self._submit(folder / name, text, self.course.modes)
        if side["submission_secret.txt"] is None:
            report.no_secret.append(trainee)
        if page.waiting:
            report.waiting.append(trainee)
        report.written.append(trainee)


def write_feedback(course: Path | Course, quiz: str, students: list[str] | None = None, *,
                   progress: Callable[[int, int], None] | None = None) -> FeedbackReport:
    """Write the feedback page of every graded (or each given) trainee's submission of ``quiz``.

    Trainees without grades in the gradebook are skipped with a reason, never given a page
    that shows a key. ``progress(done, total)`` follows each trainee.
    """
    c = Course.of(course)
    report = FeedbackReport(quiz, c.folder("feedback"))
    try:
        c.protect()
        writer = _Writer(c, load_content(c, quiz))
        trainees = list(dict.fromkeys(students)) if students else graded_trainees(c, quiz)
        grades = load_grades(c, quiz, trainees)
        try:
            for done, trainee in enumerate(trainees, 1):
                if trainee in grades:
                    writer.write(grades[trainee], report)
                else:
                    report.skipped.append((trainee, f"no grades for {quiz} yet: run "
                                           f"'peercert grade {quiz}' first"))
                if progress:
                    progress(done, len(trainees))
        finally:
            writer.finish()
    finally:
        if not isinstance(course, Course):
            c.close()
    return report


def release_feedback(course: Path, quiz: str, trainees: list[str],
                     api: NbGraderAPI | None = None) -> list[str]:
    """nbgrader's own ``release_feedback`` for each trainee (in-process, one API).

    Returns the trainees released; a trainee whose submission has no
    ``submission_secret.txt`` (collected by an old nbgrader, or written by hand) is left out:
    nbgrader cannot match a page to such a submission.
    """
    from peercert.course import check_step, nbgrader_api

    c = Course.open(course)
    api = api or nbgrader_api(c.root)
    done = []
    for trainee in trainees:
        if not (c.folder("feedback") / trainee / quiz / "submission_secret.txt").is_file():
            continue
        check_step(api.release_feedback(quiz, trainee),
                   f"nbgrader release_feedback {quiz} --student {trainee}")
        done.append(trainee)
    return done

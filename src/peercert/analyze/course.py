"""Where a course keeps things: its gradebook and notebook folders, as nbgrader sees them.

Read-only: opening a missing SQLite gradebook would create an empty one, so it is checked
for first. Settings come from the course's ``nbgrader_config.py`` through
:func:`peercert.course.load_config`, the one config reader of the project.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peercert.analyze.model import AnalysisError


class NoGradedSubmissions(AnalysisError):
    """The course (or the quiz) has no graded submissions yet."""


@dataclass(frozen=True)
class CourseConfig:
    """The parts of the nbgrader configuration that analysis needs."""

    root: Path
    db_url: str
    course_id: str
    submitted: str = "submitted"
    autograded: str = "autograded"

    def notebook(self, stage: str, trainee: str, quiz: str) -> Path:
        """Path of a trainee's notebook at a stage (``submitted`` or ``autograded``)."""
        folder = self.submitted if stage == "submitted" else self.autograded
        return self.root / folder / trainee / quiz / f"{quiz}.ipynb"


def course_config(course: Path) -> CourseConfig:
    """Read root, db_url, course_id and folder names, with nbgrader's defaults."""
    from nbgrader.coursedir import CourseDirectory

    from peercert.course import load_config

    course = Path(course)
    if not course.is_dir():
        raise AnalysisError(f"{course}: no such course directory")
    try:
        coursedir = CourseDirectory(config=load_config(course))
    except FileNotFoundError as exc:
        raise AnalysisError(str(exc)) from exc
    except Exception as exc:  # the config is user code: report any failure in one line
        raise AnalysisError(f"{course / 'nbgrader_config.py'}: cannot read it: {exc}") from exc
    return CourseConfig(
        root=Path(coursedir.root),
        db_url=coursedir.db_url,
        course_id=coursedir.course_id,
        submitted=coursedir.submitted_directory,
        autograded=coursedir.autograded_directory,
    )


@contextmanager
def open_gradebook(cfg: CourseConfig) -> Iterator[Any]:
    """nbgrader's Gradebook for the course; NoGradedSubmissions if there is no database yet."""
    from nbgrader.api import Gradebook

    if cfg.db_url.startswith("sqlite:///"):
        path = Path(cfg.db_url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise NoGradedSubmissions(f"no graded submissions yet: {path} does not exist")
    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        yield gb

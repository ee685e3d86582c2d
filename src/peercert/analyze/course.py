"""Where a course keeps things: its nbgrader config, gradebook and notebook folders.

Read-only: opening a missing SQLite gradebook would create an empty one, so it is checked
for first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from peercert.analyze.model import AnalysisError


class NoGradedSubmissions(AnalysisError):
    """The course (or the quiz) has no graded submissions yet."""


@dataclass(frozen=True)
class CourseConfig:
    """The parts of ``nbgrader_config.py`` that analysis needs."""

    root: Path
    db_url: str
    course_id: str
    submitted: str = "submitted"
    autograded: str = "autograded"

    def notebook(self, stage: str, trainee: str, quiz: str) -> Path:
        """Path of a trainee's notebook at a stage (``submitted`` or ``autograded``)."""
        folder = self.submitted if stage == "submitted" else self.autograded
        return self.root / folder / trainee / quiz / f"{quiz}.ipynb"


def _load_config(course: Path):
    from traitlets.config.loader import PyFileConfigLoader

    if not (course / "nbgrader_config.py").is_file():
        return None
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    except Exception as exc:  # the config is user code: report any failure in one line
        raise AnalysisError(f"{course / 'nbgrader_config.py'}: cannot read it: {exc}") from exc


def course_config(course: Path) -> CourseConfig:
    """Read db_url, course_id, root and folder names, with nbgrader's defaults."""
    course = Path(course).resolve()
    if not course.is_dir():
        raise AnalysisError(f"{course}: no such course directory")
    cfg = _load_config(course)
    section = cfg.CourseDirectory if cfg is not None else {}
    root = Path(section.get("root") or course)
    root = root if root.is_absolute() else (course / root).resolve()
    return CourseConfig(
        root=root,
        db_url=section.get("db_url") or f"sqlite:///{root / 'gradebook.db'}",
        course_id=section.get("course_id") or "",
        submitted=section.get("submitted_directory") or "submitted",
        autograded=section.get("autograded_directory") or "autograded",
    )


@contextmanager
def open_gradebook(cfg: CourseConfig) -> Iterator[object]:
    """nbgrader's Gradebook for the course; NoGradedSubmissions if there is no database yet."""
    from nbgrader.api import Gradebook

    if cfg.db_url.startswith("sqlite:///"):
        path = Path(cfg.db_url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise NoGradedSubmissions(f"no graded submissions yet: {path} does not exist")
    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        yield gb

"""Create and open peercert courses: a self-contained nbgrader course directory.

A course holds ``nbgrader_config.py``, ``modules/``, ``assignments/``, ``source/``,
``profiles/``, the exchange and the gradebook. ``init_course`` copies the curriculum that
ships with peercert; ``nbgrader_api`` opens nbgrader's own Python API on a course so that
batches run in one process instead of one command per trainee.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peercert.build import build_course
from peercert.curriculum import PARTS, curriculum_root

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

CONFIG_NAME = "nbgrader_config.py"


def config_text(course_id: str = "peercert") -> str:
    template = resources.files("peercert") / "templates" / CONFIG_NAME
    return template.read_text(encoding="utf-8").replace("{course_id}", course_id)


def init_course(dest: Path, course_id: str = "peercert", source_root: Path | None = None,
                force: bool = False) -> Path:
    """Create a new course in ``dest`` from the shipped (or given) curriculum and build it.

    Refuses to touch a directory that already holds a course unless ``force`` is set, and
    never deletes a gradebook or submissions.
    """
    root = source_root or curriculum_root()
    dest = dest.resolve()
    if (dest / CONFIG_NAME).exists() and not force:
        raise FileExistsError(
            f"{dest} already holds a course ({CONFIG_NAME}); use force to refresh it")
    dest.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        if (root / part).is_dir():
            shutil.copytree(root / part, dest / part, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (dest / CONFIG_NAME).write_text(config_text(course_id), encoding="utf-8")
    exchange = dest / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o777)  # nbgrader's filesystem exchange wants a world-writable root
    build_course(dest / "assignments", dest / "source")
    return dest


def load_config(course: Path) -> Config:
    """The course's nbgrader configuration, read from its ``nbgrader_config.py``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    path = course.resolve() / CONFIG_NAME
    if not path.exists():
        raise FileNotFoundError(f"{course} is not a peercert course: no {CONFIG_NAME}")
    config = PyFileConfigLoader(CONFIG_NAME, path=str(path.parent)).load_config()
    merged = Config()
    merged.merge(config)
    merged.CourseDirectory.root = str(course.resolve())
    return merged


def nbgrader_api(course: Path) -> NbGraderAPI:
    """nbgrader's high-level API bound to a course, configured by its config file."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


@dataclass(frozen=True)
class Settings:
    """The few course settings peercert's own stages need."""

    root: Path
    course_id: str
    db_url: str


def load_settings(course: Path) -> Settings:
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=load_config(course))
    return Settings(Path(coursedir.root), coursedir.course_id, coursedir.db_url)


class StepFailed(RuntimeError):
    """An nbgrader step reported failure; the message carries its log."""


def check_step(result: dict[str, Any], what: str) -> None:
    """Raise StepFailed when an ``NbGraderAPI`` call returned ``success: False``."""
    if not result.get("success"):
        raise StepFailed(f"{what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")


def release_quizzes(api: NbGraderAPI, quizzes: list[str],
                    on_release: Callable[[str], None] = lambda _q: None) -> None:
    """``nbgrader generate_assignment`` then ``release_assignment`` for each quiz, in order."""
    for quiz in quizzes:
        check_step(api.generate_assignment(quiz), f"nbgrader generate_assignment {quiz}")
        check_step(api.release_assignment(quiz), f"nbgrader release_assignment {quiz}")
        on_release(quiz)

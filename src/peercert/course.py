"""The one course layer: a course's settings, folders and gradebook, for every stage.

A course is a directory with ``nbgrader_config.py``, ``modules/``, ``assignments/``,
``source/``, ``profiles/``, the exchange and the gradebook. :class:`Course` reads the config
once (without importing nbgrader: see :mod:`peercert.nbgrader_compat`) and gives every stage
the same paths, one gradebook connection factory and one grade-rows query with nbgrader's
score rule. Opening a course creates nothing: read-only commands leave it as it was.
``init_course`` copies the shipped curriculum; ``nbgrader_api`` opens nbgrader's own Python
API on a course so that batches run in one process instead of one command per trainee.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peercert import nbgrader_compat as nbc
from peercert import output
from peercert.defaults import Defaults
from peercert.errors import CourseError, NoGradesError, StepError

if TYPE_CHECKING:
    import sqlalchemy as sa
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

CONFIG_NAME = "nbgrader_config.py"
# Folders of a course that hold trainees' work and the instructor's records: never readable
# by other users (nbgrader's stage folders, peercert's state, the default reports folder).
PRIVATE_STAGES = ("submitted", "autograded", "feedback")
PRIVATE_FOLDERS = (".peercert", "reports")
PRIVATE_FILES = ("attendance.csv", "approvals.csv", "forget-log.csv")  # evidence and audit
GRADE_ROW_COLUMNS = ("trainee", "quiz", "item_id", "max_score", "auto_score", "manual_score",
                     "extra_credit", "score", "needs_manual_grade", "timestamp")


def config_text(course_id: str = "peercert") -> str:
    template = resources.files("peercert") / "templates" / CONFIG_NAME
    return template.read_text(encoding="utf-8").replace("{course_id}", course_id)


def init_course(dest: Path, course_id: str = "peercert", source_root: Path | None = None,
                force: bool = False) -> Path:
    """Create a new course in ``dest`` from the shipped (or given) curriculum and build it.

    Refuses to touch a directory that already holds a course unless ``force`` is set, and
    never deletes a gradebook or submissions.
    """
    from peercert.build import build_course
    from peercert.curriculum import PARTS, curriculum_root

    root = source_root or curriculum_root()
    dest = dest.resolve()
    if (dest / CONFIG_NAME).exists() and not force:
        raise CourseExists(
            f"{dest} already holds a course ({CONFIG_NAME}); use force to refresh it")
    dest.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        if (root / part).is_dir():
            shutil.copytree(root / part, dest / part, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (dest / CONFIG_NAME).write_text(config_text(course_id), encoding="utf-8")
    course = Course.open(dest)
    nbc.make_exchange(dest / "exchange", course.course_id,
                      groupshared=course.dirs.groupshared)
    course.protect()
    build_course(dest / "assignments", dest / "source")
    return dest


def load_config(course: Path) -> Config:
    """The course's nbgrader configuration, read from its ``nbgrader_config.py``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    path = course.resolve() / CONFIG_NAME
    if not path.exists():
        missing = "" if course.is_dir() else " (no such course directory)"
        raise CourseNotFound(f"{course} is not a peercert course: no {CONFIG_NAME}{missing}")
    try:
        config = PyFileConfigLoader(CONFIG_NAME, path=str(path.parent)).load_config()
    except Exception as exc:  # the config is user code: report any failure in one line
        raise CourseError(f"cannot load it: {exc}", path=path) from exc
    merged = Config()
    merged.merge(config)
    merged.CourseDirectory.root = str(course.resolve())
    return merged


def nbgrader_api(course: Path) -> NbGraderAPI:
    """nbgrader's high-level API bound to a course, configured by its config file.

    Creates the gradebook first if needed (:meth:`Course.create_gradebook`), so that nbgrader
    never has to run the ``alembic`` executable from ``PATH``.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course)
    Course(config).create_gradebook()
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


class CourseNotFound(CourseError, FileNotFoundError):
    """No course directory, or no ``nbgrader_config.py`` in it."""


class CourseExists(CourseError, FileExistsError):
    """``init`` would overwrite a course."""


StepFailed = StepError  # old name, kept importable


@dataclass(frozen=True)
class Settings:
    """The few course settings peercert's own stages need (kept for older callers)."""

    root: Path
    course_id: str
    db_url: str


def load_settings(course: Path) -> Settings:
    """Deprecated alias: use ``Course.open(course)`` (``.root``, ``.course_id``, ``.db_url``)."""
    c = Course.open(course)
    return Settings(c.root, c.course_id, c.db_url)


class Course:
    """One course: its config, folders and gradebook. Opening it creates nothing."""

    def __init__(self, config: Config):
        self.config = config
        self.dirs = nbc.CourseDirectory.from_config(config)
        self.defaults = Defaults.from_config(config.get("Peercert", {}))

    @classmethod
    def open(cls, course: Path) -> Course:
        """Read ``<course>/nbgrader_config.py``; CourseNotFound/CourseError say what is wrong."""
        return cls(load_config(Path(course)))

    @classmethod
    def of(cls, course: Path | Course) -> Course:
        """``course`` itself when already open, else :meth:`open` it."""
        return course if isinstance(course, Course) else cls.open(course)

    @property
    def root(self) -> Path:
        return self.dirs.root

    @property
    def course_id(self) -> str:
        return self.dirs.course_id

    @property
    def db_url(self) -> str:
        return self.dirs.db_url

    @cached_property
    def modes(self) -> output.Modes:
        """How this course's records are written: owner-only, or readable by the group named
        in ``c.Peercert.share_group`` (and writable by it when the course is
        ``CourseDirectory.groupshared``); CourseError when that group cannot be used."""
        group = self.defaults.share_group
        if group == "":
            return output.PRIVATE
        try:  # a name, or a numeric gid (Kubernetes: apply --numeric-ids writes it quoted)
            return output.Modes.shared(str(group), writable=self.dirs.groupshared)
        except LookupError as exc:
            raise CourseError(f"c.Peercert.share_group = {group!r}: {exc}",
                              path=self.root / CONFIG_NAME) from None

    def protect(self) -> None:
        """Create the course's private folders (stage folders, ``.peercert``, ``reports``)
        with :attr:`modes`, and give them, the evidence files (``approvals.csv`` is written by
        hand) and the SQLite gradebook those modes when other programs (nbgrader, an editor,
        an older peercert) made them readable to others. A few system calls."""
        modes = self.modes
        for path in [*(self.folder(s) for s in PRIVATE_STAGES),
                     *(self.root / f for f in PRIVATE_FOLDERS)]:
            output.make_dirs(path, modes)
            modes.tighten(path)
        for name in PRIVATE_FILES:
            modes.tighten(self.root / name)
        if self.sqlite_path is not None:
            modes.tighten(self.sqlite_path)

    @property
    def hidden_test_markers(self) -> tuple[str, str]:
        return nbc.hidden_test_markers(self.config)

    def folder(self, stage: str) -> Path:
        """``<root>/<stage folder>`` for source, release, submitted, autograded or feedback."""
        return self.root / str(getattr(self.dirs, stage))

    def notebook(self, stage: str, trainee: str, quiz: str) -> Path:
        """A trainee's notebook of ``quiz`` at a stage (``submitted`` or ``autograded``)."""
        return self.folder(stage) / trainee / quiz / f"{quiz}.ipynb"

    def exchange(self, kind: str) -> Path:
        """This course's folder of nbgrader's exchange: ``inbound``, ``outbound`` or
        ``feedback`` (under ``Exchange.root``)."""
        return nbc.exchange_root(self.config) / self.course_id / kind

    def submission(self, trainee: str, quiz: str) -> Path:
        return self.folder("submitted") / trainee / quiz

    def submitters(self, quiz: str) -> list[str]:
        """Folder names under the submitted folder holding a collected submission of ``quiz``."""
        return sorted(p.parent.name for p in self.folder("submitted").glob(f"*/{quiz}")
                      if p.is_dir())

    @property
    def status_dir(self) -> Path:
        return self.root / ".peercert" / "status"

    @property
    def grade_lock(self) -> Path:
        """Held (``flock``) while a grading run writes grades: see :mod:`peercert.grade.lock`."""
        return self.root / ".peercert" / "grade.lock"

    # --- gradebook ---------------------------------------------------------------------

    @property
    def sqlite_path(self) -> Path | None:
        return (Path(self.db_url.removeprefix("sqlite:///"))
                if self.db_url.startswith("sqlite:///") else None)

    def has_gradebook(self) -> bool:
        """False for an SQLite gradebook that does not exist yet (opening would create it)."""
        path = self.sqlite_path
        return path is None or path.is_file()

    @cached_property
    def engine(self) -> sa.Engine:
        """The one engine for this course's gradebook (WAL only when the course asks).

        SQLite waits up to :data:`peercert.defaults.SQLITE_BUSY_TIMEOUT` for another
        writer's commit (formgrader, another peercert run) instead of failing at once.
        """
        import sqlalchemy as sa

        from peercert.defaults import SQLITE_BUSY_TIMEOUT

        sqlite = self.db_url.startswith("sqlite")
        engine = sa.create_engine(
            self.db_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT} if sqlite else {})
        if engine.dialect.name == "sqlite":
            wal = self.defaults.sqlite_wal
            sa.event.listen(engine, "connect", lambda conn, _rec: nbc.sqlite_pragmas(conn, wal))
        return engine

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[sa.Connection]:
        """A gradebook connection; a transaction committed on success when ``write``.

        NoGradesError when the SQLite gradebook does not exist (never creates one).
        """
        if not self.has_gradebook():
            raise NoGradesError(f"no graded submissions yet: {self.sqlite_path} does not exist")
        if write:
            with self.engine.begin() as conn:
                yield conn
        else:
            with self.engine.connect() as conn:
                yield conn

    def create_gradebook(self) -> bool:
        """Create nbgrader's gradebook if missing, without the ``alembic`` executable.

        The course's private folders and an SQLite gradebook get the course's modes
        (:meth:`protect`); SQLite gives its journal files the database's mode. A program
        course's URL names its schema in the program database (:mod:`peercert.program_db`);
        the schema is created first when missing.
        """
        from peercert.program_db import ensure_schema

        path = self.sqlite_path
        if path is not None and not path.exists():
            output.make_dirs(path.parent, self.modes)
            # created empty with the course's modes first: SQLite keeps an existing file's
            # mode, and nobody else can open it in between
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            os.close(fd)
            self.modes.apply(path)
        ensure_schema(self.db_url)
        created = nbc.create_gradebook(self.db_url)
        self.protect()
        return created

    @contextmanager
    def nbgrader_gradebook(self) -> Iterator[Any]:
        """nbgrader's own :class:`nbgrader.api.Gradebook` on this course (created first,
        without the ``alembic`` executable), for the writes peercert leaves to nbgrader's API:
        adding and removing students."""
        from nbgrader.api import Gradebook

        self.create_gradebook()
        with Gradebook(self.db_url, course_id=self.course_id) as gb:
            yield gb

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
            del self.__dict__["engine"]

    def quizzes(self) -> list[str]:
        """Quizzes (assignments) of this course in the gradebook, sorted."""
        a = nbc.assignment
        with self.connect() as conn:
            return sorted(conn.execute(
                a.select().with_only_columns(a.c.name)
                .where(a.c.course_id == self.course_id)).scalars())

    def students(self) -> list[tuple[str, str | None, str | None]]:
        """(id, first name, last name) of this course's students, sorted by id.

        nbgrader's ``student`` table has no course column. When the gradebook also holds
        other courses' quizzes (a shared set of tables instead of a schema per course), only
        the students with a submission in this course are this course's: the others cannot
        be told apart and are left out rather than mixed into this cohort.
        """
        import sqlalchemy as sa

        s, sub, a = nbc.student, nbc.submitted_assignment, nbc.assignment
        stmt = sa.select(s.c.id, s.c.first_name, s.c.last_name)
        with self.connect() as conn:
            shared = conn.execute(sa.select(a.c.id).where(a.c.course_id != self.course_id)
                                  .limit(1)).first() is not None
            if shared:
                stmt = stmt.where(s.c.id.in_(
                    sa.select(sub.c.student_id).join(a, a.c.id == sub.c.assignment_id)
                    .where(a.c.course_id == self.course_id)))
            # sorted here, not by the database, whose collation may differ
            return sorted((i, f, la) for i, f, la in conn.execute(stmt))

    def grade_rows(self, quiz: str | None = None) -> list[tuple[Any, ...]]:
        """Every grade cell score of this course: one row per trainee, quiz and item.

        Columns :data:`GRADE_ROW_COLUMNS`; ``score`` follows nbgrader's rule (manual wins
        over auto, plus extra credit) but is None while a cell is not graded at all.
        """
        import sqlalchemy as sa

        g, gc, bc = nbc.grade, nbc.grade_cells, nbc.base_cell
        sn, sub, a = nbc.submitted_notebook, nbc.submitted_assignment, nbc.assignment
        stmt = (
            sa.select(sub.c.student_id, a.c.name, bc.c.name, gc.c.max_score, g.c.auto_score,
                      g.c.manual_score, g.c.extra_credit, g.c.needs_manual_grade,
                      sub.c.timestamp)
            .select_from(g)
            .join(gc, g.c.cell_id == gc.c.id).join(bc, bc.c.id == gc.c.id)
            .join(sn, g.c.notebook_id == sn.c.id).join(sub, sn.c.assignment_id == sub.c.id)
            .join(a, sub.c.assignment_id == a.c.id)
            .where(a.c.course_id == self.course_id)
        )
        if quiz is not None:
            stmt = stmt.where(a.c.name == quiz)
        with self.connect() as conn:
            rows = conn.execute(stmt).all()
        return [(t, q, i, mx, au, ma, ex, nbc.grade_score(au, ma, ex), bool(nm), ts)
                for t, q, i, mx, au, ma, ex, nm, ts in rows]


def check_step(result: dict[str, Any], what: str) -> None:
    """Raise StepError (alias StepFailed) when an ``NbGraderAPI`` call returned no success."""
    if not result.get("success"):
        raise StepError(f"{what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")


def release_quizzes(api: NbGraderAPI, quizzes: list[str],
                    on_release: Callable[[str], None] = lambda _q: None) -> None:
    """``nbgrader generate_assignment`` then ``release_assignment`` for each quiz, in order."""
    for quiz in quizzes:
        check_step(api.generate_assignment(quiz), f"nbgrader generate_assignment {quiz}")
        check_step(api.release_assignment(quiz), f"nbgrader release_assignment {quiz}")
        on_release(quiz)

"""Every nbgrader rule peercert mirrors, in one place, each naming what it mirrors.

peercert reads and writes nbgrader's gradebook and course folders without importing the
``nbgrader`` package on the grading path: ``import nbgrader`` runs its ``__init__``, which
loads the server extensions, the exchange, jupyter_server and a JSON-schema grammar (about
2.5 s) that ``peercert grade`` never needs. So the few rules peercert shares with nbgrader are
restated here, and ``tests/test_nbgrader_compat.py`` checks each against nbgrader itself on
the same input (and that nbgrader's tables still have every column peercert writes).

No private nbgrader API is called anywhere in peercert.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# --- course folders: nbgrader.coursedir.CourseDirectory ------------------------------------

FOLDER_TRAITS = {  # CourseDirectory trait -> nbgrader's default
    "source_directory": "source",
    "release_directory": "release",
    "submitted_directory": "submitted",
    "autograded_directory": "autograded",
    "feedback_directory": "feedback",
}


@dataclass(frozen=True)
class CourseDirectory:
    """The ``CourseDirectory`` traits peercert uses, with nbgrader's defaults.

    Mirrors ``nbgrader.coursedir.CourseDirectory``: ``course_id`` is stripped, ``root`` made
    absolute, ``db_url`` defaults to ``sqlite:///<root>/gradebook.db``.
    """

    root: Path
    course_id: str
    db_url: str
    source: str = "source"
    release: str = "release"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"
    groupshared: bool = False

    @classmethod
    def from_config(cls, config: Any) -> CourseDirectory:
        section = config.get("CourseDirectory", {}) if config is not None else {}
        root = os.path.abspath(str(section.get("root") or os.getcwd()))
        db_url = str(section.get("db_url") or "") or "sqlite:///{}".format(
            os.path.abspath(os.path.join(root, "gradebook.db")))
        folders = {trait.removesuffix("_directory"): str(section.get(trait, default))
                   for trait, default in FOLDER_TRAITS.items()}
        return cls(Path(root), str(section.get("course_id", "")).strip(), db_url, **folders,
                   groupshared=bool(section.get("groupshared", False)))


# --- the exchange: nbgrader.exchange.default ----------------------------------------------

EXCHANGE_ROOT = "/usr/local/share/nbgrader/exchange"  # Exchange.root's default (0.9)


def exchange_root(config: Any) -> Path:
    """``Exchange.root`` of a course's config, with nbgrader's default."""
    section = config.get("Exchange", {}) if config is not None else {}
    return Path(str(section.get("root") or EXCHANGE_ROOT))


# The modes nbgrader's exchange gives its folders: ``ExchangeReleaseAssignment.ensure_root``
# and ``init_dest``, ``ExchangeReleaseFeedback.init_dest``; groupshared adds what they add.
EXCHANGE_ROOT_MODE = 0o777  # nbgrader's release resets the root to this (ignoring the sticky bit)
STICKY = 0o1000


def exchange_modes(groupshared: bool = False) -> dict[str, int]:
    """Mode of ``<root>/<course_id>`` and its ``outbound``, ``inbound`` and ``feedback``."""
    shared = 0o2020 if groupshared else 0
    return {"": 0o755 | shared, "outbound": 0o755 | shared,
            "inbound": 0o2733 | (0o040 if groupshared else 0),
            "feedback": 0o711 | (0o2060 if groupshared else 0)}


def make_exchange(root: Path, course_id: str, groupshared: bool = False) -> Path:
    """Create a course's exchange with nbgrader's modes, before any trainee can.

    The root must stay writable by everyone (nbgrader's submit and list check it, and its
    release resets it to 0777); it also gets the sticky bit, as ``/tmp`` has, which nbgrader
    keeps: nobody can then rename or remove a folder someone else created there, such as this
    course's. The course's folders are made now, as nbgrader would make them, so that no
    trainee can create them first. Existing folders are left as they are.
    """
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, EXCHANGE_ROOT_MODE | STICKY)
    for name, mode in exchange_modes(groupshared).items():
        folder = root / course_id / name if name else root / course_id
        if not folder.is_dir():
            folder.mkdir()
            os.chmod(folder, mode)  # mkdir's mode is cut by the umask, as nbgrader notes
    return root


def feedback_page_mode(config: Any) -> int:
    """``GenerateFeedback.permissions``: the mode of a feedback page (644; 664 groupshared).

    ``release_feedback`` copies the page into the exchange with its mode, where the trainee's
    own process must read it: pages keep nbgrader's mode (their folders are private).
    Written like nbgrader reads it: the digits of an octal mode (``644``).
    """
    section = config.get("GenerateFeedback", {}) if config is not None else {}
    groupshared = bool((config.get("CourseDirectory", {}) if config is not None else {})
                       .get("groupshared", False))
    return int(str(section.get("permissions", 664 if groupshared else 644)), 8)


def inbound_record(name: str) -> tuple[str, str, str] | None:
    """(trainee, quiz, timestamp text) of an inbound submission folder's name, as
    ``ExchangeCollect._path_to_record`` splits ``<trainee>+<quiz>+<timestamp>[+<random>]``;
    None for a name it would reject."""
    parts = name.rsplit("+", 3)
    if len(parts) < 3:
        return None
    return parts[0], parts[1], parts[2]


def collect_choice(records: list[dict[str, Any]], duedate: Any,
                   before_duedate: bool) -> dict[str, Any]:
    """One trainee's inbound submission that ``ExchangeCollect.init_src`` collects, of their
    ``records`` (each with a ``timestamp``): the newest; with ``before_duedate`` and a due
    date, the newest on or before it if there is one."""
    ordered = sorted(records, key=lambda rec: rec["timestamp"], reverse=True)
    if duedate is not None and before_duedate:
        before = [rec for rec in ordered if rec["timestamp"] <= duedate]
        if before:
            return before[0]
    return ordered[0]


# --- hidden tests: nbgrader.preprocessors.ClearHiddenTests --------------------------------

BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"


def hidden_test_markers(config: Any) -> tuple[str, str]:
    """``ClearHiddenTests.begin_test_delimeter``, ``end_test_delimeter`` (sic)."""
    section = config.get("ClearHiddenTests", {}) if config is not None else {}
    return (str(section.get("begin_test_delimeter", BEGIN_HIDDEN_TESTS)),
            str(section.get("end_test_delimeter", END_HIDDEN_TESTS)))


def released_source(source: str, markers: tuple[str, str] = (BEGIN_HIDDEN_TESTS,
                                                              END_HIDDEN_TESTS)) -> str:
    """A cell as trainees received it: ``ClearHiddenTests._remove_hidden_test_region``'s output.

    Lenient where nbgrader raises (nested or unclosed regions): such a source was never
    released, and the trusted copy is restored anyway.
    """
    begin, end = markers
    kept, hidden = [], False
    for line in source.split("\n"):
        if begin in line:
            hidden = True
        elif end in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


# --- cell metadata and checksums: nbgrader.utils ------------------------------------------

def _nbgrader_meta(cell: Mapping[str, Any]) -> Mapping[str, Any] | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    if type(meta) is dict or meta is None:  # the common cases, without Mapping's slow check
        return meta
    return meta if isinstance(meta, Mapping) else None


def flags(meta: Mapping[str, Any] | None) -> tuple[bool, bool, bool]:
    """(``is_grade``, ``is_solution``, ``is_locked``) of a cell's nbgrader metadata at once."""
    if not meta:
        return False, False, False
    grade = bool(meta.get("grade", False))
    solution = bool(meta.get("solution", False))
    return grade, solution, not solution and (grade or bool(meta.get("locked", False)))


def is_grade(cell: Mapping[str, Any]) -> bool:
    """``nbgrader.utils.is_grade``."""
    return flags(_nbgrader_meta(cell))[0]


def is_solution(cell: Mapping[str, Any]) -> bool:
    """``nbgrader.utils.is_solution``."""
    return flags(_nbgrader_meta(cell))[1]


def is_locked(cell: Mapping[str, Any]) -> bool:
    """``nbgrader.utils.is_locked``: grade cells that are not solutions are always locked."""
    return flags(_nbgrader_meta(cell))[2]


def grade_id(cell: Mapping[str, Any]) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    if type(meta) is dict:  # the common case first: this runs for every cell, several times
        return meta.get("grade_id")
    if meta is None:  # no nbgrader metadata, told without Mapping's slow isinstance check
        return None
    return meta.get("grade_id") if isinstance(meta, Mapping) and meta else None


def compute_checksum(cell: Mapping[str, Any]) -> str:
    """``nbgrader.utils.compute_checksum`` on a cell's JSON (source as one string)."""
    source = cell.get("source", "")
    grade, solution, locked = flags(_nbgrader_meta(cell))
    m = hashlib.md5()
    for part in ("".join(source) if isinstance(source, list) else source, cell["cell_type"],
                 str(grade), str(solution), str(locked),
                 cell["metadata"]["nbgrader"]["grade_id"]):
        m.update(part.encode("utf-8"))
    if grade:
        m.update(str(float(cell["metadata"]["nbgrader"]["points"])).encode("utf-8"))
    return m.hexdigest()


def dedupe_grade_ids(cells: list[dict[str, Any]]) -> list[int]:
    """``DeduplicateIds``: of the grade, solution or locked cells sharing a grade id, the last
    keeps it; earlier copies get empty nbgrader metadata. Returns the indexes of those."""
    seen: set[str] = set()
    dropped = []
    for index in range(len(cells) - 1, -1, -1):
        cell = cells[index]
        if not any(flags(_nbgrader_meta(cell))):
            continue
        gid = cell["metadata"]["nbgrader"]["grade_id"]
        if gid in seen:
            cell["metadata"]["nbgrader"] = {}
            dropped.append(index)
        else:
            seen.add(gid)
    return sorted(dropped)


# --- timestamps and ids: nbgrader.utils.parse_utc, nbgrader.api.new_uuid ------------------

_UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})? UTC\Z")


def parse_utc(ts: str | datetime.datetime | None) -> datetime.datetime | None:
    """``nbgrader.utils.parse_utc``: a naive UTC datetime from a timestamp.txt value."""
    if ts is None:
        return None
    if isinstance(ts, str) and _UTC_STAMP.match(ts):
        # The form nbgrader writes (``get_timestamp``): read as dateutil reads it, faster.
        return datetime.datetime.fromisoformat(ts[:-4])
    if not isinstance(ts, datetime.datetime):
        import dateutil.parser
        import dateutil.tz

        parts = ts.split(" ")
        if len(parts) == 3:
            tz: Any
            try:
                tz = int(parts[2])
            except ValueError:
                tz = dateutil.tz.gettz(parts[2])
            ts = dateutil.parser.parse(" ".join([*parts[:2], "TZ"]), tzinfos={"TZ": tz})
        else:
            ts = dateutil.parser.parse(ts)
    assert isinstance(ts, datetime.datetime)
    offset = ts.utcoffset()
    if ts.tzinfo is not None and offset is not None:
        ts = (ts - offset).replace(tzinfo=None)
    return ts


def new_uuid() -> str:
    """``nbgrader.api.new_uuid``."""
    return uuid.uuid4().hex


def new_uuids(n: int) -> list[str]:
    """``n`` new row ids, 32 hex digits like :func:`new_uuid`'s, in increasing order.

    Time-ordered UUIDs (version 7 of RFC 9562: milliseconds since 1970, then a counter
    within this call, then random bits) instead of nbgrader's random version-4 ones: the
    gradebook's indexes are keyed by these ids, and new keys that sort after the old ones
    are appended to an index instead of landing on a random page of it, which keeps a batch
    of grades fast in a gradebook of millions of rows. nbgrader only compares ids.
    """
    ms = time.time_ns() // 1_000_000
    raw = os.urandom(8 * n)
    out = []
    head = (ms & (1 << 48) - 1) << 80 | 0x7 << 76 | 0b10 << 62  # time, version, variant
    for i in range(n):  # the counter: 12 bits before the variant, 20 after it
        rand = int.from_bytes(raw[8 * i:8 * i + 8], "big") & (1 << 42) - 1
        value = head | (i >> 20 & 0xFFF) << 64 | (i & 0xFFFFF) << 42 | rand
        out.append(f"{value:032x}")
    return out


# --- scores: nbgrader.api.Grade.score and SaveAutoGrades ----------------------------------

def grade_score(auto: float | None, manual: float | None, extra: float | None) -> float | None:
    """``Grade.score``: the manual score wins over the auto score, plus extra credit.

    nbgrader counts an ungraded cell as 0; peercert returns None so that "not graded yet"
    is never shown as a zero. ``(x or 0.0)`` gives nbgrader's number exactly.
    """
    base = manual if manual is not None else auto
    return None if base is None else base + (extra or 0.0)


def grade_score_sql(grade: sa.Table) -> sa.ColumnElement[Any]:
    """``Grade.score`` as SQL (0.0 for an ungraded cell, as nbgrader)."""
    extra = sa.func.coalesce(grade.c.extra_credit, 0.0)
    return sa.case((grade.c.manual_score.isnot(None), grade.c.manual_score + extra),
                   (grade.c.auto_score.isnot(None), grade.c.auto_score + extra), else_=0.0)


def needs_manual_grade(auto: float | None, manual: float | None) -> bool:
    """``SaveAutoGrades._add_score``: review when a grader scored it before, or no auto score."""
    return manual is not None or auto is None


NO_RESPONSE = "No response."  # SaveAutoGrades._add_comment, for a solution left as released


# --- late penalties: nbgrader.preprocessors.AssignLatePenalties ---------------------------

class LatePenalty:
    """The course's late-submission penalty, as ``AssignLatePenalties`` assigns it.

    nbgrader's stock ``LateSubmissionPlugin`` (``penalty_method`` ``none`` or ``zero``) is
    mirrored here; a course that configures its own ``AssignLatePenalties.plugin_class`` gets
    that plugin, loaded through nbgrader's public API. The clamp to ``[0, score]`` mirrors
    ``AssignLatePenalties._check_late_penalty``.
    """

    def __init__(self, config: Any = None):
        section = config.get("AssignLatePenalties", {}) if config is not None else {}
        self.plugin: Any = None
        if "plugin_class" in section:
            from nbgrader.preprocessors import AssignLatePenalties

            pre = AssignLatePenalties(config=config)
            pre.init_plugin()
            self.plugin = pre.plugin_inst
        plugin = config.get("LateSubmissionPlugin", {}) if config is not None else {}
        self.method = str(plugin.get("penalty_method", "none"))
        if self.method not in ("none", "zero"):
            from peercert.errors import CourseError

            raise CourseError(f"LateSubmissionPlugin.penalty_method must be 'none' or 'zero', "
                              f"not {self.method!r}")

    def penalty(self, trainee: str, score: float, seconds_late: float) -> float | None:
        if self.plugin is not None:
            value = self.plugin.late_submission_penalty(trainee, score, seconds_late)
        else:
            value = score if self.method == "zero" else None
        return None if value is None else clamp_penalty(value, score)


def clamp_penalty(penalty: float, score: float) -> float:
    """``AssignLatePenalties._check_late_penalty``: no negative penalty, none above the score."""
    if penalty < 0:
        return 0
    return score if penalty > score else penalty


def seconds_late(stamp: datetime.datetime | None, duedate: datetime.datetime | None,
                 extension: datetime.timedelta | None) -> float:
    """``SubmittedAssignment.total_seconds_late``: past the due date plus any extension."""
    if stamp is None or duedate is None:
        return 0.0
    due = duedate + extension if extension is not None else duedate
    return max(0.0, (stamp - due).total_seconds())


# --- gradebook tables: nbgrader.api ------------------------------------------------------
# Only the columns peercert reads or writes, with nbgrader's names and types. SQLAlchemy Core
# tables on their own MetaData: never used to create a schema, only to query and insert.

META = sa.MetaData()
_S = sa.String(128)
course = sa.Table("course", META, sa.Column("id", _S, primary_key=True))
student = sa.Table("student", META, sa.Column("id", _S, primary_key=True),
                   sa.Column("first_name", _S), sa.Column("last_name", _S))
assignment = sa.Table("assignment", META, sa.Column("id", sa.String(32), primary_key=True),
                      sa.Column("name", _S), sa.Column("duedate", sa.DateTime),
                      sa.Column("course_id", _S))
notebook = sa.Table("notebook", META, sa.Column("id", sa.String(32), primary_key=True),
                    sa.Column("name", _S), sa.Column("assignment_id", sa.String(32)))
base_cell = sa.Table("base_cell", META, sa.Column("id", sa.String(32), primary_key=True),
                     sa.Column("name", _S), sa.Column("notebook_id", sa.String(32)),
                     sa.Column("type", sa.String(50)))
grade_cells = sa.Table("grade_cells", META, sa.Column("id", sa.String(32), primary_key=True),
                       sa.Column("max_score", sa.Float), sa.Column("cell_type", sa.String(8)))
solution_cells = sa.Table("solution_cells", META,
                          sa.Column("id", sa.String(32), primary_key=True))
task_cells = sa.Table("task_cells", META, sa.Column("id", sa.String(32), primary_key=True),
                      sa.Column("max_score", sa.Float), sa.Column("cell_type", sa.String(8)))
source_cell = sa.Table("source_cell", META, sa.Column("id", sa.String(32), primary_key=True),
                       sa.Column("name", _S), sa.Column("cell_type", sa.String(8)),
                       sa.Column("locked", sa.Boolean), sa.Column("source", sa.Text),
                       sa.Column("checksum", _S), sa.Column("notebook_id", sa.String(32)))
submitted_assignment = sa.Table(
    "submitted_assignment", META, sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("assignment_id", sa.String(32)), sa.Column("student_id", _S),
    sa.Column("timestamp", sa.DateTime), sa.Column("extension", sa.Interval))
submitted_notebook = sa.Table(
    "submitted_notebook", META, sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("assignment_id", sa.String(32)), sa.Column("notebook_id", sa.String(32)),
    sa.Column("flagged", sa.Boolean), sa.Column("late_submission_penalty", sa.Float))
grade = sa.Table(
    "grade", META, sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("notebook_id", sa.String(32)), sa.Column("cell_id", sa.String(32)),
    sa.Column("auto_score", sa.Float), sa.Column("manual_score", sa.Float),
    sa.Column("extra_credit", sa.Float), sa.Column("needs_manual_grade", sa.Boolean))
comment = sa.Table(
    "comment", META, sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("notebook_id", sa.String(32)), sa.Column("cell_id", sa.String(32)),
    sa.Column("auto_comment", sa.Text), sa.Column("manual_comment", sa.Text))


# --- creating a gradebook: nbgrader.api.Gradebook.__init__ --------------------------------

def create_gradebook(db_url: str) -> bool:
    """Create nbgrader's schema and ``alembic_version`` row if the database has no tables.

    ``Gradebook.__init__`` asks for the alembic head by running the ``alembic`` executable
    found on ``PATH``, which fails when peercert runs without its virtual environment
    activated (an absolute path, pipx, cron, a hub service). Asking alembic's Python API for
    the same head needs no ``PATH``; nbgrader then finds the tables and skips its own step.
    Returns True when the database was created.
    """
    from alembic.script import ScriptDirectory
    from nbgrader import dbutil
    from nbgrader.api import Base

    engine = sa.create_engine(db_url)
    try:
        if sa.inspect(engine).get_table_names():
            return False
        head = ScriptDirectory(dbutil.ALEMBIC_DIR).get_current_head()
        with engine.begin() as conn:
            Base.metadata.create_all(bind=conn)
            conn.execute(sa.text("CREATE TABLE alembic_version "
                                 "(version_num VARCHAR(32) NOT NULL)"))
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                         {"v": head})
        return True
    finally:
        engine.dispose()


def sqlite_pragmas(dbapi_conn: Any, wal: bool) -> None:
    """Per-connection SQLite settings: a page cache of ``peercert.defaults.SQLITE_CACHE_KIB``
    (not stored in the file), and the WAL journal (with NORMAL sync: no fsync per commit,
    still safe against corruption) only when the course asks for it
    (``c.Peercert.sqlite_wal = True``): WAL is persistent and does not work on network file
    systems. Otherwise SQLite's defaults, as nbgrader leaves them."""
    from peercert.defaults import SQLITE_CACHE_KIB

    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}")
    if wal:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

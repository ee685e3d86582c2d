"""Defaults defined once. A course overrides them in its ``nbgrader_config.py``::

    c.Peercert.workers = 4
    c.Peercert.mastery_threshold = 0.75
    c.Peercert.sqlite_wal = True     # WAL journal for the SQLite gradebook (not on network drives)
    c.Peercert.instant_feedback = ["boundaries", "recovery"]   # or "practice", "all", "none"
    c.Peercert.watch_interval = 1.0  # seconds between looks at the exchange (peercert watch)
    c.Peercert.feedback_modules = "modules"  # modules folder, as trainees see it ("" = no links)
    c.Peercert.lock_timeout = 600    # seconds a grading run waits for another one on the course
    c.Peercert.share_group = "instructors"  # records readable by this group (or gid "1234567")

Read through :attr:`peercert.course.Course.defaults`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MASTERY_THRESHOLD = 0.70  # share of points below which a competency is listed for a trainee
WORKERS = 2  # processes that read and score submissions
COMPLETION_PERCENT = 70.0  # percent of a module quiz's points that completes the module
# Quizzes ``peercert watch`` grades and returns feedback on as soon as they are submitted:
# "practice" is every module quiz (practice quizzes), never the practice exam, which an
# instructor releases feedback on by hand; "all", "none", or a list of quiz ids.
INSTANT_FEEDBACK = "practice"
PRACTICE_EXAM = "practice-exam"
WATCH_INTERVAL = 1.0  # seconds between two looks at the exchange (an idle look: ~10 ms)
# The modules folder, relative to the folder where trainees fetch quizzes (their Jupyter
# home on a hub; the course folder when JupyterLab runs there): feedback pages link missed
# items to module sections through it. "" leaves plain module names, without links.
FEEDBACK_MODULES = "modules"

# --- Limits on what peercert reads (issue 14) ---------------------------------------------
# Checked before anything is parsed, so one hostile file costs a few milliseconds and never
# more than about 300 MB in one process; each refusal names the limit. Deliberately not
# course settings: a limit that a config file can lift protects nobody.
MAX_NOTEBOOK_BYTES = 25_000_000  # a submitted notebook file (a quiz notebook is ~30 kB)
MAX_NOTEBOOK_VALUES = 500_000  # JSON values (objects, lists, strings, numbers) in it
MAX_ANSWER_CHARS = 100_000  # source of one code cell that grading reads (answers are a line)
MAX_TIMESTAMP_BYTES = 1_000  # a submission's timestamp.txt (one line)
MAX_SECRET_BYTES = 1_000  # its submission_secret.txt (nbgrader writes 128 hex digits)
MAX_SUBMISSION_FILES = 1_000  # files and folders in one submission folder
MAX_BANK_BYTES = 1_000_000  # an item bank (the largest shipped bank is ~115 kB)

# --- Concurrent commands on one course (issue 14) -------------------------------------------
LOCK_TIMEOUT = 600.0  # seconds a grading run waits for another one's gradebook writes
SQLITE_BUSY_TIMEOUT = 60.0  # seconds an SQLite statement waits for another writer's commit
# SQLite page cache of each gradebook connection, in KiB (SQLite's default: 2,000): a batch
# of grades touches pages all over the grade table's indexes, and a smaller cache spills
# them to the file (and syncs the journal) before the batch commits. Per connection only.
SQLITE_CACHE_KIB = 65_536


@dataclass(frozen=True)
class Defaults:
    """Course-level defaults; each field can be set as ``c.Peercert.<field>`` in the config."""

    workers: int = WORKERS
    mastery_threshold: float = MASTERY_THRESHOLD
    completion_percent: float = COMPLETION_PERCENT
    sqlite_wal: bool = False
    instant_feedback: str | tuple[str, ...] = INSTANT_FEEDBACK
    watch_interval: float = WATCH_INTERVAL
    feedback_modules: str = FEEDBACK_MODULES
    lock_timeout: float = LOCK_TIMEOUT
    # A group of instructors who may read the course's records (gradebook, evidence, reports,
    # collected and autograded notebooks): 0640 files, 0750 folders in that group; a name or
    # a numeric gid ("1234567", Kubernetes pods). "" (the default): owner only, 0600 and
    # 0700. See Course.modes and peercert.output.Modes.
    share_group: str = ""

    @classmethod
    def from_config(cls, section: Any) -> Defaults:
        """The defaults with what the config's ``Peercert`` section sets (unknown keys ignored)."""
        base = cls()
        known = {f.name: f.type for f in fields(cls)}
        given = {k: section[k] for k in (section or {}) if k in known}
        if isinstance(given.get("instant_feedback"), list | tuple | set):
            given["instant_feedback"] = tuple(given["instant_feedback"])
        return replace(base, **given)

    def instant(self, quiz: str, module: str = "") -> bool:
        """Whether ``peercert watch`` returns feedback on ``quiz`` as soon as it is submitted.

        ``module`` is the quiz's module (``practice-exam`` for the exam), when known.
        """
        setting = self.instant_feedback
        if isinstance(setting, tuple):
            return quiz in setting
        if setting == "all":
            return True
        if setting == "practice":
            return PRACTICE_EXAM not in (quiz, module)
        if setting == "none":
            return False
        return quiz == setting  # a single quiz id given as a string

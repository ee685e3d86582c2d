"""Defaults defined once. A course overrides them in its ``nbgrader_config.py``::

    c.Peercert.workers = 4
    c.Peercert.mastery_threshold = 0.75
    c.Peercert.sqlite_wal = True     # WAL journal for the SQLite gradebook (not on network drives)

Read through :attr:`peercert.course.Course.defaults`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MASTERY_THRESHOLD = 0.70  # share of points below which a competency is listed for a trainee
WORKERS = 2  # processes that read and score submissions
COMPLETION_PERCENT = 70.0  # percent of a module quiz's points that completes the module


@dataclass(frozen=True)
class Defaults:
    """Course-level defaults; each field can be set as ``c.Peercert.<field>`` in the config."""

    workers: int = WORKERS
    mastery_threshold: float = MASTERY_THRESHOLD
    completion_percent: float = COMPLETION_PERCENT
    sqlite_wal: bool = False

    @classmethod
    def from_config(cls, section: Any) -> Defaults:
        """The defaults with what the config's ``Peercert`` section sets (unknown keys ignored)."""
        base = cls()
        known = {f.name: f.type for f in fields(cls)}
        given = {k: section[k] for k in (section or {}) if k in known}
        return replace(base, **given)

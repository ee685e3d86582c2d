"""nbgrader's collect, refusing a submission made under another trainee's name.

nbgrader names an inbound submission ``<student>+<quiz>+<timestamp>+<random>`` after the
student id the submitter *claims* (``nbgrader submit --student``, or
``CourseDirectory.student_id``), and any trainee can claim any id from a terminal. Stock
``ExchangeCollect`` compares the folder's owner with that id, but only logs "cheating
attempt?" and collects it anyway: the newest submission wins, so one trainee could replace
another's graded work. On Kubernetes the owner has no account, so that warning says
"unknown id" for every submission and means nothing.

:class:`OwnerCheckedCollect` refuses (does not copy) every inbound folder whose owner is not
the claimed trainee, logs each refusal as an error, and collects the rest as nbgrader would:
a trainee whose newest folder was refused gets their own newest one (by nbgrader's rule,
``before_duedate`` included), as if the refused folder were not there. Owners are matched in
one of two ways (``owners``: ``"unix_users"``, by account name; ``"numeric_ids"``, by the
pods' uid), as ``peercert program apply`` writes it (:mod:`peercert.submission_owner`).

Configured in a course's ``nbgrader_config.py`` as ``c.ExchangeFactory.collect``, so that
``nbgrader collect``, formgrader's collect button and ``peercert watch`` all use it.
``ExchangeCollect.check_owner = False`` (nbgrader's switch) turns the check off.

A folder whose name's time stamp cannot be read (any trainee can make one: inbound is
writable by all) is refused the same way, logged, and the rest is collected; stock
``init_src`` fails on it, and with it the whole collect of that quiz for every trainee.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.exchange.default.collect import ExchangeCollect
from traitlets import Enum

from peercert import nbgrader_compat as nbc
from peercert import submission_owner as owner
from peercert.submission_owner import Refusal

__all__ = ["OwnerCheckedCollect", "Refusal"]
_UNREADABLE = "\0unreadable:"  # no trainee id holds a NUL


class OwnerCheckedCollect(ExchangeCollect):
    """``nbgrader collect`` that collects a submission only from its own trainee."""

    owners = Enum(
        list(owner.OWNER_MODES), default_value=owner.OWNER_MODES[0],
        help="How a submission folder's owner is matched to the trainee it names: "
             "'unix_users', the uid of the account of that name (one machine); "
             "'numeric_ids', the uid peercert.deploy.names.user_uid gives that trainee's "
             "pods (Kubernetes).",
    ).tag(config=True)

    check_owner: bool  # nbgrader's trait (untyped there)
    refused: list[Refusal]  # this run's refusals, in the order they were logged
    src_records: list[dict[str, Any]]  # nbgrader's: the folders to collect

    def init_src(self) -> None:
        """nbgrader's ``init_src`` (its checks and its choice of each trainee's submission),
        except that a folder whose time stamp cannot be read is refused, not fatal."""
        self.refused = []
        self._records: list[dict[str, Any]] = []  # every folder it read, chosen or not
        super().init_src()
        self.src_records = [rec for rec in self.src_records
                            if not rec["username"].startswith(_UNREADABLE)]

    def _path_to_record(self, path: str) -> dict[str, Any]:
        try:
            record: dict[str, Any] = super()._path_to_record(path)
        except (ValueError, OverflowError) as exc:
            self._refuse_unreadable(path, exc)
        else:
            self._records.append(record)
            return record
        # a group of its own that init_src drops: never chosen, never compared with others
        return {"username": _UNREADABLE + path, "filename": os.path.basename(path),
                "timestamp": datetime.datetime.min}

    def _refuse_unreadable(self, path: str, exc: Exception) -> None:
        name = os.path.basename(path)
        parsed = nbc.inbound_record(name)
        student = parsed[0] if parsed else "?"
        stamp = parsed[2] if parsed else name
        refusal = Refusal(path, student, None, "", f"its time stamp {stamp!r} cannot be read "
                          f"({exc})")
        self.refused.append(refusal)
        self.log.error(refusal.line(self.coursedir.assignment_id))

    def copy_files(self) -> None:
        if not self.check_owner:
            super().copy_files()
            return
        self.src_records = self._owned_records()
        # checked above; nbgrader's warning would repeat it (or, with numeric ids, say
        # "unknown id" for every submission)
        self.check_owner = False
        try:
            super().copy_files()
        finally:
            self.check_owner = True

    def _owned_records(self) -> list[dict[str, Any]]:
        """nbgrader's choice (``self.src_records``), each refused folder dropped and replaced
        by its trainee's own folder nbgrader would have chosen without it (of the folders
        ``init_src`` read)."""
        who = owner.namer(self.owners, self._gradebook_students)  # names owners for the log
        own: dict[str, list[dict[str, Any]]] = {}
        refused: set[str] = set()
        for rec in sorted(self._records, key=lambda rec: rec["filename"]):
            refusal = owner.check(os.path.join(self.inbound_path, rec["filename"]),
                                  rec["username"], self.owners, who)
            if refusal is not None:
                refused.add(rec["filename"])
                self.refused.append(refusal)
                self.log.error(refusal.line(self.coursedir.assignment_id))
                continue
            own.setdefault(rec["username"], []).append(rec)
        kept = []
        for rec in self.src_records:
            if rec["filename"] not in refused:
                kept.append(rec)
            elif own.get(rec["username"]):
                mine = nbc.collect_choice(own[rec["username"]], self.duedate,
                                          self.before_duedate)
                self.log.warning("%s: collecting their own submission %s instead",
                                 rec["username"], mine["filename"])
                kept.append(mine)
        return kept

    def _gradebook_students(self) -> list[str]:
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            return [s.id for s in gb.students]

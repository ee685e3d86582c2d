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
one of two ways (``owners``), as ``peercert program apply`` writes it:

- ``"unix_users"`` (one machine, ``apply --unix-users``): the folder's owner uid is the uid of
  the account named after the trainee;
- ``"numeric_ids"`` (Kubernetes, ``apply --numeric-ids``): the folder's owner uid is the uid
  the trainee's pods run as, :func:`peercert.deploy.names.user_uid`.

Configured in a course's ``nbgrader_config.py`` as ``c.ExchangeFactory.collect``, so that
``nbgrader collect``, formgrader's collect button and ``peercert watch`` all use it.
``ExchangeCollect.check_owner = False`` (nbgrader's switch) turns the check off.
"""

from __future__ import annotations

import glob
import os
import pwd
import stat
from dataclasses import dataclass
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc
from traitlets import Enum

from peercert import nbgrader_compat as nbc
from peercert.deploy import names

__all__ = ["OwnerCheckedCollect", "Refusal"]


@dataclass(frozen=True)
class Refusal:
    """An inbound folder that was not collected, and why."""

    folder: str
    student: str
    owner_uid: int | None
    owner: str          # the owner's name, or what is known of the uid
    reason: str

    def line(self, quiz: str) -> str:
        return (f"refused {self.folder}: it claims to be {self.student}'s submission of "
                f"{quiz}, but {self.reason}; it is not collected")


class OwnerCheckedCollect(ExchangeCollect):
    """``nbgrader collect`` that collects a submission only from its own trainee."""

    owners = Enum(
        ["unix_users", "numeric_ids"], default_value="unix_users",
        help="How a submission folder's owner is matched to the trainee it names: "
             "'unix_users', the uid of the account of that name (one machine); "
             "'numeric_ids', the uid peercert.deploy.names.user_uid gives that trainee's "
             "pods (Kubernetes).",
    ).tag(config=True)

    check_owner: bool  # nbgrader's trait (untyped there)
    refused: list[Refusal]  # this run's refusals, in the order they were logged
    _student_ids: list[str] | None = None

    def copy_files(self) -> None:
        self.refused = []
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

    # --- which folders to collect ---------------------------------------------------------

    def _owned_records(self) -> list[dict[str, Any]]:
        """nbgrader's choice (``self.src_records``), each refused folder dropped and replaced
        by its trainee's own folder nbgrader would have chosen without it."""
        names_seen = {rec["filename"] for rec in self.src_records}
        pattern = "{}+{}+*".format(self.coursedir.student_id or "*",
                                   self.coursedir.assignment_id)  # nbgrader's own glob
        names_seen.update(os.path.basename(p)
                          for p in glob.glob(os.path.join(self.inbound_path, pattern)))
        own: dict[str, list[dict[str, Any]]] = {}
        refused: set[str] = set()
        for name in sorted(names_seen):
            parsed = nbc.inbound_record(name)
            if parsed is None:
                continue
            refusal = self.check(name, parsed[0])
            if refusal is not None:
                refused.add(name)
                self.refused.append(refusal)
                self.log.error(refusal.line(self.coursedir.assignment_id))
                continue
            try:
                when = parse_utc(parsed[2])
            except (ValueError, OverflowError):
                continue  # nbgrader itself failed on this name before we got here
            own.setdefault(parsed[0], []).append(
                {"username": parsed[0], "filename": name, "timestamp": when})
        kept = []
        for rec in self.src_records:
            if rec["filename"] not in refused:
                kept.append(rec)
            elif own.get(rec["username"]):
                mine = self.choose(own[rec["username"]])
                self.log.warning("%s: collecting their own submission %s instead",
                                 rec["username"], mine["filename"])
                kept.append(mine)
        return kept

    def choose(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """One trainee's submission to collect, by ``ExchangeCollect.init_src``'s rule: the
        newest; with ``before_duedate`` and a due date, the newest before it if any."""
        ordered = sorted(records, key=lambda rec: rec["timestamp"], reverse=True)
        if self.duedate is not None and self.before_duedate:
            before = [rec for rec in ordered if rec["timestamp"] <= self.duedate]
            if before:
                return before[0]
        return ordered[0]

    # --- whose folder it is -----------------------------------------------------------------

    def check(self, name: str, student: str) -> Refusal | None:
        """None when the inbound folder ``name`` belongs to ``student``; else why not."""
        path = os.path.join(self.inbound_path, name)
        try:
            st = os.lstat(path)  # a link is not followed: its target is not the submission
        except OSError as exc:
            return Refusal(path, student, None, "?", f"it cannot be read ({exc.strerror})")
        owner = self.who(st.st_uid)
        if stat.S_ISLNK(st.st_mode):
            return Refusal(path, student, st.st_uid, owner,
                           f"it is a symbolic link made by uid {st.st_uid} ({owner}), "
                           "not a folder made by nbgrader's submit")
        if not stat.S_ISDIR(st.st_mode):
            return Refusal(path, student, st.st_uid, owner,
                           f"it is not a folder (made by uid {st.st_uid}, {owner})")
        expected, whose = self.expected_uid(student)
        if expected is None:
            return Refusal(path, student, st.st_uid, owner,
                           f"it belongs to uid {st.st_uid} ({owner}) and there is no "
                           f"account named {student}")
        if st.st_uid != expected:
            return Refusal(path, student, st.st_uid, owner,
                           f"it belongs to uid {st.st_uid} ({owner}), not to {student} "
                           f"({whose} {expected}): someone else submitted under "
                           f"{student}'s name")
        return None

    def expected_uid(self, student: str) -> tuple[int | None, str]:
        """The uid a folder of ``student`` must have, and what that uid is."""
        if self.owners == "numeric_ids":
            return names.user_uid(student), "their pods' uid"
        try:
            return pwd.getpwnam(student).pw_uid, "uid"
        except KeyError:
            return None, "uid"

    def who(self, uid: int) -> str:
        """The name behind ``uid``: its account, or with numeric ids the course's student
        whose pods run as it."""
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            pass
        if self.owners == "numeric_ids":
            for student in self._students():
                if names.user_uid(student) == uid:
                    return f"the pods' uid of {student}"
            return "no account, and no student of the course has this uid"
        return "no account"

    def _students(self) -> list[str]:
        cached = self._student_ids
        if cached is None:
            try:
                with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                    cached = [s.id for s in gb.students]
            except Exception:  # only for a log line's wording: never stop the collect
                cached = []
            self._student_ids = cached
        return cached

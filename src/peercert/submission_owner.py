"""Whose submission an inbound folder is: its owner against the trainee its name claims.

nbgrader names an inbound submission after the student id its submitter *claims*, and any
trainee can claim any id (``nbgrader submit --student``). Where ``peercert program apply``
manages who runs as which uid, the folder's owner tells who really submitted it:

- ``"unix_users"`` (one machine, ``apply --unix-users``): the uid of the account named after
  the trainee;
- ``"numeric_ids"`` (Kubernetes, ``apply --numeric-ids``): the uid the trainee's pods run as,
  :func:`peercert.deploy.names.user_uid` (no account behind it).

Used by nbgrader's collect (:class:`peercert.exchange_collect.OwnerCheckedCollect`) and by
``peercert watch``, which must not import nbgrader to look at the exchange.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from peercert.deploy import names

__all__ = ["OWNER_CHECKED_COLLECT", "OWNER_MODES", "Refusal", "check", "namer", "owner_mode"]

# nbgrader's collect that refuses a submission made under another trainee's name
OWNER_CHECKED_COLLECT = "peercert.exchange_collect.OwnerCheckedCollect"
OWNER_MODES = ("unix_users", "numeric_ids")


@dataclass(frozen=True)
class Refusal:
    """An inbound folder that is not collected, and why."""

    folder: str
    student: str
    owner_uid: int | None
    owner: str          # the owner's name, or what is known of the uid
    reason: str

    def line(self, quiz: str) -> str:
        return (f"refused {self.folder}: it claims to be {self.student}'s submission of "
                f"{quiz}, but {self.reason}; it is not collected")


def owner_mode(config: Any) -> str | None:
    """How a course's collect matches owners (one of :data:`OWNER_MODES`), or None when its
    collect is not :class:`~peercert.exchange_collect.OwnerCheckedCollect` or nbgrader's
    ``check_owner`` turns the check off."""
    if config is None:
        return None
    factory = config.get("ExchangeFactory", {}).get("collect")
    path = factory if isinstance(factory, str) else \
        f"{getattr(factory, '__module__', '')}.{getattr(factory, '__qualname__', '')}"
    if path != OWNER_CHECKED_COLLECT:
        return None
    ours = config.get("OwnerCheckedCollect", {})
    if ours.get("check_owner", config.get("ExchangeCollect", {}).get("check_owner", True)) \
            is False:
        return None
    return str(ours.get("owners", OWNER_MODES[0]))


def expected_uid(student: str, mode: str) -> int | None:
    """The uid a folder of ``student`` must have; None when no account has that name."""
    if mode == "numeric_ids":
        return names.user_uid(student)
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        return None


def owner_name(uid: int, mode: str, students: Iterable[str] = ()) -> str:
    """The name behind ``uid``: its account, or with numeric ids the student (of
    ``students``) whose pods run as it."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        pass
    if mode == "numeric_ids":
        for student in students:
            if names.user_uid(student) == uid:
                return f"the pods' uid of {student}"
        return "no account, and no student of the course has this uid"
    return "no account"


def namer(mode: str, students: Callable[[], Iterable[str]]) -> Callable[[int], str]:
    """:func:`owner_name` for one run: with numeric ids, ``students()`` (the course's) is read
    the first time a uid needs a name (never for a folder that is its trainee's own), once;
    a failure to read them only leaves them out of the wording."""
    known: list[str] | None = None

    def who(uid: int) -> str:
        nonlocal known
        if known is None:
            known = []
            if mode == "numeric_ids":
                try:
                    known = list(students())
                except Exception:  # a log line's wording: never stop the caller
                    known = []
        return owner_name(uid, mode, known)

    return who


def check(path: str, student: str, mode: str,
          who: Callable[[int], str] | None = None) -> Refusal | None:
    """None when the inbound folder ``path`` belongs to ``student``; else why not.

    ``who`` names an owner uid (default :func:`owner_name` without the course's students).
    A symbolic link is refused, not followed: its target is not what was submitted.
    """
    try:
        st = os.lstat(path)
    except OSError as exc:
        return Refusal(path, student, None, "?", f"it cannot be read ({exc.strerror})")
    uid = st.st_uid
    expected = expected_uid(student, mode)
    if stat.S_ISDIR(st.st_mode) and expected == uid:
        return None  # the common case: nobody's name is looked up
    owner = (who or (lambda u: owner_name(u, mode)))(uid)
    if stat.S_ISLNK(st.st_mode):
        reason = (f"it is a symbolic link made by uid {uid} ({owner}), "
                  "not a folder made by nbgrader's submit")
    elif not stat.S_ISDIR(st.st_mode):
        reason = f"it is not a folder (made by uid {uid}, {owner})"
    elif expected is None:
        reason = f"it belongs to uid {uid} ({owner}) and there is no account named {student}"
    else:
        whose = "their pods' uid" if mode == "numeric_ids" else "uid"
        reason = (f"it belongs to uid {uid} ({owner}), not to {student} ({whose} "
                  f"{expected}): someone else submitted under {student}'s name")
    return Refusal(path, student, uid, owner, reason)

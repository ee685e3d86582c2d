"""Whose work each collected submission is: an audit of ``submitted/`` against the exchange.

:class:`peercert.exchange_collect.OwnerCheckedCollect` refuses a submission made under
another trainee's name when it collects. Work collected before a course had that check
(stock nbgrader collects it, with a warning in a log nobody kept) is already in
``submitted/`` and maybe graded. This audit looks at every collected submission again:

1. it finds the inbound folders of the exchange that claim the same trainee and quiz and
   hold the same notebook and ``timestamp.txt``, byte for byte (what nbgrader's collect
   copied); the folder names alone would not do, since a submitter writes both;
2. each such folder's owner is checked by the collect's own rule
   (:func:`peercert.submission_owner.check`).

A submission is *own* when every folder it may have come from is the trainee's, *not theirs*
when one of them is someone else's (the grade rests on work the trainee may not have done),
and *not checked* when no folder in the exchange holds it (cleared, or changed since) or
either side cannot be read. Only names, quizzes, folders and owners are reported, never a
line of the work.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from peercert import nbgrader_compat as nbc
from peercert import submission_owner
from peercert.course import Course
from peercert.errors import PeercertError
from peercert.grade.files import Refused, SubmissionFiles, read_inbound, read_submission

__all__ = ["OWN", "NOT_CHECKED", "NOT_THEIRS", "Checked", "audit_owners"]

OWN, NOT_THEIRS, NOT_CHECKED = "own", "not theirs", "not checked"


@dataclass(frozen=True)
class Checked:
    """One collected submission and what the exchange says of it."""

    quiz: str
    trainee: str
    verdict: str  # OWN, NOT_THEIRS or NOT_CHECKED
    folders: tuple[str, ...] = ()  # the inbound folders holding the same files
    reason: str = ""


@dataclass
class OwnerAudit:
    owners: str  # how owners were matched (submission_owner.OWNER_MODES)
    checked: list[Checked] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(c.verdict == verdict for c in self.checked)

    @property
    def ok(self) -> bool:
        return self.count(NOT_THEIRS) == 0


def audit_owners(course: Path | Course, quizzes: Iterable[str] | None = None,
                 owners: str | None = None) -> OwnerAudit:
    """Check every collected submission of ``quizzes`` (default: every quiz) in ``course``.

    ``owners`` is how a folder's owner is matched (``unix_users`` or ``numeric_ids``); by
    default the course's own collect setting, as ``peercert program apply`` writes it.
    """
    c = Course.of(course)
    mode = owners or submission_owner.owner_mode(c.config)
    if mode is None:
        raise PeercertError(
            f"{c.root}: this course's collect does not check owners (its nbgrader_config.py "
            "has no c.ExchangeFactory.collect = "
            f"{submission_owner.OWNER_CHECKED_COLLECT!r}); say how owners are matched "
            f"with --owners ({' or '.join(submission_owner.OWNER_MODES)})")
    if mode not in submission_owner.OWNER_MODES:
        raise PeercertError(f"--owners must be one of {', '.join(submission_owner.OWNER_MODES)}, "
                            f"not {mode!r}")
    inbound = c.exchange("inbound")
    claims = _claims(inbound)
    audit = OwnerAudit(mode)
    chosen = list(quizzes) if quizzes is not None else c.quizzes()
    submitters = {quiz: c.submitters(quiz) for quiz in chosen}
    # names an owner (with numeric ids: whose pods run as the uid, of the course's people)
    who = submission_owner.namer(mode, lambda: sorted(
        {row[0] for row in c.students()}.union(*submitters.values())))

    for quiz in chosen:
        for trainee in submitters[quiz]:
            audit.checked.append(_check(c, inbound, claims.get((trainee, quiz), []),
                                        trainee, quiz, mode, who))
    return audit


def _claims(inbound: Path) -> dict[tuple[str, str], list[str]]:
    """(trainee, quiz) -> the inbound folder names claiming them."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    try:
        names = sorted(os.listdir(inbound))
    except OSError:
        return found
    for name in names:
        record = nbc.inbound_record(name)
        if record is not None:
            found[(record[0], record[1])].append(name)
    return found


def _check(c: Course, inbound: Path, names: list[str], trainee: str, quiz: str, mode: str,
           who: Callable[[int], str]) -> Checked:
    try:
        mine = read_submission(c.folder("submitted"), trainee, quiz)
    except Refused as exc:
        return Checked(quiz, trainee, NOT_CHECKED, reason=f"the collected copy: {exc}")
    sources: list[str] = []  # folders holding exactly the collected files
    unreadable: list[str] = []  # folders that cannot be read safely
    for name in names:
        same = _same(inbound, name, quiz, mine)
        if same:
            sources.append(name)
        elif same is None:
            unreadable.append(name)
    if not sources:
        reason = f"no folder in {inbound} holds this submission (cleared, or replaced since)"
        for name in unreadable:  # stock collect follows a link: it may have come from one
            refusal = submission_owner.check(str(inbound / name), trainee, mode, who)
            if refusal is not None:
                reason += f"; it may have come from {name}, but {refusal.reason}"
        return Checked(quiz, trainee, NOT_CHECKED, reason=reason)
    refusals = [r for r in (submission_owner.check(str(inbound / name), trainee, mode, who)
                            for name in sources) if r is not None]
    if refusals:
        return Checked(quiz, trainee, NOT_THEIRS, tuple(sources),
                       "; ".join(r.reason for r in refusals))
    return Checked(quiz, trainee, OWN, tuple(sources))


def _same(inbound: Path, name: str, quiz: str, mine: SubmissionFiles) -> bool | None:
    """Whether inbound folder ``name`` holds the collected notebook and time stamp; None
    when it cannot be read safely (a link, a file, too large)."""
    try:
        theirs = read_inbound(inbound, name, quiz)
    except (Refused, OSError):
        return None
    return theirs.notebook == mine.notebook and theirs.stamp_text == mine.stamp_text

"""Where a credited hour comes from: one label per record, one category per label.

Every record's ``source`` names where it came from, so every hour peercert credits can be
traced back to a sign-in, a measured module or an approval:

- ``attendance:<module>``: a trainee signed in to a module's facilitator-led session
  (``<course>/attendance.csv``, written by ``peercert attendance``);
- ``self-study:<module>``: the module's measured self-study time, for a completed module;
- ``provider-approved:<body> <number> (<date>)``: hours a training provider declares as
  approved for a module or the whole course (``<course>/approvals.csv``), on completion;
- ``evidence:<file>``: a row of an evidence CSV (hour logs a program keeps).

The first three are *governed*: a credential profile says whether its board accepts them
(``training_sources``). Evidence rows are the program's own logs and always count; so do
records whose label has no known prefix (older data and hand-built tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ATTENDANCE, SELF_STUDY, PROVIDER, EVIDENCE = ("attendance", "self-study", "provider-approved",
                                              "evidence")
GOVERNED = (ATTENDANCE, SELF_STUDY, PROVIDER)
CATEGORIES = (ATTENDANCE, SELF_STUDY, PROVIDER, EVIDENCE)
# What each category is called in CSV column names and on pages.
COLUMN = {ATTENDANCE: "hours_attendance", SELF_STUDY: "hours_self_study",
          PROVIDER: "hours_provider_approved", EVIDENCE: "hours_evidence"}
TITLE = {ATTENDANCE: "Attended sessions (sign-in)", SELF_STUDY: "Self-study (measured)",
         PROVIDER: "Provider-declared, board-approved", EVIDENCE: "Hour logs (evidence files)"}
COURSE_SCOPE = "course"


def attendance_label(module: str) -> str:
    return f"{ATTENDANCE}:{module}"


def self_study_label(module: str) -> str:
    return f"{SELF_STUDY}:{module}"


def provider_label(body: str, number: str, approved: str) -> str:
    return f"{PROVIDER}:{body} {number} ({approved})"


def evidence_label(file_name: str) -> str:
    return f"{EVIDENCE}:{file_name}"


def category(label: str) -> str:
    """The category of a source label; anything unprefixed is an evidence log."""
    head, sep, _ = label.partition(":")
    return head if sep and head in GOVERNED else EVIDENCE


def categories(labels: pd.Index | list[str]) -> np.ndarray:
    """Category codes (positions in CATEGORIES) for many labels at once."""
    index = {c: i for i, c in enumerate(CATEGORIES)}
    return np.array([index[category(str(x))] for x in labels], dtype=np.int64)


def shown(label: str) -> str:
    """How a label reads in a summary: sessions and self-study by category, others in full."""
    cat = category(label)
    if cat in (ATTENDANCE, SELF_STUDY):
        return cat
    head, sep, rest = label.partition(":")
    return f"{cat} {rest}" if sep and head == cat else f"{EVIDENCE} {label}"


def describe(label: str) -> str:
    """A label as a sentence fragment for people: 'Attended the 06-boundaries session'."""
    cat = category(label)
    rest = label.partition(":")[2] if ":" in label else label
    if cat == ATTENDANCE:
        return f"Attended the {rest} session (sign-in)"
    if cat == SELF_STUDY:
        return f"Self-study of module {rest} (measured time, module completed)"
    if cat == PROVIDER:
        return f"Provider-declared, approved by {rest}"
    return f"Hour log {rest if label.startswith(EVIDENCE + ':') else label}"

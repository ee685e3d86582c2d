"""The two tables every analysis works on, and the thresholds that raise flags.

``responses``: long format, one row per trainee, quiz and item::

    trainee  quiz  item_id  score  max_score  answer  omitted

``score`` is the points earned, ``nan`` when not graded yet (a reflection waiting for its
grader, never 0). ``answer`` is the canonical choice as text ("B", "A,C", "C,A,B,D",
"True") or missing when it was not read; ``omitted`` is True for a blank or unreadable answer.

``items``: one row per item, in quiz order::

    item_id  quiz  position  type  points  key  options  competencies  domain

Optional extra columns, for reports: ``option_texts`` (label -> text) and ``stem`` (the
scenario and prompt).
``options`` lists the labels a trainee chooses among (letters, or "True"/"False");
``competencies`` is a tuple of SAMHSA codes; ``key`` is canonical text like ``answer``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from peercert.answers import canonical_text
from peercert.bank import AUTO_TYPES, Bank
from peercert.defaults import MASTERY_THRESHOLD
from peercert.errors import PeercertError

RESPONSE_COLUMNS = ["trainee", "quiz", "item_id", "score", "max_score", "answer", "omitted"]
ITEM_COLUMNS = [
    "item_id", "quiz", "position", "type", "points", "key", "options", "competencies", "domain",
]
CHOICE_TYPES = ("single", "multiple", "truefalse")


@dataclass(frozen=True)
class Thresholds:
    """Where an item or a trainee gets flagged. Defaults follow common item-analysis practice."""

    too_easy: float = 0.90
    too_hard: float = 0.25
    low_discrimination: float = 0.15
    dead_distractor: float = 0.05
    mastery: float = MASTERY_THRESHOLD
    group_share: float = 0.27


DEFAULT_THRESHOLDS = Thresholds()  # frozen, so sharing it as a default is safe


class AnalysisError(PeercertError, ValueError):
    """The course or the data cannot be analysed; the message says why in plain words."""


def option_labels(item_type: str, options: Iterable[str] = ()) -> tuple[str, ...]:
    """The labels a trainee chooses among for an item type."""
    if item_type == "truefalse":
        return ("True", "False")
    return tuple(options)


def items_from_banks(banks: Iterable[Bank]) -> pd.DataFrame:
    """Item metadata table from validated banks, in bank order."""
    rows = []
    for bank in banks:
        for position, item in enumerate(bank.items, start=1):
            rows.append({
                "item_id": item.id,
                "quiz": bank.quiz,
                "position": position,
                "type": item.type,
                "points": float(item.points),
                "key": _key_text(item.type, getattr(item, "key", None)),
                "options": option_labels(item.type, getattr(item, "options", {})),
                "competencies": tuple(item.tags.competencies),
                "domain": item.tags.domain,
                "option_texts": dict(getattr(item, "options", {})),
                "stem": f"{item.scenario.strip()} {item.prompt.strip()}",
            })
    return pd.DataFrame(rows, columns=[*ITEM_COLUMNS, "option_texts", "stem"])


def _key_text(item_type: str, key: Any) -> str | None:
    if item_type == "reflection":
        return None
    # normalize() sorts the letters of a multiple-answer choice, so the key must match it.
    return canonical_text(sorted(key) if item_type == "multiple" else key)


def is_auto(item_type: str) -> bool:
    """Auto-graded item types (everything but reflections)."""
    return item_type in AUTO_TYPES


def check_columns(frame: pd.DataFrame, needed: Iterable[str], what: str) -> None:
    """Raise AnalysisError naming the missing columns of a table."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise AnalysisError(f"the {what} table lacks the column(s) {', '.join(missing)}")

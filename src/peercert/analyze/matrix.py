"""Turn the long ``responses`` table of one quiz into trainee x item arrays.

Arrays, not frames, because every statistic is a column operation and numpy on a
10,000 x 75 matrix takes milliseconds. Choices are stored as bit masks over the option
labels (A=bit 0, B=bit 1..., True=bit 0, False=bit 1): -1 no choice read, 0 omitted.
``omitted`` is 1.0 for a blank or unreadable answer, 0.0 for an answer, ``nan`` if unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peercert.analyze.model import AnalysisError, check_columns, is_auto

UNKNOWN = -1
OMITTED = 0
_BITS = {**{letter: i for i, letter in enumerate("ABCDEFGH")}, "True": 0, "False": 1}


@dataclass(frozen=True)
class QuizMatrix:
    """One quiz as arrays: rows are trainees (sorted by id), columns are items (quiz order)."""

    quiz: str
    trainees: np.ndarray
    items: pd.DataFrame
    scores: np.ndarray
    max_scores: np.ndarray
    choices: np.ndarray
    omitted: np.ndarray

    @property
    def auto(self) -> np.ndarray:
        """Which columns are auto-graded (they make up the total score)."""
        return self.items["type"].map(is_auto).to_numpy(dtype=bool)

    @property
    def fractions(self) -> np.ndarray:
        """Scores as a share of each item's points (``nan`` where not graded)."""
        return self.scores / self.max_scores

    @property
    def total(self) -> np.ndarray:
        """Points on the auto-graded items; ``nan`` for a trainee missing one of them."""
        return self.scores[:, self.auto].sum(axis=1)


def choice_mask(text: object) -> int:
    """Bit mask of an answer text like "A,C" or "True"; -1 when it cannot be read."""
    if not isinstance(text, str):
        return UNKNOWN
    mask = 0
    for label in filter(None, (part.strip() for part in text.split(","))):
        if label not in _BITS:
            return UNKNOWN
        mask |= 1 << _BITS[label]
    return mask


def _omitted(frame: pd.DataFrame) -> np.ndarray:
    """1.0 omitted, 0.0 answered, nan when nobody looked."""
    if "omitted" not in frame.columns:
        return np.full(len(frame), np.nan)
    return frame["omitted"].astype("boolean").to_numpy(dtype=float, na_value=np.nan)


def _choice_codes(frame: pd.DataFrame, omitted: np.ndarray) -> np.ndarray:
    """Bit mask per row, computed once per distinct answer text."""
    if "answer" not in frame.columns:
        return np.where(omitted == 1.0, OMITTED, UNKNOWN).astype(np.int16)
    codes, uniques = pd.factorize(frame["answer"], use_na_sentinel=True)
    masks = np.array([choice_mask(u) for u in uniques] + [UNKNOWN], dtype=np.int16)
    out = masks[codes]  # the sentinel -1 picks the trailing UNKNOWN
    return np.where(omitted == 1.0, OMITTED, out).astype(np.int16)


def _max_scores(frame: pd.DataFrame, cols: np.ndarray, items: pd.DataFrame) -> np.ndarray:
    points = items["points"].to_numpy(dtype=float)
    seen = np.full(len(items), np.nan)
    mx = frame["max_score"].to_numpy(dtype=float)
    ok = ~np.isnan(mx)
    np.fmax.at(seen, cols[ok], mx[ok])
    return np.where(np.isnan(seen) | (seen <= 0), points, seen)


def quiz_matrix(responses: pd.DataFrame, items: pd.DataFrame, quiz: str) -> QuizMatrix:
    """Pivot one quiz's responses; rows for items not in ``items`` are ignored."""
    check_columns(responses, ["trainee", "quiz", "item_id", "score", "max_score"], "responses")
    meta = items[items["quiz"] == quiz].sort_values("position").reset_index(drop=True)
    if meta.empty:
        raise AnalysisError(f"quiz {quiz!r} has no items")
    frame = responses[responses["quiz"] == quiz]
    cols = pd.Index(meta["item_id"]).get_indexer(frame["item_id"])
    frame, cols = frame[cols >= 0], cols[cols >= 0]
    if frame.empty:
        raise AnalysisError(f"quiz {quiz!r} has no graded submissions yet")
    rows, trainees = pd.factorize(frame["trainee"].astype(str), sort=True)
    shape = (len(trainees), len(meta))
    scores = np.full(shape, np.nan)
    scores[rows, cols] = frame["score"].to_numpy(dtype=float)
    omitted = np.full(shape, np.nan)
    omitted[rows, cols] = _omitted(frame)
    choices = np.full(shape, UNKNOWN, dtype=np.int16)
    choices[rows, cols] = _choice_codes(frame, omitted[rows, cols])
    return QuizMatrix(
        quiz=quiz,
        trainees=np.asarray(trainees, dtype=object),
        items=meta,
        scores=scores,
        max_scores=_max_scores(frame, cols, meta),
        choices=choices,
        omitted=omitted,
    )

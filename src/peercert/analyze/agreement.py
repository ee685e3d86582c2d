"""Agreement between two graders of the same reflections: exact agreement and weighted kappa.

The second grader works from a blind grading sheet (no first-grader scores) exported from
the course; their filled-in sheet is compared with the manual scores in the gradebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from peercert.analyze.model import AnalysisError

Weights = Literal["linear", "quadratic"]
SHEET_COLUMNS = ["trainee", "quiz", "item_id", "max_score", "levels", "score"]
AGREEMENT_COLUMNS = ["item_id", "pairs", "exact_agreement", "weighted_kappa", "note"]


def weighted_kappa(
    first: Sequence[float], second: Sequence[float], levels: Sequence[float],
    weights: Weights = "quadratic",
) -> float:
    """Cohen's weighted kappa of two graders' scores on an ordered scale of ``levels``.

    Disagreement weights grow with the distance between the scores (linear or squared), scaled
    by the width of the scale. ``nan`` when chance disagreement is zero (e.g. both graders
    gave every reflection the same score), where kappa is undefined.
    """
    values = np.array(sorted(set(levels) | set(first) | set(second)), dtype=float)
    a = np.searchsorted(values, np.asarray(first, dtype=float))
    b = np.searchsorted(values, np.asarray(second, dtype=float))
    if a.size == 0 or values.size < 2:
        return float("nan")
    k = values.size
    observed = np.zeros((k, k))
    np.add.at(observed, (a, b), 1.0)
    observed /= a.size
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    distance = np.abs(values[:, None] - values[None, :]) / (values[-1] - values[0])
    w = distance if weights == "linear" else distance**2
    chance = float((w * expected).sum())
    if chance <= 1e-12:
        return float("nan")
    return float(1.0 - (w * observed).sum() / chance)


def _item_row(item_id: str, pairs: pd.DataFrame, levels: Sequence[float], weights: Weights):
    n = len(pairs)
    if n == 0:
        return [item_id, 0, np.nan, np.nan, "no reflection scored by both graders"]
    a, b = pairs["first"].to_numpy(), pairs["second"].to_numpy()
    kappa = weighted_kappa(a, b, levels, weights)
    note = "" if not np.isnan(kappa) else (
        "kappa not computable: the scores do not vary, so chance agreement is already total"
    )
    if n < 10 and not note:
        note = f"only {n} pairs: kappa is very uncertain"
    return [item_id, n, float(np.mean(np.isclose(a, b))), kappa, note]


def grader_agreement(
    first: pd.DataFrame, second: pd.DataFrame, levels: dict[str, Sequence[float]],
    weights: Weights = "quadratic",
) -> pd.DataFrame:
    """Agreement per reflection item plus an ``(all reflections)`` row.

    ``first`` and ``second`` have columns trainee, item_id, score (``nan`` = not scored);
    ``levels`` maps item id to its rubric points. The overall row compares scores as a share
    of the item's points, so items on different scales can be pooled.
    """
    pairs = first.merge(second, on=["trainee", "item_id"], suffixes=("_1", "_2"))
    pairs = pairs.rename(columns={"score_1": "first", "score_2": "second"})
    pairs = pairs.dropna(subset=["first", "second"])
    rows = [
        _item_row(item, pairs[pairs["item_id"] == item], lv, weights)
        for item, lv in levels.items()
    ]
    top = pairs["item_id"].map({i: max(lv) for i, lv in levels.items()}).astype(float)
    shares = pairs.assign(first=pairs["first"] / top, second=pairs["second"] / top)
    pooled = sorted({lv / max(v) for v in levels.values() for lv in v})
    rows.append(_item_row("(all reflections)", shares, pooled, weights))
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def read_second_grader(path: Path, quiz: str) -> pd.DataFrame:
    """Read a filled-in grading sheet (CSV); raise AnalysisError with the file and row."""
    try:
        sheet = pd.read_csv(path, dtype={"trainee": str, "item_id": str, "quiz": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise AnalysisError(f"{path}: cannot read the grading sheet: {exc}") from exc
    missing = [c for c in ("trainee", "item_id", "score") if c not in sheet.columns]
    if missing:
        raise AnalysisError(f"{path}: the grading sheet lacks the column(s) {', '.join(missing)}")
    if "quiz" in sheet.columns:
        sheet = sheet[sheet["quiz"].fillna(quiz) == quiz]
    scores = pd.to_numeric(sheet["score"], errors="coerce")
    bad = sheet["score"].notna() & scores.isna()
    if bad.any():
        line = int(sheet.index[bad][0]) + 2  # header is line 1
        raise AnalysisError(f"{path}: line {line}: score {sheet['score'][bad].iloc[0]!r} "
                            "is not a number")
    return pd.DataFrame({"trainee": sheet["trainee"].to_numpy(),
                         "item_id": sheet["item_id"].to_numpy(), "score": scores.to_numpy()})


def check_scale(second: pd.DataFrame, max_scores: dict[str, float], path: Path) -> None:
    """Every second-grader score must lie between 0 and the item's points."""
    unknown = sorted(set(second["item_id"]) - set(max_scores))
    if unknown:
        raise AnalysisError(f"{path}: not reflection items of this quiz: {', '.join(unknown)}")
    top = second["item_id"].map(max_scores)
    out = second[(second["score"] < 0) | (second["score"] > top)]
    if not out.empty:
        row = out.iloc[0]
        raise AnalysisError(f"{path}: trainee {row['trainee']}, item {row['item_id']}: score "
                            f"{row['score']:g} is outside 0..{max_scores[row['item_id']]:g}")

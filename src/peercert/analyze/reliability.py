"""Quiz-level figures: score distribution, KR-20, Cronbach's alpha and the SEM.

All of them use the auto-graded items only (reflections may not be graded yet) and the
trainees who have a score on every one of those items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peercert.analyze import stats
from peercert.analyze.matrix import QuizMatrix


@dataclass(frozen=True)
class QuizSummary:
    """Reliability and score distribution of one quiz; ``nan`` fields are explained in notes."""

    quiz: str
    trainees: int
    items: int
    max_points: float
    mean: float
    sd: float
    minimum: float
    median: float
    maximum: float
    kr20: float
    alpha: float
    sem: float
    notes: tuple[str, ...] = field(default=())

    def as_row(self) -> dict[str, object]:
        """Flat dict for a CSV row (notes joined)."""
        row = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "notes"}
        row["notes"] = " ".join(self.notes)
        return row


def _describe(total: np.ndarray) -> dict[str, float]:
    if total.size == 0:
        return dict.fromkeys(("mean", "sd", "minimum", "median", "maximum"), math.nan)
    return {
        "mean": float(total.mean()),
        "sd": float(total.std(ddof=1)) if total.size > 1 else math.nan,
        "minimum": float(total.min()),
        "median": float(np.median(total)),
        "maximum": float(total.max()),
    }


def _reliability_notes(k: int, n: int, total: np.ndarray, partial: int) -> list[str]:
    if k < 2:
        return ["KR-20 and alpha not computable: they need at least two auto-graded items."]
    if n < 2:
        return ["KR-20 and alpha not computable: they need at least two trainees."]
    if total.min() == total.max():
        return ["KR-20 and alpha not computable: every trainee has the same total score."]
    notes = []
    if partial:
        notes.append(
            f"KR-20 counts an answer as right only with full points; {partial} item(s) give "
            "partial credit, so Cronbach's alpha (which uses the points) fits this quiz better."
        )
    if n < 30:
        notes.append(f"Only {n} trainees: treat every statistic here as a rough first look.")
    return notes


def quiz_summary(m: QuizMatrix) -> QuizSummary:
    """Reliability, SEM (from alpha, in points) and the distribution of auto-graded totals."""
    auto = m.auto
    total_all = m.total
    complete = ~np.isnan(total_all)
    x = m.scores[complete][:, auto]
    max_points = float(m.max_scores[auto].sum())
    total = total_all[complete]
    full = x >= m.max_scores[auto] - 1e-9
    partial = int((((x > 1e-9) & ~full).any(axis=0)).sum())
    described = _describe(total)
    alpha = stats.cronbach_alpha(x)
    return QuizSummary(
        quiz=m.quiz,
        trainees=int(complete.sum()),
        items=int(auto.sum()),
        max_points=max_points,
        kr20=stats.kr20(full.astype(float)),
        alpha=alpha,
        sem=stats.standard_error_of_measurement(described["sd"], alpha),
        notes=tuple(_reliability_notes(int(auto.sum()), total.size, total, partial)),
        **described,
    )


def score_distribution(m: QuizMatrix, bins: int = 10) -> pd.DataFrame:
    """How many trainees scored in each band of the auto-graded points (0-10%, 10-20%, ...).

    Bands include their lower edge; the last band also includes 100%.
    """
    top = float(m.max_scores[m.auto].sum())
    total = m.total[~np.isnan(m.total)]
    share = np.clip(total / top, 0.0, 1.0) if top > 0 else np.zeros(0)
    # Integer band numbers, not np.histogram: 7/10 must land in 70-80%, whatever 0.7 rounds to.
    band = np.minimum(np.floor(share * bins + 1e-9).astype(int), bins - 1)
    counts = np.bincount(band, minlength=bins)
    edges = np.arange(bins + 1) / bins
    return pd.DataFrame({
        "band": [f"{lo:.0%}-{hi:.0%}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)],
        "low_points": edges[:-1] * top,
        "high_points": edges[1:] * top,
        "trainees": counts,
    })

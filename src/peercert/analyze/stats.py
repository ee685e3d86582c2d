"""Classical test theory statistics written out with numpy.

Every function takes plain arrays (trainees in rows, items in columns) and returns plain
arrays or floats. ``nan`` means "not computable"; callers turn it into a sentence. No pandas,
no I/O, no warnings: empty slices and zero variances are detected before dividing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

UPPER_LOWER_SHARE = 0.27


RELATIVE_TOLERANCE = 1e-10


def _no_spread(squared_deviations: Any, squares: Any) -> Any:
    """True where the spread is zero up to rounding (partial credit is stored rounded, so
    2.0 - 0.6667 and 1.6667 - 0.3333 must count as the same value)."""
    return squared_deviations <= RELATIVE_TOLERANCE * squares


def masked_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Column-wise Pearson correlation of ``x[:, j]`` with ``y[:, j]``.

    Rows where either value is ``nan`` are left out of that column only. A column whose kept
    values do not vary (or has fewer than two rows) gives ``nan``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mask = ~(np.isnan(x) | np.isnan(y))
    n = mask.sum(axis=0)
    safe_n = np.maximum(n, 1)
    mx = np.where(mask, x, 0.0).sum(axis=0) / safe_n
    my = np.where(mask, y, 0.0).sum(axis=0) / safe_n
    dx = np.where(mask, x - mx, 0.0)
    dy = np.where(mask, y - my, 0.0)
    sxy = (dx * dy).sum(axis=0)
    sxx = (dx * dx).sum(axis=0)
    syy = (dy * dy).sum(axis=0)
    bad = (n < 2) | _no_spread(sxx, np.where(mask, x * x, 0.0).sum(axis=0)) | _no_spread(
        syy, np.where(mask, y * y, 0.0).sum(axis=0))
    denom = np.sqrt(np.where(bad, 1.0, sxx * syy))
    r = np.where(bad, np.nan, sxy / denom)
    return np.clip(r, -1.0, 1.0)


def corrected_item_total(scores: np.ndarray, in_total: np.ndarray) -> np.ndarray:
    """Corrected item-total (point-biserial) correlation for every column of ``scores``.

    The total is the row sum of the columns flagged ``in_total`` (a row with a missing value
    there has no total). Each column is correlated with the total *minus itself*, so an item
    is never correlated with its own score.
    """
    scores = np.asarray(scores, dtype=float)
    in_total = np.asarray(in_total, dtype=bool)
    total = scores[:, in_total].sum(axis=1)
    rest = total[:, None] - np.where(in_total[None, :], scores, 0.0)
    return masked_pearson(scores, rest)


def cronbach_alpha(scores: np.ndarray) -> float:
    """Cronbach's alpha of a complete matrix; ``nan`` with < 2 items, < 2 rows or no variance."""
    scores = np.asarray(scores, dtype=float)
    n, k = scores.shape
    if k < 2 or n < 2:
        return math.nan
    total = scores.sum(axis=1)
    total_var = float(total.var())
    if _no_spread(total_var, float(np.mean(total * total))):
        return math.nan
    return float(k / (k - 1) * (1.0 - scores.var(axis=0).sum() / total_var))


def kr20(correct: np.ndarray) -> float:
    """Kuder-Richardson 20 of a 0/1 matrix (population variances, so it equals alpha there)."""
    correct = np.asarray(correct, dtype=float)
    n, k = correct.shape
    if k < 2 or n < 2:
        return math.nan
    p = correct.mean(axis=0)
    total = correct.sum(axis=1)
    total_var = float(total.var())
    if _no_spread(total_var, float(np.mean(total * total))):
        return math.nan
    return float(k / (k - 1) * (1.0 - (p * (1.0 - p)).sum() / total_var))


def alpha_if_deleted(scores: np.ndarray) -> np.ndarray:
    """Cronbach's alpha of the remaining items when each column in turn is left out.

    Uses var(T - x_i) = var(T) + var(x_i) - 2 cov(T, x_i), so the cost is one pass, not k.
    """
    scores = np.asarray(scores, dtype=float)
    n, k = scores.shape
    if k < 3 or n < 2:
        return np.full(k, np.nan)
    item_var = scores.var(axis=0)
    total = scores.sum(axis=1)
    cov = ((scores - scores.mean(axis=0)) * (total - total.mean())[:, None]).mean(axis=0)
    rest_var = total.var() + item_var - 2.0 * cov
    ok = ~_no_spread(rest_var, np.full(k, float(np.mean(total * total))))
    ratio = (item_var.sum() - item_var) / np.where(ok, rest_var, 1.0)
    return np.where(ok, (k - 1) / (k - 2) * (1.0 - ratio), np.nan)


def standard_error_of_measurement(sd: float, reliability: float) -> float:
    """SEM = SD * sqrt(1 - reliability); ``nan`` when either is unknown."""
    if math.isnan(sd) or math.isnan(reliability):
        return math.nan
    return float(sd * math.sqrt(max(0.0, 1.0 - reliability)))


def group_size(n: int, share: float = UPPER_LOWER_SHARE) -> int:
    """Size of the upper and lower groups: ``share`` of ``n`` rounded half up, at least 1.

    Zero when there are fewer than two trainees (no disjoint groups exist).
    """
    if n < 2:
        return 0
    return min(n // 2, max(1, math.floor(share * n + 0.5)))


def upper_lower(
    total: np.ndarray, share: float = UPPER_LOWER_SHARE
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the top and bottom ``share`` of rows by ``total`` (``nan`` rows ignored).

    Ties at the cut are broken by row order, so sort rows by trainee id first for results
    that do not depend on how the data arrived.
    """
    total = np.asarray(total, dtype=float)
    rows = np.flatnonzero(~np.isnan(total))
    g = group_size(rows.size, share)
    order = rows[np.argsort(-total[rows], kind="stable")]
    return order[:g], order[order.size - g :]


def masked_mean(values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Column means ignoring ``nan`` (``nan`` where a column has no values), no warnings."""
    values = np.asarray(values, dtype=float)
    if rows is not None:
        values = values[rows]
    mask = ~np.isnan(values)
    n = mask.sum(axis=0)
    sums = np.where(mask, values, 0.0).sum(axis=0)
    return np.where(n > 0, sums / np.maximum(n, 1), np.nan)


def discrimination_index(
    fractions: np.ndarray, upper: np.ndarray, lower: np.ndarray
) -> np.ndarray:
    """Upper-lower index D: mean share of points in the upper group minus the lower group."""
    if upper.size == 0 or lower.size == 0:
        return np.full(np.asarray(fractions).shape[1], np.nan)
    return masked_mean(fractions, upper) - masked_mean(fractions, lower)

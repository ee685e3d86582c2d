"""Classical test theory statistics against hand computations and independent formulas.

The hand dataset is a perfect Guttman pattern (5 trainees x 4 right/wrong items) whose
figures are worked out on paper in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from peercert.analyze import stats

# t1..t5 by row; items by column. Totals 4, 3, 2, 1, 0.
GUTTMAN = np.array([
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 0],
], dtype=float)


def ref_pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Textbook Pearson r, written independently of the library."""
    dx, dy = x - x.mean(), y - y.mean()
    return float((dx * dy).sum() / math.sqrt((dx**2).sum() * (dy**2).sum()))


def ref_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha with sample variances (the ratio does not depend on ddof)."""
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_kr20_by_hand():
    # p = .8 .6 .4 .2 ; sum pq = .16 + .24 + .24 + .16 = 0.8 ; var(total 4,3,2,1,0) = 2.0
    # KR-20 = 4/3 * (1 - 0.8 / 2.0) = 0.8
    assert stats.kr20(GUTTMAN) == pytest.approx(0.8)


def test_alpha_equals_kr20_on_right_wrong_items():
    assert stats.cronbach_alpha(GUTTMAN) == pytest.approx(0.8)
    assert stats.cronbach_alpha(GUTTMAN) == pytest.approx(ref_alpha(GUTTMAN))


def test_corrected_item_total_by_hand():
    # Item 1 = 1,1,1,1,0 ; rest = 3,2,1,0,0. Deviations: x .2,.2,.2,.2,-.8 ; rest
    # 1.8,.8,-.2,-1.2,-1.2. Sxy = 1.2, Sxx = 0.8, Syy = 6.8 -> r = 1.2 / sqrt(5.44).
    r = stats.corrected_item_total(GUTTMAN, np.ones(4, dtype=bool))
    assert r[0] == pytest.approx(1.2 / math.sqrt(5.44))
    assert r[0] == pytest.approx(0.514496, abs=1e-6)


def test_corrected_item_total_matches_independent_formula():
    rng = np.random.default_rng(7)
    x = (rng.random((60, 8)) < rng.uniform(0.2, 0.9, 8)).astype(float) * rng.integers(1, 3, 8)
    r = stats.corrected_item_total(x, np.ones(8, dtype=bool))
    total = x.sum(axis=1)
    for j in range(8):
        assert r[j] == pytest.approx(ref_pearson(x[:, j], total - x[:, j]))


def test_item_outside_the_total_is_correlated_with_the_whole_total():
    x = GUTTMAN.copy()
    in_total = np.array([True, True, True, False])
    r = stats.corrected_item_total(x, in_total)
    assert r[3] == pytest.approx(ref_pearson(x[:, 3], x[:, :3].sum(axis=1)))
    assert r[0] == pytest.approx(ref_pearson(x[:, 0], x[:, 1:3].sum(axis=1)))


def test_masked_pearson_skips_missing_rows_per_column():
    x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 1.0], [4.0, 5.0]])
    y = np.array([[1.0, 1.0], [3.0, 2.0], [2.0, 3.0], [4.0, 4.0]])
    r = stats.masked_pearson(x, y)
    assert r[0] == pytest.approx(ref_pearson(x[:, 0], y[:, 0]))
    keep = [0, 2, 3]
    assert r[1] == pytest.approx(ref_pearson(x[keep, 1], y[keep, 1]))


def test_zero_variance_and_too_few_rows_are_nan_without_warnings():
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    y = np.array([[2.0, 1.0], [3.0, 2.0], [1.0, 0.0]])
    r = stats.masked_pearson(x, y)  # filterwarnings=error would fail on a division warning
    assert math.isnan(r[0]) and not math.isnan(r[1])
    assert math.isnan(stats.masked_pearson(x[:1], y[:1])[1])


def test_alpha_if_deleted_by_hand_and_by_brute_force():
    # Without item 4: p = .8 .6 .4, sum pq = .64, totals 3,3,2,1,0 with variance 1.36,
    # alpha = 3/2 * (1 - .64 / 1.36) = 0.794118
    out = stats.alpha_if_deleted(GUTTMAN)
    assert out[3] == pytest.approx(1.5 * (1 - 0.64 / 1.36))
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (40, 6)).astype(float) + rng.random((40, 1))
    fast = stats.alpha_if_deleted(x)
    for j in range(6):
        assert fast[j] == pytest.approx(ref_alpha(np.delete(x, j, axis=1)))


def test_reliability_not_computable_cases():
    assert math.isnan(stats.cronbach_alpha(GUTTMAN[:, :1]))  # one item
    assert math.isnan(stats.kr20(GUTTMAN[:1]))  # one trainee
    assert math.isnan(stats.cronbach_alpha(np.ones((4, 3))))  # no variance in totals
    assert np.isnan(stats.alpha_if_deleted(GUTTMAN[:, :2])).all()  # 1 item would remain


def test_standard_error_of_measurement():
    sd = float(np.std([4, 3, 2, 1, 0], ddof=1))  # sqrt(2.5)
    assert stats.standard_error_of_measurement(sd, 0.8) == pytest.approx(math.sqrt(0.5))
    assert math.isnan(stats.standard_error_of_measurement(sd, math.nan))


@pytest.mark.parametrize(("n", "size"), [(0, 0), (1, 0), (2, 1), (3, 1), (5, 1), (6, 2),
                                          (10, 3), (100, 27), (1000, 270)])
def test_group_size_is_27_percent_rounded(n, size):
    assert stats.group_size(n) == size


def test_upper_lower_groups_ignore_missing_totals_and_break_ties_by_order():
    total = np.array([5.0, np.nan, 9.0, 5.0, 1.0, 7.0, 5.0, 3.0, 8.0, 2.0, 6.0])
    upper, lower = stats.upper_lower(total)  # 10 valid rows -> groups of 3
    assert list(upper) == [2, 8, 5]
    assert list(lower) == [7, 9, 4]
    tie = np.array([1.0, 1.0, 1.0, 1.0])
    assert list(stats.upper_lower(tie)[0]) == [0] and list(stats.upper_lower(tie)[1]) == [3]


def test_discrimination_index_by_hand():
    fractions = np.array([[1.0, 0.5], [1.0, np.nan], [0.0, 0.0], [0.0, 1.0]])
    d = stats.discrimination_index(fractions, np.array([0, 1]), np.array([2, 3]))
    assert d[0] == pytest.approx(1.0)  # (1 + 1)/2 - (0 + 0)/2
    assert d[1] == pytest.approx(0.5 - 0.5)  # the missing score is left out, not zero
    empty = stats.discrimination_index(fractions, np.array([], int), np.array([], int))
    assert np.isnan(empty).all()


def test_rounded_partial_credit_does_not_fake_a_perfect_correlation():
    # Scores are stored rounded (0.6667): a rest score that is constant up to rounding must
    # count as constant, not produce r = +/-1 from rounding noise.
    x = np.array([[0.6667], [0.3333], [1.0], [0.0]])
    rest = np.array([[1.3333], [1.3333 + 1e-12], [1.3333], [1.3333]])
    assert math.isnan(stats.masked_pearson(x, rest)[0])

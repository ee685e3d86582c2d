"""Agreement between two graders: exact agreement and Cohen's weighted kappa."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peercert.analyze import AnalysisError, grader_agreement, weighted_kappa
from peercert.analyze.agreement import check_scale, read_second_grader

FIRST = [0, 1, 2, 0, 2, 1]
SECOND = [0, 1, 2, 1, 1, 1]


def ref_kappa(a, b, levels, power):
    """Weighted kappa as 1 - mean pair disagreement / mean disagreement over all pairings.

    Independent of the confusion-matrix form used by the library: chance disagreement is
    the average weight over every (first grader, second grader) pairing of trainees.
    """
    span = max(levels) - min(levels)
    w = lambda x, y: (abs(x - y) / span) ** power  # noqa: E731
    observed = np.mean([w(x, y) for x, y in zip(a, b, strict=True)])
    chance = np.mean([w(x, y) for x, y in itertools.product(a, b)])
    return 1 - observed / chance


def test_weighted_kappa_by_hand():
    # Confusion (rows first grader): (0,0)=1 (0,1)=1 (1,1)=2 (2,1)=1 (2,2)=1; marginals
    # rows 2,2,2 ; columns 1,4,1.
    # linear: observed 1/6 ; expected 14/36 -> 1 - 6/14 = 4/7
    # quadratic: observed 1/12 ; expected 9/36 -> 1 - 1/3 = 2/3
    assert weighted_kappa(FIRST, SECOND, [0, 1, 2], "linear") == pytest.approx(4 / 7)
    assert weighted_kappa(FIRST, SECOND, [0, 1, 2], "quadratic") == pytest.approx(2 / 3)


@pytest.mark.parametrize("power", [1, 2])
def test_weighted_kappa_matches_independent_formula(power):
    rng = np.random.default_rng(power)
    a = rng.integers(0, 5, 40).astype(float)
    b = np.clip(a + rng.integers(-1, 2, 40), 0, 4)
    kind = "linear" if power == 1 else "quadratic"
    expected = ref_kappa(a, b, [0, 1, 2, 3, 4], power)
    assert weighted_kappa(a, b, [0, 1, 2, 3, 4], kind) == pytest.approx(expected)


def test_unequal_rubric_levels_weigh_by_points():
    a, b = [0, 1, 3, 3], [0, 3, 3, 1]
    assert weighted_kappa(a, b, [0, 1, 3], "linear") == pytest.approx(ref_kappa(a, b, [0, 3], 1))


def test_perfect_and_not_computable():
    assert weighted_kappa([0, 1, 2], [0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    assert math.isnan(weighted_kappa([2, 2, 2], [2, 2, 2], [0, 1, 2]))
    assert math.isnan(weighted_kappa([], [], [0, 1, 2]))


def test_grader_agreement_table():
    first = pd.DataFrame({"trainee": list("abcdef") + ["a", "b"],
                          "item_id": ["r1"] * 6 + ["r2", "r2"],
                          "score": FIRST + [4, np.nan]})
    second = pd.DataFrame({"trainee": list("abcdef") + ["a", "b"],
                           "item_id": ["r1"] * 6 + ["r2", "r2"], "score": SECOND + [4, 2]})
    table = grader_agreement(first, second, {"r1": [0, 1, 2], "r2": [0, 2, 4]}).set_index("item_id")
    assert table.loc["r1", "pairs"] == 6
    assert table.loc["r1", "exact_agreement"] == pytest.approx(4 / 6)
    assert table.loc["r1", "weighted_kappa"] == pytest.approx(2 / 3)
    assert table.loc["r2", "pairs"] == 1  # b's first score is missing
    assert "not computable" in table.loc["r2", "note"]
    pooled = table.loc["(all reflections)"]
    assert pooled["pairs"] == 7 and pooled["exact_agreement"] == pytest.approx(5 / 7)
    # pooled on shares of points: r1 scores /2, r2 scores /4
    a = [x / 2 for x in FIRST] + [1.0]
    b = [x / 2 for x in SECOND] + [1.0]
    assert pooled["weighted_kappa"] == pytest.approx(ref_kappa(a, b, [0, 1], 2))


def test_read_second_grader_sheet(tmp_path: Path):
    good = tmp_path / "ok.csv"
    good.write_text("trainee,quiz,item_id,score\nt1,q,r1,2\nt2,q,r1,\nt3,other,r1,1\n")
    sheet = read_second_grader(good, "q")
    assert list(sheet["trainee"]) == ["t1", "t2"]
    assert sheet["score"].iloc[0] == 2 and math.isnan(sheet["score"].iloc[1])
    bad = tmp_path / "bad.csv"
    bad.write_text("trainee,item_id,score\nt1,r1,2\nt2,r1,two\n")
    with pytest.raises(AnalysisError, match=r"line 3: score 'two' is not a number"):
        read_second_grader(bad, "q")
    missing = tmp_path / "missing.csv"
    missing.write_text("trainee,score\nt1,2\n")
    with pytest.raises(AnalysisError, match="lacks the column"):
        read_second_grader(missing, "q")


def test_scores_outside_the_scale_are_refused(tmp_path: Path):
    sheet = pd.DataFrame({"trainee": ["t1"], "item_id": ["r1"], "score": [5.0]})
    with pytest.raises(AnalysisError, match=r"outside 0\.\.4"):
        check_scale(sheet, {"r1": 4.0}, tmp_path / "s.csv")
    with pytest.raises(AnalysisError, match="not reflection items"):
        check_scale(sheet.assign(item_id="zz"), {"r1": 4.0}, tmp_path / "s.csv")

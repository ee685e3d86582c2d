"""Competency and domain mastery across quizzes, computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from peercert.analyze import below_threshold, competency_mastery, mastery_grid

ITEMS = pd.DataFrame([
    {"item_id": "a1", "quiz": "qa", "points": 1.0, "competencies": ("C1",), "domain": "advocacy"},
    {"item_id": "a2", "quiz": "qa", "points": 2.0, "competencies": ("C1", "C9"),
     "domain": "advocacy"},
    {"item_id": "b1", "quiz": "qb", "points": 4.0, "competencies": ("C9",),
     "domain": "ethical-responsibility"},
    {"item_id": "b2", "quiz": "qb", "points": 1.0, "competencies": ("C12",),
     "domain": "ethical-responsibility"},
])


def responses(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    points = dict(zip(ITEMS["item_id"], ITEMS["points"], strict=True))
    quiz = dict(zip(ITEMS["item_id"], ITEMS["quiz"], strict=True))
    return pd.DataFrame([{"trainee": t, "quiz": quiz[i], "item_id": i, "score": s,
                          "max_score": points[i]} for t, i, s in rows])


DATA = responses([
    ("ana", "a1", 1), ("ana", "a2", 2), ("ana", "b1", 3), ("ana", "b2", 0),
    ("ben", "a1", 0), ("ben", "a2", 1), ("ben", "b1", np.nan), ("ben", "b2", 1),
])


def value(mastery: pd.DataFrame, trainee: str, area: str, column: str = "mastery"):
    hit = mastery[(mastery["trainee"] == trainee) & (mastery["area"] == area)]
    return hit[column].iloc[0] if len(hit) else None


def test_mastery_by_hand_across_quizzes():
    m = competency_mastery(DATA, ITEMS, threshold=0.7)
    # ana C1: a1 1/1 + a2 2/2 = 3/3 ; C9: a2 2/2 + b1 3/4 = 5/6 ; C12: 0/1
    assert value(m, "ana", "C1") == 1.0
    assert value(m, "ana", "C9") == pytest.approx(5 / 6)
    assert value(m, "ana", "C9", "items") == 2
    assert value(m, "ana", "C12") == 0.0
    # domains: advocacy a1+a2 = 3/3 ; ethical-responsibility b1+b2 = 3/5
    assert value(m, "ana", "advocacy") == 1.0
    assert value(m, "ana", "ethical-responsibility") == pytest.approx(0.6)
    assert value(m, "ana", "ethical-responsibility", "points_possible") == 5.0


def test_ungraded_items_count_for_nothing():
    m = competency_mastery(DATA, ITEMS)
    # ben's b1 is not graded yet: C9 rests on a2 alone (1/2), from one item
    assert value(m, "ben", "C9") == pytest.approx(0.5)
    assert value(m, "ben", "C9", "items") == 1
    assert value(m, "ben", "ethical-responsibility", "points_possible") == 1.0
    assert value(m, "ben", "C5") is None  # no item tagged: no row, not a 0


def test_below_threshold_lists_areas_per_trainee():
    m = competency_mastery(DATA, ITEMS, threshold=0.7)
    below = below_threshold(m).set_index("trainee")
    assert below.loc["ana", "competencies"] == "C12"
    assert below.loc["ana", "domains"] == "ethical-responsibility"
    assert below.loc["ben", "competencies"] == "C1, C9"  # C1 1/3, C9 1/2, C12 1/1
    assert below.loc["ben", "domains"] == "advocacy"


def test_mastery_grid_keeps_vocabulary_order():
    grid = mastery_grid(competency_mastery(DATA, ITEMS), "competency")
    assert list(grid.columns) == ["C1", "C9", "C12"]
    assert list(grid.index) == ["ana", "ben"]
    assert grid.loc["ben", "C1"] == pytest.approx(1 / 3)


def test_everyone_above_threshold_gives_empty_lists():
    m = competency_mastery(DATA, ITEMS, threshold=0.0)
    below = below_threshold(m)
    assert (below["competencies"] == "").all() and (below["domains"] == "").all()

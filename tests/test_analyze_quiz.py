"""Item analysis of one quiz on small hand-built tables, figures worked out in the comments.

Also the edge cases: an item everyone gets right, a one-item quiz, one trainee, missing
responses; each must give clear results or "not computable", and no NaN in the report.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from peercert.analyze import ReportContext, analyze_quiz, competency_mastery, render_report
from peercert.analyze.items import difficulty_flags, discrimination_flags
from peercert.analyze.model import ITEM_COLUMNS, AnalysisError, Thresholds

TRAINEES = ["t1", "t2", "t3", "t4", "t5", "t6"]


def item(item_id, kind, key=None, points=1.0, options="ABCD", comps=("C1",), domain="advocacy"):
    labels = ("True", "False") if kind == "truefalse" else tuple(options)
    return {"item_id": item_id, "quiz": "q", "type": kind, "points": points, "key": key,
            "options": () if kind in ("reflection",) else labels, "competencies": comps,
            "domain": domain}


def items_frame(specs: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(specs)
    frame["position"] = range(1, len(frame) + 1)
    return frame[ITEM_COLUMNS]


def responses(items: pd.DataFrame, answers: dict, scores: dict) -> pd.DataFrame:
    """answers/scores map item id -> one value per trainee; None answer = omitted."""
    rows = []
    for spec in items.to_dict("records"):
        for t, (a, s) in enumerate(zip(answers.get(spec["item_id"], [None] * 6),
                                       scores[spec["item_id"]], strict=True)):
            reflection = spec["type"] == "reflection"
            rows.append({"trainee": TRAINEES[t], "quiz": "q", "item_id": spec["item_id"],
                         "score": s, "max_score": spec["points"],
                         "answer": None if reflection else a,
                         "omitted": False if reflection else a is None})
    return pd.DataFrame(rows)


ITEMS = items_frame([
    item("i1", "single", "B"),
    item("i2", "single", "A"),
    item("i3", "truefalse", "True"),
    item("i4", "multiple", "A,C", points=2.0, options="ABC"),
    item("i5", "reflection", points=3.0, comps=("C2",)),
])
ANSWERS = {
    "i1": ["B", "B", "B", "C", "A", None],
    "i2": ["A", "A", "C", "A", "C", "C"],
    "i3": ["True", "True", "True", "True", "True", "False"],
    "i4": ["A,C", "A", "A,C", "A,B", "B", "C"],
}
SCORES = {
    "i1": [1, 1, 1, 0, 0, 0],
    "i2": [1, 1, 0, 1, 0, 0],
    "i3": [1, 1, 1, 1, 1, 0],
    "i4": [2, 1, 2, 0, 0, 1],
    "i5": [3, 2, np.nan, 1, 0, np.nan],  # t3 and t6 not graded yet
}
# Auto-graded totals: t1 5, t2 4, t3 4, t4 2, t5 1, t6 1. Six trainees -> groups of 2:
# upper t1, t2 (ties broken by trainee id), lower t5, t6.


@pytest.fixture(scope="module")
def qa():
    return analyze_quiz(responses(ITEMS, ANSWERS, SCORES), ITEMS, "q")


def row(qa, item_id: str) -> dict:
    return qa.items.set_index("item_id").loc[item_id].to_dict()


def visible(html: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


def test_difficulty_by_hand(qa):
    # i4: fractions 1, .5, 1, 0, 0, .5 -> 0.5 ; i5: 1, 2/3, 1/3, 0 over 4 graded -> 0.5
    expected = {"i1": 0.5, "i2": 0.5, "i3": 5 / 6, "i4": 0.5, "i5": 0.5}
    for item_id, value in expected.items():
        assert row(qa, item_id)["difficulty"] == pytest.approx(value)
    assert row(qa, "i5")["n_scored"] == 4


def test_point_biserial_matches_numpy_formula(qa):
    x = np.array([SCORES[i] for i in ("i1", "i2", "i3", "i4")], dtype=float).T
    total = x.sum(axis=1)
    for j, item_id in enumerate(("i1", "i2", "i3", "i4")):
        expected = np.corrcoef(x[:, j], total - x[:, j])[0, 1]
        assert row(qa, item_id)["point_biserial"] == pytest.approx(expected)
    graded = ~np.isnan(np.array(SCORES["i5"]))
    expected = np.corrcoef(np.array(SCORES["i5"])[graded], total[graded])[0, 1]
    assert row(qa, "i5")["point_biserial"] == pytest.approx(expected)


def test_upper_lower_discrimination_by_hand(qa):
    # upper t1,t2 / lower t5,t6: i3 1 - .5 ; i4 .75 - .25 ; i5 (1 + 2/3)/2 - 0 (t6 ungraded)
    expected = {"i1": 1.0, "i2": 1.0, "i3": 0.5, "i4": 0.5, "i5": (1 + 2 / 3) / 2}
    for item_id, value in expected.items():
        assert row(qa, item_id)["discrimination_index"] == pytest.approx(value)


def test_omitted_rate(qa):
    assert row(qa, "i1")["omitted_rate"] == pytest.approx(1 / 6)
    assert row(qa, "i2")["omitted_rate"] == 0


def test_distractor_shares_by_hand(qa):
    opts = qa.options.set_index(["item_id", "option"])
    assert opts.loc[("i1", "A"), "share"] == pytest.approx(1 / 6)
    assert opts.loc[("i1", "B"), "share"] == pytest.approx(3 / 6)
    assert opts.loc[("i1", "B"), "share_upper"] == 1.0
    assert opts.loc[("i1", "A"), "share_lower"] == pytest.approx(0.5)  # t5 chose A, t6 blank
    assert opts.loc[("i4", "A"), "share"] == pytest.approx(4 / 6)  # multiple: each letter
    assert opts.loc[("i4", "B"), "share_lower"] == pytest.approx(0.5)
    assert opts.loc[("i3", "False"), "share"] == pytest.approx(1 / 6)
    assert bool(opts.loc[("i4", "C"), "is_key"]) and not bool(opts.loc[("i4", "B"), "is_key"])
    assert "i5" not in set(qa.options["item_id"])


def test_dead_distractors_flagged_with_reason(qa):
    opts = qa.options.set_index(["item_id", "option"])
    assert opts.loc[("i1", "D"), "flag"] == "dead-distractor"
    assert opts.loc[("i2", "B"), "flag"] == opts.loc[("i2", "D"), "flag"] == "dead-distractor"
    i2 = row(qa, "i2")
    assert "dead-distractor" in i2["flags"]
    assert "options B and D were chosen by 0% and 0% of trainees" in i2["reasons"]
    assert opts.loc[("i3", "False"), "flag"] == ""  # true/false: covered by "too easy"


def test_reliability_by_hand(qa):
    s = qa.summary
    x = np.array([SCORES[i] for i in ("i1", "i2", "i3", "i4")], dtype=float).T
    totals = x.sum(axis=1)
    k = 4
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / totals.var(ddof=1))
    right = (x == np.array([1, 1, 1, 2])).astype(float)  # full credit only
    p = right.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / right.sum(axis=1).var())
    assert (s.trainees, s.items, s.max_points) == (6, 4, 5.0)
    assert s.mean == pytest.approx(17 / 6)
    assert s.sd == pytest.approx(np.std(totals, ddof=1))
    assert s.alpha == pytest.approx(alpha)
    assert s.kr20 == pytest.approx(kr20)
    assert s.sem == pytest.approx(np.std(totals, ddof=1) * math.sqrt(1 - alpha))
    assert any("partial credit" in n for n in s.notes)


def test_score_distribution_counts_every_trainee(qa):
    dist = qa.distribution
    assert dist["trainees"].sum() == 6
    # totals 5,4,4,2,1,1 of 5 -> 100%, 80%, 80%, 40%, 20%, 20%
    counts = dict(zip(dist["band"], dist["trainees"], strict=True))
    assert counts["90%-100%"] == 1 and counts["80%-90%"] == 2 and counts["20%-30%"] == 2


@pytest.mark.parametrize(("difficulty", "code"), [(0.95, "too-easy"), (0.2, "too-hard"),
                                                  (0.5, None), (0.9, None), (0.25, None)])
def test_difficulty_flags(difficulty, code):
    flags = difficulty_flags(difficulty, Thresholds())
    assert [c for c, _ in flags] == ([code] if code else [])
    assert all(f"{difficulty:.0%}" in reason for _, reason in flags)


@pytest.mark.parametrize(("r", "d", "code"), [(-0.2, 0.3, "negative-discrimination"),
                                              (0.1, 0.5, "low-discrimination"),
                                              (0.3, -0.5, None),
                                              (math.nan, 0.05, "low-discrimination"),
                                              (math.nan, math.nan, None)])
def test_discrimination_flags_use_r_then_d(r, d, code):
    flags = discrimination_flags(r, d, Thresholds())
    assert [c for c, _ in flags] == ([code] if code else [])


def test_distractor_attracting_the_upper_group_is_flagged():
    items = items_frame([item("a", "single", "A"), item("b", "single", "B"),
                         item("c", "single", "C")])
    answers = {"a": ["A", "A", "B", "C", "D", "D"], "b": ["B", "B", "B", "A", "A", "C"],
               "c": ["D", "C", "C", "C", "A", "B"]}
    scores = {"a": [1, 1, 0, 0, 0, 0], "b": [1, 1, 1, 0, 0, 0], "c": [0, 1, 1, 1, 0, 0]}
    qa = analyze_quiz(responses(items, answers, scores), items, "q")
    opts = qa.options.set_index(["item_id", "option"])
    # totals 2,3,2,1,0,0 -> upper t2, t1 ; lower t5, t6. Item c: t1 (upper) chose D.
    assert opts.loc[("c", "D"), "flag"] == "distractor-attracts-upper"
    assert "drew more of the top group" in row(qa, "c")["reasons"]


def test_item_everyone_got_right():
    items = items_frame([item("easy", "single", "A"), item("b", "single", "B"),
                         item("c", "single", "C")])
    answers = {"easy": ["A"] * 6, "b": ["B", "B", "A", "B", "A", "A"],
               "c": ["C", "A", "C", "A", "A", "C"]}
    scores = {"easy": [1] * 6, "b": [1, 1, 0, 1, 0, 0], "c": [1, 0, 1, 0, 0, 1]}
    qa = analyze_quiz(responses(items, answers, scores), items, "q")
    easy = row(qa, "easy")
    assert easy["difficulty"] == 1.0
    assert math.isnan(easy["point_biserial"])
    assert "every trainee earned the same score" in easy["notes"]
    assert easy["discrimination_index"] == 0.0
    assert "too-easy" in easy["flags"]
    assert not math.isnan(qa.summary.alpha)  # a constant item does not break alpha


def test_quiz_with_one_item():
    items = items_frame([item("only", "single", "A")])
    qa = analyze_quiz(responses(items, {"only": ["A", "B", "A", "A", "C", "A"]},
                                {"only": [1, 0, 1, 1, 0, 1]}), items, "q")
    only = row(qa, "only")
    assert only["difficulty"] == pytest.approx(4 / 6)
    assert math.isnan(only["point_biserial"])
    assert "no other auto-graded item" in only["notes"]
    assert math.isnan(qa.summary.alpha) and math.isnan(qa.summary.kr20)
    assert math.isnan(qa.summary.sem)
    assert "at least two auto-graded items" in qa.summary.notes[0]


def test_one_trainee():
    data = responses(ITEMS, ANSWERS, SCORES)
    qa = analyze_quiz(data[data["trainee"] == "t1"], ITEMS, "q")
    assert qa.summary.trainees == 1 and qa.summary.mean == 5.0
    assert math.isnan(qa.summary.sd) and math.isnan(qa.summary.alpha)
    assert "at least two trainees" in qa.summary.notes[0]
    assert row(qa, "i1")["difficulty"] == 1.0
    assert math.isnan(row(qa, "i1")["discrimination_index"])
    assert "fewer than two graded trainees" in row(qa, "i1")["notes"]


def test_missing_grade_row_leaves_the_trainee_out_of_totals_only():
    data = responses(ITEMS, ANSWERS, SCORES)
    data = data[~((data["trainee"] == "t6") & (data["item_id"] == "i2"))]
    qa = analyze_quiz(data, ITEMS, "q")
    assert qa.summary.trainees == 5
    assert row(qa, "i2")["n_scored"] == 5
    assert row(qa, "i2")["difficulty"] == pytest.approx(3 / 5)
    assert row(qa, "i1")["difficulty"] == pytest.approx(3 / 6)


def test_answers_not_read_are_unknown_not_omitted():
    data = responses(ITEMS, ANSWERS, SCORES).assign(answer=None, omitted=pd.NA)
    qa = analyze_quiz(data, ITEMS, "q")
    assert math.isnan(row(qa, "i1")["omitted_rate"])
    assert "answers were not read" in row(qa, "i1")["notes"]
    assert qa.options["share"].isna().all()
    assert (qa.options["flag"] == "").all()


def test_unknown_quiz_and_empty_quiz_raise_clear_errors():
    data = responses(ITEMS, ANSWERS, SCORES)
    with pytest.raises(AnalysisError, match="no items"):
        analyze_quiz(data, ITEMS, "nope")
    with pytest.raises(AnalysisError, match="no graded submissions"):
        analyze_quiz(data.iloc[:0], ITEMS, "q")


@pytest.mark.parametrize("case", ["full", "one-item", "one-trainee", "nothing-read",
                                  "ungraded"])
def test_report_never_shows_nan(case):
    data, items = responses(ITEMS, ANSWERS, SCORES), ITEMS
    if case == "one-item":
        items = items_frame([item("i1", "single", "B")])
        data = data[data["item_id"] == "i1"]
    elif case == "one-trainee":
        data = data[data["trainee"] == "t1"]
    elif case == "nothing-read":
        data = data.assign(answer=None, omitted=pd.NA)
    elif case == "ungraded":
        data = data.assign(score=np.where(data["item_id"] == "i5", np.nan, data["score"]))
    qa = analyze_quiz(data, items, "q")
    mastery = competency_mastery(data, items)
    html = visible(render_report(qa, ReportContext(title="Hand quiz", mastery=mastery)))
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)
    assert "None" not in html
    assert html.count("How to read it:") == 3
    assert "not computable" in html or case == "full"

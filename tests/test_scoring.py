import pytest

from peercert.scoring import AnswerError, check, fraction, normalize, score

SINGLE = {"type": "single", "key": "B", "points": 1.0, "letters": "ABCD"}
MULTI = {"type": "multiple", "key": ["A", "C"], "points": 2.0, "letters": "ABCD"}
ORDER = {"type": "ordering", "key": ["C", "A", "D", "B"], "points": 2.0, "letters": "ABCD"}
TF = {"type": "truefalse", "key": False, "points": 1.0}


@pytest.mark.parametrize("answer", ["B", "b", " B ", "B.", ["B"]])
def test_single_accepts_plain_ways_of_typing_a_letter(answer):
    assert score(SINGLE, answer) == 1.0


@pytest.mark.parametrize("answer", ["", None, "   ", "Z", "AB", 3, "the second one"])
def test_single_blank_or_unreadable_scores_zero(answer):
    assert score(SINGLE, answer) == 0.0


@pytest.mark.parametrize(("answer", "expected"), [
    ("A, C", 2.0), ("c and a", 2.0), ("AC", 2.0), (["A"], 1.0), ("A, B", 0.0),
    ("A, B, C", 1.0), ("A, B, C, D", 0.0), ("D", 0.0),
])
def test_multiple_is_right_minus_wrong(answer, expected):
    assert score(MULTI, answer) == expected


@pytest.mark.parametrize(("answer", "expected"), [
    # Key C, A, D, B: six pairs. One neighbour swap keeps 5 and reverses 1: (5 - 1) / 6.
    ("C, A, D, B", 2.0), ("CADB", 2.0), ("A, C, D, B", 1.3333), ("C, A, B, D", 1.3333),
    # A, D, B, C keeps A<D, A<B, D<B and reverses the three pairs with C: 0.
    ("A, D, B, C", 0.0), ("B, D, A, C", 0.0), ("C, A, D", 0.0), ("C, A, A, B", 0.0),
])
def test_ordering_is_right_minus_wrong_over_pairs(answer, expected):
    assert score(ORDER, answer) == expected


def test_a_random_order_earns_little_of_an_ordering_item():
    from itertools import permutations

    orders = list(permutations("ABCD"))
    mean = sum(score(ORDER, list(p)) for p in orders) / len(orders) / ORDER["points"]
    assert mean < 0.25


@pytest.mark.parametrize(("answer", "expected"), [
    ("False", 1.0), ("false", 1.0), (False, 1.0), ("F", 1.0), ("True", 0.0), ("maybe", 0.0),
])
def test_truefalse(answer, expected):
    assert score(TF, answer) == expected


def test_normalize_explains_the_problem():
    with pytest.raises(AnswerError, match="E is not one of the choices A, B, C, D"):
        normalize("E", "single", "ABCD")
    with pytest.raises(AnswerError, match="no answer"):
        normalize("", "single", "ABCD")


def test_fraction_rejects_unknown_types():
    with pytest.raises(ValueError):
        fraction("essay", "A", "A")


def test_check_prints_reasoning_and_returns_score(capsys):
    spec = dict(MULTI, rationale={"key": "A and C keep the focus.",
                                  "distractors": {"B": "No.", "D": "Nope."}})
    assert check("A, B", spec) == 0.0
    out = capsys.readouterr().out
    assert "Your answer: A, B" in out and "Best answer: A, C" in out
    assert "Why: A and C keep the focus." in out and "Why not B: No." in out

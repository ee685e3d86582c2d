"""Each question of a trainee's page in plain words: what they chose, the best answer, why.

Only items the gradebook holds a score for are explained: an item nobody has graded yet
shows neither its key nor its reasons. Reasons come from the item's rationale; multiple
select and ordering are explained option by option and step by step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peercert.feedback.chosen import Answer
from peercert.feedback.content import Level, Question
from peercert.feedback.review import Where
from peercert.feedback.scores import ItemGrade

ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]


def points(value: float | None) -> str:
    """3 -> "3", 0.6667 -> "0.67"; used as "3 of 4 points"."""
    return "" if value is None else f"{round(value, 2):g}"


def points_word(value: float) -> str:
    return "point" if value == 1 else "points"


@dataclass
class Line:
    """An option or step: its letter and text, and a short note for this trainee."""

    letter: str
    text: str  # HTML
    note: str = ""
    mark: str = ""  # "good" | "bad" | "" (shown with words and a symbol, never colour alone)
    why: str = ""  # HTML


@dataclass
class ItemView:
    number: int
    item_id: str
    kind: str
    max_points: float
    score: float | None
    result: str  # right | partly | wrong | blank | unreadable | waiting | written
    result_text: str
    scenario: list[str]
    prompt: str
    yours: list[Line] = field(default_factory=list)
    yours_text: str = ""  # a sentence when there is no option to show
    best: list[Line] = field(default_factory=list)
    best_text: str = ""
    why: str = ""
    why_not: list[Line] = field(default_factory=list)
    steps: list[Line] = field(default_factory=list)  # multiple select and ordering
    how_scored: str = ""
    rubric: list[tuple[Level, bool]] = field(default_factory=list)  # (level, reached)
    reflection: str = ""
    comment: str = ""
    review: Where | None = None

    @property
    def score_text(self) -> str:
        total = f"{points(self.max_points)} {points_word(self.max_points)}"
        if self.score is None:
            return f"not scored yet (out of {total})"
        return f"{points(self.score)} of {total}"


def _result(score: float | None, max_points: float, answer: Answer) -> tuple[str, str]:
    if score is None:
        return "waiting", "Waiting for your instructor to score it"
    if answer.problem == "blank":
        return "blank", "No answer was given"
    if answer.problem:
        return "unreadable", "Your answer could not be read"
    if score >= max_points:
        return "right", "Right"
    if score > 0:
        return "partly", "Partly right"
    return "wrong", "Not the best answer"


def _letters(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _option(q: Question, letter: str, **kw: Any) -> Line:
    return Line(letter, q.options.get(letter, ""), **kw)


def _and(letters: list[str]) -> str:
    return letters[0] if len(letters) == 1 else ", ".join(letters[:-1]) + " and " + letters[-1]


def _tf(value: Any) -> str:
    return "True" if value else "False"


def _single(q: Question, view: ItemView, answer: Answer) -> None:
    if answer.value is not None:
        view.yours = [_option(q, answer.value)]
    view.best = [_option(q, q.key)]
    view.why = q.why
    if answer.value is not None and answer.value != q.key:
        view.why_not = [_option(q, answer.value, why=q.why_not.get(answer.value, ""))]


def _truefalse(q: Question, view: ItemView, answer: Answer) -> None:
    if answer.value is not None:
        view.yours_text = f"You answered {_tf(answer.value)}."
    view.best_text = f"The statement is {_tf(q.key)}."
    view.why = q.why


def _multiple(q: Question, view: ItemView, answer: Answer) -> None:
    key = set(_letters(q.key))
    chosen = set(_letters(answer.value)) if answer.value is not None else set()
    if chosen:
        view.yours_text = f"You chose {_and(sorted(chosen))}."
    view.best_text = f"The best answers are {_and(sorted(key))}."
    view.why = q.why
    share = f"{points(q.points / len(key))} {points_word(q.points / len(key))}"
    view.how_scored = (f"Each best answer you choose earns {share}; each other answer you "
                       f"choose takes {share} away (never below 0).")
    for letter in q.options:
        if letter in key and letter in chosen:
            view.steps.append(_option(q, letter, note="You chose it: it is one of the best "
                                      "answers.", mark="good"))
        elif letter in key:
            view.steps.append(_option(q, letter, note="You did not choose it, but it is one of "
                                      "the best answers.", mark="bad"))
        elif letter in chosen:
            view.steps.append(_option(q, letter, note="You chose it, but it is not one of the "
                                      "best answers.", mark="bad", why=q.why_not.get(letter, "")))
        else:
            view.steps.append(_option(q, letter, note="You left it out: right.", mark="good"))


def _ordering(q: Question, view: ItemView, answer: Answer) -> None:
    key = _letters(q.key)
    given = _letters(answer.value) if answer.value is not None else []
    view.yours = [_option(q, x) for x in given]
    view.best = [_option(q, x) for x in key]
    view.why = q.why
    place = {letter: i for i, letter in enumerate(given)}
    for i, letter in enumerate(key):
        if letter not in place:
            note, mark = "", ""
        elif place[letter] == i:
            note, mark = f"You also put it {ORDINALS[i]}: right.", "good"
        else:
            note, mark = f"You put it {ORDINALS[place[letter]]}.", "bad"
        view.steps.append(_option(q, letter, note=note, mark=mark))
    if given:
        pairs = [(a, b) for i, a in enumerate(key) for b in key[i + 1:]]
        right = sum(place[a] < place[b] for a, b in pairs)
        view.how_scored = (f"{right} of the {len(pairs)} pairs of steps were in the best order. "
                           "Each pair in the best order earns a share of the points; each pair "
                           "the wrong way round takes a share away (never below 0).")


def _reflection(q: Question, view: ItemView, answer: Answer, grade: ItemGrade | None) -> None:
    view.reflection = answer.text
    score = view.score
    reached = None
    if score is not None and q.rubric:
        # the highest level at or below the score (a score between levels reaches the lower)
        fitting = [lv for lv in q.rubric if lv.points <= score + 1e-9]
        reached = max(fitting, key=lambda lv: lv.points) if fitting else None
    view.rubric = [(lv, lv is reached) for lv in sorted(q.rubric, key=lambda lv: -lv.points)]
    if grade is not None and grade.comment and grade.comment != "No response.":
        view.comment = grade.comment


EXPLAIN = {"single": _single, "truefalse": _truefalse, "multiple": _multiple,
           "ordering": _ordering}


def explain(q: Question, grade: ItemGrade | None, answer: Answer,
            review: Where | None) -> ItemView:
    """One question of a trainee's page. No key or reason unless the item has a score."""
    score = grade.score if grade is not None else None
    result, text = _result(score, q.points, answer)
    if q.kind == "reflection" and result in ("right", "partly", "wrong"):
        result, text = "written", "Scored by your instructor"
    view = ItemView(q.number, q.item_id, q.kind, q.points, score, result, text, q.scenario,
                    q.prompt)
    if q.kind == "reflection":
        _reflection(q, view, answer, grade)
        if score is not None and score < q.points:
            view.review = review
        return view
    if answer.problem and answer.problem != "blank":
        view.yours_text = f"We could not read your answer: {answer.problem}."
    elif answer.problem == "blank":
        view.yours_text = "You did not answer this question."
    if score is None:
        return view  # not graded: the key and its reasons stay hidden
    EXPLAIN[q.kind](q, view, answer)
    if score < q.points:
        view.review = review
    return view

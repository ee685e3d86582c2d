"""The one scoring function, shared by nbgrader's hidden tests and ``peercert grade``.

Instructor side only: the hidden test cells that call ``check`` with a key run in the
instructor's autograde kernel and never reach a trainee. Released quizzes check answer
formats with ``peercert_trainee`` alone, whose :func:`normalize` this module scores with (one
reader, so an answer that validates is an answer that is scored). Standard library plus that
package, so it stays light in kernels and grading workers.

An answer is data: a letter ("B"), several letters ("A, C" or ["A", "C"]), an order
("C, A, B, D") or True/False. ``score`` decides every item's points; ``check`` prints the
reasoning for feedback and returns the score as the cell's value (nbgrader's partial credit).
"""

from __future__ import annotations

from typing import Any

from peercert_trainee.answer_format import (
    AnswerError,
    check_format,
    check_readable,
    is_blank,
    normalize,
    plain_message,
)

__all__ = ["AnswerError", "check", "check_format", "check_readable", "fraction", "is_blank",
           "normalize", "plain_message", "score"]


def _pairs_right_minus_wrong(answer: list[str], key: list[str]) -> float:
    """Pairs of steps in the key's order minus pairs reversed, over all pairs (-1..1)."""
    where = {step: i for i, step in enumerate(answer)}
    right = wrong = 0
    for i, first in enumerate(key):
        for second in key[i + 1:]:
            if where[first] < where[second]:
                right += 1
            else:
                wrong += 1
    return (right - wrong) / max(1, right + wrong)


def fraction(kind: str, key: Any, answer: Any) -> float:
    """Share of the item's points earned by a normalized answer (0..1)."""
    if kind in ("single", "truefalse"):
        return 1.0 if answer == key else 0.0
    if kind == "multiple":
        # Right minus wrong: each keyed letter chosen earns, each distractor chosen costs.
        right = len(set(answer) & set(key))
        wrong = len(set(answer) - set(key))
        return max(0.0, (right - wrong) / len(key))
    if kind == "ordering":
        # Right minus wrong over every pair of steps, as for multiple select: each pair put in
        # the right order earns, each pair reversed costs. A random order earns about a fifth
        # of the points on four steps (the longest run kept in order, used before, gave more
        # than half), so partial credit rewards knowing the order, not guessing it.
        return max(0.0, _pairs_right_minus_wrong(list(answer), list(key)))
    raise ValueError(f"unknown item type {kind!r}")


def score(spec: dict[str, Any], answer: Any) -> float:
    """Points earned on one item. Blank or unreadable answers earn 0."""
    try:
        canonical = normalize(answer, spec["type"], spec.get("letters", ""))
    except AnswerError:
        return 0.0
    return round(float(spec["points"]) * fraction(spec["type"], spec["key"], canonical), 4)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def check(answer: Any, spec: dict[str, Any]) -> float:
    """Score one item, print the reasoning for feedback, and return the score."""
    points = score(spec, answer)
    try:
        given = _show(normalize(answer, spec["type"], spec.get("letters", "")))
    except AnswerError as exc:
        given = f"(not scored: {exc})"
    print(f"Your answer: {given}")
    print(f"Best answer: {_show(spec['key'])}")
    print(f"Points: {points:g} of {float(spec['points']):g}")
    rationale = spec.get("rationale", {})
    print(f"Why: {rationale.get('key', '')}")
    for letter, why in rationale.get("distractors", {}).items():
        print(f"Why not {letter}: {why}")
    return points

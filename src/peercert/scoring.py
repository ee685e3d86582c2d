"""The one scoring function, shared by nbgrader's hidden tests and ``peercert grade``.

Imported inside trainees' kernels, so it must stay light: standard library only.
An answer is data: a letter ("B"), several letters ("A, C" or ["A", "C"]), an order
("C, A, B, D") or True/False. ``score`` decides every item's points; ``check`` prints the
reasoning for feedback and returns the score as the cell's value (nbgrader's partial credit).
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["AnswerError", "check", "check_format", "check_readable", "normalize",
           "plain_message", "score"]

_TOKEN = re.compile(r"[A-Za-z]+")
_TRUE = {"true", "t", "yes", "y"}
_FALSE = {"false", "f", "no", "n"}
_AROUND = " \t\r\n.,;:!?'\"`()[]\u2018\u2019\u201c\u201d"


class AnswerError(ValueError):
    """The answer cannot be read as an answer to this item."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback, in the notebook and in Validate's report:
        # a trainee reads one plain sentence.
        return [str(self)]


def _letters(answer: Any, letters: str) -> list[str]:
    if isinstance(answer, (list, tuple, set)):
        tokens = [str(x).strip() for x in answer]
    elif isinstance(answer, str):
        tokens = [t for t in _TOKEN.findall(answer) if t.lower() != "and"]
        if len(tokens) == 1 and len(tokens[0]) > 1:
            tokens = list(tokens[0])
    else:
        raise AnswerError(f"{answer!r} is not a letter; type letters between quotes, like \"B\"")
    out = [t.upper() for t in tokens]
    bad = [t for t in out if t not in letters or len(t) != 1]
    if bad:
        raise AnswerError(f"{', '.join(bad)} is not one of the choices {', '.join(letters)}")
    return out


def is_blank(answer: Any) -> bool:
    return answer is None or (isinstance(answer, (str, list, tuple, set)) and not answer) or (
        isinstance(answer, str) and not answer.strip()
    )


def normalize(answer: Any, kind: str, letters: str = "") -> Any:
    """Turn a trainee's literal into a canonical answer, or raise AnswerError."""
    if is_blank(answer):
        raise AnswerError("no answer yet")
    if kind == "truefalse":
        if isinstance(answer, bool):
            return answer
        # "True.", "'true'" and curly-quoted “True” read as True, as letters do
        text = str(answer).strip(_AROUND).lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise AnswerError(f"{answer!r} is not True or False")
    chosen = _letters(answer, letters)
    if kind == "single":
        if len(chosen) != 1:
            raise AnswerError("choose exactly one letter")
        return chosen[0]
    if len(set(chosen)) != len(chosen):
        raise AnswerError("a letter appears twice")
    if kind == "multiple":
        return sorted(chosen)
    if kind == "ordering":
        if sorted(chosen) != sorted(letters):
            raise AnswerError(f"put every letter {', '.join(letters)} in order, each once")
        return chosen
    raise ValueError(f"unknown item type {kind!r}")


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


# --- the format check: what a trainee reads when an answer cannot be read ------------------

def _span(letters: str) -> str:
    """ "A to D" for consecutive letters, else "A, B or E"."""
    if len(letters) > 2 and letters == "".join(chr(ord(letters[0]) + i)
                                             for i in range(len(letters))):
        return f"{letters[0]} to {letters[-1]}"
    return " or ".join([", ".join(letters[:-1]), letters[-1]]) if len(letters) > 1 else letters


def _how(kind: str, letters: str) -> tuple[str, str]:
    """What to choose, in plain words, and an example of the literal."""
    if kind == "truefalse":
        return "choose True or False", '"True"'
    if kind == "single":
        return f"choose one letter, {_span(letters)}", f'"{letters[min(1, len(letters) - 1)]}"'
    if kind == "multiple":
        return (f"choose every letter that applies, {_span(letters)}, with commas between them",
                f'"{", ".join(letters[::2])}"')
    return (f"put all the letters {_span(letters)} in order, each once, with commas between them",
            f'"{", ".join(letters[1:] + letters[:1])}"')


def plain_message(question: str, kind: str, letters: str, problem: str) -> str:
    """One plain sentence for a trainee: 'Question 3: choose one letter, A to D, like "B".'

    ``problem`` is "missing" (the answer line did not run: ``""B""``, curly quotes, a bare
    letter), "blank" or "value" (an answer that is not one the item takes).
    """
    how, example = _how(kind, letters)
    where = f"Question {question}" if question else "Check this answer"
    if problem == "missing":
        line = f"answer_{question} = {example}" if question else example
        return (f"{where} cannot be read: {how}, and type it between the two straight quote "
                f"marks, like {line}.")
    if problem == "blank":
        return f"{where} has no answer yet: {how}." if question else f"{where}: {how}."
    return f"{where}: {how}, like {example}."


def check_readable(name: str, kind: str, letters: str = "") -> None:
    """The format check of a quiz's answer: ``check_readable("answer_3", "single", "ABCD")``.

    Reads the answer variable from the notebook (the caller's globals), so an answer line that
    did not run (``answer_3 = ""B""``, curly quotes, a bare letter) gets a plain sentence too,
    never a NameError. Raises AnswerError (shown by IPython as that one sentence, which fails
    the cell for nbgrader's Validate) or prints that the answer can be read. It never says if
    an answer is right, and reads an answer exactly as ``peercert grade`` does (``normalize``).
    """
    question = name.rpartition("_")[2] if name.rpartition("_")[2].isdigit() else ""
    namespace = sys._getframe(1).f_globals
    if name not in namespace:
        raise AnswerError(plain_message(question, kind, letters, "missing"))
    answer = namespace[name]
    try:
        normalize(answer, kind, letters)
    except AnswerError:
        problem = "blank" if is_blank(answer) else "value"
        raise AnswerError(plain_message(question, kind, letters, problem)) from None
    print(f"Question {question}: your answer can be read. It will be scored when your quiz is "
          "graded.")


def check_format(answer: Any, kind: str, letters: str = "") -> None:
    """The format check of quizzes built before ``check_readable``: the same plain sentence."""
    try:
        normalize(answer, kind, letters)
    except AnswerError:
        problem = "blank" if is_blank(answer) else "value"
        raise AnswerError(plain_message("", kind, letters, problem)) from None
    print("Your answer can be read. It will be scored when your quiz is graded.")


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

"""Can a quiz answer be read? The one answer reader, shared by trainees and graders.

A released quiz calls :func:`check_readable` when a trainee validates it; ``peercert.scoring``
(the instructor side) scores with the same :func:`normalize`, so an answer that validates is
exactly an answer that is scored. Standard library only: it runs in every quiz kernel.

An answer is data: a letter ("B"), several letters ("A, C" or ["A", "C"]), an order
("C, A, B, D") or True/False. Nothing here knows a key.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["AnswerError", "check_format", "check_readable", "is_blank", "normalize",
           "plain_message"]

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
    """No answer given: None, an empty collection or only spaces."""
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
        # "True.", "'true'" and curly-quoted \u201cTrue\u201d read as True, as letters do
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
    tail = name.rpartition("_")[2]
    question = tail if tail.isdigit() else ""
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

"""Can a quiz answer be read? The one answer reader, shared by trainees and graders.

A released quiz calls :func:`check_format` when a trainee validates it; ``peercert.scoring``
(the instructor side) scores with the same :func:`normalize`, so an answer that validates is
exactly an answer that is scored. Standard library only: it runs in every quiz kernel.

An answer is data: a letter ("B"), several letters ("A, C" or ["A", "C"]), an order
("C, A, B, D") or True/False. Nothing here knows a key.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["AnswerError", "check_format", "is_blank", "normalize"]

_TOKEN = re.compile(r"[A-Za-z]+")
_TRUE = {"true", "t", "yes", "y"}
_FALSE = {"false", "f", "no", "n"}


class AnswerError(ValueError):
    """The answer cannot be read as an answer to this item."""


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
        text = str(answer).strip().lower()
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


def check_format(answer: Any, kind: str, letters: str = "") -> None:
    """Tell a trainee, before they submit, whether an answer can be read (not if it is right)."""
    try:
        normalize(answer, kind, letters)
    except AnswerError as exc:
        raise AnswerError(f"Check this answer: {exc}.") from None
    print("Your answer can be read. It will be scored when your quiz is graded.")

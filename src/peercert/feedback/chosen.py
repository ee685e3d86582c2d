"""What a trainee answered, read from their notebook with the one answer reader.

The autograded copy is read when there is one (``peercert grade`` writes it, and it is what
was scored), else the submission. Answers are literals read with ``ast``, never run
(:mod:`peercert.answers`). A trainee's reflection text is read only for that trainee's own
page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from peercert.answers import answer_cells, cell_source, literal_answer
from peercert.scoring import AnswerError, is_blank, normalize

RELEASED_STUB = "YOUR ANSWER HERE"


@dataclass(frozen=True)
class Answer:
    """One item's answer: ``value`` is canonical ("B", ["A", "C"], True), or None with a
    plain ``problem`` ("blank" when nothing was typed)."""

    value: Any = None
    problem: str = ""
    text: str = ""  # a reflection's own words


BLANK = Answer(problem="blank")


def notebook_path(course_folders: tuple[Path, Path], trainee: str, quiz: str) -> Path | None:
    """The autograded notebook if it exists, else the submitted one, else None."""
    for folder in course_folders:
        path = folder / trainee / quiz / f"{quiz}.ipynb"
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=4096)  # a cohort types the same few answers: read each source once
def _read(source: str, kind: str, letters: str) -> Answer:
    try:
        raw = literal_answer(source)
    except AnswerError as exc:
        return BLANK if str(exc) == "no answer yet" else Answer(problem=str(exc))
    if is_blank(raw):
        return BLANK
    try:
        return Answer(normalize(raw, kind, letters))
    except AnswerError as exc:
        return Answer(problem=str(exc))


def read_chosen(path: Path | None, kinds: dict[str, tuple[str, str]]) -> dict[str, Answer]:
    """Item id -> :class:`Answer` for every item in ``kinds`` (id -> (type, letters)).

    A missing or unreadable notebook gives every item a problem; the last answer cell of an
    item counts, as it would for a kernel running the notebook top to bottom.
    """
    if path is None:
        return {item: Answer(problem="your notebook was not found") for item in kinds}
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {item: Answer(problem="your notebook could not be read") for item in kinds}
    out = dict.fromkeys(kinds, BLANK)
    for meta, source in answer_cells(notebook):
        item = str(meta["item"])
        if item in kinds and kinds[item][0] != "reflection":
            out[item] = _read(source, *kinds[item])
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("peercert", {})
        item = str(meta.get("item", ""))
        if meta.get("role") == "answer" and item in kinds and kinds[item][0] == "reflection":
            text = cell_source(cell).strip()
            out[item] = BLANK if text in ("", RELEASED_STUB) else Answer(text=text)
    return out

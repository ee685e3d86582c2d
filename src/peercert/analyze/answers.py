"""Read the options trainees chose from their notebooks, without running any trainee code.

An answer cell is a code cell with ``metadata.peercert.role == "answer"`` whose source assigns
a literal (``answer_3 = "B"``). The literal is read with ``ast`` and normalized by the same
function the grader uses, so "b", "B " and ["B"] count as the same choice.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peercert.analyze.model import canonical_text
from peercert.scoring import AnswerError, normalize


@dataclass(frozen=True)
class ReadAnswer:
    """One item's answer as read from a notebook: canonical text, or omitted."""

    item_id: str
    answer: str | None
    omitted: bool


def literal_answer(source: str) -> Any:
    """The literal assigned by the last top-level assignment in a cell; AnswerError if none."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise AnswerError(f"the cell is not valid Python ({exc.msg})") from None
    assigned = [node for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))]
    if not assigned or assigned[-1].value is None:
        raise AnswerError("no answer yet")
    try:
        return ast.literal_eval(assigned[-1].value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise AnswerError("the answer is not a plain value like \"B\"") from None


def read_cell(source: str, kind: str, letters: str) -> tuple[str | None, bool]:
    """(canonical text, omitted) for one answer cell's source."""
    try:
        canonical = normalize(literal_answer(source), kind, letters)
    except AnswerError:
        return None, True
    return canonical_text(canonical), False


def answer_cells(notebook: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(peercert metadata, source) of each answer cell in a notebook's JSON."""
    out = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("peercert", {})
        if cell.get("cell_type") == "code" and meta.get("role") == "answer" and "item" in meta:
            source = cell.get("source", "")
            out.append((meta, "".join(source) if isinstance(source, list) else source))
    return out


def read_answers(path: Path, specs: dict[str, tuple[str, str]]) -> list[ReadAnswer]:
    """Answers of the auto-graded items of one notebook.

    ``specs`` maps item id to (type, letters) from the bank; the notebook's own metadata is
    used only when the bank does not know the item. Raises OSError or ValueError when the
    notebook cannot be read at all.
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for meta, source in answer_cells(notebook):
        item_id = str(meta["item"])
        kind, letters = specs.get(item_id, (meta.get("type", ""), meta.get("letters", "")))
        if kind == "reflection" or not kind:
            continue
        answer, omitted = read_cell(source, kind, letters)
        out.append(ReadAnswer(item_id, answer, omitted))
    return out


def reflection_text(path: Path) -> dict[str, str]:
    """Item id -> text of each reflection answer cell (markdown or code) in a notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("peercert", {})
        if meta.get("role") == "answer" and meta.get("type") == "reflection" and "item" in meta:
            source = cell.get("source", "")
            out[str(meta["item"])] = "".join(source) if isinstance(source, list) else source
    return out

"""The one answer reader (and writer), shared by grade, analyze, simulate and the tests.

An answer cell is a code cell with ``metadata.peercert.role == "answer"`` whose source binds
a literal: ``answer_3 = "B"`` (a type annotation, ``answer_3: str = "B"``, is the same
binding, as Python runs it). Literals are read with ``ast``, never run. Any other code in a
cell is not run: the names it would bind become :class:`Unreadable`.

Kept to the standard library plus :mod:`peercert.scoring`, so workers import it fast.
"""

from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from peercert.scoring import AnswerError, normalize


class Unreadable:
    """A variable set by code that peercert does not run."""

    def __init__(self, reason: str):
        self.reason = reason


_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)


def _binding(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, value) of ``name = value`` or ``name: T = value``; None for anything else."""
    if (isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        return node.target.id, node.value
    return None


def _is_inert(node: ast.stmt) -> bool:
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr)
                                          and isinstance(node.value, ast.Constant))


def bind_literals(source: str, env: dict[str, Any]) -> str | None:
    """Apply a cell's ``name = literal`` lines to env; return why the cell is not plain data."""
    bound, unreadable, reason = (_read_literals(source) if len(source) <= _CACHED_CHARS
                                 else _read_literals.__wrapped__(source))
    for name, value in bound:
        env[name] = copy.deepcopy(value) if isinstance(value, (list, dict, set)) else value
    for name in unreadable:
        env[name] = Unreadable(str(reason))
    return reason


# A cohort gives few distinct answers: each distinct cell source is read once per process.
_CACHED_CHARS = 2_000


@lru_cache(maxsize=8192)
def _read_literals(source: str) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...],
                                         str | None]:
    """(bindings in order, names made unreadable, reason) for one cell's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return (), (), f"cannot be read (line {exc.lineno}: {exc.msg})"
    names = tuple(t.id for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign))
                  for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                  if isinstance(t, ast.Name))
    bound = []
    for node in tree.body:
        if _is_inert(node):
            continue
        binding = _binding(node)
        if binding is not None:
            try:
                bound.append((binding[0], ast.literal_eval(binding[1])))
                continue
            except _LITERAL_ERRORS:
                pass
        return tuple(bound), names, f"has code that peercert does not run (line {node.lineno})"
    return tuple(bound), (), None


def assigned_name(source: str) -> str | None:
    """The name the cell's last top-level binding assigns (the answer variable)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    bound = [b for node in tree.body if (b := _binding(node))]
    return bound[-1][0] if bound else None


def literal_answer(source: str) -> Any:
    """The value an answer cell binds, read as the grader reads it; AnswerError if none."""
    env: dict[str, Any] = {}
    reason = bind_literals(source, env)
    name = assigned_name(source)
    if reason is not None:
        raise AnswerError(f"the answer is not a plain value like \"B\": the cell {reason}")
    if name is None:
        raise AnswerError("no answer yet")
    return env[name]


def typed_literal(answer: Any) -> str:
    """The literal a trainee types for ``answer``, between the quote marks the quiz gives:
    ``"B"``, ``"A, C"`` (a list of letters), ``"True"``. Read back with :func:`literal_answer`
    and :func:`peercert.scoring.normalize`, it is ``answer`` again."""
    if isinstance(answer, (list, tuple)):
        answer = ", ".join(str(x) for x in answer)
    return json.dumps(str(answer), ensure_ascii=False)  # a JSON string is a Python literal


def with_answer(source: str, literal: str) -> str:
    """An answer cell's source with its answer replaced by ``literal`` (source text): the
    cell's last line binds the answer variable (``answer_3 = ""`` as released), lines above
    it are kept."""
    head, _, last = source.rpartition("\n")
    var = assigned_name(last) or last.split("=")[0].strip()
    return f"{head}\n{var} = {literal}" if head else f"{var} = {literal}"


def cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def answer_cells(notebook: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(peercert metadata, source) of each code answer cell in a notebook's JSON."""
    out = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("peercert", {})
        if cell.get("cell_type") == "code" and meta.get("role") == "answer" and "item" in meta:
            out.append((meta, cell_source(cell)))
    return out


def canonical_text(answer: Any) -> str:
    """Canonical answer (from ``peercert.scoring.normalize``) as text: "B", "A,C", "True"."""
    if isinstance(answer, bool):
        return str(answer)
    if isinstance(answer, (list, tuple)):
        return ",".join(str(x) for x in answer)
    return str(answer)


def read_cell(source: str, kind: str, letters: str) -> tuple[str | None, bool]:
    """(canonical text, omitted) for one answer cell's source."""
    try:
        canonical = normalize(literal_answer(source), kind, letters)
    except AnswerError:
        return None, True
    return canonical_text(canonical), False


@dataclass(frozen=True)
class ReadAnswer:
    """One item's answer as read from a notebook: canonical text, or omitted."""

    item_id: str
    answer: str | None
    omitted: bool


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
            out[str(meta["item"])] = cell_source(cell)
    return out

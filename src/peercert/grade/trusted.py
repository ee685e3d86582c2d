"""What the instructor released: item keys and cell sources, read from nbgrader's gradebook.

Scoring data comes from the source cells nbgrader saved at ``generate_assignment`` time,
never from a trainee's submission.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any


class NotReleased(LookupError):
    """The quiz is not in the gradebook: ``nbgrader generate_assignment`` has not run."""


@dataclass(frozen=True)
class TrustedItem:
    item_id: str
    points: float
    kind: str  # "auto" (scored from a literal) or "manual" (a reflection)
    var: str = ""
    spec: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrustedQuiz:
    quiz: str
    items: dict[str, TrustedItem]
    locked_sources: dict[str, str]  # grade_id -> trusted source of every locked cell
    checksums: dict[str, str]  # grade_id -> checksum of released solution cells


def parse_test_source(item_id: str, source: str) -> tuple[str, dict[str, Any]]:
    """Find ``check(<var>, {...})`` in a hidden test cell; return the variable and the spec."""
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "check" and len(node.args) == 2
                and isinstance(node.args[0], ast.Name)):
            return node.args[0].id, ast.literal_eval(node.args[1])
    raise ValueError(f"grade cell {item_id} has no check(answer, spec) call: not a peercert quiz?")


def load_trusted(gradebook: Any, quiz: str, notebook: str | None = None) -> TrustedQuiz:
    """Read a quiz's trusted cells from an open ``nbgrader.api.Gradebook``."""
    from nbgrader.api import MissingEntry

    try:
        nb = gradebook.find_notebook(notebook or quiz, quiz)
    except MissingEntry as exc:
        raise NotReleased(f"quiz {quiz!r} is not in the gradebook: run "
                          f"'nbgrader generate_assignment {quiz}' (or 'peercert release')") from exc
    sources = {c.name: c for c in nb.source_cells}
    items = {}
    for cell in nb.grade_cells:
        src = sources[cell.name]
        if cell.cell_type == "code":
            var, spec = parse_test_source(cell.name, src.source)
            items[cell.name] = TrustedItem(cell.name, float(cell.max_score), "auto", var, spec)
        else:
            items[cell.name] = TrustedItem(cell.name, float(cell.max_score), "manual")
    return TrustedQuiz(
        quiz=quiz,
        items=items,
        locked_sources={c.name: c.source for c in nb.source_cells if c.locked},
        checksums={c.name: c.checksum for c in nb.source_cells if c.checksum},
    )

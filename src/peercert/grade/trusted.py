"""What the instructor released: item keys and cell sources, read from nbgrader's gradebook.

Scoring data comes from the source cells nbgrader saved at ``generate_assignment`` time,
never from a trainee's submission. Read with plain SQL over the tables in
:mod:`peercert.nbgrader_compat`, so grading never imports the nbgrader package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from peercert import nbgrader_compat as nbc
from peercert.errors import NotReleasedError

NotReleased = NotReleasedError  # old name, kept importable


@dataclass(frozen=True)
class TrustedItem:
    item_id: str
    points: float
    kind: str  # "auto" (scored from a literal) or "manual" (a reflection)
    var: str = ""
    spec: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceCell:
    """One cell of the source notebook as nbgrader saved it: what a submission must match."""

    name: str  # the grade id
    cell_type: str
    grade: bool
    solution: bool
    locked: bool
    points: float | None  # grade cells only
    checksum: str | None
    source: str

    def nbgrader_metadata(self) -> dict[str, Any]:
        """The cell's ``metadata.nbgrader`` as released (what ``OverwriteCells`` checks)."""
        meta: dict[str, Any] = {
            "cell_type": self.cell_type, "checksum": self.checksum, "grade": self.grade,
            "grade_id": self.name, "locked": self.locked, "schema_version": 3,
            "solution": self.solution, "task": False}
        if self.grade:
            meta["points"] = self.points
        return meta


@dataclass(frozen=True)
class TrustedQuiz:
    quiz: str
    items: dict[str, TrustedItem]
    locked_sources: dict[str, str]  # grade_id -> trusted source of every locked cell
    checksums: dict[str, str]  # grade_id -> checksum of released solution cells
    markers: tuple[str, str] = (nbc.BEGIN_HIDDEN_TESTS, nbc.END_HIDDEN_TESTS)
    cells: dict[str, SourceCell] = field(default_factory=dict)  # every cell with a grade id
    # (item id, answer type, answer) -> (points, check's printout), filled while grading
    checked: dict[tuple[str, type, Any], tuple[float, str]] = field(
        default_factory=dict, compare=False, repr=False)


def parse_test_source(item_id: str, source: str) -> tuple[str, dict[str, Any]]:
    """Find ``check(<var>, {...})`` in a hidden test cell; return the variable and the spec."""
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "check" and len(node.args) == 2
                and isinstance(node.args[0], ast.Name)):
            return node.args[0].id, ast.literal_eval(node.args[1])
    raise ValueError(f"grade cell {item_id} has no check(answer, spec) call: not a peercert quiz?")


def _notebook_id(db: Any, quiz: str, notebook: str, course_id: str | None) -> str:
    a, nb = nbc.assignment, nbc.notebook
    stmt = (sa.select(nb.c.id).join(a, nb.c.assignment_id == a.c.id)
            .where(a.c.name == quiz, nb.c.name == notebook))
    if course_id is not None:
        stmt = stmt.where(a.c.course_id == course_id)
    found = db.execute(stmt).scalar()
    if found is None:
        raise NotReleasedError(f"quiz {quiz!r} is not in the gradebook: run "
                               f"'nbgrader generate_assignment {quiz}' (or 'peercert release')")
    return str(found)


def load_trusted(db: Any, quiz: str, notebook: str | None = None, *,
                 course_id: str | None = None,
                 markers: tuple[str, str] = (nbc.BEGIN_HIDDEN_TESTS, nbc.END_HIDDEN_TESTS),
                 ) -> TrustedQuiz:
    """Read a quiz's trusted cells from a gradebook connection (or an nbgrader Gradebook)."""
    db = getattr(db, "db", db)  # nbgrader.api.Gradebook keeps its session in .db
    nb_id = _notebook_id(db, quiz, notebook or quiz, course_id)
    bc, gc, src = nbc.base_cell, nbc.grade_cells, nbc.source_cell
    grade_rows = db.execute(
        sa.select(bc.c.name, gc.c.max_score, gc.c.cell_type).join(gc, gc.c.id == bc.c.id)
        .where(bc.c.notebook_id == nb_id).order_by(bc.c.name)).all()
    sources = {name: (kind, locked, source, checksum) for name, kind, locked, source, checksum
               in db.execute(sa.select(src.c.name, src.c.cell_type, src.c.locked, src.c.source,
                                       src.c.checksum).where(src.c.notebook_id == nb_id))}
    solutions = set(db.execute(
        sa.select(bc.c.name).join(nbc.solution_cells, nbc.solution_cells.c.id == bc.c.id)
        .where(bc.c.notebook_id == nb_id)).scalars())
    points = {name: float(max_score) for name, max_score, _ in grade_rows}
    cells = {name: SourceCell(name, kind, name in points, name in solutions, bool(locked),
                              points.get(name), checksum, source or "")
             for name, (kind, locked, source, checksum) in sources.items()}
    items = {}
    for name, max_score, cell_type in grade_rows:
        if cell_type == "code":
            var, spec = parse_test_source(name, sources[name][2])
            items[name] = TrustedItem(name, float(max_score), "auto", var, spec)
        else:
            items[name] = TrustedItem(name, float(max_score), "manual")
    return TrustedQuiz(
        quiz=quiz,
        items=items,
        locked_sources={n: s[2] for n, s in sources.items() if s[1]},
        checksums={n: s[3] for n, s in sources.items() if s[3]},
        markers=markers,
        cells=cells,
    )

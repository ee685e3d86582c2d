"""Find and undo changes a trainee made to the cells nbgrader grades from: ``OverwriteCells``.

Grading trusts only the source notebook nbgrader saved in its gradebook. Every cell of a
submission that carries a grade id gets that source cell's nbgrader metadata (grade, answer
and locked flags, points, checksum), its cell type and, when locked, its source, as
nbgrader's ``OverwriteCells`` does, so the autograded notebook is one that nbgrader's own
feedback and formgrader can read. Unlike nbgrader, which only logs a warning, each change is
reported in plain words: the submission then *needs review*, with the reason on its status.

Cells claiming a grade id the source does not have (a new "bonus" grade cell, an answer cell
marked as a 100-point grade cell) lose their nbgrader metadata, so they are graded as the
plain cells they were released as.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from peercert import nbgrader_compat as nbc
from peercert.answers import cell_source
from peercert.grade.trusted import SourceCell, TrustedQuiz

Report = Callable[[str], None]
CELL_TYPES = ("code", "markdown", "raw")


def label(cell: dict[str, Any], index: int) -> str:
    """How a report names a cell: by the item it answers, else by its position."""
    meta = cell.get("metadata", {}).get("peercert", {})
    item = meta.get("item") if isinstance(meta, dict) else None
    return f"answer cell for {item}" if isinstance(item, str) else f"cell {index + 1}"


def _points(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else repr(value)[:20]


def _claims(meta: dict[str, Any], gid: Any = None) -> str:
    """What nbgrader metadata says a cell is, in words ("grade cell 'x' worth 10 points")."""
    name = f" {printable_id(gid)}" if gid is not None else ""
    if meta.get("grade"):
        kind = f"grade cell{name} worth {_points(meta.get('points'))} points"
    else:
        kind = f"answer cell{name}" if meta.get("solution") else f"locked cell{name}"
    return kind if name else ("an " if kind.startswith("answer") else "a ") + kind


def _flagged(meta: dict[str, Any]) -> bool:
    return any(bool(meta.get(flag)) for flag in ("grade", "solution", "locked", "task"))


def normalize(cells: list[dict[str, Any]], report: Report) -> None:
    """Remove nbgrader metadata nbgrader itself could not read (before ``DeduplicateIds``)."""
    for index, cell in enumerate(cells):
        meta = cell["metadata"]
        if "nbgrader" not in meta:
            continue
        nb = meta["nbgrader"]
        if not isinstance(nb, dict):
            report(f"{label(cell, index)} has nbgrader metadata that cannot be read; removed")
            del meta["nbgrader"]
        elif not (isinstance(nb.get("grade_id"), str) and nb["grade_id"]) and _flagged(nb):
            report(f"{label(cell, index)} is marked as {_claims(nb)} without a grade id; "
                   "its nbgrader metadata was removed")
            del meta["nbgrader"]


def _set_type(cell: dict[str, Any], cell_type: str) -> None:
    """``OverwriteCells.update_cell_type``."""
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell["outputs"], cell["execution_count"] = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _changes(cell: dict[str, Any], src: SourceCell, markers: tuple[str, str]) -> list[str]:
    """How a cell claiming ``src``'s grade id differs from it, in words."""
    meta = cell["metadata"]["nbgrader"]
    grade, solution, locked = nbc.flags(meta)
    out = []
    if cell["cell_type"] != src.cell_type:
        out.append(f"was changed from a {src.cell_type} cell to a {cell['cell_type']} cell")
    if grade != src.grade:
        out.append(f"was marked as {_claims(meta)}" if grade else "was unmarked as a grade cell")
    elif src.grade:
        given = meta.get("points")
        try:
            same = float(given) == src.points
        except (TypeError, ValueError, OverflowError):
            same = False
        if not same:
            out.append(f"had its points changed from {_points(src.points)} to {_points(given)}")
    if solution != src.solution:
        out.append("was marked as an answer cell" if solution else "was unmarked as an answer cell")
    if locked != src.locked:
        out.append("was unlocked" if src.locked else "was locked")
    if src.locked and cell_source(cell).strip() != _released(src.source, markers):
        out.append("was edited")
    return out


@lru_cache(maxsize=4096)
def _released(source: str, markers: tuple[str, str]) -> str:
    """A locked source cell as trainees received it (the same few cells for every trainee)."""
    return nbc.released_source(source, markers).strip()


def overwrite(cells: list[dict[str, Any]], trusted: TrustedQuiz, report: Report) -> None:
    """``OverwriteCells``, reporting each change: every cell with a grade id matches the source.

    Runs after ``DeduplicateIds``, which leaves copies of a grade id without grade, answer or
    locked flags alone; once their flags are restored, only the last copy keeps the id, as
    ``DeduplicateIds`` would have decided, so the autograded notebook has each id once.
    """
    gids = [nbc.grade_id(cell) for cell in cells]  # each cell changes only its own below
    last = {gid: index for index, gid in enumerate(gids)
            if isinstance(gid, str) and gid in trusted.cells}
    for index, (cell, gid) in enumerate(zip(cells, gids, strict=True)):
        if gid is None:
            continue
        if isinstance(gid, str) and last.get(gid, index) != index:
            del cell["metadata"]["nbgrader"]
            report(f"{label(cell, index)} duplicates grade cell {gid}")
            continue
        src = trusted.cells.get(gid) if isinstance(gid, str) else None
        if src is None:
            meta = cell["metadata"].pop("nbgrader")
            if _flagged(meta):
                report(f"{label(cell, index)} is marked as {_claims(meta, gid)}, which is "
                       "not in the source; its nbgrader metadata was removed")
            continue
        changes = _changes(cell, src, trusted.markers)
        if cell["cell_type"] != src.cell_type:
            _set_type(cell, src.cell_type)
        cell["metadata"]["nbgrader"] = src.nbgrader_metadata()
        if src.locked:
            cell["source"] = src.source
        if changes:
            kind = ("grade cell" if src.grade else "answer cell" if src.solution
                    else "locked cell")
            report(f"{kind} {gid} {' and '.join(changes)}; restored from the source")


def printable_id(gid: Any) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in str(gid))[:60]
    return repr(text)


def duplicated_answers(cells: list[dict[str, Any]], report: Report) -> None:
    """Answer cells of one item that appear more than once (a copy-pasted answer cell)."""
    items: Counter[str] = Counter()
    for cell in cells:
        meta = cell["metadata"].get("peercert")
        if (cell["cell_type"] == "code" and isinstance(meta, dict)
                and meta.get("role") == "answer" and isinstance(meta.get("item"), str)
                and nbc.grade_id(cell) is None):
            items[meta["item"]] += 1
    for item, count in sorted(items.items()):
        if count > 1:
            report(f"answer cell for {item} appears {count} times; the copy run last before "
                   f"grade cell {item} is scored, as a kernel would run them")

"""The curriculum that ships with peercert: where it is, and what its modules declare."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

PARTS = ("modules", "assignments", "profiles")
WORDS_PER_MINUTE = 200

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_MARKUP = re.compile(r"[*_`#>|]+")
_BULLET = re.compile(r"^\s*(?:[-+]|\d+\.)\s+", re.MULTILINE)


def curriculum_root() -> Path:
    """The folder holding modules/, assignments/ and profiles/.

    An installed wheel carries them in ``peercert/_curriculum``; an editable install from a
    clone reads them from the repository root.
    """
    packaged = Path(__file__).parent / "_curriculum"
    if (packaged / "assignments").is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2]
    if (repo / "assignments").is_dir():
        return repo
    raise FileNotFoundError("peercert's curriculum (modules/, assignments/) was not found")


@dataclass(frozen=True)
class ModuleInfo:
    path: Path
    id: str
    title: str
    seat_time_hours: float
    domain_hours: dict[str, float]
    competencies: list[str]


def module_info(path: Path) -> ModuleInfo:
    """Read a module's ``metadata.peercert`` block; KeyError names what is missing."""
    meta = nbformat.read(path, as_version=4).metadata.get("peercert")
    if not meta:
        raise KeyError(f"{path}: notebook metadata has no 'peercert' block")
    return ModuleInfo(
        path=path,
        id=meta["id"],
        title=meta["title"],
        seat_time_hours=float(meta["seat_time_hours"]),
        domain_hours={k: float(v) for k, v in meta["domain_hours"].items()},
        competencies=list(meta["competencies"]),
    )


def list_modules(root: Path) -> list[ModuleInfo]:
    """Numbered learning modules (``modules/NN-slug.ipynb``) in order."""
    return [module_info(p) for p in sorted((root / "modules").glob("[0-9][0-9]-*.ipynb"))]


def module_prose(nb: nbformat.NotebookNode) -> str:
    """The text a trainee reads: markdown cells without markup, links, URLs or the sources list."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or cell.source.lstrip().lower().startswith("## sources"):
            continue
        text = _LINK.sub(r"\1", cell.source)
        text = _URL.sub("", text)
        text = _BULLET.sub("", text)
        parts.append(_MARKUP.sub("", text))
    return "\n\n".join(parts)


def reading_minutes(nb: nbformat.NotebookNode) -> int:
    """Minutes to read the module's prose at an unhurried pace."""
    return max(1, round(len(module_prose(nb).split()) / WORDS_PER_MINUTE))

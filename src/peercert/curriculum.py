"""The curriculum that ships with peercert: where it is, and what its modules declare."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

PARTS = ("modules", "assignments", "profiles")

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
    """What a module declares in ``metadata.peercert``.

    ``study_minutes`` is the module's measured self-study time (``peercert.studytime``; a test
    keeps it equal to the measure). ``domain_share`` says how that time divides across the
    IC&RC Peer Recovery domains (fractions that add up to 1). Contact hours of the module's
    facilitator-led session are not here: they are declared by its facilitator guide.
    """

    path: Path
    id: str
    title: str
    quiz: str
    study_minutes: int
    domain_share: dict[str, float]
    competencies: list[str]

    def domain_study_minutes(self) -> dict[str, float]:
        """Self-study minutes per IC&RC domain."""
        return {d: self.study_minutes * share for d, share in self.domain_share.items()}


def module_info(path: Path) -> ModuleInfo:
    """Read a module's ``metadata.peercert`` block; KeyError names what is missing."""
    meta = nbformat.read(path, as_version=4).metadata.get("peercert")
    if not meta:
        raise KeyError(f"{path}: notebook metadata has no 'peercert' block")
    return ModuleInfo(
        path=path,
        id=meta["id"],
        title=meta["title"],
        quiz=meta.get("quiz", ""),
        study_minutes=int(meta["study_minutes"]),
        domain_share={k: float(v) for k, v in meta["domain_share"].items()},
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


@dataclass(frozen=True)
class Widget:
    """A self-check (``SelfCheck(question, options, ...)``) or reflection box in a module."""

    kind: str  # "SelfCheck" or "Reflection"
    question: str
    options: dict[str, str]
    answer: tuple[str, ...] = ()

    def words(self) -> int:
        """Words a trainee reads before answering: the question and the choices."""
        return len(self.question.split()) + sum(len(v.split()) for v in self.options.values())


def _literal_str(node: ast.AST) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def module_widgets(nb: nbformat.NotebookNode) -> list[Widget]:
    """Every ``SelfCheck(...)`` and ``Reflection(...)`` call in a module's code cells.

    Read with ``ast``, never run: only the positional question and options are taken.
    """
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("SelfCheck", "Reflection")):
                continue
            question = _literal_str(node.args[0]) if node.args else ""
            options: dict[str, str] = {}
            if len(node.args) > 1 and isinstance(node.args[1], ast.Dict):
                for k, v in zip(node.args[1].keys, node.args[1].values, strict=True):
                    if k is not None:
                        options[_literal_str(k)] = _literal_str(v)
            answer: tuple[str, ...] = ()
            given = [k.value for k in node.keywords if k.arg == "answer"]
            if len(node.args) > 2:
                given.append(node.args[2])
            if given:
                node_answer = given[0]
                parts = node_answer.elts if isinstance(node_answer, ast.List | ast.Tuple) \
                    else [node_answer]
                answer = tuple(_literal_str(p) for p in parts)
            found.append(Widget(node.func.id, question, options, answer))
    return found

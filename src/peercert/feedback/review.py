"""Where to review a missed question: its module (``tags.module``) and the section of it
that is closest in words.

Each module notebook's ``##`` sections are read once per quiz. A question's words (scenario,
prompt, best answer and its reason) are compared with each section's words, weighted by how
rare each word is among the module's sections (TF-IDF with a cosine, in plain Python: a few
hundred words per section, so no model is needed). A module that the course does not have is
still named, without a link.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

_WORD = re.compile(r"[a-z][a-z']+")
_STOP_WORDS = """
a about after again all also an and any are as at be because been before being but by can
could did do does doing for from had has have he her hers him his how i if in into is it its
just like may me might more most much must my no not now of off on once one only or other our
out over own same she should so some such than that the their them then there these they this
those through to too under until up very was we were what when where which while who whom why
will with would you your yours you're it's don't can't won't isn't let's
"""
_STOP = frozenset(_STOP_WORDS.split())
SKIP = frozenset({"sources", "your turn to reflect", "key points"})


def words(text: str) -> Counter[str]:
    return Counter(w.strip("'") for w in _WORD.findall(text.lower())
                   if w.strip("'") not in _STOP and len(w) > 2)


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str  # JupyterLab's id for the heading: its text with spaces as '-'
    words: Counter[str]


@dataclass(frozen=True)
class Where:
    """A place to review: a module and, when one fits, a section of it."""

    module_id: str
    module: str  # "Module 6: Boundaries"
    section: str = ""
    href: str = ""  # relative to the trainee's fetched feedback page; "" for no link


class Module:
    """A learning module notebook's title and ``##`` sections."""

    def __init__(self, module_id: str, path: Path | None):
        self.id = module_id
        self.path = path
        self._nb: dict = {}
        if path is not None:
            try:
                self._nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.path = None

    @cached_property
    def title(self) -> str:
        meta = self._nb.get("metadata", {}).get("peercert", {}) if self._nb else {}
        name = str(meta.get("title") or self.id.split("-", 1)[-1].replace("-", " ").capitalize())
        number = self.id.split("-", 1)[0]
        return f"Module {int(number)}: {name}" if number.isdigit() else name

    @cached_property
    def sections(self) -> list[Section]:
        found: list[tuple[str, list[str]]] = []
        for cell in self._nb.get("cells", []):
            if cell.get("cell_type") != "markdown":
                continue
            src = cell.get("source", "")
            for line in ("".join(src) if isinstance(src, list) else src).splitlines():
                if line.startswith("## "):
                    found.append((line[3:].strip(), []))
                elif found:
                    found[-1][1].append(line)
        return [Section(title, title.replace(" ", "-"), words(title + " " + " ".join(body)))
                for title, body in found if title.lower().strip(" :") not in SKIP]

    @cached_property
    def _idf(self) -> dict[str, float]:
        n = len(self.sections)
        df = Counter(w for s in self.sections for w in s.words)
        return {w: math.log((1 + n) / (1 + c)) + 1.0 for w, c in df.items()}

    def best_section(self, text: str) -> Section | None:
        """The section whose words are closest to ``text``; None when none shares a word."""
        query = words(text)
        idf = self._idf

        def vector(counts: Counter[str]) -> dict[str, float]:
            return {w: c * idf.get(w, 0.0) for w, c in counts.items()}

        q = vector(query)
        qn = math.sqrt(sum(v * v for v in q.values()))
        best, best_score = None, 0.0
        for section in self.sections:
            s = vector(section.words)
            dot = sum(v * s.get(w, 0.0) for w, v in q.items())
            norm = qn * math.sqrt(sum(v * v for v in s.values()))
            score = dot / norm if norm else 0.0
            if score > best_score:
                best, best_score = section, score
        return best


class Reviewer:
    """Finds where to review each missed question of one quiz (modules read once)."""

    def __init__(self, modules_dir: Path, link_base: str):
        self.modules_dir = modules_dir
        # from <assignment_dir>/<quiz>/feedback/<timestamp>/<notebook>.html to the modules
        self.link_base = f"../../../{link_base.strip('/')}/" if link_base.strip("/") else ""
        self._modules: dict[str, Module] = {}
        self._where: dict[str, Where | None] = {}

    def module(self, module_id: str) -> Module:
        if module_id not in self._modules:
            path = self.modules_dir / f"{module_id}.ipynb"
            self._modules[module_id] = Module(module_id, path if path.is_file() else None)
        return self._modules[module_id]

    def where(self, item_id: str, module_id: str, text: str) -> Where | None:
        """Where to review one item (cached per item: the same for every trainee)."""
        if item_id not in self._where:
            self._where[item_id] = self._find(module_id, text)
        return self._where[item_id]

    def _find(self, module_id: str, text: str) -> Where | None:
        if not re.fullmatch(r"\d\d-[a-z0-9-]+", module_id or ""):
            return None
        module = self.module(module_id)
        section = module.best_section(text) if module.path else None
        href = ""
        if module.path is not None and self.link_base:
            href = self.link_base + quote(f"{module_id}.ipynb")
            if section is not None:
                href += "#" + quote(section.anchor, safe="-:,")
        return Where(module_id, module.title, section.title if section else "", href)

"""What a quiz asks and what its keys are: read once per quiz, from what was graded.

The item specs (key, letters, points, rationale) and the question cells come from the
gradebook, where nbgrader saved them when the quiz was generated: the very copy
``peercert grade`` scored against (:func:`peercert.grade.trusted.load_trusted`), so a page
never explains a key the grader did not use. Each question cell is the markdown
:mod:`peercert.build` wrote; it is parsed back into scenario, prompt, options and rubric.
The item's module (``tags.module``) comes from the bank when the course still has it, else
from the source notebook's quiz-level module.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peercert.course import Course

_HEADING = re.compile(r"^#{1,6}\s+Question\s+(\d+)\b")
_OPTION = re.compile(r"^- \*\*([A-H])\.\*\*\s+(.*)$")
_RUBRIC = re.compile(r"^\|\s*([\d.]+)\s*\|\s*(.*?)\s*\|$")
_PROMPT = re.compile(r"^\*\*(.+)\*\*$", re.DOTALL)
_KIND = re.compile(r"^\*[^*].*\*$", re.DOTALL)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)


def inline_html(text: str) -> str:
    """Plain text with markdown's bold and italics as HTML; everything else escaped.

    Backticks are dropped: a trainee's page shows words, never code.
    """
    out = html.escape(" ".join(text.replace("`", "").split()), quote=False)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _EM.sub(r"<em>\1</em>", out)


@dataclass(frozen=True)
class Level:
    points: float
    description: str  # HTML

    @property
    def label(self) -> str:
        """"4 points", "1 point", "2.5 points"."""
        return f"{round(self.points, 2):g} point{'' if self.points == 1 else 's'}"


@dataclass(frozen=True)
class Question:
    """One item as the trainee saw it, with the trusted spec the grader used."""

    item_id: str
    number: int
    kind: str  # single | multiple | ordering | truefalse | reflection
    points: float
    scenario: list[str]  # paragraphs, HTML
    prompt: str  # HTML
    options: dict[str, str] = field(default_factory=dict)  # letter -> HTML
    rubric: tuple[Level, ...] = ()
    key: Any = None
    why: str = ""  # HTML
    why_not: dict[str, str] = field(default_factory=dict)  # letter -> HTML
    module: str = ""
    text: str = ""  # plain words of scenario, prompt, key and rationale (for review links)


@dataclass(frozen=True)
class QuizContent:
    quiz: str
    title: str
    questions: list[Question]

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)


def parse_question(markdown: str) -> tuple[int, list[str], str, dict[str, str], list[Level]]:
    """(number, scenario paragraphs, prompt, options, rubric) of a built question cell."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", markdown.strip()) if b.strip()]
    number = 0
    if blocks and (m := _HEADING.match(blocks[0])):
        number = int(m.group(1))
        blocks = blocks[1:]
    scenario: list[str] = []
    prompt = ""
    options: dict[str, str] = {}
    rubric: list[Level] = []
    for block in blocks:
        lines = block.splitlines()
        if all(_OPTION.match(line) for line in lines):
            options.update((m.group(1), inline_html(m.group(2)))
                           for line in lines if (m := _OPTION.match(line)))
        elif lines[0].startswith("|"):
            rubric += [Level(float(m.group(1)), inline_html(m.group(2)))
                       for line in lines if (m := _RUBRIC.match(line))]
        elif not prompt and (m := _PROMPT.match(block)) and "**" not in m.group(1):
            prompt = inline_html(m.group(1))
        elif not prompt:
            scenario.append(inline_html(block))
        # after the prompt: the answer-format hint and the rubric's heading, not needed here
    return number, scenario, prompt, options, rubric


def _plain(*parts: Any) -> str:
    text = " ".join(str(p) for p in parts if p)
    return re.sub(r"<[^>]+>", " ", html.unescape(text))


def _bank_modules(course: Course, quiz: str) -> dict[str, str]:
    """Item id -> ``tags.module`` from the course's bank (read fast, not validated)."""
    import yaml

    path = course.root / "assignments" / f"{quiz}.yaml"
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        return {str(i["id"]): str(i.get("tags", {}).get("module", ""))
                for i in raw.get("items", []) if isinstance(i, dict) and "id" in i}
    except (OSError, yaml.YAMLError, AttributeError, TypeError, KeyError):
        return {}


def _source_meta(course: Course, quiz: str) -> dict[str, Any]:
    path = course.folder("source") / quiz / f"{quiz}.ipynb"
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("peercert")
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def quiz_module(course: Course, quiz: str) -> str:
    """The quiz's module as its source notebook declares it (``practice-exam`` for the exam)."""
    return str(_source_meta(course, quiz).get("module", ""))


def load_content(course: Course, quiz: str) -> QuizContent:
    """Everything a feedback page says about the quiz itself (NotReleasedError if unknown)."""
    from peercert.grade.trusted import load_trusted

    with course.connect() as conn:
        trusted = load_trusted(conn, quiz, course_id=course.course_id,
                               markers=course.hidden_test_markers)
    meta = _source_meta(course, quiz)
    modules = _bank_modules(course, quiz)
    header = trusted.locked_sources.get("header", "")
    found = _TITLE.search(header)
    title = str(meta.get("title") or (found.group(1).strip() if found else quiz))
    questions = []
    for item_id, item in trusted.items.items():
        number, scenario, prompt, options, rubric = parse_question(
            trusted.locked_sources.get(f"{item_id}-question", ""))
        spec = item.spec
        rationale = spec.get("rationale", {}) or {}
        kind = str(spec.get("type", "reflection" if item.kind == "manual" else ""))
        key = spec.get("key")
        questions.append(Question(
            item_id=item_id, number=number, kind=kind, points=item.points,
            scenario=scenario, prompt=prompt, options=options, rubric=tuple(rubric), key=key,
            why=inline_html(str(rationale.get("key", ""))),
            why_not={k: inline_html(str(v))
                     for k, v in (rationale.get("distractors", {}) or {}).items()},
            module=modules.get(item_id) or str(meta.get("module", "")),
            text=_plain(*scenario, prompt, *_keyed(options, key), rationale.get("key", "")),
        ))
    order = {item: n for n, item in enumerate(meta.get("items", []))}
    questions.sort(key=lambda q: (q.number or 10_000, order.get(q.item_id, 10_000), q.item_id))
    return QuizContent(quiz, title, questions)


def _keyed(options: dict[str, str], key: Any) -> list[str]:
    letters = key if isinstance(key, list) else [key]
    return [options[k] for k in letters if isinstance(k, str) and k in options]


def modules_folder(course: Course) -> Path:
    return course.root / "modules"

"""Build nbgrader source notebooks from item banks.

``assignments/<quiz>.yaml`` becomes ``source/<quiz>/<quiz>.ipynb``. Each item is three cells:
a read-only question, an answer cell the trainee edits (a plain literal such as
``answer_3 = "B"``), and a read-only grade cell named by the item id. Its visible part checks
the answer's format with the trainee package (``peercert_trainee``, which holds no key); its
hidden test, which nbgrader strips on release and restores for autograde, imports
``peercert.scoring.check`` and passes it the key. So a released quiz imports nothing that
ships keys. Reflections are manually graded markdown cells.
Building is deterministic: cell ids derive from item ids and nothing depends on time.
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from peercert.bank import (
    Bank,
    Item,
    MultipleItem,
    OrderingItem,
    ReflectionItem,
    SingleItem,
    TrueFalseItem,
    load_banks,
)

FORMAT_VERSION = 1
_LIFELINE = ("Take a break whenever you need one. If you or someone you know is in crisis, "
             "call or text **988** (the 988 Suicide & Crisis Lifeline, in the US) at any time.")
CRISIS_NOTE = ("**Content note:** some scenarios in this quiz mention crisis, suicide or "
               "self-harm. " + _LIFELINE)
# A quiz flagged as a whole (content_note: true on the bank) whose items name no crisis.
TOPIC_NOTE = ("**Content note:** this quiz touches on personal topics, like recovery stories "
              "and hard times, that can bring up difficult memories. " + _LIFELINE)
HOW_TO = """\
**How to answer**

- Under each question, click your answer: one choice, every choice that applies, or, for steps,
  drag them into order (or use their *Move up* and *Move down* buttons). The keyboard works
  too: **Tab** moves to the next choice or button, **Space** chooses, and the arrow keys move
  between the choices of a one-answer question. Each answer is saved as you choose it.
- If you see a grey box with a line like `answer_1 = ""` instead, click in the box and type your
  answer **between the two quote marks**, for example `answer_1 = "B"`. The line above the box
  (starting with `#`) tells you what to type. You do not need to know any programming.
- Written reflections go in the box that says *YOUR ANSWER HERE*: double-click it, click once
  more inside it so a blinking cursor shows, and write your answer in place of those words.
- When you are done, click **Validate** to check every answer can be read, then **Submit**
  in the Assignment List. Your instructor will see your answers and send feedback with the
  reasons behind each answer."""

ANSWER_HINTS = {
    "single": 'Type ONE letter between the quotes, for example "B".',
    "multiple": 'Type EVERY letter that applies, with commas, for example "A, C".',
    "ordering": ('Type ALL the letters in the order you would take the steps, '
                 'for example "C, A, D, B".'),
    "truefalse": 'Type True or False between the quotes, for example "True".',
}


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False,
              locked: bool = False, points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade, "grade_id": grade_id, "locked": locked,
        "schema_version": 3, "solution": solution, "task": False,
    }
    if points is not None:
        meta["points"] = float(points)
    return meta


def _locked_markdown(cell_id: str, text: str) -> nbformat.NotebookNode:
    cell = new_markdown_cell(text, id=cell_id)
    cell.metadata["nbgrader"] = _nbgrader(cell_id, locked=True)
    cell.metadata["deletable"] = False
    cell.metadata["editable"] = False
    return cell


def _options_md(item: SingleItem | MultipleItem | OrderingItem) -> str:
    return "\n".join(f"- **{k}.** {v}" for k, v in item.options.items())


def _question_md(n: int, item: Item) -> str:
    pts = f"{item.points:g} point{'s' if item.points != 1 else ''}"
    kind = {
        "single": "Choose the one best answer.",
        "multiple": "Choose **all** the answers that apply (you earn part of the points "
        "for each right choice, and lose part for each wrong one).",
        "ordering": "Put the steps in the order you would take them.",
        "truefalse": "Is this statement true or false?",
        "reflection": "Write your answer in your own words (a few sentences). "
        "An instructor will read and score it using the guide below.",
    }[item.type]
    lines = [f"### Question {n} ({pts})", "", item.scenario.strip(), "",
             f"**{item.prompt.strip()}**", "", f"*{kind}*"]
    if isinstance(item, (SingleItem, MultipleItem, OrderingItem)):
        lines += ["", _options_md(item)]
    if isinstance(item, ReflectionItem):
        lines += ["", f"**How your answer is scored** (up to {item.points:g} points)", "",
                  "| points | what it looks like |", "|---|---|"]
        lines += [f"| {lv.points:g} | {lv.description.strip()} |" for lv in item.rubric]
    return "\n".join(lines)


def item_spec(item: Item) -> dict[str, Any]:
    """The trusted data the hidden test passes to ``peercert.scoring.check``."""
    key: Any = item.key  # type: ignore[union-attr]
    spec: dict[str, Any] = {"id": item.id, "type": item.type, "points": float(item.points),
                            "key": sorted(key) if isinstance(item, MultipleItem) else key}
    if not isinstance(item, TrueFalseItem):
        spec["letters"] = "".join(item.options)  # type: ignore[union-attr]
    spec["rationale"] = item.rationale.model_dump()  # type: ignore[union-attr]
    return spec


def answer_var(n: int) -> str:
    return f"answer_{n}"


def _answer_cell(n: int, item: Item) -> nbformat.NotebookNode:
    src = f"# Question {n}: {ANSWER_HINTS[item.type]}\n{answer_var(n)} = \"\""
    cell = new_code_cell(src, id=f"{item.id}-answer")
    cell.metadata["peercert"] = {"item": item.id, "role": "answer", "type": item.type,
                                 "letters": item_spec(item).get("letters", "")}
    return cell


def _test_cell(n: int, item: Item) -> nbformat.NotebookNode:
    spec = item_spec(item)
    var = answer_var(n)
    src = "\n".join([
        f"# This cell checks that your answer to question {n} can be read. It does not tell you "
        "if it is right.",
        "from peercert_trainee import check_readable",
        f"check_readable({var!r}, {item.type!r}, {spec.get('letters', '')!r})",
        "### BEGIN HIDDEN TESTS",
        "from peercert.scoring import check",
        f"check({var}, {pprint.pformat(spec, width=96, sort_dicts=False)})",
        "### END HIDDEN TESTS",
    ])
    cell = new_code_cell(src, id=item.id)
    cell.metadata["nbgrader"] = _nbgrader(item.id, grade=True, locked=True, points=item.points)
    cell.metadata["deletable"] = False
    cell.metadata["editable"] = False
    cell.metadata["peercert"] = {"item": item.id, "role": "test"}
    return cell


def _reflection_cell(item: ReflectionItem) -> nbformat.NotebookNode:
    cell = new_markdown_cell("YOUR ANSWER HERE", id=item.id)
    cell.metadata["nbgrader"] = _nbgrader(item.id, grade=True, solution=True, points=item.points)
    cell.metadata["peercert"] = {"item": item.id, "role": "answer", "type": "reflection"}
    return cell


def _header(bank: Bank) -> str:
    parts = [f"# {bank.title}", "", f"*{len(bank.items)} questions, {bank.max_points:g} points.*"]
    if bank.intro.strip():
        parts += ["", bank.intro.strip()]
    if any(item.content_note for item in bank.items):
        parts += ["", CRISIS_NOTE]
    elif bank.content_note:
        parts += ["", TOPIC_NOTE]
    return "\n".join(parts + ["", HOW_TO])


def build_notebook(bank: Bank) -> nbformat.NotebookNode:
    """The nbgrader source notebook for one bank."""
    cells = [_locked_markdown("header", _header(bank))]
    for n, item in enumerate(bank.items, start=1):
        cells.append(_locked_markdown(f"{item.id}-question", _question_md(n, item)))
        if isinstance(item, ReflectionItem):
            cells.append(_reflection_cell(item))
        else:
            cells += [_answer_cell(n, item), _test_cell(n, item)]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["peercert"] = {
        "version": FORMAT_VERSION, "quiz": bank.quiz, "title": bank.title, "module": bank.module,
        "content_note": bank.needs_content_note, "items": [item.id for item in bank.items],
    }
    return nb


def notebook_bytes(bank: Bank) -> bytes:
    return nbformat.writes(build_notebook(bank)).encode("utf-8") + b"\n"


def build_course(assignments: Path, source: Path) -> list[Path]:
    """Build every bank in ``assignments`` into ``source``; return the notebooks written.

    Only files whose bytes change are rewritten, so a rebuild leaves mtimes alone.
    """
    written = []
    for bank in load_banks(assignments):
        path = source / bank.quiz / f"{bank.quiz}.ipynb"
        data = notebook_bytes(bank)
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".ipynb.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        written.append(path)
    return written

"""Grader guides: each written answer's scoring guide, with notes and examples for graders.

Trainees see a reflection's rubric levels (points and what each looks like) above their answer.
Graders need more: the bank's ``guidance`` and a short example answer at each level, which
stay out of every trainee-facing notebook. ``write_rubric_guides`` writes them, one markdown
file per quiz, for graders to open beside nbgrader's formgrader (JupyterLab renders markdown).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from peercert.bank import Bank, ReflectionItem, load_banks
from peercert.output import write_text


def rubric_guide(bank: Bank) -> str:
    """The grader guide of one quiz as markdown; empty when it has no written answers."""
    items = [(n, i) for n, i in enumerate(bank.items, 1) if isinstance(i, ReflectionItem)]
    if not items:
        return ""
    lines = [f"# Grader guide: {bank.title}", "",
             "For graders only. Keep this file out of trainees' reach: it holds example "
             "answers. Score each written answer in formgrader with the levels below; a score "
             "between two levels is fine when an answer falls between them.", ""]
    for n, item in items:
        lines += [f"## Question {n} (`{item.id}`, up to {item.points:g} points)", "",
                  item.scenario.strip(), "", f"**{item.prompt.strip()}**", ""]
        if item.guidance.strip():
            lines += [f"**What to look for:** {item.guidance.strip()}", ""]
        lines += ["| points | what it looks like | example answer |", "|---|---|---|"]
        for level in sorted(item.rubric, key=lambda lv: -lv.points):
            example = level.example.strip().replace("|", "\\|").replace("\n", " ") or "-"
            desc = level.description.strip().replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {level.points:g} | {desc} | {example} |")
        lines.append("")
    return "\n".join(lines)


def write_rubric_guides(assignments: Path, out: Path, quizzes: Sequence[str] = ()) -> list[Path]:
    """Write ``out/<quiz>.md`` for every selected quiz with written answers."""
    written = []
    for bank in load_banks(assignments):
        if quizzes and bank.quiz not in quizzes:
            continue
        text = rubric_guide(bank)
        if text:
            written.append(write_text(out / f"{bank.quiz}.md", text))
    return written

"""The shipped curriculum: module structure, plain language, and bank coverage."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import textstat

from peercert.bank import load_banks
from peercert.curriculum import list_modules, module_prose
from peercert.tags import COMPETENCIES, DOMAINS, PRINCIPLES

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "modules").glob("[0-9][0-9]-*.ipynb"))
MAX_GRADE = 9.0


def test_twelve_modules_with_a_quiz_each():
    assert len(MODULES) >= 12
    quizzes = {b.quiz: b for b in load_banks(REPO / "assignments")}
    for info in list_modules(REPO):
        nb = nbformat.read(info.path, as_version=4)
        quiz = nb.metadata["peercert"]["quiz"]
        assert quiz in quizzes, f"{info.path.name}: no bank assignments/{quiz}.yaml"
        assert quizzes[quiz].module == info.id
        assert len(quizzes[quiz].items) >= 12, f"{quiz}: fewer than 12 items"
        assert len({i.type for i in quizzes[quiz].items}) >= 3, f"{quiz}: item types not mixed"


def test_module_metadata_uses_the_shared_vocabularies():
    for info in list_modules(REPO):
        assert set(info.domain_share) <= set(DOMAINS), info.path
        assert sum(info.domain_share.values()) == pytest.approx(1.0, abs=1e-3), info.path
        assert set(info.competencies) <= set(COMPETENCIES), info.path


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_module_structure(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source
    assert "Self-study time: about" in first, "measured self-study time at the top"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("SelfCheck(") >= 3, "at least three self-checks"
    assert "Reflection(" in code, "at least one reflection"
    assert nb.cells[-1].source.lstrip().startswith("## Sources")
    # An optional content note (988 Lifeline) may sit between the title and the how-to.
    note = nb.cells[1].source.lstrip().startswith("> **Content note:**")
    howto = nb.cells[2 if note else 1].source
    assert howto.startswith("### How to use this module") and "Run All Cells" in howto
    widgets = [c for c in nb.cells if c.cell_type == "code"
               and ("SelfCheck(" in c.source or "Reflection(" in c.source)]
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in widgets), \
        "trainees see the self-checks, not their code"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "clear outputs"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_module_reading_level(path):
    prose = module_prose(nbformat.read(path, as_version=4))
    # textstat 0.7.7 looks every word up in cmudict and fails on bare numbers ("46"): drop them.
    prose = re.sub(r"\b\d[\d,.:%]*\b", "", prose)
    grade = textstat.flesch_kincaid_grade(prose)
    assert grade <= MAX_GRADE, f"{path.name}: Flesch-Kincaid grade {grade:.1f} > {MAX_GRADE}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_crisis_content_points_to_988(path):
    prose = module_prose(nbformat.read(path, as_version=4)).lower()
    if any(w in prose for w in ("suicide", "self-harm", "overdose")):
        assert "988" in prose


def test_every_principle_competency_and_domain_is_tested_five_times():
    tags: Counter[str] = Counter()
    for bank in load_banks(REPO / "assignments"):
        for item in bank.items:
            tags.update(item.tags.competencies)
            tags.update(item.tags.principles)
            tags[item.tags.domain] += 1
    for name in [*PRINCIPLES, *COMPETENCIES, *DOMAINS]:
        assert tags[name] >= 5, f"{name} is tested by only {tags[name]} items"


def test_practice_exam_shape():
    exam = next(b for b in load_banks(REPO / "assignments") if b.quiz == "practice-exam")
    assert len(exam.items) == 75 and {i.type for i in exam.items} == {"single"}
    domains = Counter(i.tags.domain for i in exam.items)
    assert domains == {"advocacy": 16, "mentoring-education": 16, "recovery-wellness": 17,
                       "ethical-responsibility": 26}
    others = {i.id for b in load_banks(REPO / "assignments") if b.quiz != "practice-exam"
              for i in b.items}
    assert not others & {i.id for i in exam.items}

"""The main job: ``peercert demo`` on the embedded SQLite default, from the shipped curriculum."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from peercert.bank import load_banks
from peercert.curriculum import curriculum_root
from peercert.demo import run_demo

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]


def test_demo_runs_the_whole_course(tmp_path):
    result = run_demo(tmp_path, trainees=4, workers=2)
    quizzes = {b.quiz for b in load_banks(curriculum_root() / "assignments")}
    assert set(result.quizzes) == quizzes
    with Gradebook(f"sqlite:///{result.course / 'gradebook.db'}", "peercert") as gb:
        assert len(gb.students) == 4
        for quiz in quizzes:
            assignment = gb.find_assignment(quiz)
            assert len(assignment.submissions) == 4
            items = {g.name for s in assignment.submissions for g in s.notebooks[0].grades}
            bank = next(b for b in load_banks(result.course / "assignments") if b.quiz == quiz)
            assert items == {i.id for i in bank.items}
    rows = list(csv.DictReader((tmp_path / "reports" / "grades.csv").open()))
    assert len(rows) == 4 * len(quizzes)
    assert (tmp_path / "reports" / "grades-items.csv").exists()
    pages = list((result.course / "feedback").rglob("*.html"))
    assert len(pages) == 4 * len(quizzes)  # peercert feedback: one page per submission
    assert any(p in result.files for p in pages)
    for quiz in quizzes:  # the instructor's item analysis, one folder per quiz
        analysis = tmp_path / "reports" / "analysis" / quiz
        items = list(csv.DictReader((analysis / "item-analysis.csv").open()))
        assert len(items) == len(next(b for b in load_banks(result.course / "assignments")
                                      if b.quiz == quiz).items)
        assert (analysis / "report.html") in result.files
    nbgrader = Path(sys.executable).parent / "nbgrader"
    out = subprocess.run([str(nbgrader), "export"], cwd=result.course, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr

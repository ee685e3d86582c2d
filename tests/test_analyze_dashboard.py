"""The instructor dashboard notebook runs top to bottom, with and without graded data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import test_analyze_course as shared

pytestmark = pytest.mark.slow
# The graded course fixtures, shared with test_analyze_course.
graded_template, graded = shared.graded_template, shared.graded
NOTEBOOK = Path(__file__).resolve().parents[1] / "modules/instructor/item-analysis-dashboard.ipynb"


def execute(course: Path, tmp_path: Path) -> tuple[str, str]:
    """Run the notebook headless as an instructor's ``jupyter nbconvert --execute`` does, in
    its own process; return its printed/markdown text and its widget state.

    (In the test process, nbclient now and then waited out its whole cell timeout for a
    reply that had already arrived, after other tests had run: 180 s instead of 3 s.)
    """
    out = tmp_path / "executed.ipynb"
    env = {**os.environ, "PEERCERT_COURSE": str(course)}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--to", "notebook",
         "--execute", "--ExecutePreprocessor.timeout=120",
         "--ExecutePreprocessor.kernel_name=python3", "--output", str(out), str(NOTEBOOK)],
        env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    text = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text.append(output.get("text", "") + output.get("data", {}).get("text/markdown", ""))
    return "\n".join(text), json.dumps(nb.metadata.get("widgets", {}))


def test_dashboard_shows_a_graded_course(graded: Path, tmp_path: Path):
    text, widgets = execute(graded, tmp_path)
    assert "Graded quizzes: quiz1" in text
    assert "Questions to review" in widgets and "image/png" in widgets
    assert "How to read it" in widgets


def test_dashboard_without_grades_says_so(tmp_path: Path):
    text, _ = execute(tmp_path, tmp_path)
    assert "No graded submissions yet" in text

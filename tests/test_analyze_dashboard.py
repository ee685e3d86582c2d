"""The instructor dashboard notebook runs top to bottom, with and without graded data."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import test_analyze_course as shared
from nbclient import NotebookClient

pytestmark = pytest.mark.slow
# The graded course fixtures, shared with test_analyze_course.
graded_template, graded = shared.graded_template, shared.graded
NOTEBOOK = Path(__file__).resolve().parents[1] / "modules/instructor/item-analysis-dashboard.ipynb"


def execute(course: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Run the notebook headless; return its printed/markdown text and its widget state."""
    monkeypatch.setenv("PEERCERT_COURSE", str(course))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", "") + out.get("data", {}).get("text/markdown", ""))
    return "\n".join(text), json.dumps(nb.metadata.get("widgets", {}))


def test_dashboard_shows_a_graded_course(graded: Path, monkeypatch: pytest.MonkeyPatch):
    text, widgets = execute(graded, monkeypatch)
    assert "Graded quizzes: quiz1" in text
    assert "Questions to review" in widgets and "image/png" in widgets
    assert "How to read it" in widgets


def test_dashboard_without_grades_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    text, _ = execute(tmp_path, monkeypatch)
    assert "No graded submissions yet" in text

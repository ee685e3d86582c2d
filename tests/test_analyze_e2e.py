"""End to end through real nbgrader: release, submit, ``peercert grade``, ``peercert analyze``."""

from __future__ import annotations

import re
from pathlib import Path

import factory
import pandas as pd
import pytest
from typer.testing import CliRunner

from peercert.cli import app
from peercert.grade import grade_quiz

pytestmark = pytest.mark.nbgrader

# Stronger trainees answer more items right; every item type, a blank and a malformed answer.
COHORT = {
    "s1": {"t-01": '"B"', "t-02": '"D"', "t-03": '"A, C"', "t-04": '"C, A, D, B"',
           "t-05": '"False"', "t-06": "Kindly say no and offer another way to help."},
    "s2": {"t-01": '"B"', "t-02": '"D"', "t-03": '"A"', "t-04": '"C, A, D, B"',
           "t-05": '"False"', "t-06": "Say no."},
    "s3": {"t-01": '"B"', "t-02": '"A"', "t-03": '"A, C"', "t-04": '"A, C, D, B"',
           "t-05": '"True"'},
    "s4": {"t-01": '"C"', "t-02": '"D"', "t-03": '"B, D"', "t-04": '"B, D, A, C"',
           "t-05": '"False"'},
    "s5": {"t-01": '"A"', "t-02": '"Z"', "t-03": '"B"', "t-05": '"True"'},
}


def test_analyze_a_quiz_graded_by_peercert(course: Path, tmp_path: Path):
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for trainee, answers in COHORT.items():
        factory.submit(course, "quiz1", trainee, factory.answer_notebook(release, answers))
    assert grade_quiz(course, "quiz1").ok

    out = tmp_path / "analysis"
    result = CliRunner().invoke(app, ["analyze", "quiz1", "--course", str(course),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    items = pd.read_csv(out / "item-analysis.csv").set_index("item_id")
    assert items.loc["t-01", "difficulty"] == pytest.approx(3 / 5)  # s1, s2, s3 chose B
    assert items.loc["t-02", "omitted_rate"] == pytest.approx(1 / 5)  # s5 typed "Z"
    assert items.loc["t-04", "omitted_rate"] == pytest.approx(1 / 5)  # s5 left it blank
    options = pd.read_csv(out / "distractors.csv").set_index(["item_id", "option"])
    assert options.loc[("t-01", "C"), "share"] == pytest.approx(1 / 5)
    assert options.loc[("t-05", "True"), "share"] == pytest.approx(2 / 5)
    # s1 and s2 wrote reflections that wait for a grader (not graded is not zero); the blank
    # ones of s3-s5 are scored 0 by nbgrader itself and count as omitted
    assert items.loc["t-06", "n_scored"] == 3
    assert items.loc["t-06", "omitted_rate"] == pytest.approx(3 / 5)
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", (out / "report.html").read_text())
    assert "not computable" not in html or "t-06" in html
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)

"""``peercert analyze``, ``export-reflections`` and ``agreement`` run in-process on temp courses."""

from __future__ import annotations

from pathlib import Path

import factory
import pandas as pd
import pytest
import test_analyze_course as shared
from typer.testing import CliRunner

from peercert.cli import app

runner = CliRunner()
# The graded course fixtures, shared with test_analyze_course.
graded_template, graded = shared.graded_template, shared.graded


def run(*args: str | Path):
    result = runner.invoke(app, [str(a) for a in args])
    return result, result.output + (result.stderr or "")


def test_commands_are_listed_in_help():
    result, text = run("--help")
    assert result.exit_code == 0
    for name in ("analyze", "agreement", "export-reflections"):
        assert name in text


def test_analyze_one_quiz_writes_files_into_out(graded: Path, tmp_path: Path):
    result, text = run("analyze", "quiz1", "--course", graded, "--out", tmp_path / "o")
    assert result.exit_code == 0, text
    assert "Quiz reliability" in text and "quiz1" in text
    items = pd.read_csv(tmp_path / "o" / "item-analysis.csv")
    assert {"item_id", "difficulty", "point_biserial"} <= set(items.columns)
    assert (tmp_path / "o" / "competency-mastery.csv").exists()
    assert (tmp_path / "o" / "report.html").stat().st_size > 10_000


def test_analyze_without_quiz_takes_every_graded_quiz(graded: Path):
    result, text = run("analyze", "--course", graded, "--mastery-threshold", "0.5")
    assert result.exit_code == 0, text
    assert (graded / "reports" / "analysis" / "quiz1" / "report.html").exists()


def test_unknown_quiz_exits_with_the_list_of_quizzes(graded: Path):
    result, text = run("analyze", "nope", "--course", graded)
    assert result.exit_code == 1
    assert "unknown quiz 'nope'; quizzes in this course: quiz1" in text


def test_course_without_grades_exits_with_a_clear_message(tmp_path: Path):
    from peercert.course import init_course

    course = init_course(tmp_path / "c", source_root=factory.curriculum(tmp_path / "cur"))
    result, text = run("analyze", "quiz1", "--course", course)
    assert result.exit_code == 1 and "no graded submissions yet" in text
    result, text = run("analyze", "--course", tmp_path / "missing")
    assert result.exit_code == 1 and "no such course directory" in text
    result, text = run("analyze", "--course", tmp_path)
    assert result.exit_code == 1 and "not a peercert course" in text


def test_second_grader_round_trip(graded: Path, tmp_path: Path):
    sheet_path = tmp_path / "sheet.csv"
    result, text = run("export-reflections", "quiz1", "--course", graded, "--out", sheet_path)
    assert result.exit_code == 0, text
    sheet = pd.read_csv(sheet_path)
    # cruz left the reflection blank: nothing to grade. No first-grader scores, no text.
    assert list(sheet["trainee"]) == ["ana", "ben", "dee"]
    assert sheet["score"].isna().all() and "reflection" not in sheet.columns
    assert list(sheet["levels"].unique()) == ["0 2 4"]
    sheet["score"] = [4, 0, 2]  # ana agrees (4); ben 0 vs 2; dee has no first grade yet
    sheet.to_csv(sheet_path, index=False)
    out = tmp_path / "agreement.csv"
    result, text = run("agreement", "quiz1", "--second-grader", sheet_path, "--course", graded,
                       "--weights", "linear", "--out", out)
    assert result.exit_code == 0, text
    table = pd.read_csv(out).set_index("item_id")
    assert table.loc["t-06", "pairs"] == 2
    assert table.loc["t-06", "exact_agreement"] == pytest.approx(0.5)
    assert "1 row(s) of the sheet had no score" in text


def test_sheet_with_text_only_on_request(graded: Path, tmp_path: Path):
    path = tmp_path / "s.csv"
    result, text = run("export-reflections", "quiz1", "--course", graded, "--out", path,
                       "--with-text")
    assert result.exit_code == 0 and "keep it in the course" in text
    sheet = pd.read_csv(path).set_index("trainee")
    assert sheet.loc["ana", "reflection"].startswith("A kind and clear no")


def test_agreement_bad_input(graded: Path, tmp_path: Path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("trainee,item_id,score\nana,t-06,\n")
    result, text = run("agreement", "quiz1", "--second-grader", sheet, "--course", graded)
    assert result.exit_code == 1 and "scored by both graders" in text
    result, text = run("agreement", "quiz1", "--second-grader", sheet, "--course", graded,
                       "--weights", "cubic")
    assert result.exit_code == 1 and "quadratic or linear" in text
    sheet.write_text("trainee,item_id,score\nana,t-06,9\n")
    result, text = run("agreement", "quiz1", "--second-grader", sheet, "--course", graded)
    assert result.exit_code == 1 and "outside 0..4" in text

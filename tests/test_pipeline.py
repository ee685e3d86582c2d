"""End to end through real nbgrader: release, submit, stock autograde vs peercert grade."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import factory
import nbformat
import pytest
import yaml
from nbformat.warnings import DuplicateCellId
from nbgrader.api import Gradebook

from peercert.course import load_settings, nbgrader_api
from peercert.grade import grade_quiz

pytestmark = pytest.mark.nbgrader
BIN = Path(sys.executable).parent

PATTERNS = factory.PATTERNS


def _scores(course: Path) -> dict[tuple[str, str], tuple[float | None, bool]]:
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        sub_grades = {}
        for student in PATTERNS:
            sub = gb.find_submission("quiz1", student)
            for g in sub.notebooks[0].grades:
                sub_grades[(student, g.name)] = (g.auto_score, g.needs_manual_grade)
        return sub_grades


def _state(course: Path) -> dict[str, dict]:
    """Everything autograde writes for a submission: scores, comments, timestamp, late penalty."""
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        state = {}
        for sub in gb.find_assignment("quiz1").submissions:
            nb = sub.notebooks[0]
            state[sub.student.id] = {
                "timestamp": sub.timestamp, "late": nb.late_submission_penalty,
                "score": sub.score, "rows": (len(nb.grades), len(nb.comments)),
                "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                           for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
        return state


def _submit_patterns(course: Path) -> None:
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for student, answers in PATTERNS.items():
        factory.submit(course, "quiz1", student, factory.answer_notebook(release, answers))


def test_release_holds_no_keys_or_rationales(course):
    bank = yaml.safe_load((course / "assignments" / "quiz1.yaml").read_text())
    released = "".join(p.read_text() for p in (course / "release").rglob("*.ipynb"))
    outbound = "".join(p.read_text() for p in (course / "exchange").rglob("*.ipynb"))
    for text in (released, outbound):
        assert "BEGIN HIDDEN TESTS" not in text and "check(answer" not in text
        for item in bank["items"]:
            for why in [item.get("rationale", {}).get("key", "")]:
                assert not why or why not in text
            for why in item.get("rationale", {}).get("distractors", {}).values():
                assert why not in text
            assert "'key':" not in text and '"key":' not in text


def test_peercert_grade_matches_stock_autograde(course, tmp_path):
    _submit_patterns(course)
    stock = tmp_path / "stock"
    shutil.copytree(course, stock)
    res = nbgrader_api(stock).autograde("quiz1", "*")
    assert res["success"], res.get("error")
    report = grade_quiz(course, "quiz1")
    assert report.ok and len(report.results) == len(PATTERNS)
    assert report.count("needs review") == 1  # "answer_2 = D" is code (a name), not a literal
    assert _scores(course) == _scores(stock)
    assert _state(course) == _state(stock)
    assert _state(course)["blank"]["comments"] == {"t-06": "No response."}
    assert _scores(course)[("partial", "t-03")] == (1.0, False)  # partial credit in the gradebook
    assert _scores(course)[("right", "t-06")] == (None, True)  # reflection waits for a grader


def restructured(release: Path) -> nbformat.NotebookNode:
    """A trainee who deleted an answer cell and moved a grade cell above its answer.

    (A copied grade cell is left out: stock nbgrader 0.9.6 autograde fails on one, with a
    KeyError in OverwriteCells.add_missing_task_cells, jupyter/nbgrader#1083; peercert keeps
    the last copy as DeduplicateIds intends, see test_grade_bad_input.)
    """
    nb = factory.answer_notebook(release, PATTERNS["right"])
    nb.cells = [c for c in nb.cells if c.metadata.get("peercert", {}).get("item") != "t-01"
                or c.metadata.get("nbgrader", {}).get("grade")]
    grade = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "t-04")
    nb.cells.remove(grade)
    nb.cells.insert(0, grade)
    return nb


def test_restructured_notebook_matches_stock_autograde(course, tmp_path):
    nb = restructured(course / "release/quiz1/quiz1.ipynb")
    folder = factory.submit(course, "quiz1", "mover", nb)
    raw = json.loads((folder / "quiz1.ipynb").read_text())
    raw["cells"][2]["id"] = raw["cells"][1]["id"]  # nbformat.write would repair this
    (folder / "quiz1.ipynb").write_text(json.dumps(raw))
    _submit_patterns(course)
    stock = tmp_path / "stock"
    shutil.copytree(course, stock)
    with warnings.catch_warnings():  # stock nbformat repairs the ids, with a warning
        warnings.simplefilter("ignore", DuplicateCellId)
        assert nbgrader_api(stock).autograde("quiz1", "*")["success"]
    report = grade_quiz(course, "quiz1")
    assert _state(course) == _state(stock)
    grades = _state(course)["mover"]["grades"]
    assert grades["t-01"] == (0.0, None, False) and grades["t-04"] == (0.0, None, False)
    assert grades["t-03"] == (2.0, None, False)
    [mover] = [r for r in report.results if r.trainee == "mover"]
    assert "answer cell for t-01 was deleted; the item scores 0" in mover.reasons
    nbformat.validate(nbformat.read(course / "autograded/mover/quiz1/quiz1.ipynb", as_version=4))


def test_late_penalties_and_manual_scores_match_stock_autograde(course, tmp_path):
    """Late submissions, an extension, a regrade over a hand-graded reflection: as stock does."""
    _submit_patterns(course)
    for late in ("right", "partial", "wrong"):
        stamp = course / "submitted" / late / "quiz1" / "timestamp.txt"
        stamp.write_text("2026-11-21 09:00:00.000000 UTC", encoding="utf-8")
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as cfg:
        cfg.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        gb.update_or_create_assignment("quiz1", duedate="2026-11-20 12:00:00 UTC")
    grade_quiz(course, "quiz1")  # both copies start from an earlier grading
    with Gradebook(s.db_url, s.course_id) as gb:
        gb.grant_extension("quiz1", "partial", days=2)
        grade = gb.find_grade("t-06", "quiz1", "quiz1", "right")
        grade.manual_score = 3.0
        gb.db.commit()
    stock = tmp_path / "stock"
    shutil.copytree(course, stock)
    assert nbgrader_api(stock).autograde("quiz1", "*")["success"]
    grade_quiz(course, "quiz1")
    state = _state(course)
    assert state == _state(stock)
    assert state["right"]["late"] == state["right"]["score"] > 0  # 'zero': penalty = score
    assert state["right"]["grades"]["t-06"] == (None, 3.0, True)  # manual score kept
    assert state["partial"]["late"] is None  # the extension covers it
    assert state["blank"]["late"] is None  # on time


def test_grading_is_idempotent_and_regrade_touches_one_trainee(course):
    _submit_patterns(course)
    grade_quiz(course, "quiz1")
    before = _state(course)
    grade_quiz(course, "quiz1")
    assert _state(course) == before
    report = grade_quiz(course, "quiz1", students=["wrong"])
    assert [r.trainee for r in report.results] == ["wrong"]
    assert _state(course) == before


def test_feedback_and_export_after_peercert_grade(course):
    _submit_patterns(course)
    grade_quiz(course, "quiz1")
    api = nbgrader_api(course)
    assert api.generate_feedback("quiz1")["success"]
    html = (course / "feedback" / "wrong" / "quiz1" / "quiz1.html").read_text()
    assert "Best answer: B" in html and "B keeps the relationship focused" in html
    assert "Points: 0 of 1" in html
    out = subprocess.run([str(BIN / "nbgrader"), "export"], cwd=course, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = (course / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(PATTERNS)


def test_filesystem_exchange_fetch_submit_collect(course, tmp_path):
    home = tmp_path / "trainee"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    exchange = str(course / "exchange")
    common = ["--course", "peercert", f"--Exchange.root={exchange}"]

    def run(args: list[str], cwd: Path) -> None:
        out = subprocess.run([str(BIN / "nbgrader"), *args, *common], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr

    run(["fetch_assignment", "quiz1"], home)
    fetched = home / "quiz1" / "quiz1.ipynb"
    nbformat.write(factory.answer_notebook(fetched, PATTERNS["right"]), fetched)
    run(["submit", "quiz1"], home)
    res = nbgrader_api(course).collect("quiz1")
    assert res["success"], res.get("error")
    [submitted] = (course / "submitted").glob("*/quiz1/quiz1.ipynb")
    assert (submitted.parent / "timestamp.txt").exists()
    report = grade_quiz(course, "quiz1")
    assert report.results[0].score == 7.0
    # stock feedback after peercert grade: autograded/ carries the submission secret as stock
    # autograde copies it, so nbgrader's release_feedback and fetch_feedback find the page
    trainee = submitted.parent.parent.name
    assert (course / "autograded" / trainee / "quiz1" / "submission_secret.txt").read_text() == (
        submitted.parent / "submission_secret.txt").read_text()
    api = nbgrader_api(course)
    assert api.generate_feedback("quiz1")["success"]
    res = api.release_feedback("quiz1")
    assert res["success"], res.get("error")
    run(["fetch_feedback", "quiz1"], home)
    [page] = (home / "quiz1" / "feedback").glob("*/quiz1.html")
    assert "Points:" in page.read_text(encoding="utf-8")

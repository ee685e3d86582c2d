"""The grade stage's unit tier: reading, scoring, blank and tamper detection, late rules and
gradebook rows, without starting any nbgrader app.

The quiz is released in-process by nbgrader's own preprocessors (``factory.release``) into
a temporary SQLite gradebook made once per session and copied for each test; submissions
come from the factory. Run alone with ``pytest tests/test_grade_unit.py`` or, with every
other test that starts no nbgrader app, ``pytest -m "not nbgrader"``.
"""

from __future__ import annotations

import datetime
import json
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import factory
import pytest
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from peercert import defaults
from peercert import nbgrader_compat as nbc
from peercert.course import Course, init_course
from peercert.grade import grade_quiz
from peercert.grade.read import grade_notebook
from peercert.grade.status import load_status
from peercert.grade.trusted import load_trusted

DUE = "2026-11-20 12:00:00 UTC"
ON_TIME, LATE = "2026-11-20 10:00:00.000000 UTC", "2026-11-21 09:30:00.000000 UTC"
RIGHT = factory.typed({"t-01": "B", "t-02": "D", "t-03": ["A", "C"], "t-04": ["C", "A", "D", "B"],
                       "t-05": False})
AUTO = ("t-01", "t-02", "t-03", "t-04", "t-05")


@pytest.fixture(scope="session")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course with quiz1 released in-process (due ``DUE``): built once, copied per test."""
    root = tmp_path_factory.mktemp("unit")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("PEERCERT_DB_URL", "PEERCERT_COURSE_ID", "PEERCERT_EXCHANGE"):
            mp.delenv(name, raising=False)
        course = init_course(root / "course", source_root=factory.curriculum(root / "cur"))
        factory.release(course, "quiz1", duedate=DUE)
    return course


@pytest.fixture
def quiz(released: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(released, tmp_path / "course", symlinks=True))


@pytest.fixture
def gradebook(quiz: Path) -> Iterator[Gradebook]:
    """nbgrader's own view of the course's gradebook, opened after grading."""
    c = Course.open(quiz)
    with warnings.catch_warnings(), Gradebook(c.db_url, c.course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's autoflush warnings
        yield gb


def _release(course: Path) -> Path:
    return course / "release" / "quiz1" / "quiz1.ipynb"


def _submit(course: Path, trainee: str, answers: dict[str, str], stamp: str = ON_TIME,
            how: str | None = None) -> Path:
    nb = factory.answer_notebook(_release(course), answers)
    return factory.submit(course, "quiz1", trainee, factory.tamper(nb, how) if how else nb, stamp)


def _grade(course: Path, **kwargs):
    report = grade_quiz(course, "quiz1", workers=1, **kwargs)
    return {r.trainee: r for r in report.results}


def _autos(gb: Gradebook, trainee: str) -> dict[str, float | None]:
    return {g.name: g.auto_score for g in gb.find_submission_notebook(
        "quiz1", "quiz1", trainee).grades}


def _set_config(course: Path, line: str) -> None:
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write(f"\n{line}\n")


# --- reading and scoring ---------------------------------------------------------------

def test_every_answer_pattern_scores_and_lands_in_the_gradebook(quiz, gradebook):
    for name, answers in factory.PATTERNS.items():
        _submit(quiz, name, answers)
    res = _grade(quiz)
    assert {t: r.status for t, r in res.items()} == {
        "right": "graded", "wrong": "graded", "partial": "graded", "blank": "graded",
        "malformed": "needs review"}
    assert res["right"].score == 7.0 and res["right"].max_score == 11.0
    assert res["right"].needs_manual == ("t-06",)  # the reflection waits for a person
    assert res["wrong"].score == res["blank"].score == 0.0
    assert _autos(gradebook, "right") == {"t-01": 1.0, "t-02": 1.0, "t-03": 2.0, "t-04": 2.0,
                                          "t-05": 1.0, "t-06": None}
    # partial: "A, B, C" is 2 right minus 1 wrong of 2 keyed; "A, D, B, C" against C, A, D, B
    # puts 3 pairs in order and 3 reversed; a bare False literal reads as False
    assert _autos(gradebook, "partial") == {"t-01": 1.0, "t-02": 0.0, "t-03": 1.0, "t-04": 0.0,
                                            "t-05": 1.0, "t-06": 0.0}
    assert res["partial"].score == 3.0
    for trainee in ("right", "wrong", "partial", "blank", "malformed"):
        nb = gradebook.find_submission_notebook("quiz1", "quiz1", trainee)
        assert nb.score == res[trainee].score  # nbgrader's own score rule over our rows


def test_code_in_an_answer_is_read_never_run_and_scores_zero(quiz, tmp_path, gradebook):
    marker = tmp_path / "ran"
    code = f'import os\nopen({str(marker)!r}, "w").write("x")\nanswer_1 = "B"'
    _submit(quiz, "coder", {**RIGHT, "t-01:cell": code})
    res = _grade(quiz)["coder"]
    assert not marker.exists()
    assert res.status == "needs review" and res.score == 6.0
    assert res.reasons == ["answer cell for t-01 has code that peercert does not run (line 1); "
                           "not run, its answer scores 0"]
    assert _autos(gradebook, "coder")["t-01"] == 0.0


def test_a_bare_name_is_code_and_an_annotated_literal_is_data(quiz):
    _submit(quiz, "name", {**RIGHT, "t-02": "D"})
    _submit(quiz, "annotated", {**RIGHT, "t-02:cell": 'answer_2: str = "D"'})
    res = _grade(quiz)
    assert res["name"].status == "needs review" and res["name"].score == 6.0
    assert res["annotated"].status == "graded" and res["annotated"].score == 7.0


@pytest.mark.parametrize(("mangle", "reason"), [
    (lambda text: text[: len(text) // 2], "not a valid notebook (truncated or not JSON)"),
    (lambda text: "[1, 2]", "not a valid notebook: no list of cells"),
    (lambda text: '{"cells": [3]}', "not a valid notebook: cell 1 is not a notebook cell"),
])
def test_unreadable_notebooks_fail_with_a_reason_never_a_zero(quiz, gradebook, mangle, reason):
    _submit(quiz, "good", RIGHT)
    folder = _submit(quiz, "bad", RIGHT)
    path = folder / "quiz1.ipynb"
    path.write_text(mangle(path.read_text(encoding="utf-8")), encoding="utf-8")
    res = _grade(quiz)
    assert res["good"].score == 7.0
    assert res["bad"].status == "failed" and res["bad"].score is None
    assert res["bad"].reasons[0].startswith(f"quiz1.ipynb: {reason}")
    assert load_status(quiz, "quiz1")["bad"]["score"] is None
    assert [s.student_id for s in gradebook.assignment_submissions("quiz1")] == ["good"]


def test_too_many_json_values_are_refused_before_parsing(quiz, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_NOTEBOOK_VALUES", 50)
    _submit(quiz, "big", RIGHT)
    res = _grade(quiz)["big"]
    assert res.status == "failed" and "more than 50 JSON values" in res.reasons[0]


def test_grade_notebook_on_bytes_with_the_trusted_quiz(quiz):
    """read.py alone: the trusted quiz from the gradebook, a submission's bytes in."""
    c = Course.open(quiz)
    with c.connect() as conn:
        trusted = load_trusted(conn, "quiz1", course_id=c.course_id,
                               markers=c.hidden_test_markers)
    c.close()
    assert trusted.items["t-03"].spec["key"] == ["A", "C"]
    assert trusted.items["t-06"].kind == "manual"
    nb = factory.answer_notebook(_release(quiz), RIGHT)
    answer_2 = next(cell for cell in nb.cells if cell.metadata.get("peercert", {}).get(
        "role") == "answer" and cell.metadata.peercert.item == "t-02")
    nb.cells.remove(answer_2)
    result = grade_notebook(json.dumps(nb).encode(), "quiz1.ipynb", "t", trusted)
    assert result.status == "needs review"
    assert "answer cell for t-02 was deleted; the item scores 0" in result.reasons
    assert result.items["t-02"].score == 0.0 and result.score == 6.0
    assert grade_notebook(None, "quiz1.ipynb", "t", trusted).reasons == [
        "quiz1.ipynb: notebook is missing"]


# --- blank answers ---------------------------------------------------------------------

def test_an_untouched_reflection_is_blank_as_nbgrader_decides(quiz, gradebook):
    """Blank = the answer cell's checksum is the released one (nbgrader's rule): it scores 0,
    waits for no one and gets "No response."; any written answer waits for a person."""
    _submit(quiz, "blank", {})
    _submit(quiz, "wrote", {**RIGHT, "t-01": '"   "', "t-06": "I would say no kindly."})
    res = _grade(quiz)
    assert res["blank"].status == "graded" and res["blank"].needs_manual == ()
    assert res["wrote"].score == 6.0 and res["wrote"].needs_manual == ("t-06",)  # t-01 blank
    for trainee, comment, auto, waits in (("blank", nbc.NO_RESPONSE, 0.0, False),
                                          ("wrote", None, None, True)):
        grade = gradebook.find_grade("t-06", "quiz1", "quiz1", trainee)
        assert (grade.auto_score, grade.needs_manual_grade) == (auto, waits)
        comments = {c.name: c.auto_comment for c in gradebook.find_submission_notebook(
            "quiz1", "quiz1", trainee).comments}
        assert comments == {"t-06": comment}  # the one nbgrader solution cell


# --- tampering -------------------------------------------------------------------------

@pytest.mark.parametrize("how", sorted(factory.TAMPERING))
def test_tampering_is_reported_and_scores_only_what_was_released(quiz, how):
    _submit(quiz, "tamperer", RIGHT, how=how)
    res = _grade(quiz)["tamperer"]
    assert res.status == "needs review"
    assert any(factory.TAMPERING[how] in reason for reason in res.reasons), res.reasons
    assert res.max_score == 11.0 and (res.score or 0) <= 7.0
    c = Course.open(quiz)
    autograded = json.loads(c.notebook("autograded", "tamperer", "quiz1").read_text())
    with c.connect() as conn:
        trusted = load_trusted(conn, "quiz1", course_id=c.course_id)
    c.close()
    for cell in autograded["cells"]:
        gid = nbc.grade_id(cell)
        if gid is not None:  # every graded cell carries exactly the released metadata
            assert gid in trusted.cells
            assert cell["metadata"]["nbgrader"] == trusted.cells[gid].nbgrader_metadata()


# --- late rules ------------------------------------------------------------------------

def _penalty(gb: Gradebook, trainee: str) -> float | None:
    return gb.find_submission_notebook("quiz1", "quiz1", trainee).late_submission_penalty


def test_late_submissions_get_no_penalty_by_default(quiz, gradebook):
    _submit(quiz, "late", RIGHT, stamp=LATE)
    _grade(quiz)
    sub = gradebook.find_submission("quiz1", "late")
    assert sub.timestamp == datetime.datetime(2026, 11, 21, 9, 30)
    assert sub.total_seconds_late == 21.5 * 3600 and _penalty(gradebook, "late") is None


def test_penalty_zero_takes_a_late_submissions_whole_score(quiz, gradebook):
    _set_config(quiz, 'c.LateSubmissionPlugin.penalty_method = "zero"')
    _submit(quiz, "late", RIGHT, stamp=LATE)
    _submit(quiz, "ontime", RIGHT)
    _grade(quiz)
    assert _penalty(gradebook, "late") == 7.0 and _penalty(gradebook, "ontime") is None
    late = gradebook.find_submission_notebook("quiz1", "quiz1", "late")
    assert late.score == 7.0  # nbgrader keeps the score; the penalty is subtracted on export


def test_an_extension_clears_the_penalty_on_regrade(quiz, gradebook):
    _set_config(quiz, 'c.LateSubmissionPlugin.penalty_method = "zero"')
    _submit(quiz, "late", RIGHT, stamp=LATE)
    _grade(quiz)
    assert _penalty(gradebook, "late") == 7.0
    gradebook.find_submission("quiz1", "late").extension = datetime.timedelta(days=1)
    gradebook.db.commit()
    _grade(quiz)
    gradebook.db.expire_all()
    assert _penalty(gradebook, "late") is None


# --- regrading -------------------------------------------------------------------------

def test_a_regrade_keeps_manual_scores_flags_them_and_updates_auto_scores(quiz, gradebook):
    _submit(quiz, "ana", {**RIGHT, "t-06": "I would say no kindly and offer another way."})
    _grade(quiz)
    grade = gradebook.find_grade("t-06", "quiz1", "quiz1", "ana")
    grade.manual_score, grade.needs_manual_grade = 3.0, False  # as formgrader saves it
    gradebook.db.commit()
    _submit(quiz, "ana", {**RIGHT, "t-01": '"A"', "t-06": "Changed my mind."})
    res = _grade(quiz)["ana"]
    gradebook.db.expire_all()
    assert res.score == 6.0
    assert gradebook.find_grade("t-01", "quiz1", "quiz1", "ana").auto_score == 0.0
    kept = gradebook.find_grade("t-06", "quiz1", "quiz1", "ana")
    # nbgrader's SaveAutoGrades: a regraded cell with a manual score is flagged for review
    assert kept.manual_score == 3.0 and kept.needs_manual_grade
    assert len(gradebook.assignment_submissions("quiz1")) == 1


def test_grading_leaves_the_gradebook_file_as_nbgrader_does(quiz):
    """No persistent setting changed: the rollback journal, SQLite's default page cache."""
    import sqlite3

    _submit(quiz, "ana", RIGHT)
    _grade(quiz)
    conn = sqlite3.connect(quiz / "gradebook.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("PRAGMA cache_size").fetchone() == (-2000,)
    finally:
        conn.close()

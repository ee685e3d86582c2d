"""The gradebook on a real PostgreSQL server: release, grade, regrade, export and analyze.

Each test gets its own database on the server named by PEERCERT_PG_URL (CI starts one with
``.ci/postgres.sh``) and points its course at it through PEERCERT_DB_URL, the way instructors
sharing a gradebook do. Every result is compared with the same cohort graded into the default
SQLite gradebook, which the rest of the suite covers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import factory
import pandas as pd
import psycopg2
import pytest
from conftest import COURSE_ENV, libpq_url, make_course
from nbgrader.api import Gradebook
from psycopg2 import sql
from sqlalchemy import select
from typer.testing import CliRunner

from peercert.analyze.load import load_course
from peercert.cli import app
from peercert.course import load_settings
from peercert.grade import grade_quiz
from peercert.grade.status import load_status
from peercert.grade.trusted import load_trusted
from peercert.readiness.course_evidence import course_evidence, read_course

pytestmark = [pytest.mark.postgres, pytest.mark.nbgrader]
BIN = Path(sys.executable).parent

DUE = "2026-11-20 12:00:00 UTC"
ON_TIME, LATE = "2026-11-20 10:00:00.000000 UTC", "2026-11-21 09:00:00.000000 UTC"
# Both courses: late submissions lose their score, so the late-penalty writes run too.
CONFIG = 'c.LateSubmissionPlugin.penalty_method = "zero"\n'
# The reference keeps the template's default SQLite gradebook whatever PEERCERT_DB_URL says.
SQLITE = 'c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")\n'
# Trainee id -> (answers, timestamp): every answer pattern, twice; the second copy is late.
# Ten trainees, so grade_quiz(workers=2) scores in worker processes.
COHORT = {f"{pattern}-{i}": (answers, LATE if i else ON_TIME)
          for i in range(2) for pattern, answers in factory.PATTERNS.items()}
ITEMS = ["t-01", "t-02", "t-03", "t-04", "t-05", "t-06"]
# More trainees than grade_quiz writes in one batch (200), for two batches on the server.
BULK = 250
# Both drivers SQLAlchemy picks for a plain postgresql:// URL: psycopg 3 from SQLAlchemy 2.1
# on, psycopg2 before.
DRIVERS = pytest.mark.parametrize("pg_db", ["postgresql+psycopg", "postgresql+psycopg2"],
                                  indirect=True)


@pytest.fixture
def pg_course(tmp_path: Path, pg_db: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared test course, released into the test's PostgreSQL database, cohort submitted."""
    monkeypatch.setenv("PEERCERT_DB_URL", pg_db)
    course = make_course(tmp_path / "pg", CONFIG)
    _submit_cohort(course)
    return course


@pytest.fixture(scope="module")
def sqlite_course(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same course and cohort graded (serially) into SQLite. Shared: copy it to change it.

    Asks for pg_url only so that nothing is built when the module is skipped.
    """
    with pytest.MonkeyPatch.context() as mp:
        for name in COURSE_ENV:
            mp.delenv(name, raising=False)
        course = make_course(tmp_path_factory.mktemp("sqlite"), CONFIG + SQLITE)
        _submit_cohort(course)
        assert grade_quiz(course, "quiz1").ok
    return course


def _submit_cohort(course: Path) -> None:
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        gb.update_or_create_assignment("quiz1", duedate=DUE)
    for trainee, (answers, stamp) in COHORT.items():
        _resubmit(course, trainee, answers, stamp)


def _resubmit(course: Path, trainee: str, answers: dict[str, str], stamp: str = ON_TIME) -> None:
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    factory.submit(course, "quiz1", trainee, factory.answer_notebook(release, answers), stamp)


def _copy(course: Path, dest: Path) -> Path:
    return Path(shutil.copytree(course, dest))


def _state(course: Path) -> dict[str, dict[str, Any]]:
    """What grading left in the gradebook per trainee, by name: totals, grades, comments.

    Grades are (auto_score, manual_score, extra_credit, needs_manual_grade); comments are
    (auto_comment, manual_comment); totals are nbgrader's own (SQL sums on the server).
    """
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        state = {}
        for sub in gb.find_assignment("quiz1").submissions:
            [nb] = sub.notebooks
            state[sub.student_id] = {
                "submission": {"timestamp": sub.timestamp, "score": sub.score,
                               "max_score": sub.max_score, "late": nb.late_submission_penalty,
                               "needs_manual_grade": sub.needs_manual_grade,
                               "flagged": nb.flagged},
                "grades": {g.name: (g.auto_score, g.manual_score, g.extra_credit,
                                    g.needs_manual_grade) for g in nb.grades},
                "comments": {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments},
            }
        return state


def _rows(course: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Every row of the tables grading writes, by table and row id."""
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook

    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        return {model.__tablename__: {r.id: r._asdict()
                                      for r in gb.db.execute(select(model.__table__))}
                for model in (Student, SubmittedAssignment, SubmittedNotebook, Grade, Comment)}


def _owned(rows: dict[str, dict[str, dict[str, Any]]], trainee: str) -> set[str]:
    """Ids of a trainee's submission rows: the submission, its notebook, grades, comments."""
    subs = {i for i, r in rows["submitted_assignment"].items() if r["student_id"] == trainee}
    nbs = {i for i, r in rows["submitted_notebook"].items() if r["assignment_id"] in subs}
    cells = {i for t in ("grade", "comment") for i, r in rows[t].items() if r["notebook_id"] in nbs}
    return {trainee} | subs | nbs | cells


def _count(db_url: str, table: str) -> int:
    with psycopg2.connect(libpq_url(db_url)) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        [(n,)] = cur.fetchall()
    conn.close()
    return n


def _hand_grade(course: Path, trainee: str) -> None:
    """Score a reflection and comment on it as Formgrader does (its GradeHandler.put)."""
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        grade = gb.find_grade("t-06", "quiz1", "quiz1", trainee)
        grade.manual_score, grade.needs_manual_grade = 3.0, False
        gb.find_comment("t-06", "quiz1", "quiz1", trainee).manual_comment = "Kind and specific."
        gb.db.commit()


def _nbgrader_export(course: Path, dest: Path) -> list[str]:
    """``nbgrader export`` in a subprocess (it reads PEERCERT_DB_URL from the environment)."""
    out = subprocess.run([str(BIN / "nbgrader"), "export", "--to", str(dest)], cwd=course,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return dest.read_text(encoding="utf-8").splitlines()


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame in a row order that does not depend on the order the database returned rows."""
    frame = frame.astype({c: str for c in frame.columns if frame[c].dtype == "category"})
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@DRIVERS
def test_release_and_parallel_grade_into_postgres_match_sqlite(pg_course, pg_db, sqlite_course):
    """generate_assignment and release store the quiz in PostgreSQL; grading writes there."""
    assert load_settings(pg_course).db_url == pg_db
    assert (pg_course / "release" / "quiz1" / "quiz1.ipynb").exists()
    with (Gradebook(pg_db, "peercert") as pg,
          Gradebook(load_settings(sqlite_course).db_url, "peercert") as lite):
        assert load_trusted(pg, "quiz1") == load_trusted(lite, "quiz1")  # keys, sources, sums

    report = grade_quiz(pg_course, "quiz1", workers=2)

    assert report.ok and len(report.results) == len(COHORT)
    assert report.count("needs review") == 2  # the malformed pair: "answer_2 = D" is code
    assert load_status(pg_course, "quiz1") == load_status(sqlite_course, "quiz1")
    assert _state(pg_course) == _state(sqlite_course)
    state = _state(pg_course)
    assert state["partial-0"]["grades"]["t-03"] == (1.0, None, None, False)  # partial credit
    assert state["right-0"]["grades"]["t-06"][3] is True  # the reflection waits for a grader
    late = state["right-1"]["submission"]
    assert late["late"] == late["score"] > 0  # penalty "zero": the whole score
    assert state["right-0"]["submission"]["late"] is None  # on time
    assert not (pg_course / "gradebook.db").exists()  # nothing fell back to SQLite
    sizes = {table: len(rows) for table, rows in _rows(sqlite_course).items()}
    assert {table: _count(pg_db, table) for table in sizes} == sizes  # read straight from PG
    assert sizes["submitted_assignment"] == len(COHORT)
    assert sizes["grade"] == len(COHORT) * len(ITEMS)


@DRIVERS
def test_regrade_is_idempotent_and_one_trainee_regrade_touches_only_them(pg_course, pg_db,
                                                                          sqlite_course, tmp_path):
    grade_quiz(pg_course, "quiz1", workers=2)
    before = _rows(pg_course)
    grade_quiz(pg_course, "quiz1", workers=2)
    assert _rows(pg_course) == before  # same rows, same ids: updated in place, nothing added

    lite = _copy(sqlite_course, tmp_path / "lite")
    for course in (pg_course, lite):
        _resubmit(course, "wrong-0", factory.PATTERNS["right"])
        report = grade_quiz(course, "quiz1", students=["wrong-0"])
        assert [r.trainee for r in report.results] == ["wrong-0"]
    after = _rows(pg_course)

    assert {t: set(rows) for t, rows in after.items()} == {t: set(r) for t, r in before.items()}
    mine = _owned(after, "wrong-0")
    for table, rows in after.items():
        assert {i: r for i, r in rows.items() if i not in mine} == {
            i: r for i, r in before[table].items() if i not in mine}, table
    state = _state(pg_course)
    assert state["wrong-0"]["grades"] == state["right-0"]["grades"]  # the regrade was written
    assert state == _state(lite)


def test_cohort_larger_than_a_write_batch(pg_course, sqlite_course, tmp_path):
    lite = _copy(sqlite_course, tmp_path / "lite")
    release = pg_course / "release" / "quiz1" / "quiz1.ipynb"
    patterns = [(factory.answer_notebook(release, answers), stamp)
                for answers, stamp in COHORT.values()]
    for course in (pg_course, lite):
        for n in range(BULK):
            nb, stamp = patterns[n % len(patterns)]
            factory.submit(course, "quiz1", f"bulk-{n:03}", nb, stamp)
        assert grade_quiz(course, "quiz1", workers=2).ok

    state = _state(pg_course)
    assert len(state) == len(COHORT) + BULK
    assert state == _state(lite)
    before = _rows(pg_course)
    grade_quiz(pg_course, "quiz1", workers=2)  # now every submission is updated in place
    assert _rows(pg_course) == before


def test_manual_reflection_score_survives_regrade(pg_course, sqlite_course, tmp_path):
    grade_quiz(pg_course, "quiz1", workers=2)
    lite = _copy(sqlite_course, tmp_path / "lite")
    for course in (pg_course, lite):
        _hand_grade(course, "right-0")
        grade_quiz(course, "quiz1", workers=2)

    state = _state(pg_course)
    assert state == _state(lite)
    right = state["right-0"]
    assert right["grades"]["t-06"] == (None, 3.0, None, True)  # kept; flagged as nbgrader does
    assert right["comments"]["t-06"] == (None, "Kind and specific.")
    assert right["submission"]["score"] == state["right-1"]["submission"]["score"] + 3.0


def test_nbgrader_and_peercert_exports_match_sqlite(pg_course, sqlite_course, tmp_path):
    grade_quiz(pg_course, "quiz1", workers=2)

    pg_csv = _nbgrader_export(pg_course, tmp_path / "pg-nbgrader.csv")
    lite_csv = _nbgrader_export(sqlite_course, tmp_path / "lite-nbgrader.csv")
    assert len(pg_csv) == 1 + len(COHORT)
    # nbgrader orders students by name; these have none, so the order is the database's
    assert pg_csv[0] == lite_csv[0] and sorted(pg_csv[1:]) == sorted(lite_csv[1:])

    _invoke("export", "--course", str(pg_course), "--out", str(tmp_path / "pg"))
    _invoke("export", "--course", str(sqlite_course), "--out", str(tmp_path / "lite"))
    for name in ("grades.csv", "grades-items.csv"):
        pg_text = (tmp_path / "pg" / name).read_text(encoding="utf-8")
        assert pg_text == (tmp_path / "lite" / name).read_text(encoding="utf-8"), name
    items = pd.read_csv(tmp_path / "pg" / "grades-items.csv")
    assert len(items) == len(COHORT) * len(ITEMS)


def test_analyze_and_readiness_read_the_postgres_gradebook(pg_course, sqlite_course, tmp_path):
    grade_quiz(pg_course, "quiz1", workers=2)

    pg, lite = load_course(pg_course)[0], load_course(sqlite_course)[0]
    assert len(pg.responses) == len(COHORT) * len(ITEMS)
    pd.testing.assert_frame_equal(_sorted(pg.responses), _sorted(lite.responses))

    _invoke("analyze", "quiz1", "--course", str(pg_course), "--out", str(tmp_path / "pg"))
    _invoke("analyze", "quiz1", "--course", str(sqlite_course), "--out", str(tmp_path / "lite"))
    tables = sorted(p.name for p in (tmp_path / "pg").glob("*.csv"))
    assert "item-analysis.csv" in tables
    assert tables == sorted(p.name for p in (tmp_path / "lite").glob("*.csv"))
    for name in tables:  # byte for byte: the reports do not depend on the database's row order
        pg_text = (tmp_path / "pg" / name).read_text(encoding="utf-8")
        assert pg_text == (tmp_path / "lite" / name).read_text(encoding="utf-8"), name

    pg_read, lite_read = read_course(pg_course), read_course(sqlite_course)
    assert len(pg_read.grades) == len(COHORT) * len(ITEMS)
    pd.testing.assert_frame_equal(_sorted(pg_read.grades), _sorted(lite_read.grades))
    pd.testing.assert_frame_equal(pg_read.roster, lite_read.roster)
    pg_ev, lite_ev = course_evidence([pg_course]), course_evidence([sqlite_course])
    for part in ("roster", "records", "scores"):
        pd.testing.assert_frame_equal(_sorted(getattr(pg_ev, part)),
                                      _sorted(getattr(lite_ev, part)), obj=part)


def test_runs_side_by_side_on_postgres_store_every_grade(pg_course, sqlite_course):
    """Two ``peercert grade`` runs of one quiz at once, every trainee new to the gradebook
    (issue 14): both succeed and the gradebook is what one run leaves in SQLite."""
    for round_ in range(3):
        procs = [subprocess.Popen([str(BIN / "peercert"), "grade", "quiz1", "--course",
                                   str(pg_course), "--workers", "1"], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        for proc in procs:
            assert proc.wait(timeout=300) == 0, proc.stdout.read() if proc.stdout else ""
        assert _state(pg_course) == _state(sqlite_course), f"round {round_}"
    assert load_status(pg_course, "quiz1") == load_status(sqlite_course, "quiz1")

"""A program's one PostgreSQL gradebook: two courses, the same quiz, the same trainee.

nbgrader 0.9 keys assignments by name alone (``Assignment.name`` is unique in the whole
database), so the program keeps one schema per course in one database
(:mod:`peercert.program_db`). These tests run on a real server (PEERCERT_PG_URL; CI starts
one with ``.ci/postgres.sh``): why a schema per course is needed, that two courses graded
with ``peercert grade`` keep their grades apart, that readiness and analyze read across the
courses, and that the program staff's role reads without writing and without reflections.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import factory
import pandas as pd
import psycopg2
import pytest
from conftest import libpq_url, make_course
from nbgrader.api import Gradebook
from psycopg2 import sql
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from peercert.cli import app
from peercert.course import Course, init_course, load_settings, nbgrader_api, release_quizzes
from peercert.program import ProgramError, load_program
from peercert.program_db import (
    WITHHELD_TABLES,
    config_lines,
    course_db_url,
    grant_readonly,
    url_schema,
)

pytestmark = [pytest.mark.postgres, pytest.mark.nbgrader]

# The same trainee in both courses, answering differently in each.
SHARED = "t-shared"
COHORTS = {
    "north": {SHARED: "right", "n-1": "wrong", "n-2": "partial"},
    "south": {SHARED: "wrong", "s-1": "right", "s-2": "right", "s-3": "partial"},
}
SITES = {"north": "North Clinic", "south": "South Recovery Center"}
SECRET = "MY-PRIVATE-DISCLOSURE-7f3a"  # a reflection's text: never in program staff's views
COMMENT = "GRADER-NOTE-ON-DISCLOSURE-91c2"  # a grader's comment quoting it
DUE = "2026-11-20 12:00:00 UTC"


def _invoke(*args: object) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


# --- the URL of a program course (no server needed) -------------------------------------

def test_course_url_puts_the_course_schema_first_and_keeps_other_options():
    url = course_db_url("postgresql://u:p%40ss@db.example:5432/pc?sslmode=require", "north-1")
    parsed = make_url(url)
    assert parsed.password == "p@ss" and parsed.database == "pc"
    assert parsed.query == {"sslmode": "require", "options": "-csearch_path=north-1"}
    assert url_schema(url) == "north-1"
    again = course_db_url(url + "&x=1", "south")  # a search path already there is replaced
    assert make_url(again).query["options"] == "-csearch_path=south"
    assert url_schema("postgresql://h/db") is None and url_schema("sqlite:///g.db") is None


@pytest.mark.parametrize("url, course, message", [
    ("sqlite:///gradebook.db", "north", "must be PostgreSQL"),
    ("postgresql://h/db", "public", "cannot name a gradebook schema"),
    ("postgresql://h/db", "Bad_Id", "cannot name a gradebook schema"),
    ("not a url", "north", "not a database URL"),
])
def test_course_url_refuses_what_cannot_be_a_program_gradebook(url, course, message):
    with pytest.raises(ProgramError, match=message):
        course_db_url(url, course)


def test_config_lines_read_the_url_from_the_environment_at_run_time(tmp_path):
    path = _program_file(tmp_path, "env:PROGRAM_DB")
    os.environ["PROGRAM_DB"] = "postgresql://admin:secret@h/db"
    try:
        text = config_lines(load_program(path), "north")
    finally:
        del os.environ["PROGRAM_DB"]
    assert "os.environ['PROGRAM_DB']" in text and "secret" not in text
    assert "course_db_url(" in text and "'north'" in text


# --- fixtures: a program of two courses in one database ----------------------------------

def _program_file(root: Path, gradebook_url: str = "env:PEERCERT_DB_URL") -> Path:
    courses = "".join(
        f'\n[[course]]\nid = "{cid}"\nsite = "{SITES[cid]}"\ninstructors = ["i-{cid}"]\n'
        f"trainees = {sorted(cohort)!r}\n".replace("'", '"')
        for cid, cohort in COHORTS.items())
    path = root / "program.toml"
    path.write_text(
        '[program]\nname = "Test State Program"\ncourses_root = "courses"\n'
        f'exchange_root = "exchange"\ngradebook_url = "{gradebook_url}"\n'
        f'staff = ["pat"]\n{courses}', encoding="utf-8")
    return path


def _make_program_course(program_path: Path, cid: str) -> Path:
    """A program course: the shared curriculum, its config pointing at the program DB."""
    program = load_program(program_path)
    src = factory.curriculum(program_path.parent / "curriculum")
    course = init_course(program.course_dir(cid), course_id=cid, source_root=src)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
        fh.write(config_lines(program, cid))
    release_quizzes(nbgrader_api(course), ["quiz1"])
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        gb.update_or_create_assignment("quiz1", duedate=DUE)
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for trainee, pattern in COHORTS[cid].items():
        answers = dict(factory.PATTERNS[pattern])
        if "t-06" in answers:
            answers["t-06"] = f"{answers['t-06']} {SECRET}"
        factory.submit(course, "quiz1", trainee, factory.answer_notebook(release, answers))
    return course


@pytest.fixture
def program(tmp_path: Path, pg_db: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two courses in one PostgreSQL database, released, submitted and graded (CLI)."""
    monkeypatch.setenv("PEERCERT_DB_URL", pg_db)
    path = _program_file(tmp_path)
    for cid in COHORTS:
        course = _make_program_course(path, cid)
        _invoke("grade", "quiz1", "--course", course, "--workers", "1")
    # A grader comments on the shared trainee's reflection in north, as Formgrader does.
    s = load_settings(load_program(path).course_dir("north"))
    with Gradebook(s.db_url, s.course_id) as gb:
        gb.find_comment("t-06", "quiz1", "quiz1", SHARED).manual_comment = COMMENT
        gb.db.commit()
    return path


def _query(url: str, statement: str, *params: object) -> list[tuple]:
    with psycopg2.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


# --- why a schema per course ---------------------------------------------------------------

def test_nbgrader_cannot_keep_two_courses_with_one_quiz_in_one_set_of_tables(tmp_path, pg_db,
                                                                             monkeypatch):
    """The problem the schemas solve: nbgrader 0.9 gives both courses one quiz1 row."""
    monkeypatch.setenv("PEERCERT_DB_URL", pg_db)
    make_course(tmp_path / "a", 'c.CourseDirectory.course_id = "north"\n')
    from nbgrader.api import InvalidEntry

    with Gradebook(pg_db, "south") as gb, pytest.raises(InvalidEntry, match="unique"):
        gb.add_assignment("quiz1")  # the unique constraint on assignment.name
    with Gradebook(pg_db, "south") as gb:  # and lookups ignore the course: south finds north's
        assert gb.find_assignment("quiz1").course_id == "north"


# --- two courses, one database ---------------------------------------------------------------

def test_same_quiz_and_trainee_in_two_courses_keep_separate_grades(program, pg_db):
    spec = load_program(program)
    for cid in COHORTS:  # each schema holds its own nbgrader tables and its own quiz1
        assert _query(pg_db, f'SELECT name, course_id FROM "{cid}".assignment') == [
            ("quiz1", cid)]
        students = {r[0] for r in _query(pg_db, f'SELECT id FROM "{cid}".student')}
        assert students == set(COHORTS[cid])
    assert _query(pg_db, "SELECT count(*) FROM information_schema.tables "
                         "WHERE table_schema = 'public'") == [(0,)]  # nothing shared

    north, south = (Course.open(spec.course_dir(c)) for c in COHORTS)
    try:
        rows = {cid: c.grade_rows() for cid, c in (("north", north), ("south", south))}
        assert {r[0] for r in rows["north"]} == set(COHORTS["north"])
        assert {r[0] for r in rows["south"]} == set(COHORTS["south"])
        mine = {cid: {r[2]: r[7] for r in rs if r[0] == SHARED} for cid, rs in rows.items()}
        assert mine["north"]["t-01"] == 1.0 and mine["south"]["t-01"] == 0.0  # right vs wrong
        assert north.quizzes() == south.quizzes() == ["quiz1"]
        assert [s[0] for s in north.students()] == sorted(COHORTS["north"])
    finally:
        north.close()
        south.close()


def test_course_layer_reads_only_its_course_from_a_shared_set_of_tables(tmp_path, pg_db,
                                                                        monkeypatch):
    """Without schemas (a hand-made shared gradebook), each course still reads only its own
    students and grades: every query filters by course id."""
    monkeypatch.setenv("PEERCERT_DB_URL", pg_db)
    course = make_course(tmp_path / "a", 'c.CourseDirectory.course_id = "north"\n')
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    factory.submit(course, "quiz1", "n-1", factory.answer_notebook(release, {}))
    _invoke("grade", "quiz1", "--course", course)
    with Gradebook(pg_db, "south") as gb:  # another course's quiz and trainee, same tables
        gb.add_assignment("quiz-south")
        gb.add_student("s-9")
    c = Course.open(course)
    try:
        assert [s[0] for s in c.students()] == ["n-1"]  # s-9 is not north's
        assert c.quizzes() == ["quiz1"]
        assert {r[0] for r in c.grade_rows()} == {"n-1"}
    finally:
        c.close()


def test_readiness_and_analyze_read_across_the_program(program, tmp_path):
    out = tmp_path / "readiness"
    printed = _invoke("readiness", "--program", program, "-p", "icrc-pr", "-o", out)
    assert "of 6 trainees ready" in printed
    table = pd.read_csv(out / "readiness.csv", dtype=str)
    site = dict(zip(table["trainee_id"], table["site"], strict=True))
    assert site[SHARED] == "North Clinic (north)"  # first course given keeps the trainee
    assert site["s-3"] == "South Recovery Center (south)" and site["n-2"] == "North Clinic (north)"

    printed = _invoke("analyze", "quiz1", "--program", program, "--out", tmp_path / "an")
    per_course = pd.read_csv(tmp_path / "an" / "per-course-summary.csv")
    assert per_course[["course", "site", "trainees"]].values.tolist() == [
        ["north", "North Clinic", 3], ["south", "South Recovery Center", 4]]
    pooled = pd.read_csv(tmp_path / "an" / "quiz-summary.csv")
    assert pooled["trainees"].tolist() == [7]  # the shared trainee counts once per course
    assert "per course" in printed


# --- the program staff's read-only role --------------------------------------------------

@pytest.fixture
def staff_role(pg_db: str) -> Iterator[str]:
    role = f"staff_{uuid.uuid4().hex[:8]}"
    yield role
    admin = psycopg2.connect(libpq_url(pg_db))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cur.fetchone():
            cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role)))
            cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            cur.execute(sql.SQL("REVOKE {} FROM CURRENT_USER").format(sql.Identifier(role)))
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    admin.close()


def _snapshot(url: str) -> dict[str, object]:
    """Every table of the database with its row count, and the alembic versions."""
    tables = _query(url, "SELECT table_schema, table_name FROM information_schema.tables "
                         "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                         "ORDER BY 1, 2")
    counts = {f"{s}.{t}": _query(url, f'SELECT count(*) FROM "{s}"."{t}"')[0][0]
              for s, t in tables}
    return {"counts": counts,
            "alembic": [_query(url, f'SELECT version_num FROM "{c}".alembic_version')
                        for c in COHORTS]}


def test_staff_role_reads_readiness_and_can_write_nothing(program, pg_db, staff_role, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "s3cret'pw")
    printed = _invoke("program-db", "grant-readonly", staff_role, "--program", program,
                      "--password-env", "STAFF_PASSWORD")
    assert f"role {staff_role} created" in printed and "comment, source_cell" in printed
    assert "created now: none" in _invoke("program-db", "init", "--program", program)
    again = grant_readonly(load_program(program), staff_role)  # idempotent, password kept
    assert not again.created and again.schemas == ("north", "south")
    staff_url = make_url(pg_db).set(username=staff_role, password="s3cret'pw") \
        .render_as_string(hide_password=False)

    before = _snapshot(pg_db)
    monkeypatch.setenv("PEERCERT_DB_URL", staff_url)  # the staff's environment
    out = tmp_path / "staff"
    assert "of 6 trainees ready" in _invoke("readiness", "--program", program,
                                            "-p", "icrc-pr", "-o", out)
    assert _snapshot(pg_db) == before  # no table, row or alembic version was written

    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) > 3
    for path in written:  # the reflection and the grader's comment on it appear nowhere
        text = path.read_text(encoding="utf-8", errors="replace")
        assert SECRET not in text and COMMENT not in text, path

    conn = psycopg2.connect(libpq_url(course_db_url(staff_url, "north")))
    try:
        assert _run(conn, "SELECT count(*) FROM grade") is None  # reading works
        assert _run(conn, "SHOW default_transaction_read_only") is None
        for table in WITHHELD_TABLES:
            assert "permission denied" in _run(conn, f"SELECT * FROM {table}")
        for statement in ("INSERT INTO student (id) VALUES ('intruder')",
                          "UPDATE grade SET manual_score = 99",
                          "DELETE FROM submitted_assignment",
                          "CREATE TABLE north.staff_notes (x int)",
                          "CREATE TABLE public.staff_notes (x int)",
                          "CREATE SCHEMA staff_own"):
            # past the read-only session default too: the privileges themselves refuse
            assert "permission denied" in _run(conn, statement, read_write=True), statement
            assert "read-only transaction" in _run(conn, statement), statement
    finally:
        conn.close()
    assert _snapshot(pg_db) == before


def _run(conn: psycopg2.extensions.connection, statement: str,
         read_write: bool = False) -> str | None:
    """Run one statement in its own transaction; the error message, or None on success."""
    try:
        with conn.cursor() as cur:
            if read_write:
                cur.execute("SET TRANSACTION READ WRITE")
            cur.execute(statement)
        return None
    except psycopg2.Error as exc:
        return str(exc)
    finally:
        conn.rollback()


def test_grant_needs_a_program_gradebook_and_a_plain_role_name(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[program]\nname = "P"\ncourses_root = "c"\nexchange_root = "e"\n'
                    '[[course]]\nid = "north"\nsite = "N"\ninstructors = ["ana"]\n',
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["program-db", "grant-readonly", "staff", "--program",
                                      str(path)])
    assert result.exit_code == 1 and "no gradebook_url" in result.output
    result = CliRunner().invoke(app, ["program-db", "grant-readonly", "Staff; DROP", "--program",
                                      str(path)])
    assert result.exit_code == 1 and "not a role name" in result.output

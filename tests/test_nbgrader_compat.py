"""Each rule peercert mirrors in ``peercert.nbgrader_compat``, checked against nbgrader itself."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from peercert import nbgrader_compat as nbc
from peercert.course import CONFIG_NAME, Course, load_config

BIN = Path(sys.executable).parent


def _config(tmp_path: Path, text: str = "") -> Path:
    (tmp_path / CONFIG_NAME).write_text("c = get_config()\n" + text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("text", [
    "",
    "c.CourseDirectory.course_id = ' ps1 '\nc.CourseDirectory.submitted_directory = 'in'\n"
    "c.CourseDirectory.autograded_directory = 'out'\nc.CourseDirectory.db_url = 'sqlite:///x.db'",
])
def test_course_directory_matches_nbgrader(tmp_path, text):
    from nbgrader.coursedir import CourseDirectory

    config = load_config(_config(tmp_path, text))
    ours, theirs = nbc.CourseDirectory.from_config(config), CourseDirectory(config=config)
    assert (str(ours.root), ours.course_id, ours.db_url) == (
        theirs.root, theirs.course_id, theirs.db_url)
    for trait in nbc.FOLDER_TRAITS:
        assert getattr(ours, trait.removesuffix("_directory")) == getattr(theirs, trait)


def test_reading_a_course_creates_nothing(tmp_path):
    from peercert.course import config_text

    (tmp_path / CONFIG_NAME).write_text(config_text(), encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    course = Course.open(tmp_path)
    assert not course.has_gradebook() and course.quizzes is not None
    assert sorted(tmp_path.iterdir()) == before  # no exchange/, no gradebook.db


CELLS = [
    {"cell_type": "code", "source": 'answer_1 = ""', "metadata": {"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "a1"}}},
    {"cell_type": "markdown", "source": ["YOUR ", "ANSWER"], "metadata": {"nbgrader": {
        "grade": True, "solution": True, "grade_id": "r1", "points": 4}}},
    {"cell_type": "code", "source": "check(a, {})", "metadata": {"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t1", "points": 1.5}}},
    {"cell_type": "markdown", "source": "text", "metadata": {"nbgrader": {
        "grade": False, "solution": False, "locked": True, "grade_id": "m1"}}},
]


@pytest.mark.parametrize("cell", CELLS)
def test_checksum_and_flags_match_nbgrader(cell):
    import nbformat
    from nbgrader import utils

    node = nbformat.from_dict({**cell, "source": "".join(cell["source"])
                               if isinstance(cell["source"], list) else cell["source"]})
    assert nbc.compute_checksum(cell) == utils.compute_checksum(node)
    assert (nbc.is_grade(cell), nbc.is_solution(cell), nbc.is_locked(cell)) == (
        utils.is_grade(node), utils.is_solution(node), utils.is_locked(node))


@pytest.mark.parametrize("markers", [None, ("### BEGIN SECRET", "### END SECRET")])
def test_hidden_tests_removed_as_nbgrader_does(tmp_path, markers):
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests

    begin, end = markers or (nbc.BEGIN_HIDDEN_TESTS, nbc.END_HIDDEN_TESTS)
    text = "" if markers is None else (f"c.ClearHiddenTests.begin_test_delimeter = {begin!r}\n"
                                       f"c.ClearHiddenTests.end_test_delimeter = {end!r}\n")
    config = load_config(_config(tmp_path, text))
    source = f"x = 1\n{begin}\ncheck(x, {{}})\n{end}\ny = 2"
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t1", "points": 1}})
    nb = nbformat.v4.new_notebook(cells=[cell])
    ClearHiddenTests(config=config).preprocess(nb, {})
    assert nbc.released_source(source, nbc.hidden_test_markers(config)) == nb.cells[0].source


def test_duplicate_grade_ids_as_nbgrader_does():
    import nbformat
    from nbgrader.preprocessors import DeduplicateIds

    cells = [dict(CELLS[0], metadata={"nbgrader": dict(CELLS[0]["metadata"]["nbgrader"])})
             for _ in range(3)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        c["source"], metadata={"nbgrader": dict(c["metadata"]["nbgrader"])}) for c in cells])
    DeduplicateIds().preprocess(nb, {})
    assert nbc.dedupe_grade_ids(cells) == [0, 1]
    assert [("nbgrader" in c["metadata"]) for c in cells] == [
        ("nbgrader" in c.metadata) for c in nb.cells]


@pytest.mark.parametrize("stamp", ["2026-11-20 10:00:00.000000 UTC", "2026-11-20 23:59:59 UTC",
                                   "2026-11-20 10:00:00.123456 Europe/Paris",
                                   "2026-11-20 10:00:00.5 -0500", "2026-11-20T10:00:00"])
def test_parse_utc_matches_nbgrader(stamp):
    from nbgrader.utils import parse_utc

    assert nbc.parse_utc(stamp) == parse_utc(stamp)


@pytest.mark.parametrize("stamp", ["2026-02-30 10:00:00.000000 UTC", "2026-11-20 24:00:00 UTC",
                                   "2026-11-20 10:61:00.000000 UTC"])
def test_parse_utc_refuses_what_nbgrader_refuses(stamp):
    from nbgrader.utils import parse_utc

    with pytest.raises(ValueError):
        parse_utc(stamp)
    with pytest.raises(ValueError):
        nbc.parse_utc(stamp)


@pytest.mark.parametrize(("method", "score", "late"), [
    ("none", 3.0, 60.0), ("zero", 3.0, 60.0), ("zero", 0.0, 1.0)])
def test_late_penalty_matches_the_stock_plugin(tmp_path, method, score, late):
    from nbgrader.plugins import LateSubmissionPlugin

    config = load_config(_config(tmp_path, f"c.LateSubmissionPlugin.penalty_method = {method!r}"))
    stock = LateSubmissionPlugin(config=config).late_submission_penalty("t", score, late)
    assert nbc.LatePenalty(config).penalty("t", score, late) == stock
    assert nbc.clamp_penalty(-1, 2.0) == 0 and nbc.clamp_penalty(5, 2.0) == 2.0


def test_tables_still_have_every_column_peercert_uses():
    """Fast guard for an nbgrader upgrade: names and column names of nbgrader.api's tables."""
    from nbgrader.api import Base

    for table in nbc.META.sorted_tables:
        theirs = Base.metadata.tables[table.name]
        assert set(table.c.keys()) <= set(theirs.c.keys()), table.name


def test_score_rule_matches_nbgrader(tmp_path):
    """Grade.score (SQL and Python) on the same rows: manual wins, plus extra credit."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gb.db'}"
    assert nbc.create_gradebook(url)
    cases = [(None, None, None), (1.0, None, None), (1.0, 2.0, None), (1.0, None, 0.5),
             (None, 2.0, 1.0), (0.0, None, 1.0)]
    with Gradebook(url, "c") as gb:
        gb.add_assignment("q", duedate=None)
        gb.add_notebook("q", "q")
        for i in range(len(cases)):
            gb.add_grade_cell(f"g{i}", "q", "q", max_score=5, cell_type="code")
        gb.add_student("s")
        sub = gb.add_submission("q", "s")
        grades = {g.name: g for g in sub.notebooks[0].grades}
        for i, (auto, manual, extra) in enumerate(cases):
            grades[f"g{i}"].auto_score, grades[f"g{i}"].manual_score = auto, manual
            grades[f"g{i}"].extra_credit = extra
        gb.db.commit()
        theirs = {g.name: g.score for g in sub.notebooks[0].grades}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        g, bc = nbc.grade, nbc.base_cell
        sql = dict(conn.execute(sa.select(bc.c.name, nbc.grade_score_sql(g))
                                .join(bc, bc.c.id == g.c.cell_id)).all())
    engine.dispose()
    for i, (auto, manual, extra) in enumerate(cases):
        assert (nbc.grade_score(auto, manual, extra) or 0.0) == theirs[f"g{i}"] == sql[f"g{i}"]


def test_seconds_late_with_extension():
    from datetime import datetime

    due = datetime(2026, 1, 1)
    assert nbc.seconds_late(due + timedelta(hours=2), due, timedelta(hours=1)) == 3600
    assert nbc.seconds_late(due, due, None) == 0.0 and nbc.seconds_late(None, due, None) == 0.0


def test_create_gradebook_writes_the_alembic_head_nbgrader_would(tmp_path):
    """The head nbgrader reads with the alembic executable, read without it."""
    from nbgrader.api import get_alembic_version

    url = f"sqlite:///{tmp_path / 'gb.db'}"
    assert nbc.create_gradebook(url) and not nbc.create_gradebook(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ours = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{path}"
    try:
        assert ours == get_alembic_version()
    finally:
        os.environ["PATH"] = path


@pytest.mark.nbgrader
@pytest.mark.slow
def test_console_script_works_without_the_venv_on_path(tmp_path):
    """`peercert init` + `release` as cron or a hub service runs it: venv not on PATH."""
    script = BIN / "peercert"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PEERCERT_DB_URL",
                                                            "PEERCERT_EXCHANGE",
                                                            "PEERCERT_COURSE_ID")}
    env["PATH"] = "/usr/bin:/bin"
    done = subprocess.run([str(script), "init", str(tmp_path / "c")], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    quiz = sorted((tmp_path / "c" / "assignments").glob("*.yaml"))[0].stem
    done = subprocess.run([str(script), "release", quiz, "--course", str(tmp_path / "c")],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert (tmp_path / "c" / "gradebook.db").is_file()


def test_grade_path_does_not_import_nbgrader(tmp_path):
    import factory

    from peercert.course import init_course

    course = init_course(tmp_path / "c", source_root=factory.curriculum(tmp_path / "cur"))
    release = factory.release(course, "quiz1")  # in-process: no nbgrader app
    factory.submit(course, "quiz1", "ana", factory.answer_notebook(release, {"t-01": '"B"'}))
    code = ("import sys; from peercert.grade import grade_quiz; "
            f"grade_quiz({str(course)!r}, 'quiz1', workers=1); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('nbgrader', 'nbformat', 'jupyter_server', 'pandas')); print(bad); "
            "sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("text", ["", "c.Exchange.root = '/tmp/somewhere/exchange'"])
def test_exchange_root_matches_nbgrader(tmp_path, text):
    from nbgrader.exchange.default import Exchange

    config = load_config(_config(tmp_path, text))
    assert str(nbc.exchange_root(config)) == Exchange(config=config).root


@pytest.mark.parametrize("name", [
    "s1+quiz1+2026-11-20 10:00:00.000000 UTC+AbC-12_xYz",
    "s1+quiz1+2026-11-20 10:00:00.000000 UTC",
    "first+last+quiz1+2026-11-20 10:00:00.000000 UTC+AbC",
])
def test_inbound_names_split_as_nbgrader_collect_does(name):
    from nbgrader.exchange.default import ExchangeCollect

    record = ExchangeCollect()._path_to_record(f"/x/inbound/{name}")  # nbgrader's own split
    trainee, _quiz, stamp = nbc.inbound_record(name)
    assert (trainee, nbc.parse_utc(stamp)) == (record["username"], record["timestamp"])
    assert nbc.inbound_record("no-plus-signs") is None
@pytest.mark.nbgrader
@pytest.mark.parametrize("how", ["points", "unlocked-question", "grade-cell-type",
                                 "reflection-points"])
def test_overwrite_cells_as_nbgrader_does(course, how):
    """What nbgrader's OverwriteCells restores, peercert restores the same way (peercert also
    restores the grade and answer flags, which nbgrader leaves as the trainee set them)."""
    import json

    import factory
    import nbformat
    from nbgrader.preprocessors import OverwriteCells

    from peercert.grade import tamper
    from peercert.grade.trusted import load_trusted

    release = course / "release" / "quiz1" / "quiz1.ipynb"
    nb = factory.tamper(factory.answer_notebook(release, {}), how)
    c = Course.open(course)
    resources = {"nbgrader": {"notebook": "quiz1", "assignment": "quiz1", "db_url": c.db_url}}
    theirs, _ = OverwriteCells().preprocess(nbformat.from_dict(json.loads(json.dumps(nb))),
                                            resources)
    ours = json.loads(json.dumps(nb))["cells"]
    with c.connect() as conn:
        trusted = load_trusted(conn, "quiz1", course_id=c.course_id)
    c.close()
    heard: list[str] = []
    tamper.overwrite(ours, trusted, heard.append)
    assert len(heard) == 1

    def graded(cells: list) -> list:
        return [(cell["cell_type"], "".join(cell["source"]), dict(cell["metadata"]["nbgrader"]))
                for cell in cells if cell["metadata"].get("nbgrader", {}).get("grade_id")]

    assert graded(ours) == graded(theirs.cells)


@pytest.mark.nbgrader
def test_in_process_release_matches_generate_assignment(course, tmp_path):
    """The grade stage's unit tier releases with ``factory.release`` (nbgrader's preprocessors,
    no app): the same released notebook and gradebook rows as ``nbgrader generate_assignment``."""
    import factory
    import nbformat

    from peercert.course import init_course

    twin = init_course(tmp_path / "twin", source_root=factory.curriculum(tmp_path / "cur"))
    ours = nbformat.read(factory.release(twin, "quiz1"), as_version=4)
    theirs = nbformat.read(course / "release" / "quiz1" / "quiz1.ipynb", as_version=4)
    for cell in ours.cells + theirs.cells:
        cell.pop("id", None)  # random per build
    assert ours == theirs
    skip = {"id", "notebook_id", "assignment_id"}  # uuids

    def rows(path: Path) -> dict[str, list[tuple[str, ...]]]:
        engine = sa.create_engine(Course.open(path).db_url)
        try:
            with engine.connect() as conn:
                return {t: sorted(tuple(str(v) for k, v in r._mapping.items() if k not in skip)
                                  for r in conn.execute(sa.text(f"SELECT * FROM {t}")))
                        for t in ("assignment", "notebook", "base_cell", "grade_cells",
                                  "solution_cells", "task_cells", "source_cell")}
        finally:
            engine.dispose()

    assert rows(twin) == rows(course)


def test_new_row_ids_are_uuids_in_increasing_order():
    import time
    import uuid

    ids = nbc.new_uuids(5000)
    time.sleep(0.002)
    later = nbc.new_uuids(3)
    assert len(set(ids)) == 5000 and ids == sorted(ids) and later[0] > ids[-1]
    assert len(nbc.new_uuid()) == 32
    for text in ids[:50] + later:
        value = uuid.UUID(text)
        assert value.hex == text and value.version == 7 and value.variant == uuid.RFC_4122

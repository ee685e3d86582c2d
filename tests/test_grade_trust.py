"""Issue 14: grades stay right beside other runs, through crashes, hostile files and tampering.

Each test here failed before the fix: a second run lost its grades, one bad file aborted the
cohort, a linked notebook was graded with another trainee's answers, tampering went
unreported and broke nbgrader's feedback, a killed run left its workers behind.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import factory
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from peercert import nbgrader_compat as nbc
from peercert import output
from peercert.cli import app
from peercert.course import Course, init_course, nbgrader_api, release_quizzes
from peercert.grade import CourseBusy, grade_quiz
from peercert.grade.lock import CourseLock
from peercert.grade.status import load_status

pytestmark = pytest.mark.nbgrader
RIGHT = {"t-01": '"B"', "t-02": '"D"', "t-03": '"A, C"', "t-04": '"C, A, D, B"', "t-05": '"False"'}
BIN = Path(sys.executable).parent
HERE = Path(__file__).parent


def _release(course: Path, quiz: str = "quiz1") -> Path:
    return course / "release" / quiz / f"{quiz}.ipynb"


def _good(course: Path, trainee: str = "good") -> None:
    factory.submit(course, "quiz1", trainee, factory.answer_notebook(_release(course), RIGHT))


def _gradebook(course: Path) -> list[tuple]:
    """Every row grading writes, per trainee, quiz and cell (ids left out): to compare runs."""
    c = Course.open(course)
    try:
        rows = sorted(c.grade_rows(), key=repr)
        sn, sub, a = nbc.submitted_notebook, nbc.submitted_assignment, nbc.assignment
        cm, bc = nbc.comment, nbc.base_cell
        with c.connect() as conn:
            late = sorted(conn.execute(
                sa.select(sub.c.student_id, a.c.name, sn.c.late_submission_penalty)
                .join(sub, sn.c.assignment_id == sub.c.id)
                .join(a, sub.c.assignment_id == a.c.id)).all())
            comments = sorted(conn.execute(
                sa.select(sub.c.student_id, a.c.name, bc.c.name, cm.c.auto_comment)
                .join(sn, cm.c.notebook_id == sn.c.id).join(bc, cm.c.cell_id == bc.c.id)
                .join(sub, sn.c.assignment_id == sub.c.id)
                .join(a, sub.c.assignment_id == a.c.id)).all(), key=repr)
            counts = conn.execute(sa.select(
                sa.func.count(sub.c.id.distinct()), sa.func.count(sn.c.id.distinct()))
                .select_from(sub).join(sn, sn.c.assignment_id == sub.c.id)).one()
    finally:
        c.close()
    return [*rows, *late, *comments, tuple(counts)]


# --- one bad file never stops the batch (parts 3, 4) -------------------------------------

@pytest.mark.parametrize("how", factory.HOSTILE)
def test_a_hostile_file_fails_its_trainee_and_the_rest_is_graded(course, tmp_path, how):
    _good(course)
    outside = tmp_path / "outside"
    outside.mkdir()
    nb = factory.answer_notebook(_release(course), RIGHT)
    named = factory.hostile(course, "quiz1", "mallory", how, nb, outside)
    out = CliRunner().invoke(app, ["grade", "quiz1", "--course", str(course)])
    assert out.exit_code == 1, out.output
    assert "quiz1: graded 1, needs review 0, failed 1" in out.output
    status = load_status(course, "quiz1")
    assert status["good"]["status"] == "graded" and status["good"]["score"] == 7.0
    mallory = status["mallory"]
    assert mallory["status"] == "failed" and mallory["score"] is None
    assert named in mallory["reasons"][0], mallory["reasons"]
    shown = out.output + json.dumps(status)
    assert "/etc/passwd" not in shown and "root:" not in shown  # a link's target, never
    assert not (course / "autograded" / "mallory").exists()
    assert _gradebook(course)[-1] == (1, 1)  # only the good trainee is in the gradebook


def test_a_notebook_linked_to_another_trainees_is_never_graded_as_theirs(course, tmp_path):
    _good(course)
    nb = factory.answer_notebook(_release(course), {})
    factory.hostile(course, "quiz1", "copycat", "notebook-link-to-other", nb, tmp_path)
    report = grade_quiz(course, "quiz1")
    scores = {r.trainee: (r.status, r.score) for r in report.results}
    assert scores == {"good": ("graded", 7.0), "copycat": ("failed", None)}


def test_an_answer_above_the_cap_is_refused_before_it_is_parsed(course):
    huge = '"' + "B" * 150_000 + '"'
    factory.submit(course, "quiz1", "huge",
                   factory.answer_notebook(_release(course), {**RIGHT, "t-01": huge}))
    started = time.perf_counter()
    [res] = grade_quiz(course, "quiz1").results
    assert time.perf_counter() - started < 10
    assert res.status == "needs review" and res.items["t-01"].score == 0.0
    assert res.score == 6.0  # every other answer still counts
    assert ("answer cell for t-01 is 150,080 characters long, above the limit of 100,000 "
            "(peercert.defaults.MAX_ANSWER_CHARS): not read") in res.reasons[0]
    graded = (course / "autograded" / "huge" / "quiz1" / "quiz1.ipynb").read_text()
    assert len(graded) < 100_000  # the autograded copy does not carry it to feedback


def test_too_many_json_values_are_refused_before_parsing(course):
    nb = factory.answer_notebook(_release(course), RIGHT)
    nb.metadata["junk"] = [[] for _ in range(600_000)]
    factory.submit(course, "quiz1", "junk", nb)
    _good(course)
    results = {r.trainee: r for r in grade_quiz(course, "quiz1").results}
    assert results["good"].score == 7.0
    assert results["junk"].status == "failed"
    assert "more than 500,000 JSON values (limit peercert.defaults.MAX_NOTEBOOK_VALUES)" in (
        results["junk"].reasons[0])


BOMBS = {  # trainee -> (notebook text, expected status)
    "answer45mb": ("answer", 45_000_000, "failed"),  # over the file cap: never read
    "answer24mb": ("answer", 24_000_000, "needs review"),  # under it: over the answer cap
    "emoji24mb": ("metadata", 24_000_000, "graded"),  # one astral character in a huge text
    "lists": ("lists", 8_000_000, "failed"),  # 8 million empty lists
}


@pytest.mark.slow
def test_resource_bombs_stay_within_memory_and_time(course, tmp_path):
    release = _release(course)
    for trainee, (kind, size, _) in BOMBS.items():
        nb = factory.answer_notebook(release, RIGHT)
        if kind == "answer":
            nb = factory.answer_notebook(release, {**RIGHT, "t-01": '"' + "B" * size + '"'})
        elif kind == "metadata":
            nb.metadata["junk"] = "\U0001f600" + "x" * size
        else:
            nb.metadata["junk"] = [[]] * size
        folder = factory.submit(course, "quiz1", trainee, factory.answer_notebook(release, {}))
        (folder / "quiz1.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    code = ("import json, re; from peercert.grade import grade_quiz; "
            f"r = grade_quiz({str(course)!r}, 'quiz1', workers=1); "
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
            "print(json.dumps([int(hwm) // 1024, {x.trainee: x.status for x in r.results}]))")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    peak_mb, statuses = json.loads(done.stdout.splitlines()[-1])
    assert statuses == {t: expected for t, (_, _, expected) in BOMBS.items()}
    assert peak_mb < 500, f"peak memory {peak_mb} MB"
    assert seconds < 60, f"{seconds:.0f} s"


def test_an_oversize_bank_is_refused_before_parsing(tmp_path):
    from peercert.bank import BankError, load_bank

    data = factory.bank("big", [factory.single(f"b-{i:04d}") for i in range(2000)])
    path = factory.write_bank(tmp_path, data)
    assert path.stat().st_size > 1_000_000
    started = time.perf_counter()
    with pytest.raises(BankError) as err:
        load_bank(path)
    assert time.perf_counter() - started < 1
    assert str(path) in str(err.value)
    assert "larger than 1,000,000 bytes, the limit for one bank " \
           "(peercert.defaults.MAX_BANK_BYTES)" in str(err.value)


def test_every_shipped_bank_is_under_the_bank_limit():
    from peercert.defaults import MAX_BANK_BYTES

    banks = sorted((HERE.parent / "assignments").glob("*.yaml"))
    assert banks and max(p.stat().st_size for p in banks) < MAX_BANK_BYTES / 4


# --- tampering is reported and undone (part 5) -------------------------------------------

def _nbgrader_cells(path: Path) -> dict[str, tuple[str, dict]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out = {}
    for cell in cells:
        meta = cell["metadata"].get("nbgrader")
        if meta and meta.get("grade_id"):
            assert meta["grade_id"] not in out, f"{meta['grade_id']} twice"
            out[meta["grade_id"]] = (cell["cell_type"],
                                     {k: v for k, v in meta.items() if k != "checksum"})
    return out


@pytest.mark.parametrize("how", sorted(factory.TAMPERING))
def test_tampering_is_reported_and_the_autograded_copy_matches_the_source(course, how):
    nb = factory.tamper(factory.answer_notebook(_release(course), RIGHT), how)
    factory.submit(course, "quiz1", "tamperer", nb)
    [res] = grade_quiz(course, "quiz1").results
    assert res.status == "needs review"
    assert any(factory.TAMPERING[how] in reason for reason in res.reasons), res.reasons
    assert res.score == 7.0 and res.max_score == 11.0  # scored from the source, as before
    graded = course / "autograded" / "tamperer" / "quiz1" / "quiz1.ipynb"
    assert _nbgrader_cells(graded) == _nbgrader_cells(_release(course))
    out = CliRunner().invoke(app, ["status", "quiz1", "--course", str(course)],
                             env={"COLUMNS": "400"})
    assert out.exit_code == 0 and "needs review" in out.output
    assert factory.TAMPERING[how][:40] in out.output


def test_nbgrader_feedback_works_for_tampered_submissions(course):
    _good(course)
    trainees = [f"x-{how}" for how in sorted(factory.TAMPERING)]
    for trainee, how in zip(trainees, sorted(factory.TAMPERING), strict=True):
        nb = factory.tamper(factory.answer_notebook(_release(course), RIGHT), how)
        factory.submit(course, "quiz1", trainee, nb)
    grade_quiz(course, "quiz1")
    api = nbgrader_api(course)
    first = api.generate_feedback("quiz1")
    assert first["success"], first.get("log", "")[-3000:]
    for trainee in ["good", *trainees]:
        html = course / "feedback" / trainee / "quiz1" / "quiz1.html"
        assert html.is_file(), trainee
    page = (course / "feedback" / "x-points" / "quiz1" / "quiz1.html").read_text()
    assert "Points: 1 of 1" in page or "1.0 / 1.0" in page or "(Score: 1.0 / 1.0)" in page
    # regrading and regenerating keeps everyone's feedback (nbgrader deletes a trainee's
    # earlier feedback when regenerating it fails: it no longer fails)
    grade_quiz(course, "quiz1")
    again = api.generate_feedback("quiz1", force=True)
    assert again["success"], again.get("log", "")[-3000:]
    for trainee in ["good", *trainees]:
        assert (course / "feedback" / trainee / "quiz1" / "quiz1.html").is_file(), trainee


# --- concurrent runs (part 2) -----------------------------------------------------------

@pytest.fixture(scope="module")
def two_quizzes(tmp_path_factory) -> Path:
    """A course with two released quizzes, each submitted by 30 trainees new to the
    gradebook, before any grading (copy it: tests grade their own copy)."""
    root = tmp_path_factory.mktemp("two")
    banks = [factory.bank("quiz1"), factory.bank("quiz2", factory.mixed_items("t"))]
    banks[1]["items"] = [dict(i, id=i["id"].replace("t-", "u-")) for i in banks[1]["items"]]
    course = init_course(root / "course", source_root=factory.curriculum(root / "cur", banks))
    release_quizzes(nbgrader_api(course), ["quiz1", "quiz2"])
    patterns = list(factory.PATTERNS.values())
    for quiz, prefix in (("quiz1", "t-"), ("quiz2", "u-")):
        for i in range(30):
            answers = {k.replace("t-", prefix): v for k, v in patterns[i % 5].items()}
            nb = factory.answer_notebook(_release(course, quiz), answers)
            factory.submit(course, quiz, f"p{i:02d}", nb)
    return course


def _copy(course: Path, dest: Path) -> Path:
    """A copy with its own gradebook (the course config's paths are relative to it)."""
    shutil.copytree(course, dest)
    return dest


def _run_together(course: Path, quizzes: tuple[str, str]) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([str(BIN / "peercert"), "grade", q, "--course", str(course)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for q in quizzes]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=300), p.stdout.read(), "")
            for p in procs if p.stdout]


@pytest.mark.slow
@pytest.mark.parametrize("quizzes", [("quiz1", "quiz2"), ("quiz1", "quiz1")])
def test_runs_side_by_side_store_every_grade(two_quizzes, tmp_path, quizzes):
    reference = _copy(two_quizzes, tmp_path / "sequential")
    for quiz in sorted(set(quizzes)):
        grade_quiz(reference, quiz)
    expected = _gradebook(reference)
    for round_ in range(4):
        course = _copy(two_quizzes, tmp_path / f"round{round_}")
        for done in _run_together(course, quizzes):
            assert done.returncode == 0, done.stdout[-3000:]
            assert "failed 0" in done.stdout
        assert _gradebook(course) == expected, f"round {round_}"
        for quiz in set(quizzes):
            assert len(load_status(course, quiz)) == 30


def test_student_rows_are_created_without_races(course):
    """Two writers that both think a trainee is new (two runs started together)."""
    from peercert.grade.read import ItemResult, SubmissionResult
    from peercert.grade.record import GradebookWriter

    c = Course.open(course)
    try:
        with c.connect() as one, c.connect() as two:
            writers = [GradebookWriter(db, "quiz1", c.config, c.course_id) for db in (one, two)]
            for writer in writers:  # the second used to fail: UNIQUE constraint failed
                res = SubmissionResult("newcomer", "quiz1",
                                       items={"t-01": ItemResult("t-01", 1.0, 1.0)})
                writer.write([res], {"newcomer": None})
    finally:
        c.close()
    rows = [r for r in Course.open(course).grade_rows("quiz1") if r[0] == "newcomer"]
    assert len(rows) == 6 and ("newcomer", "quiz1", "t-01") in [r[:3] for r in rows]


def test_a_second_run_waits_for_the_first_and_says_so(course):
    _good(course)
    lock = CourseLock(Course.open(course).grade_lock, 5.0)
    heard: list[str] = []
    with lock.held():
        worker = threading.Thread(target=lambda: heard.append(
            str(grade_quiz(course, "quiz1", on_wait=heard.append).results[0].score)))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and load_status(course, "quiz1") == {}  # waiting
    worker.join(30)
    assert heard[0].startswith(f"waiting for another peercert run (process {os.getpid()}) "
                               "to finish writing grades to this course")
    assert heard[1:] == ["7.0"]


def test_the_cli_says_it_waits(course):
    _good(course)
    lock = CourseLock(Course.open(course).grade_lock, 5.0)
    with lock.held():
        result: list = []
        cli = threading.Thread(target=lambda: result.append(CliRunner().invoke(
            app, ["grade", "quiz1", "--course", str(course)], env={"COLUMNS": "300"})))
        cli.start()
        time.sleep(1.0)  # then let it go
    cli.join(60)
    out = result[0]
    assert out.exit_code == 0, out.output
    assert "waiting for another peercert run" in out.output
    assert "quiz1: graded 1, needs review 0, failed 0" in out.output


def test_reasons_are_printed_as_written(course):
    nb = factory.tamper(factory.answer_notebook(_release(course), RIGHT), "bonus")
    nb.cells[-1].metadata["nbgrader"]["grade_id"] = "[link=https://example.org]x[/link]"
    factory.submit(course, "quiz1", "marked", nb)
    out = CliRunner().invoke(app, ["grade", "quiz1", "--course", str(course)],
                             env={"COLUMNS": "400"})
    assert "'[link=https://example.org]x[/link]'" in out.output  # shown, not rendered


def test_a_run_that_waits_too_long_stops_with_a_clear_message(course):
    _good(course)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write("\nc.Peercert.lock_timeout = 0.3\n")
    c = Course.open(course)
    with CourseLock(c.grade_lock, 5.0).held():
        with pytest.raises(CourseBusy, match="writing grades to this course for over 0.3 s"):
            grade_quiz(course, "quiz1")
        out = CliRunner().invoke(app, ["grade", "quiz1", "--course", str(course)])
    assert out.exit_code == 1 and "try again when it has finished" in out.output
    assert "Traceback" not in out.output


@pytest.mark.slow
def test_grading_beside_formgrader_and_export_loses_no_write(two_quizzes, tmp_path):
    course = _copy(two_quizzes, tmp_path / "c")
    grade_quiz(course, "quiz1")  # submissions exist: a grader can start on reflections
    manual = ("from nbgrader.api import Gradebook\n"
              f"with Gradebook('sqlite:///{course}/gradebook.db', 'peercert') as gb:\n"
              "    for i in range(30):\n"
              "        g = gb.find_grade('t-06', 'quiz1', 'quiz1', f'p{i:02d}')\n"
              "        g.manual_score = 3.0\n"
              "        gb.db.commit()\n")
    procs = [
        subprocess.Popen([str(BIN / "peercert"), "grade", "quiz1", "quiz2", "--course",
                          str(course)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-c", manual], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT),
        subprocess.Popen([str(BIN / "nbgrader"), "export"], cwd=course,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
    ]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stdout.read().decode()[-3000:]  # type: ignore[union-attr]
    rows = Course.open(course).grade_rows()
    reflections = [r for r in rows if r[1] == "quiz1" and r[2] == "t-06"]
    assert len(reflections) == 30 and all(r[5] == 3.0 for r in reflections)
    assert len({(r[0], r[1]) for r in rows}) == 60


# --- killed runs (part 6) ----------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _fault(course: Path, mode: str, n: int, quiz: str = "quiz1") -> int:
    return subprocess.run([sys.executable, str(HERE / "grade_faults.py"), mode, str(n),
                           str(course), quiz], capture_output=True, timeout=300).returncode


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_a_run_ends_its_workers(two_quizzes, tmp_path):
    course = _copy(two_quizzes, tmp_path / "c")
    run = subprocess.Popen([sys.executable, str(HERE / "grade_faults.py"), "slow", "50",
                            str(course), "quiz1"])
    pids: set[int] = set()
    deadline = time.monotonic() + 60
    while len(pids) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        if (course / ".workers").exists():
            pids = {int(x) for x in (course / ".workers").read_text().split()}
    assert len(pids) == 2, "the workers never started"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), "a worker outlived its run"


def _consistent(course: Path) -> set[str]:
    """What a killed run may leave: whole submissions only, readable files. Returns the
    trainees the gradebook holds for quiz1."""
    rows = Course.open(course).grade_rows("quiz1") if (course / "gradebook.db").exists() else []
    per_trainee: dict[str, int] = {}
    for row in rows:
        per_trainee[row[0]] = per_trainee.get(row[0], 0) + 1
    assert set(per_trainee.values()) <= {6}, per_trainee  # never half a submission
    status = load_status(course, "quiz1")  # parses: written whole or not at all
    assert set(status) <= set(per_trainee)  # a status only for stored grades
    for path in (course / "autograded").rglob("*.ipynb"):
        json.loads(path.read_text(encoding="utf-8"))
    return set(per_trainee)


@pytest.mark.slow
def test_a_run_killed_anywhere_keeps_the_gradebook_whole(two_quizzes, tmp_path):
    reference = _copy(two_quizzes, tmp_path / "reference")
    grade_quiz(reference, "quiz1")
    expected = _gradebook(reference)
    course = _copy(two_quizzes, tmp_path / "c")
    rng = random.Random(14)
    stored = 0
    for mode in ("rename", "commit", "status", "cut", "rename", "commit", "status", "cut"):
        n = rng.randint(1, 4)
        assert _fault(course, mode, n) == -signal.SIGKILL, mode
        trainees = _consistent(course)
        assert len(trainees) >= stored  # what was stored stays stored
        stored = len(trainees)
    for _ in range(3):  # killed from outside at a random moment
        run = subprocess.Popen([sys.executable, str(HERE / "grade_faults.py"), "none", "0",
                                str(course), "quiz1"])
        time.sleep(rng.uniform(0.5, 3.0))
        run.kill()
        run.wait()
        _consistent(course)
    assert _fault(course, "none", 0) == 0
    assert _consistent(course) == {f"p{i:02d}" for i in range(30)}
    assert _gradebook(course) == expected  # the same as one uninterrupted run
    assert len(load_status(course, "quiz1")) == 30
    # the killed runs' temporary files went with the run that rewrote their folders
    assert [p for p in course.rglob("*") if output.is_temporary(p.name)] == []


def test_the_status_is_saved_after_every_batch(two_quizzes, tmp_path):
    course = _copy(two_quizzes, tmp_path / "c")
    assert _fault(course, "commit", 3) == -signal.SIGKILL  # dies in the third batch
    assert len(load_status(course, "quiz1")) == 14  # two batches of 7, stored with status
    assert _consistent(course) == set(load_status(course, "quiz1"))
    assert _fault(course, "cut", 2) == -signal.SIGKILL  # dies writing the second record
    assert len(load_status(course, "quiz1")) == 14  # the first batch again; the cut line
    assert _fault(course, "none", 0) == 0  # is skipped, and later records still read
    assert len(load_status(course, "quiz1")) == 30
    assert not list((course / ".peercert" / "status").glob("*.journal"))  # folded in

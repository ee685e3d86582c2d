"""``peercert watch``: instant feedback through nbgrader's real exchange, restart-safe."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import exchange
import factory
import pytest
from conftest import COURSE_ENV, make_course
from nbgrader.api import Gradebook
from typer.testing import CliRunner

import peercert.grade
from peercert.cli import app
from peercert.course import load_settings
from peercert.defaults import Defaults
from peercert.watch import WatchBusy, Watcher

pytestmark = pytest.mark.nbgrader
BIN = Path(sys.executable).parent
PATTERNS = factory.PATTERNS
REFLECTION = PATTERNS["right"]["t-06"]


class Stop(BaseException):
    """Stands for the process being killed at this point (no handler catches it)."""


@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course whose exchange holds every answer pattern, submitted with nbgrader's submit."""
    with pytest.MonkeyPatch.context() as mp:
        for name in COURSE_ENV:
            mp.delenv(name, raising=False)
        root = tmp_path_factory.mktemp("watch")
        course = make_course(root)
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for trainee, answers in PATTERNS.items():
        exchange.submit(course, exchange.home_of(course.parent, trainee), trainee, "quiz1",
                        factory.answer_notebook(release, answers))
    return course


def copy_of(course: Path, dest: Path) -> Path:
    """A copy of the course folder with the trainees' homes beside it (as the fixture has)."""
    shutil.copytree(course.parent, dest)
    return dest / "course"


@pytest.fixture
def course(submitted: Path, tmp_path: Path) -> Path:
    return copy_of(submitted, tmp_path / "a")


def snapshot(course: Path) -> tuple[dict, dict]:
    """Every gradebook row the watch writes, and every file it writes or releases."""
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        rows = {}
        for sub in gb.find_assignment("quiz1").submissions:
            nb = sub.notebooks[0]
            rows[sub.student.id] = (
                sub.timestamp, nb.late_submission_penalty,
                {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades},
                {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments})
    files = {}
    for folder in ("submitted", "autograded", "feedback", "exchange/peercert/feedback"):
        for path in sorted((course / folder).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(course))] = path.read_bytes()
    return rows, files


def test_instant_feedback_setting():
    default = Defaults()
    assert default.instant("boundaries", "06-boundaries")
    assert not default.instant("practice-exam", "practice-exam")  # off by default
    assert not default.instant("final", "practice-exam")
    assert Defaults.from_config({"instant_feedback": ["final"]}).instant("final")
    assert not Defaults.from_config({"instant_feedback": ["final"]}).instant("boundaries")
    assert Defaults.from_config({"instant_feedback": "all"}).instant("practice-exam")
    assert not Defaults.from_config({"instant_feedback": "none"}).instant("boundaries")


def test_watch_once_then_the_trainee_fetches_feedback(course: Path,
                                                      caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="peercert.watch")
    done = CliRunner().invoke(app, ["watch", "--once", "--course", str(course)])
    assert done.exit_code == 0, done.output
    rows, _ = snapshot(course)
    assert sorted(rows) == sorted(PATTERNS)
    assert rows["right"][2]["t-01"] == (1.0, None, False)
    lines = [r.getMessage() for r in caplog.records if r.name == "peercert.watch"]
    for trainee in PATTERNS:  # one line per submission, with the time to feedback
        assert sum(line.startswith(f"quiz1 {trainee}: feedback available ") for line in lines) == 1
    assert not any(REFLECTION in line for line in lines)  # never answers in logs

    home = exchange.home_of(course.parent, "wrong")  # nbgrader fetch_feedback, as the trainee
    env = {k: v for k, v in os.environ.items() if k not in COURSE_ENV} | {"HOME": str(home)}
    out = subprocess.run([str(BIN / "nbgrader"), "fetch_feedback", "quiz1", "--course",
                          "peercert", f"--Exchange.root={course / 'exchange'}",
                          f"--Exchange.cache={home / '.nbgrader_cache'}", "--student", "wrong"],
                         cwd=home, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    [fetched] = (home / "quiz1" / "feedback").glob("*/quiz1.html")
    assert fetched.read_bytes() == (course / "feedback/wrong/quiz1/quiz1.html").read_bytes()
    assert "Your feedback: Test quiz quiz1" in fetched.read_text(encoding="utf-8")

    graded = Counter()
    real = peercert.grade.grade_quiz

    def counting(*args, **kwargs):
        graded.update(kwargs.get("students") or ["everyone"])
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(peercert.grade, "grade_quiz", counting)
        assert Watcher(course).look() == 0  # nothing new: nothing graded again
    assert graded == Counter()


def test_quizzes_not_marked_for_instant_feedback_are_left_alone(course: Path):
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as cfg:
        cfg.write('\nc.Peercert.instant_feedback = "none"\n')
    watcher = Watcher(course)
    assert watcher.quizzes() == [] and watcher.look() == 0
    assert not list((course / "submitted").glob("*/quiz1"))


def _stop_on_call(n: int, real):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise Stop
        return real(*args, **kwargs)

    return wrapper


def _stop_at(step: str, mp: pytest.MonkeyPatch, watcher: Watcher, course: Path) -> None:
    """Make the watcher stop dead at ``step``, as a kill there would."""
    import peercert.feedback as feedback
    import peercert.output as out
    import peercert.watch as watch

    if step == "collect":  # nbgrader's collect killed after copying some files of a folder
        real = watcher.api.collect

        def half(quiz):
            real(quiz)
            (course / "submitted" / "partial" / "quiz1" / "quiz1.ipynb").unlink()
            raise Stop

        mp.setattr(watcher.api, "collect", half)
    elif step == "before grade":
        mp.setattr(peercert.grade, "grade_quiz", _stop_on_call(1, peercert.grade.grade_quiz))
    elif step == "after grade":
        real_grade = peercert.grade.grade_quiz

        def graded_then_stop(*args, **kwargs):
            real_grade(*args, **kwargs)
            raise Stop

        mp.setattr(peercert.grade, "grade_quiz", graded_then_stop)
    elif step == "writing pages":
        mp.setattr(feedback, "_write_if_changed", _stop_on_call(5, feedback._write_if_changed))
    elif step == "releasing":
        mp.setattr(watcher.api, "release_feedback",
                   _stop_on_call(3, watcher.api.release_feedback))
    elif step == "recording":
        mp.setattr(out, "write_json", _stop_on_call(1, out.write_json))
        assert watch.output is out


@pytest.mark.parametrize("step", ["collect", "before grade", "after grade", "writing pages",
                                  "releasing", "recording"])
def test_a_stop_at_any_step_then_a_restart_gives_the_same_result(submitted: Path,
                                                                   tmp_path: Path, step: str):
    reference = copy_of(submitted, tmp_path / "ref")
    assert Watcher(reference).look() == len(PATTERNS)
    course = copy_of(submitted, tmp_path / "stopped")
    graded: Counter[str] = Counter()
    real = peercert.grade.grade_quiz

    def counting(*args, **kwargs):
        graded.update(kwargs["students"])
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(peercert.grade, "grade_quiz", counting)
        watcher = Watcher(course)
        _stop_at(step, mp, watcher, course)
        with pytest.raises(Stop):
            watcher.look()
    before = sum(graded.values())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(peercert.grade, "grade_quiz", counting)
        assert Watcher(course).look() == len(PATTERNS)  # the restart finishes the batch
        assert Watcher(course).look() == 0
    assert snapshot(course) == snapshot(reference)
    if step in ("after grade", "writing pages", "releasing", "recording"):
        assert set(graded.values()) == {1} and before == len(PATTERNS)  # graded once
    assert set(graded) == set(PATTERNS)


def test_killed_mid_batch_and_restarted_leaves_the_same_gradebook_and_feedback(
        tmp_path: Path):
    course = make_course(tmp_path / "killed")
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    names = [f"k{i:02d}" for i in range(24)]
    for i, trainee in enumerate(names):
        answers = list(PATTERNS.values())[i % len(PATTERNS)]
        exchange.submit(course, exchange.home_of(course.parent, trainee), trainee, "quiz1",
                        factory.answer_notebook(release, answers))
    reference = copy_of(course, tmp_path / "ref")
    assert Watcher(reference).look() == len(names)

    env = {k: v for k, v in os.environ.items() if k not in COURSE_ENV}
    proc = subprocess.Popen([str(BIN / "peercert"), "watch", "--course", str(course),
                             "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    released = course / "exchange" / "peercert" / "feedback"
    autograded = course / "autograded"
    try:  # kill -9 as soon as grading has begun writing: the batch is half done. (Waiting for
        # the first released page was flaky: nbgrader releases a whole batch in milliseconds.)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(autograded.glob("*/quiz1/*.ipynb")):
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert len(list(released.glob("*.html"))) < len(names)  # stopped mid-batch
    Watcher(course).look()
    assert snapshot(course) == snapshot(reference)


def test_a_grader_score_is_never_overwritten(course: Path):
    watcher = Watcher(course)
    watcher.look()
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        gb.find_grade("t-01", "quiz1", "quiz1", "right").manual_score = 0.5
        gb.find_grade("t-06", "quiz1", "quiz1", "right").manual_score = 3.0
        gb.db.commit()
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    time.sleep(0.01)  # a later submission time
    exchange.submit(course, exchange.home_of(course.parent, "right"), "right", "quiz1",
                    factory.answer_notebook(release, PATTERNS["wrong"]))
    assert watcher.look() == 1
    grades = snapshot(course)[0]["right"][2]
    # the new answers are scored (a blank reflection: 0), the grader's scores still win
    assert grades["t-01"] == (0.0, 0.5, True) and grades["t-06"] == (0.0, 3.0, True)
    text = (course / "feedback/right/quiz1/quiz1.html").read_text(encoding="utf-8")
    assert "(0.5 of 1 point)" in text and "(3 of 4 points)" in text


def test_a_submission_that_cannot_be_read_is_logged_once_and_gets_no_page(
        course: Path, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="peercert.watch")
    [inbound] = (course / "exchange" / "peercert" / "inbound").glob("wrong+quiz1+*")
    (inbound / "quiz1.ipynb").write_text("{not a notebook", encoding="utf-8")
    watcher = Watcher(course)
    assert watcher.look() == len(PATTERNS)
    assert watcher.look() == 0  # not retried until the trainee submits again
    assert not (course / "feedback" / "wrong").exists()
    [line] = [r.getMessage() for r in caplog.records if "quiz1 wrong:" in r.getMessage()]
    assert line.startswith("quiz1 wrong: not graded: ") and "not a valid notebook" in line


def test_one_watcher_per_course(course: Path):
    with Watcher(course).lock(), pytest.raises(WatchBusy), Watcher(course).lock():
        pass


def test_the_service_loop_handles_submissions_and_stops_when_told(course: Path):
    import threading

    from peercert.watch import run_watch

    stop = threading.Event()
    loop = threading.Thread(target=run_watch, args=(course,),
                            kwargs={"interval": 0.1, "stop": stop}, daemon=True)
    loop.start()
    state = course / ".peercert" / "watch" / "quiz1.json"
    deadline = time.monotonic() + 60
    while not state.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    loop.join(timeout=30)
    assert not loop.is_alive()
    assert len(list((course / "exchange/peercert/feedback").glob("*.html"))) == len(PATTERNS)


def test_a_submission_under_another_trainee_s_name_is_refused_and_reported_once(
        course: Path, caplog: pytest.LogCaptureFixture):
    """A course that checks owners (as ``program apply --numeric-ids`` sets it): every
    trainee's folder is theirs (chowned to their pods' uid, as root); "wrong" then submits
    their answers as "right", later. The watch grades "right"'s own submission, reports the
    forged folder once, and a second look neither reports nor grades it again."""
    from nbgrader.utils import parse_utc

    from peercert.deploy import names
    from peercert.submission_owner import OWNER_CHECKED_COLLECT

    if os.geteuid() != 0:
        from conftest import require_service

        require_service("root (inbound folders are chowned to the trainees' uids)")
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as cfg:
        cfg.write(f"\nc.ExchangeFactory.collect = {OWNER_CHECKED_COLLECT!r}\n"
                  "c.OwnerCheckedCollect.owners = 'numeric_ids'\n")
    watcher = Watcher(course)
    exchange.give_to_pods(watcher.inbound_dir)
    own, _, forged = exchange.forge(watcher.inbound_dir, "right", "wrong", "quiz1")

    caplog.set_level(logging.INFO, logger="peercert.watch")
    done = CliRunner().invoke(app, ["watch", "--once", "--course", str(course)])
    assert done.exit_code == 0, done.output
    rows, _ = snapshot(course)
    assert sorted(rows) == sorted(PATTERNS)
    assert rows["right"][0] == parse_utc(own.name.split("+")[2])  # right's own submission
    assert (course / "submitted/right/quiz1/quiz1.ipynb").read_bytes() == \
        (own / "quiz1.ipynb").read_bytes()
    refusal = (f"refused {forged}: it claims to be right's submission of quiz1, but it belongs "
               f"to uid {names.user_uid('wrong')} (")  # (not yet graded: no students' names)
    watch_lines = [r.getMessage() for r in caplog.records if r.name == "peercert.watch"]
    assert [line for line in watch_lines if line.startswith(refusal)] == [
        f"{refusal}no account, and no student of the course has this uid), not to right "
        f"(their pods' uid {names.user_uid('right')}): someone else submitted under right's "
        "name; it is not collected"]
    # nbgrader's collect, run by the watch, refused it as well
    assert any(r.getMessage().startswith(refusal) for r in caplog.records
               if r.name != "peercert.watch")
    # another watcher (a restart): nothing new for anyone; the refusal is reported at its
    # first look only
    for reported in (1, 0):
        caplog.clear()
        assert watcher.look() == 0
        assert sum(r.getMessage().startswith(refusal) for r in caplog.records
                   if r.name == "peercert.watch") == reported

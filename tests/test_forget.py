"""Issue 14 part 8: ``peercert forget`` leaves no trace of a trainee and nothing else changed.

Before: after ``nbgrader db student remove``, 122 paths, 13 status files and 4 report CSVs
still named the trainee. The course here went through every stage (tests/cohort.py): real
exchange submit, nbgrader collect, grade, feedback released through nbgrader, export,
analyze, a second-grader sheet with reflection text, attendance, readiness in the course's
reports and in a folder outside it.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cohort import NAMES, TRAINEES, reflection
from conftest import copy_cohort
from typer.testing import CliRunner

from peercert.cli import app
from peercert.course import Course
from peercert.export import export_grades
from peercert.forget import LOG_NAME, UnknownTrainee, forget, plan_forget
from peercert.grade import grade_quiz
from peercert.grade.status import load_status

pytestmark = pytest.mark.nbgrader
GONE = "zed-forget"
STAY = [t for t in TRAINEES if t != GONE]
BIN = Path(sys.executable).parent


def _files(*folders: Path) -> list[Path]:
    out = []
    for folder in folders:
        for base, dirs, files in os.walk(folder):
            out += [Path(base) / n for n in [*dirs, *files]]
    return out


def _traces(root: Path, needles: list[str]) -> list[str]:
    """Every path under the course and the outside reports that names or holds a needle."""
    found = []
    for path in _files(root / "course", root / "board"):
        for needle in needles:
            if needle in str(path.relative_to(root)):
                found.append(f"{path}: in its path")
            elif path.is_file() and not path.is_symlink() and needle.encode() in path.read_bytes():
                found.append(f"{path}: holds {needle!r}")
    return found


def _rows(path: Path, column: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r[column] != GONE]


def _snapshot(root: Path) -> dict[str, object]:
    """What the other trainees have: it must not change."""
    course = root / "course"
    c = Course.open(course)
    grades = sorted((r for r in c.grade_rows() if r[0] != GONE), key=repr)
    c.close()
    reports = course / "reports"
    return {
        "grades": grades,
        "status": {t: s for t, s in load_status(course, "quiz1").items() if t != GONE},
        "grades.csv": _rows(reports / "grades.csv", "trainee"),
        "items.csv": _rows(reports / "grades-items.csv", "trainee"),
        "mastery": _rows(reports / "analysis" / "quiz1" / "competency-mastery.csv", "trainee"),
        "sheet": _rows(reports / "second-grader" / "quiz1.csv", "trainee"),
        "readiness": _rows(reports / "readiness" / "readiness.csv", "trainee_id"),
        "board": _rows(root / "board" / "board-export.csv", "trainee_id"),
        "attendance": _rows(course / "attendance.csv", "trainee_id"),
        "folders": sorted(str(p.relative_to(course)) for p in _files(
            course / "submitted", course / "autograded", course / "feedback")),
        "exchange": sorted(str(p.relative_to(course / "exchange"))
                           for p in _files(course / "exchange")),
        "pages": sorted(p.name for p in (root / "board" / "trainees").iterdir()),
    }


def _digest(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in _files(root) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def root(cohort_root: Path, tmp_path: Path) -> Path:
    copy_cohort(cohort_root, tmp_path / "r")
    return tmp_path / "r"


def _watch_and_log(course: Path) -> None:
    """What ``peercert watch`` and nbgrader's command-line log keep, per trainee."""
    from peercert import output

    output.write_json(course / ".peercert" / "watch" / "quiz1.json", {
        t: {"inbound": "2026-11-20 10:00:00 UTC", "result": "released"} for t in TRAINEES})
    (course / ".nbgrader.log").write_text("".join(
        f"[CollectApp | INFO] Collecting submission: {t} quiz1\n" for t in TRAINEES))


def test_forget_leaves_no_trace_and_the_others_intact(root: Path) -> None:
    course = root / "course"
    _watch_and_log(course)
    needles = [GONE, reflection(GONE), NAMES[GONE][1]]
    before = _traces(root, needles)
    assert len(before) > 25  # the pipeline left them everywhere: the scan finds them
    assert any("exchange/peercert/feedback/" in t for t in before)  # released, by hash
    others = _snapshot(root)
    result = forget(course, GONE, [root / "board"])
    assert result.plan.students == 1 and result.plan.submissions == 1
    assert result.leftovers == []
    assert [p.name for p in result.removed_files] == [f"{GONE}.html"] * 2  # course, board
    assert _traces(root, needles) == []
    released = {p.name for p in result.plan.exchange if p.parent.name == "feedback"}
    assert len(released) == 1
    assert _snapshot(root) == {
        **others,
        "folders": [f for f in others["folders"] if GONE not in f],  # type: ignore[attr-defined]
        "exchange": [n for n in others["exchange"]  # type: ignore[attr-defined]
                     if GONE not in n and Path(n).name not in released],
        "pages": [p for p in others["pages"] if p != f"{GONE}.html"]}  # type: ignore[attr-defined]
    for trainee in STAY:  # their reflections are where they were
        assert _traces(root, [reflection(trainee)])
    watch = json.loads((course / ".peercert" / "watch" / "quiz1.json").read_text())
    assert sorted(watch) == STAY
    assert (course / ".nbgrader.log").read_text().count("Collecting submission") == 4
    # the audit line: who and when, never the trainee
    with (course / LOG_NAME).open(encoding="utf-8", newline="") as fh:
        [line] = list(csv.DictReader(fh))
    assert line["who"] == getpass.getuser() and line["what"] == "1 trainee removed"


@pytest.mark.slow  # two nbgrader commands in subprocesses
def test_nbgrader_and_peercert_keep_working_afterwards(root: Path) -> None:
    course = root / "course"
    forget(course, GONE)
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    listed = subprocess.run([str(BIN / "nbgrader"), "db", "student", "list"], cwd=course,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "There are 4 students" in listed.stdout and GONE not in listed.stdout
    report = grade_quiz(course, "quiz1")
    assert sorted(r.trainee for r in report.results) == STAY
    grades, _items = export_grades(course, course / "reports")
    assert [r["trainee"] for r in _rows(grades, "trainee")] == STAY
    collected = subprocess.run([str(BIN / "nbgrader"), "collect", "quiz1"], cwd=course,
                               capture_output=True, text=True, timeout=120)
    assert collected.returncode == 0, collected.stderr
    assert not (course / "submitted" / GONE).exists()  # nothing of theirs left to collect


def test_without_yes_it_lists_and_changes_nothing(root: Path) -> None:
    course = root / "course"
    before = _digest(root)
    out = CliRunner().invoke(app, ["forget", GONE, "--course", str(course),
                                   "--reports", str(root / "board")])
    assert out.exit_code == 0, out.output
    assert "gradebook: the student and 1 submission(s)" in out.output
    assert "folder: submitted/zed-forget" in out.output
    assert "rows: attendance.csv (1)" in out.output
    assert "run again with --yes" in out.output
    assert _digest(root) == before
    out = CliRunner().invoke(app, ["forget", GONE, "--course", str(course),
                                   "--reports", str(root / "board"), "--yes"])
    assert out.exit_code == 0, out.output
    assert f"Trainee {GONE!r} removed" in out.output
    assert _traces(root, [GONE]) == []


@pytest.mark.parametrize(("trainee", "message"), [
    ("nobody", "no trainee 'nobody' in "),
    ("../ana", "'../ana' is not a trainee id"),
    ("", "'' is not a trainee id"),
])
def test_unknown_trainees_are_refused(root: Path, trainee: str, message: str) -> None:
    course = root / "course"
    before = _digest(root)
    with pytest.raises(UnknownTrainee, match=message.replace(".", r"\.")):
        plan_forget(course, trainee)
    out = CliRunner().invoke(app, ["forget", trainee, "--course", str(course), "--yes"])
    assert out.exit_code == 1 and message in out.output and "Traceback" not in out.output
    assert _digest(root) == before


def test_a_second_forget_refuses_and_logs_nothing_more(root: Path) -> None:
    course = root / "course"
    forget(course, GONE)
    with pytest.raises(UnknownTrainee):
        forget(course, GONE)
    assert len((course / LOG_NAME).read_text(encoding="utf-8").splitlines()) == 2


def test_a_trainee_known_only_by_attendance_is_forgotten(root: Path) -> None:
    """Attendance recorded for someone who never submitted (a roster import)."""
    course = root / "course"
    text = (course / "attendance.csv").read_text(encoding="utf-8")
    extra = text.splitlines()[-1].replace(GONE, "walkin") + "\n"
    (course / "attendance.csv").write_text(text + extra, encoding="utf-8")
    plan = plan_forget(course, "walkin")
    assert (plan.students, plan.folders, list(plan.rows.values())) == (0, [], [1])
    forget(course, "walkin")
    assert (course / "attendance.csv").read_text(encoding="utf-8") == text


def test_what_it_cannot_place_is_listed_never_guessed_at(root: Path) -> None:
    """A file of the instructor's own naming the trainee stays, and is listed; a table row of
    a trainee whose id merely contains theirs stays too."""
    course = root / "course"
    notes = course / "reports" / "notes.txt"
    notes.write_text(f"call {GONE} about the make-up session\n", encoding="utf-8")
    table = course / "reports" / "mine.html"
    rows = [f"<tr><td>{t}</td><td>x</td></tr>\n" for t in (GONE, f"{GONE}2", "ana")]
    table.write_text("<table>\n" + "".join(rows) + "</table>\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["forget", GONE, "--course", str(course), "--yes"])
    assert out.exit_code == 0, out.output
    assert f"still names the trainee (review by hand): {notes}" in out.output
    assert notes.read_text(encoding="utf-8") == f"call {GONE} about the make-up session\n"
    assert table.read_text(encoding="utf-8") == "<table>\n" + "".join(rows[1:]) + "</table>\n"


def test_it_refuses_while_peercert_watch_runs(root: Path) -> None:
    """A watcher would collect and grade them again from the exchange."""
    from peercert.watch import WatchBusy, Watcher

    course = root / "course"
    with Watcher(course).lock(), pytest.raises(WatchBusy, match="peercert watch is running"):
        forget(course, GONE)
    assert (course / "submitted" / GONE).is_dir()
    forget(course, GONE)
    assert not (course / "submitted" / GONE).exists()

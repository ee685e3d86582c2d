"""The deployment's library parts without a hub: names, spawn plans, apply on folders only,
the private submit, the dashboard's command. tests/test_hub.py runs them all on a real hub."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peercert.cli import app
from peercert.deploy import apply_program, names
from peercert.deploy.apply import BEGIN, program_block
from peercert.deploy.dashboard import readiness_command
from peercert.deploy.spawn import SpawnRefused, plan_spawn
from peercert.program import load_program
from peercert.program_db import course_db_url
from peercert_trainee.exchange import rebuild_private

PROGRAM = """
[program]
name = "P"
courses_root = "courses"
exchange_root = "exchange"
staff = ["pat"]

[[course]]
id = "north"
site = "North"
instructors = ["ana"]
trainees = ["t01", "t02"]
quizzes = ["boundaries"]

[[course]]
id = "south"
site = "South"
instructors = ["ben"]
trainees = ["t03"]
quizzes = []
"""


@pytest.fixture
def program_file(tmp_path: Path) -> Path:
    f = tmp_path / "program.toml"
    f.write_text(PROGRAM, encoding="utf-8")
    return f


def test_group_names_follow_nbgrader_and_fit_unix() -> None:
    assert names.student_group("north") == "nbgrader-north"
    assert names.grader_group("north") == "formgrade-north"
    long_a, long_b = "a" * 60 + "-x", "a" * 60 + "-y"
    for cid in (long_a, long_b):
        for name in (names.os_course_group(cid), names.os_instructor_group(cid)):
            assert len(name) <= 32
    assert names.os_course_group(long_a) != names.os_course_group(long_b)
    assert names.os_instructor_group("north") == "pci-north"


def test_numeric_ids_are_pinned_and_above_every_account() -> None:
    # pinned: another formula would orphan every folder a deployment's apply has set
    assert (names.user_uid("t01"), names.course_gid("north"), names.instructor_gid("north")) \
        == (130658355, 77914440, 67772107)
    assert names.supplemental_gids({"north": "instructor", "south": "trainee"}) == tuple(
        sorted({names.course_gid("north"), names.instructor_gid("north"),
                names.course_gid("south")}))
    assert names.ID_BASE < names.user_uid("x" * 63) < 2**31
    assert names.id_collisions(["t01", "t02"], ["north", "south"]) == []


def test_a_share_group_may_be_a_numeric_gid() -> None:
    from peercert.output import Modes

    mine = os.getegid()  # a pod's gid has no /etc/group entry; the number is enough
    assert Modes.shared(str(mine), writable=True) == Modes(0o660, 0o2770, mine)
    assert Modes.shared(str(mine)) == Modes(0o640, 0o2750, mine)


def test_spawn_plans(program_file: Path, tmp_path: Path) -> None:
    single = tmp_path / "singleuser"
    home = plan_spawn(program_file, "t01", {"nbgrader-north"}, "", single)
    assert home.role == "trainee" and home.config_dir == single / "trainee"
    assert home.env["PEERCERT_EXCHANGE"] == str(tmp_path / "exchange")
    course = plan_spawn(program_file, "ana", {"formgrade-north"}, "north", single)
    assert course.role == "instructor" and course.notebook_dir == str(tmp_path / "courses/north")
    assert course.env["PEERCERT_COURSE_DIR"] == course.notebook_dir
    with pytest.raises(SpawnRefused, match="not an instructor of north"):
        plan_spawn(program_file, "t01", {"nbgrader-north"}, "north", single)
    with pytest.raises(SpawnRefused, match="not an instructor of north"):
        plan_spawn(program_file, "ben", {"formgrade-south"}, "north", single)
    with pytest.raises(SpawnRefused, match="no course 'west'"):
        plan_spawn(program_file, "ana", {"formgrade-north"}, "west", single)


@pytest.mark.nbgrader
def test_apply_folders_is_idempotent_and_follows_the_file(program_file: Path) -> None:
    said: list[str] = []
    program = load_program(program_file)
    changes = apply_program(program, release=True, say=said.append)
    assert changes == said
    assert "course north: released boundaries" in changes
    assert "course north: t02 added to the gradebook" in changes
    north = program.course_dir("north")
    config = (north / "nbgrader_config.py").read_text(encoding="utf-8")
    assert config.count(BEGIN) == 1 and "c.CourseDirectory.course_id = 'north'" in config
    assert f"c.Exchange.root = {str(program.exchange_root)!r}" in config
    # records are shared with the instructors' group only where apply manages that group,
    # and submissions' owners are checked only where apply manages who runs as which uid
    assert "share_group" not in config and "ExchangeFactory" not in config
    assert f"c.Peercert.share_group = {names.os_instructor_group('north')!r}" in \
        program_block(program, program.courses[0], share_group=names.os_instructor_group('north'))
    assert (program.exchange_root / "north" / "outbound" / "boundaries").is_dir()
    assert not (program.exchange_root / "south").exists()  # nothing to release there
    assert apply_program(program, release=True) == []

    # the program moves its exchange: the block is rewritten in place, once
    moved = program_file.read_text(encoding="utf-8").replace('"exchange"', '"exchange2"')
    program_file.write_text(moved, encoding="utf-8")
    changes = apply_program(load_program(program_file))
    assert changes == [f"course {c}: program settings written to "
                       f"{program.course_dir(c) / 'nbgrader_config.py'}" for c in ("north",
                                                                                   "south")]
    config = (north / "nbgrader_config.py").read_text(encoding="utf-8")
    assert config.count(BEGIN) == 1 and "exchange2" in config


@pytest.mark.nbgrader
@pytest.mark.parametrize("owners", ["unix_users", "numeric_ids"])
def test_a_managed_course_collects_only_from_the_trainee_a_submission_names(
        program_file: Path, owners: str) -> None:
    """apply --unix-users / --numeric-ids write OwnerCheckedCollect into the course's config,
    and everything that collects reads it there: nbgrader's API (formgrader's collect
    button, ``peercert watch``); tests/test_k8s_ids.py runs ``nbgrader collect`` with it."""
    from nbgrader.apps import NbGraderAPI

    from peercert.deploy.apply import Report, ensure_course
    from peercert.exchange_collect import OwnerCheckedCollect
    from peercert.submission_owner import OWNER_CHECKED_COLLECT
    from peercert.watch import Watcher

    program = load_program(program_file)
    north = program.courses[0]
    share = os.getegid()  # a group this process is in (the course's own needs apply's root)
    # the course ran before apply managed its uids: stock collect took a submission
    root = ensure_course(program, north, Report(), share_group=share)
    (root / "submitted" / "t01" / "boundaries").mkdir(parents=True)
    report = Report()
    assert ensure_course(program, north, report, share_group=share, owners=owners) == root
    assert report.changes[-1] == (
        "course north: its collect now checks owners; 1 submission(s) were collected before: "
        f"check them with 'peercert owners --course {root}'")
    config = (root / "nbgrader_config.py").read_text(encoding="utf-8")
    assert f"c.ExchangeFactory.collect = {OWNER_CHECKED_COLLECT!r}" in config
    assert f"c.OwnerCheckedCollect.owners = {owners!r}" in config
    assert config.count(BEGIN) == 1
    again = Report()
    ensure_course(program, north, again, share_group=share, owners=owners)
    assert again.changes == []  # idempotent
    # peercert watch's API (nbgrader's NbGraderAPI, as formgrader's) builds ours
    api = Watcher(root).api
    assert isinstance(api, NbGraderAPI) and api.exchange.collect is OwnerCheckedCollect
    collect = api.exchange.Collect(coursedir=api.coursedir, authenticator=api.authenticator,
                                   parent=api)
    assert isinstance(collect, OwnerCheckedCollect) and collect.owners == owners


def test_course_db_url_puts_the_course_schema_first() -> None:
    url = course_db_url("postgresql://u:p@db:5432/program", "north-2026")
    assert url == "postgresql://u:p@db:5432/program?options=-csearch_path%3Dnorth-2026"


def test_cli_apply_names_the_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "program.toml"
    bad.write_text("[program\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["program", "apply", str(bad)])
    assert done.exit_code == 1 and str(bad) in done.output and "not valid TOML" in done.output


def test_private_submission_keeps_content_and_drops_other_readers(tmp_path: Path) -> None:
    inbound = tmp_path / "inbound"
    inbound.mkdir()
    inbound.chmod(0o2773)
    sub = inbound / "t01+quiz+2026-01-01 00:00:00 UTC+abc"
    (sub / "extra").mkdir(parents=True)
    (sub / "quiz.ipynb").write_text("{}", encoding="utf-8")
    (sub / "extra" / "notes.txt").write_text("mine", encoding="utf-8")
    os.chmod(sub / "quiz.ipynb", 0o644)
    rebuild_private(str(sub))
    assert sorted(p.relative_to(sub).as_posix() for p in sub.rglob("*")) == [
        "extra", "extra/notes.txt", "quiz.ipynb"]
    assert (sub / "extra" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert stat.S_IMODE((sub / "quiz.ipynb").stat().st_mode) == 0o640
    assert stat.S_IMODE(sub.stat().st_mode) & 0o777 == 0o770
    assert sorted(p.name for p in inbound.iterdir()) == [sub.name]  # no leftovers


def test_dashboard_runs_readiness_over_every_course(program_file: Path, tmp_path: Path) -> None:
    program = load_program(program_file)
    for c in program.courses:  # only courses that exist on disk are read
        (program.course_dir(c.id)).mkdir(parents=True)
    (program.course_dir("north") / "nbgrader_config.py").write_text("", encoding="utf-8")
    cmd = readiness_command(program_file, tmp_path / "out", "icrc-pr", ["hours.csv"])
    assert cmd[cmd.index("readiness"):] == [
        "readiness", "--profile", "icrc-pr", "--out", str(tmp_path / "out"),
        "--course", str(program.course_dir("north")), "--evidence", "hours.csv"]

"""OwnerCheckedCollect: a submission made under another trainee's name is not collected.

As root, inbound folders are given to other uids with chown, as the trainees' own submits
would leave them: system accounts that every Debian has (``daemon``, ``bin``, ``sys``,
``nobody``) stand for trainees on one machine, and bare uids from
``peercert.deploy.names.user_uid`` for Kubernetes pods. Stock nbgrader's ``ExchangeCollect``
runs on the same exchanges: it collects the forged submission (the hole), and on legitimate
ones both collect exactly the same files.
"""

from __future__ import annotations

import datetime
import os
import pwd
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import require_service

from peercert import nbgrader_compat as nbc
from peercert.deploy import names

pytestmark = pytest.mark.nbgrader

QUIZ = "boundaries"
COURSE = "north"
DUE = datetime.datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture(autouse=True)
def _root() -> None:
    if os.geteuid() != 0:
        require_service("root (inbound folders are chowned to other uids)")


def uid(name: str) -> int:
    return pwd.getpwnam(name).pw_uid


def stamp(hour: int, day: int = 1) -> str:
    """nbgrader's timestamp text (``get_utc_timestamp``) for 2026-03-<day> <hour>:00 UTC."""
    return datetime.datetime(2026, 3, day, hour).strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


@dataclass(frozen=True)
class Sub:
    """One inbound folder: who it claims, when, who owns it, what it holds."""

    student: str
    when: str
    owner: int
    text: str

    @property
    def name(self) -> str:
        return f"{self.student}+{QUIZ}+{self.when}+{zlib.crc32(self.text.encode()):08x}"


@dataclass
class Run:
    collected: dict[str, str]   # student -> the text of their collected notebook
    log: str
    app: Any


class Course:
    """A course folder, its SQLite gradebook and an exchange, built from scratch."""

    def __init__(self, root: Path, subs: Iterable[Sub], *, students: Iterable[str] = (),
                 due: datetime.datetime | None = None) -> None:
        from nbgrader.api import Gradebook

        self.root, self.exchange = root / "course", root / "exchange"
        self.inbound = self.exchange / COURSE / "inbound"
        self.inbound.mkdir(parents=True)
        self.root.mkdir()
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        nbc.create_gradebook(self.db_url)  # without nbgrader's alembic subprocess
        with Gradebook(self.db_url, COURSE) as gb:
            gb.add_assignment(QUIZ, duedate=due)
            for student in students:
                gb.add_student(student)
        for sub in subs:
            self.add(sub)

    def add(self, sub: Sub) -> Path:
        folder = self.inbound / sub.name
        folder.mkdir()
        (folder / f"{QUIZ}.ipynb").write_text(sub.text, encoding="utf-8")
        (folder / "timestamp.txt").write_text(sub.when, encoding="utf-8")
        for path in (folder / f"{QUIZ}.ipynb", folder / "timestamp.txt", folder):
            os.chown(path, sub.owner, -1)
        return folder

    def collected(self) -> dict[str, str]:
        return {p.parent.parent.name: p.read_text(encoding="utf-8")
                for p in sorted((self.root / "submitted").glob(f"*/{QUIZ}/{QUIZ}.ipynb"))}

    def collect(self, cls: type, **traits: Any) -> Run:
        result, app = self._collect(cls, **traits)
        assert result["success"], result
        return Run(self.collected(), result.get("log", ""), app)

    def collect_result(self, cls: type, **traits: Any) -> dict[str, Any]:
        """nbgrader's result of one collect (``success``, ``log``, ``error``)."""
        return self._collect(cls, **traits)[0]

    def _collect(self, cls: type, **traits: Any) -> tuple[dict[str, Any], Any]:
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.utils import capture_log
        from traitlets.config import Config

        cfg = Config()
        cfg.CourseDirectory.root = str(self.root)
        cfg.CourseDirectory.course_id = COURSE
        cfg.CourseDirectory.assignment_id = QUIZ
        cfg.CourseDirectory.db_url = self.db_url
        cfg.Exchange.root = str(self.exchange)
        for trait, value in traits.items():
            cfg[cls.__name__][trait] = value
        app = cls(coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg),
                  config=cfg)
        return capture_log(app), app


def stock() -> type:
    from nbgrader.exchange.default.collect import ExchangeCollect

    return ExchangeCollect


def ours() -> type:
    from peercert.exchange_collect import OwnerCheckedCollect

    return OwnerCheckedCollect


def test_a_submission_under_another_trainee_s_name_is_refused_on_one_machine(
        tmp_path: Path) -> None:
    daemon_own = Sub("daemon", stamp(9), uid("daemon"), "daemon's own answers")
    forged = Sub("daemon", stamp(10), uid("nobody"), "nobody's answers, as daemon")
    subs = [daemon_own, forged,
            Sub("bin", stamp(9), uid("bin"), "bin's own answers"),
            Sub("sys", stamp(11), uid("daemon"), "daemon's answers, as sys"),
            Sub("nosuchtrainee", stamp(9), uid("nobody"), "no account has this name")]
    # the hole: stock nbgrader warns and collects the forged, newer one
    hole = Course(tmp_path / "stock", subs).collect(stock())
    assert hole.collected == {"daemon": forged.text, "bin": "bin's own answers",
                              "sys": "daemon's answers, as sys",
                              "nosuchtrainee": "no account has this name"}
    assert "cheating attempt?" in hole.log

    course = Course(tmp_path / "ours", subs)
    run = course.collect(ours())
    # daemon's own submission, not the newer forged one; bin as usual; nothing for sys
    assert run.collected == {"daemon": daemon_own.text, "bin": "bin's own answers"}
    assert [(r.student, r.owner_uid, r.owner) for r in run.app.refused] == [
        ("daemon", uid("nobody"), "nobody"), ("nosuchtrainee", uid("nobody"), "nobody"),
        ("sys", uid("daemon"), "daemon")]
    errors = [line for line in run.log.splitlines() if line.startswith("[ERROR]")]
    assert errors == [f"[ERROR] {r.line(QUIZ)}" for r in run.app.refused]
    assert (f"refused {course.inbound / forged.name}: it claims to be daemon's submission of "
            f"{QUIZ}, but it belongs to uid {uid('nobody')} (nobody), not to daemon (uid "
            f"{uid('daemon')}): someone else submitted under daemon's name; it is not "
            "collected") in errors[0]
    assert "there is no account named nosuchtrainee" in errors[1]
    assert f"daemon: collecting their own submission {daemon_own.name} instead" in run.log
    assert "cheating attempt?" not in run.log  # said once, as an error, not twice
    # the refused folders stay in the exchange for the instructors to look at
    assert (course.inbound / forged.name).is_dir()
    # collecting again (with --update, as formgrader and watch do) changes nothing
    again = course.collect(ours(), update=True)
    assert again.collected == run.collected and len(again.app.refused) == 3


def test_links_and_files_in_inbound_are_refused_and_the_batch_goes_on(tmp_path: Path) -> None:
    bin_own = Sub("bin", stamp(9), uid("bin"), "bin's own answers")
    course = Course(tmp_path, [bin_own, Sub("daemon", stamp(9), uid("daemon"), "daemon's")])
    # a link, made by bin, named as a newer submission of bin: its target is not collected
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{QUIZ}.ipynb").write_text("not submitted", encoding="utf-8")
    link = course.inbound / f"bin+{QUIZ}+{stamp(10)}+link"
    link.symlink_to(elsewhere)
    os.lchown(link, uid("bin"), -1)
    # a plain file named as a newer submission of daemon (stock's copytree fails on it and
    # stops the whole collect)
    plain = course.inbound / f"daemon+{QUIZ}+{stamp(10)}+file"
    plain.write_text("", encoding="utf-8")
    os.chown(plain, uid("daemon"), -1)
    run = course.collect(ours())
    assert run.collected == {"bin": "bin's own answers", "daemon": "daemon's"}
    assert f"refused {link}:" in run.log and "is a symbolic link made by uid" in run.log
    assert f"refused {plain}:" in run.log and "it is not a folder" in run.log


def test_a_folder_whose_time_stamp_cannot_be_read_is_refused_and_the_rest_collected(
        tmp_path: Path) -> None:
    """Any trainee can name a folder so: stock collect fails on it for the whole quiz."""
    subs = [Sub("bin", stamp(9), uid("bin"), "bin's own answers"),
            Sub("daemon", stamp(9), uid("daemon"), "daemon's")]
    bad = [Sub("bin", "not a time", uid("bin"), "bin's, oddly named"),
           Sub("daemon", "9999-99-99 99:99:99", uid("nobody"), "nobody's, as daemon")]
    stock_course = Course(tmp_path / "stock", [*subs, *bad])
    run = Course(tmp_path / "ours", [*subs, *bad]).collect(ours(), update=True)
    assert run.collected == {"bin": "bin's own answers", "daemon": "daemon's"}
    inbound = Path(run.app.inbound_path)
    assert sorted((r.student, r.folder) for r in run.app.refused) == [
        ("bin", str(inbound / bad[0].name)), ("daemon", str(inbound / bad[1].name))]
    errors = [line for line in run.log.splitlines() if line.startswith("[ERROR]")]
    assert sorted(errors) == sorted(f"[ERROR] {r.line(QUIZ)}" for r in run.app.refused)
    assert "but its time stamp 'not a time' cannot be read" in sorted(errors)[0]
    assert all(line.endswith("; it is not collected") for line in errors)
    # the same exchange under stock nbgrader: nothing is collected for anybody
    stock_run = stock_course.collect_result(stock())
    assert not stock_run["success"] and stock_course.collected() == {}


def test_with_numeric_ids_the_owner_is_the_pods_uid(tmp_path: Path) -> None:
    t01, t02 = names.user_uid("t01"), names.user_uid("t02")
    for number in (t01, t02):
        with pytest.raises(KeyError):  # as in a pod: no account behind the uid
            pwd.getpwuid(number)
    own = Sub("t01", stamp(9), t01, "t01's own answers")
    forged = Sub("t01", stamp(10), t02, "t02's answers, as t01")
    subs = [own, forged, Sub("t02", stamp(9), t02, "t02's own answers"),
            Sub("t03", stamp(9), uid("daemon"), "an account's folder, as t03")]
    course = Course(tmp_path / "ours", subs, students=["t01", "t02", "t03"])
    run = course.collect(ours(), owners="numeric_ids")
    assert run.collected == {"t01": own.text, "t02": "t02's own answers"}
    [first, second] = run.app.refused
    assert (first.student, first.owner_uid, first.owner) == ("t01", t02,
                                                              "the pods' uid of t02")
    assert (f"it belongs to uid {t02} (the pods' uid of t02), not to t01 (their pods' uid "
            f"{t01}): someone else submitted under t01's name") in first.reason
    assert second.student == "t03" and second.owner == "daemon"
    assert "unknown id" not in run.log  # stock's meaningless warning is not repeated
    # by account name these same folders all have owners without accounts: all refused
    by_name = Course(tmp_path / "by-name", subs, students=["t01", "t02"]).collect(ours())
    assert by_name.collected == {}
    # stock: a warning on every submission ("unknown id"), and the forged one collected
    hole = Course(tmp_path / "stock", subs).collect(stock())
    assert hole.collected["t01"] == forged.text
    assert hole.log.count("is owned by unknown id") == 2  # t01 (forged) and t02


def test_check_owner_false_turns_the_check_off_as_in_nbgrader(tmp_path: Path) -> None:
    forged = Sub("daemon", stamp(10), uid("nobody"), "nobody's answers, as daemon")
    course = Course(tmp_path, [Sub("daemon", stamp(9), uid("daemon"), "daemon's"), forged])
    run = course.collect(ours(), check_owner=False)
    assert run.collected == {"daemon": forged.text} and run.app.refused == []


# --- legitimate submissions: collected exactly as stock nbgrader collects them -------------

LEGIT = [Sub(student, stamp(hour, day), uid(student), f"{student} at {day}/{hour}")
         for student, times in (("daemon", ((9, 1), (13, 1), (8, 2))),   # before/after due
                                ("bin", ((14, 1), (15, 1))),             # all after
                                ("sys", ((10, 1),)))                     # one, before
         for hour, day in times]


def _tree(root: Path) -> dict[str, bytes]:
    sub = root / "submitted"
    return {str(p.relative_to(sub)): p.read_bytes() for p in sorted(sub.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("traits", [{}, {"before_duedate": True}, {"update": True},
                                    {"update": True, "before_duedate": True}],
                         ids=["default", "before_duedate", "update", "update+before_duedate"])
@pytest.mark.parametrize("due", [None, DUE], ids=["no-due-date", "due-date"])
def test_legitimate_submissions_are_collected_as_stock_nbgrader_does(
        tmp_path: Path, traits: dict[str, bool], due: datetime.datetime | None) -> None:
    runs = {}
    for name, cls in (("stock", stock()), ("ours", ours())):
        # first collect the older submissions, then the newer ones arrive and are collected
        # again with the same options: the update and due-date rules both act
        course = Course(tmp_path / name, [s for s in LEGIT if s.when < stamp(14)], due=due)
        first = course.collect(cls, **traits)
        for sub in LEGIT:
            if sub.when >= stamp(14):
                course.add(sub)
        second = course.collect(cls, **traits)
        runs[name] = (first.collected, second.collected, _tree(course.root))
        if name == "ours":
            assert second.app.refused == [] and "[ERROR]" not in first.log + second.log
    assert runs["ours"] == runs["stock"]
    assert runs["ours"][1]  # something was collected


def test_a_refused_folder_is_as_if_absent_for_the_due_date_rule(tmp_path: Path) -> None:
    """daemon: own before the due date, forged before it too (newer), own after it. With
    before_duedate nbgrader would take the forged one; ours takes what stock takes when the
    forged folder is not there."""
    subs = [Sub("daemon", stamp(9), uid("daemon"), "own, before"),
            Sub("daemon", stamp(11), uid("nobody"), "forged, before"),
            Sub("daemon", stamp(13), uid("daemon"), "own, after")]
    without = [s for s in subs if s.owner == uid("daemon")]
    for traits, expected in (({"before_duedate": True}, "own, before"), ({}, "own, after")):
        want = Course(tmp_path / f"stock{len(traits)}", without, due=DUE).collect(
            stock(), **traits).collected
        got = Course(tmp_path / f"ours{len(traits)}", subs, due=DUE).collect(
            ours(), **traits).collected
        assert got == want == {"daemon": expected}

"""``peercert owners``: work collected before a course checked owners is audited afterwards.

A course first collects with stock nbgrader (as every course did before ``peercert program
apply`` set :class:`~peercert.exchange_collect.OwnerCheckedCollect`); one trainee submitted
under another's name, and stock collect took it. Inbound folders are given to the pods'
numeric uids with chown, so this needs root (CI runs as root).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import exchange
import factory
import pytest
from conftest import COURSE_ENV, make_course, require_service
from typer.testing import CliRunner

from peercert.cli import app
from peercert.course import Course, nbgrader_api
from peercert.deploy import names
from peercert.errors import PeercertError
from peercert.owner_audit import NOT_CHECKED, NOT_THEIRS, OWN, audit_owners
from peercert.submission_owner import OWNER_CHECKED_COLLECT

pytestmark = pytest.mark.nbgrader
PATTERNS = factory.PATTERNS


@pytest.fixture
def collected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A course whose stock collect took a forged submission for 'right'; returns the course
    and the forged folder."""
    if os.geteuid() != 0:
        require_service("root (inbound folders are chowned to the trainees' uids)")
    for name in COURSE_ENV:
        monkeypatch.delenv(name, raising=False)
    course = make_course(tmp_path)
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for trainee, answers in PATTERNS.items():
        exchange.submit(course, exchange.home_of(tmp_path, trainee), trainee, "quiz1",
                        factory.answer_notebook(release, answers))
    inbound = Course.open(course).exchange("inbound")
    exchange.give_to_pods(inbound)
    # 'wrong' hands in their own work again, named as right's newer submission
    _, theirs, forged = exchange.forge(inbound, "right", "wrong", "quiz1")
    api = nbgrader_api(course)
    assert api.collect("quiz1")["success"]  # stock: warns, and collects the forged one
    assert (course / "submitted/right/quiz1/quiz1.ipynb").read_bytes() == \
        (theirs / "quiz1.ipynb").read_bytes()
    # the exchange was cleared of one trainee's folder since
    [blank] = inbound.glob("blank+quiz1+*")
    shutil.rmtree(blank)
    return course, forged


def test_the_audit_finds_the_forged_submission(collected: tuple[Path, Path]) -> None:
    course, forged = collected
    with pytest.raises(PeercertError, match="does not check owners.*--owners"):
        audit_owners(course)  # stock collect: how to match owners must be said
    audit = audit_owners(course, owners="numeric_ids")
    verdicts = {c.trainee: c.verdict for c in audit.checked}
    assert verdicts == {"right": NOT_THEIRS, "wrong": OWN, "partial": OWN, "malformed": OWN,
                        "blank": NOT_CHECKED}
    [right] = [c for c in audit.checked if c.trainee == "right"]
    assert right.folders == (forged.name,)
    assert right.reason == (
        f"it belongs to uid {names.user_uid('wrong')} (the pods' uid of wrong), not to right "
        f"(their pods' uid {names.user_uid('right')}): someone else submitted under right's "
        "name")
    [blank] = [c for c in audit.checked if c.trainee == "blank"]
    assert blank.reason.startswith("no folder in ") and "holds this submission" in blank.reason
    assert not audit.ok


def test_the_command_reports_and_fails_and_reads_the_course_setting(
        collected: tuple[Path, Path]) -> None:
    course, forged = collected
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as cfg:
        cfg.write(f"\nc.ExchangeFactory.collect = {OWNER_CHECKED_COLLECT!r}\n"
                  "c.OwnerCheckedCollect.owners = 'numeric_ids'\n")
    run = CliRunner().invoke(app, ["owners", "--course", str(course)], env={"COLUMNS": "400"})
    assert run.exit_code == 1, run.output
    assert "5 collected submission(s): 3 own, 1 not theirs, 1 not checked" in run.output
    [line] = [ln for ln in run.output.splitlines() if "not theirs" in ln and "right" in ln]
    assert forged.name in line and "someone else submitted under right's name" in line
    # nothing of the work itself is printed (a reflection may hold a disclosure)
    assert PATTERNS["right"]["t-06"] not in run.output
    # one quiz by name; an audit of only own work passes
    shutil.rmtree(course / "submitted" / "right")
    shutil.rmtree(course / "submitted" / "blank")
    ok = CliRunner().invoke(app, ["owners", "quiz1", "--course", str(course)])
    assert ok.exit_code == 0, ok.output
    assert "3 collected submission(s): 3 own, 0 not theirs, 0 not checked" in ok.output

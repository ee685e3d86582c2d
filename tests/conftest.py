"""Shared fixtures: temporary courses built through peercert's own library API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import factory

REPO = Path(__file__).resolve().parents[1]


# What a course's nbgrader_config.py reads from the environment: a developer's own setting
# (say a production PEERCERT_DB_URL) must never reach a test course.
COURSE_ENV = ("PEERCERT_DB_URL", "PEERCERT_EXCHANGE", "PEERCERT_COURSE_ID")


@pytest.fixture(autouse=True)
def _no_course_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in COURSE_ENV:
        monkeypatch.delenv(name, raising=False)


def make_course(tmp_path: Path, config: str = "") -> Path:
    """A course with one quiz of every item type, generated and released through nbgrader.

    ``config`` is appended to the course's nbgrader_config.py before nbgrader first reads it.
    The gradebook is where that config points: SQLite inside the course unless
    PEERCERT_DB_URL is set.
    """
    from peercert.course import init_course, nbgrader_api, release_quizzes

    root = factory.curriculum(tmp_path / "curriculum")
    course = init_course(tmp_path / "course", source_root=root)
    if config:
        with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
            fh.write("\n" + config)
    release_quizzes(nbgrader_api(course), ["quiz1"])  # StepFailed carries nbgrader's log
    return course


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course with one quiz of every item type and a SQLite gradebook (see make_course)."""
    return make_course(tmp_path)


def require_service(name: str) -> None:
    """Skip when a service is missing, except in CI where it must be there."""
    if os.environ.get("PEERCERT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is required in CI but is not available")
    pytest.skip(f"{name} is not available")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test (``item.rep_call``), for fixtures that act on a
    failure (the browser tests print the console and save a screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def cohort_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course run through every stage with five trainees (tests/cohort.py): copy it
    (``copy_cohort``) before changing anything."""
    import cohort

    root = tmp_path_factory.mktemp("cohort")
    cohort.build(root)
    return root


def copy_cohort(root: Path, dest: Path) -> Path:
    """A copy of a cohort root (the course's config paths are relative to it); its course."""
    import shutil

    shutil.copytree(root, dest, symlinks=True)
    return dest / "course"

"""Shared fixtures: temporary courses built through peercert's own library API."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# --- PostgreSQL: the server in PEERCERT_PG_URL (CI starts one with .ci/postgres.sh) -------

def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg2://...) as libpq reads it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The server in PEERCERT_PG_URL, as a role that may CREATE DATABASE (and CREATEROLE)."""
    import psycopg2

    url = os.environ.get("PEERCERT_PG_URL", "")
    if not url:
        require_service("PostgreSQL (PEERCERT_PG_URL is not set)")
    try:
        psycopg2.connect(libpq_url(url), connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        require_service(f"PostgreSQL at PEERCERT_PG_URL ({' '.join(str(exc).split())})")
    return url


@pytest.fixture
def pg_db(request: pytest.FixtureRequest, pg_url: str) -> Iterator[str]:
    """A fresh, empty database for one test; dropped afterwards.

    Its URL keeps PEERCERT_PG_URL's driver unless the test names one (indirect parameter).
    """
    import psycopg2
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    name = f"peercert_test_{uuid.uuid4().hex[:12]}"
    url = make_url(pg_url).set(database=name)
    if getattr(request, "param", None):
        url = url.set(drivername=request.param)
    admin = psycopg2.connect(libpq_url(pg_url))
    admin.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            # A server away from UTC: stored timestamps must not shift with the session zone.
            cur.execute(sql.SQL("ALTER DATABASE {} SET timezone TO 'America/Los_Angeles'")
                        .format(sql.Identifier(name)))
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.close()


def drop_database(admin: Any, name: str, attempts: int = 20) -> None:
    """DROP DATABASE on an autocommit connection, once nothing uses it.

    ``WITH (FORCE)`` ends the test's own sessions; it is refused while an autovacuum worker
    (not the test's role) is in the database, which a plain DROP ends by itself: so try both,
    a few times.
    """
    import time

    import psycopg2
    from psycopg2 import sql

    for attempt in range(attempts):
        for force in ((" WITH (FORCE)",) if admin.server_version >= 130000 else ()) + ("",):
            try:
                with admin.cursor() as cur:
                    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force)
                                .format(sql.Identifier(name)))
                return
            except (psycopg2.errors.InsufficientPrivilege, psycopg2.errors.ObjectInUse):
                if attempt == attempts - 1 and not force:
                    raise
        time.sleep(0.5)

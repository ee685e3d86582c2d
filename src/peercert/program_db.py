"""A program's one PostgreSQL gradebook: a schema per course, and a read-only staff role.

**Why a schema per course.** nbgrader 0.9 records a course id on each assignment, but its
gradebook is not multi-course: ``Assignment.name`` is unique across the whole database and
``Gradebook.find_assignment``, ``find_submission``, ``students`` and ``assignments`` look
rows up by name alone (nbgrader #1150, open). Every peercert course releases the same quiz
ids, so two courses in one set of tables would share one ``assignment`` row: the second
course's ``generate_assignment`` silently takes over the first course's quiz, and Formgrader
lists every course's students. So a program keeps **one database** (one server, one
``gradebook_url``, one backup, one read-only role) and gives **each course its own schema**
in it, named by the course id. nbgrader's unmodified tables live in that schema; the course's
``db_url`` is the program's URL plus ``options=-csearch_path=<course id>``, so nbgrader,
Formgrader, alembic and peercert all find them without knowing about schemas. peercert's own
queries filter by course id as well, so a course whose gradebook is shared anyway (a
hand-made setup) still never reads another course's grades.

**Program staff** read readiness across every course through a role made by
:func:`grant_readonly`: ``CONNECT`` on the database, ``USAGE`` on each course schema,
``SELECT`` on nbgrader's tables (also on tables created later, by default privileges) except
the two that hold text staff must not read: ``comment`` (graders' comments quote trainees'
reflections) and ``source_cell`` (the quizzes' sources and hidden answer keys). The role's
sessions are read-only by default as well. Re-run it after adding courses: it is idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from peercert.errors import PeercertError
from peercert.program import COURSE_ID, Program, ProgramError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from peercert.course import Course

# Tables program staff may not read (see the module docstring).
WITHHELD_TABLES = ("comment", "source_cell")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SEARCH_PATH = re.compile(r"-c\s*search_path=\S*|--search_path=\S*")


class ProgramDatabaseError(PeercertError):
    """The program's gradebook database cannot be used as asked."""


def course_schema(course_id: str) -> str:
    """The schema holding a course's gradebook tables: the course id itself."""
    if not COURSE_ID.match(course_id) or course_id == "public":
        raise ProgramError(f"{course_id!r} cannot name a gradebook schema (a course id is "
                           "lower-case letters, digits and -, and not 'public')")
    return course_id


def course_db_url(url: str, course_id: str) -> str:
    """The program gradebook URL for one course: its schema first on the search path.

    Any other libpq ``options`` in ``url`` are kept; a search path already there is replaced.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ProgramError(f"gradebook_url is not a database URL: {exc}") from exc
    if parsed.get_backend_name() != "postgresql":
        raise ProgramError(f"a program's gradebook_url must be PostgreSQL (postgresql://...), "
                           f"not {parsed.get_backend_name()}")
    old = parsed.query.get("options", "")
    kept = _SEARCH_PATH.sub("", old if isinstance(old, str) else " ".join(old)).strip()
    options = " ".join(filter(None, [kept, f"-csearch_path={course_schema(course_id)}"]))
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def url_schema(url: str) -> str | None:
    """The schema a gradebook URL puts first on the search path, if it names one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    options = parsed.query.get("options", "")
    found = _SEARCH_PATH.search(options if isinstance(options, str) else " ".join(options))
    if not found:
        return None
    return found.group(0).split("=", 1)[1].split(",")[0].strip('"') or None


def program_url(program: Program) -> str:
    """The program's gradebook URL (``ProgramError`` when the program file names none)."""
    if not program.gradebook_url:
        raise ProgramError("the program file has no gradebook_url: its courses keep their own "
                           "gradebooks (give --course for each instead)", path=program.path)
    return program.gradebook_url


def config_lines(program: Program, course_id: str) -> str:
    """Lines for a program course's ``nbgrader_config.py``: the gradebook is the program's.

    The URL is read from the environment at run time when the program file says
    ``env:NAME``, so no password is written into the course.
    """
    raw = _raw_gradebook_url(program.path)
    course_schema(course_id)
    if raw is None:
        return ""
    source = (f"os.environ[{raw.removeprefix('env:')!r}]" if raw.startswith("env:")
              else repr(raw))
    return ("\n# The program's one PostgreSQL gradebook; this course's tables are in the schema "
            f"{course_id!r}\n# (see docs/scaling.md). Generated from {program.path.name}.\n"
            "from peercert.program_db import course_db_url  # noqa: E402\n\n"
            f"c.CourseDirectory.db_url = course_db_url({source}, {course_id!r})\n")


def _raw_gradebook_url(path: Path) -> str | None:
    import tomllib

    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    value = raw.get("program", {}).get("gradebook_url")
    return value if isinstance(value, str) else None


def ensure_schema(url: str) -> bool:
    """Create the schema ``url`` puts first on its search path, if missing (True if made)."""
    import sqlalchemy as sa

    schema = url_schema(url)
    if schema is None:
        return False
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            there = conn.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                                 {"s": schema}).first()
            if there:
                return False
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {_quoter(conn)(schema)}"))
            return True
    finally:
        engine.dispose()


def create_course_gradebooks(program: Program,
                             course_ids: Iterable[str] | None = None) -> list[str]:
    """Each course's schema and nbgrader tables (missing ones only); returns those created."""
    from peercert import nbgrader_compat as nbc

    base = program_url(program)
    made = []
    for cid in course_ids if course_ids is not None else [c.id for c in program.courses]:
        program.course(cid)
        url = course_db_url(base, cid)
        ensure_schema(url)
        if nbc.create_gradebook(url):
            made.append(cid)
    return made


def open_course(program: Program, course_id: str) -> Course:
    """A program course, its gradebook in the program database (as the caller's role).

    The course folder gives banks, modules and hour files; the gradebook URL is the
    program's (so program staff reach it with their read-only role's URL).
    """
    from peercert.course import Course, load_config

    program.course(course_id)
    config = load_config(program.course_dir(course_id))
    if config.CourseDirectory.get("course_id") != course_id:
        raise ProgramError(f"course folder {program.course_dir(course_id)} has course id "
                           f"{config.CourseDirectory.get('course_id')!r}, not {course_id!r}",
                           path=program.path)
    if program.gradebook_url:
        config.CourseDirectory.db_url = course_db_url(program.gradebook_url, course_id)
    return Course(config)


@dataclass(frozen=True)
class ReadonlyGrant:
    """What :func:`grant_readonly` did."""

    role: str
    database: str
    created: bool
    schemas: tuple[str, ...]
    withheld: tuple[str, ...] = WITHHELD_TABLES

    def summary(self) -> str:
        verb = "created" if self.created else "updated"
        return (f"role {self.role} {verb}: CONNECT on {self.database}, SELECT in "
                f"{len(self.schemas)} course schema(s) ({', '.join(self.schemas)}); "
                f"not readable: {', '.join(self.withheld)}; sessions read-only")


def grant_readonly(program: Program, role: str, password: str | None = None) -> ReadonlyGrant:
    """Create or update a PostgreSQL login role that can only read the program's grades.

    Run as the role that owns the gradebook (the program's ``gradebook_url``; it needs
    CREATEROLE). Creates missing course schemas and their tables first, so the grants cover
    them. ``password`` sets the role's password (kept as is when None). Idempotent.
    """
    import sqlalchemy as sa

    if not ROLE_NAME.match(role):
        raise ProgramDatabaseError(f"{role!r} is not a role name peercert creates (lower-case "
                                   "letters, digits and _, starting with a letter or _)")
    create_course_gradebooks(program)
    engine = sa.create_engine(program_url(program))
    schemas = tuple(course_schema(c.id) for c in program.courses)
    try:
        with engine.begin() as conn:
            created = _upsert_role(conn, role, password)
            database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            q = _quoter(conn)
            conn.execute(sa.text(f"GRANT CONNECT ON DATABASE {q(database)} TO {q(role)}"))
            conn.execute(sa.text(f"ALTER ROLE {q(role)} IN DATABASE {q(database)} "
                                 "SET default_transaction_read_only = on"))
            for schema in schemas:
                _grant_schema(conn, q, schema, role)
    except sa.exc.ProgrammingError as exc:
        raise ProgramDatabaseError(f"cannot grant read-only access to {role}: "
                                   f"{' '.join(str(exc.orig).split())}") from exc
    finally:
        engine.dispose()
    return ReadonlyGrant(role, database, created, schemas)


def _upsert_role(conn: sa.Connection, role: str, password: str | None) -> bool:
    """Create the login role, or check an existing one has no more power than reading."""
    import sqlalchemy as sa

    q = _quoter(conn)
    found = conn.execute(sa.text(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication, "
        "EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) "
        "FROM pg_roles r WHERE rolname = :r"), {"r": role}).first()
    if found is not None and (found[0] or found[1]):
        raise ProgramDatabaseError(
            f"role {role} already exists with more than read access (superuser, CREATEROLE, "
            "CREATEDB, BYPASSRLS, REPLICATION or member of other roles): choose another name")
    secret = "" if password is None else " PASSWORD " + _literal(password)
    verb = "ALTER" if found is not None else "CREATE"
    conn.execute(sa.text(f"{verb} ROLE {q(role)} LOGIN NOINHERIT{secret}"))
    return found is None


def _grant_schema(conn: sa.Connection, q: Callable[[str], str], schema: str, role: str) -> None:
    import sqlalchemy as sa

    s, r = q(schema), q(role)
    conn.execute(sa.text(f"GRANT USAGE ON SCHEMA {s} TO {r}"))
    conn.execute(sa.text(f"REVOKE CREATE ON SCHEMA {s} FROM {r}"))
    conn.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}"))
    conn.execute(sa.text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}"))
    for table in WITHHELD_TABLES:
        conn.execute(sa.text(f"REVOKE ALL ON TABLE {s}.{q(table)} FROM {r}"))


def _quoter(conn: sa.Connection) -> Callable[[str], str]:
    return conn.dialect.identifier_preparer.quote_identifier


def _literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings, PostgreSQL's default since 9.1)."""
    if "\x00" in text:
        raise ProgramDatabaseError("a password cannot contain a NUL character")
    return "'" + text.replace("'", "''") + "'"

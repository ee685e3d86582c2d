"""``peercert program-db``: the program's one PostgreSQL gradebook (schemas, read-only role).

Thin layer over :mod:`peercert.program_db`. The database URL comes from the program file's
``gradebook_url`` (usually ``env:PEERCERT_DB_URL``), run as the role that owns the gradebook;
a password comes from an environment variable, never from the command line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from peercert.cli.app import app, fail

program_db = typer.Typer(name="program-db", no_args_is_help=True,
                         help="The program's one PostgreSQL gradebook: course schemas and the "
                              "program staff's read-only role.")
app.add_typer(program_db)

ProgramFile = Annotated[Path, typer.Option(
    "--program", exists=True, dir_okay=False, help="The program file (program.toml).")]
Role = Annotated[str, typer.Argument(metavar="ROLE", help="The PostgreSQL role to create or "
                                                          "update, e.g. program_staff.")]
PasswordEnv = Annotated[str | None, typer.Option(
    "--password-env", metavar="NAME", show_default=False,
    help="Set the role's password from this environment variable (kept as is if omitted).")]


@program_db.command("init")
def init(program: ProgramFile) -> None:
    """Create each course's schema and nbgrader tables in the program database (idempotent)."""
    from peercert.program import load_program
    from peercert.program_db import create_course_gradebooks

    spec = load_program(program)
    made = create_course_gradebooks(spec)
    typer.echo(f"{len(spec.courses)} course gradebook(s) in the program database; "
               f"created now: {', '.join(made) or 'none'}")


@program_db.command("grant-readonly")
def grant_readonly(role: Role, program: ProgramFile, password_env: PasswordEnv = None) -> None:
    """Create or update a login role that can only read grades, for program staff.

    CONNECT on the database; SELECT on every course's gradebook tables (and on tables
    created later) except graders' comments and quiz sources; read-only sessions. Re-run
    after adding courses.
    """
    from peercert.program import load_program
    from peercert.program_db import grant_readonly as grant

    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if not password:
            fail(f"--password-env {password_env}: that environment variable is not set")
    typer.echo(grant(load_program(program), role, password).summary())

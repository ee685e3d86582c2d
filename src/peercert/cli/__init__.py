"""The ``peercert`` command line: a thin layer over the library API.

Each command lives in its own module and imports its stage lazily, inside the command
function, so that ``peercert --help`` answers fast. User errors are handled once, in the app
(:mod:`peercert.cli.app`): one red line and exit code 1, never a traceback.
"""

from __future__ import annotations

import warnings

from peercert.cli import (  # noqa: F401  (registers the commands)
    analyze,
    attendance,
    course,
    feedback,
    forget,
    grade,
    lint,
    owners,
    program,
    program_db,
    readiness,
)
from peercert.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    # nbgrader 0.9 with SQLAlchemy 2 warns on every new submission; the rows are written
    # correctly, so keep the noise out of the instructor's terminal.
    warnings.filterwarnings("ignore", message=".*not in session, add operation along.*")
    app()

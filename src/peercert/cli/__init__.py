"""The ``peercert`` command line: a thin layer over the library API.

Each command lives in its own module and imports its stage lazily, inside the command
function, so that ``peercert --help`` answers fast.
"""

from __future__ import annotations

from peercert.cli.app import app
from peercert.cli import analyze, course, grade, readiness  # noqa: F401  (registers commands)

__all__ = ["app", "main"]


def main() -> None:
    app()

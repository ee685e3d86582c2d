"""``peercert owners``: whose work each collected submission is."""

from __future__ import annotations

from pathlib import Path

import typer

from peercert.cli.app import app
from peercert.cli.course import COURSE


@app.command()
def owners(
    quizzes: list[str] = typer.Argument(None, metavar="QUIZ",
                                        help="Quiz ids (default: every quiz)."),
    course: Path = COURSE,
    mode: str = typer.Option(None, "--owners", metavar="unix_users|numeric_ids",
                             help="How a folder's owner is matched to a trainee (default: "
                                  "the course's collect setting)."),
) -> None:
    """Check that each collected submission came from its own trainee's exchange folder
    (work collected before the course's collect checked owners); exit 1 when one did not."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from peercert.owner_audit import NOT_CHECKED, NOT_THEIRS, OWN, audit_owners

    audit = audit_owners(course, quizzes or None, mode)
    console = Console()
    table = Table(title=f"collected submissions not proven the trainee's own ({audit.owners})")
    for col in ("quiz", "trainee", "verdict", "exchange folder", "reason"):
        table.add_column(col)
    for c in audit.checked:
        if c.verdict != OWN:
            table.add_row(c.quiz, c.trainee, c.verdict, escape(", ".join(c.folders)),
                          escape(c.reason))
    if table.row_count:
        console.print(table)
    console.print(f"{len(audit.checked)} collected submission(s): {audit.count(OWN)} own, "
                  f"{audit.count(NOT_THEIRS)} not theirs, {audit.count(NOT_CHECKED)} not checked")
    if not audit.ok:
        raise typer.Exit(1)

"""``peercert forget``: remove one trainee from a course, on request."""

from __future__ import annotations

from pathlib import Path

import typer

from peercert.cli.app import app
from peercert.cli.course import COURSE


@app.command()
def forget(
    trainee: str = typer.Argument(..., help="The trainee id (as in the gradebook)."),
    course: Path = COURSE,
    reports: list[Path] = typer.Option(
        None, "--reports",
        help="Another folder of reports to clean besides <course>/reports (e.g. a readiness "
             "--out folder); repeatable."),
    yes: bool = typer.Option(False, "--yes", help="Remove. Without it, only list what would go."),
) -> None:
    """Remove one trainee's submissions, autograded and feedback files, exchange entries,
    gradebook rows, status, attendance and report rows. Lists them first: nothing is removed
    without --yes. An audit line (when, who; never the trainee) goes to forget-log.csv."""
    from peercert.course import Course
    from peercert.forget import forget as run_forget
    from peercert.forget import plan_forget

    c = Course.open(course)
    plan = plan_forget(c, trainee, reports or [])
    lines = plan.lines()
    if not yes:
        typer.echo(f"Would remove trainee {trainee!r} from {c.root}:")
        for line in lines:
            typer.echo(f"  {line}")
        typer.echo("Nothing removed yet: run again with --yes to remove these.")
        return
    result = run_forget(c, trainee, reports or [])
    for line in result.plan.lines():
        typer.echo(f"removed {line}")
    for path in result.leftovers:
        typer.secho(f"still names the trainee (review by hand): {path}", fg="yellow")
    typer.echo(f"Trainee {trainee!r} removed; audit line (who and when only) in {result.log}")

"""``peercert lint`` and ``peercert rubrics``: review items, guide graders."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from peercert.cli.app import app


@app.command()
def lint(
    banks: list[str] = typer.Argument(None, help="Banks to review (quiz ids or .yaml files); "
                                      "all when none are given."),
    assignments: Path = typer.Option(None, "--assignments", help="Folder of item banks "
                                     "[default: ./assignments, else the shipped curriculum]."),
    modules: Path = typer.Option(None, "--modules", help="Learning modules whose self-checks "
                                 "items must not replay [default: beside assignments/]."),
    config: Path = typer.Option(None, "--config", help="TOML with a [thresholds] table "
                                "[default: lint.toml beside assignments/, if present]."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List warnings too."),
) -> None:
    """Review item banks for cues that let a test-wise trainee pass without knowing the
    material; exit 1 when any error is found."""
    from peercert.bank import BankError
    from peercert.curriculum import curriculum_root
    from peercert.lint import lint as run_lint
    from peercert.lint import load_thresholds, render_text

    if assignments is None:
        local = Path("assignments")
        assignments = local if local.is_dir() else curriculum_root() / "assignments"
    if not assignments.is_dir():
        typer.secho(f"{assignments}: no such folder of item banks", fg="red", err=True)
        raise typer.Exit(1)
    modules = modules if modules is not None else assignments.parent / "modules"
    try:
        thresholds = load_thresholds(config or assignments.parent / "lint.toml")
        report = run_lint(assignments, banks or (), modules, thresholds)
    except BankError as exc:
        for line in exc.problems:
            typer.secho(line, fg="red", err=True)
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(render_text(report, verbose=verbose))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def rubrics(
    quizzes: list[str] = typer.Argument(None, help="Quizzes (all when none are given)."),
    assignments: Path = typer.Option(Path("assignments"), help="Folder of item banks."),
    out: Path = typer.Option(Path("reports/rubrics"), help="Where to write the guides."),
) -> None:
    """Write grader guides (rubric levels with notes and an example answer per level) for
    hand-grading written answers in formgrader; they never reach trainees."""
    from peercert.rubrics import write_rubric_guides

    for path in write_rubric_guides(assignments, out, quizzes or ()):
        typer.echo(f"wrote {path}")

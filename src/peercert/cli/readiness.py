"""Readiness commands: readiness (a whole state's cohorts), progress (one trainee), profiles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import typer

from peercert.cli.app import app
from peercert.defaults import COMPLETION_PERCENT

PROFILE = typer.Option(..., "--profile", "-p",
                       help="Profile id (see 'peercert profiles') or a path to a .toml profile.")
COURSES = typer.Option(None, "--course", "-c",
                       help="A graded course directory; repeat for several cohorts or sites.")
PROGRAM = typer.Option(None, "--program", exists=True, dir_okay=False,
                       help="A program file (program.toml): every course it lists, read from "
                            "the program's one gradebook, each trainee with their site.")
EVIDENCE = typer.Option(None, "--evidence", "-e",
                        help="An evidence CSV (hour logs, exams, attestations); repeatable.")
ROSTERS = typer.Option(None, "--roster",
                       help="A roster CSV (trainee_id,name[,site]) for trainees in no course.")
AS_OF = typer.Option(None, "--as-of", help="Evaluate as of this day (YYYY-MM-DD); default today.")
COMPLETION = typer.Option(None, "--completion", min=0, max=100, show_default=False,
                          help="Percent of a module quiz's points that completes the module, "
                               "for every course (default: each course's "
                               f"c.Peercert.completion_percent, else {COMPLETION_PERCENT:g}).")
PROFILES_DIR = typer.Option(None, "--profiles-dir", help="Folder of profiles to use instead of "
                                                         "the ones shipped with peercert.")
OUT = typer.Option(Path("readiness"), "--out", "-o", help="Folder for the reports.")
HTML = typer.Option(None, "--html", help="Also write the printable page to this file.")
STATUS_STYLE = {"met": ("green", "met"), "not_met": ("yellow", "not met"),
                "no_evidence": ("red", "no evidence")}


def _fail(lines: list[str], summary: str) -> NoReturn:
    from peercert.cli.app import fail

    fail(summary, lines or ())


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail([], f"--as-of {text!r} is not a date; write YYYY-MM-DD")


def _program(path: Path | None) -> Any:
    """The program file, loaded (its errors end in the app's one red line)."""
    if path is None:
        return None
    from peercert.program import load_program

    return load_program(path)


def _guarded(call: Any) -> Any:
    """Run a readiness call; turn input errors into a red list and exit code 1."""
    from peercert.readiness import CourseError, EvidenceError, ProfileError

    try:
        return call()
    except (ProfileError, EvidenceError) as exc:
        _fail(exc.problems[:200], f"{len(exc.problems)} problem(s); nothing was imported")
    except CourseError as exc:
        _fail([str(exc)], "cannot read the course")
    except KeyError as exc:
        _fail([str(exc.args[0])], "unknown trainee")


@app.command("readiness")
def readiness(
    profile: str = PROFILE,
    course: list[Path] = COURSES,
    program: Path = PROGRAM,
    evidence: list[Path] = EVIDENCE,
    out: Path = OUT,
    roster: list[Path] = ROSTERS,
    as_of: str = AS_OF,
    completion: float | None = COMPLETION,
    profiles_dir: Path = PROFILES_DIR,
) -> None:
    """Who is ready for a credential, and what is missing for everyone else.

    Writes readiness.csv, board-export.csv (ids, names, statuses and
    dates only, for the certification board), a cohort dashboard
    (index.html) and a printable page per trainee (trainees/*.html).
    """
    from peercert.readiness import run_readiness

    if not course and not roster and not program:
        _fail([], "give at least one --course, a --program or a --roster: the trainees come "
                  "from there")
    day = _as_of(as_of)
    spec = _program(program)
    result = _guarded(lambda: run_readiness(profile, course or [], evidence or [], out,
                                            profiles_dir, as_of=day, rosters=roster or [],
                                            completion=completion, program=spec))
    typer.echo(result.summary())
    typer.echo(f"Dashboard: {result.dashboard}")
    typer.echo(f"Board export: {out / 'board-export.csv'} ; per trainee: {out / 'trainees'}/")


@app.command("progress")
def progress(
    trainee: str = typer.Argument(..., help="The trainee id (as in the gradebook)."),
    profile: str = PROFILE,
    course: list[Path] = COURSES,
    program: Path = PROGRAM,
    evidence: list[Path] = EVIDENCE,
    roster: list[Path] = ROSTERS,
    as_of: str = AS_OF,
    completion: float | None = COMPLETION,
    html: Path = HTML,
    profiles_dir: Path = PROFILES_DIR,
) -> None:
    """My progress: one trainee's status on each requirement, and what remains."""
    from peercert.readiness import progress as trainee_progress

    day = _as_of(as_of)
    spec = _program(program)
    view = _guarded(lambda: trainee_progress(trainee, profile, course or [], evidence or [],
                                             profiles_dir, as_of=day, rosters=roster or [],
                                             completion=completion, program=spec))
    _print_progress(view)
    if html:
        from peercert import output
        from peercert.readiness.api import report_modes

        output.write_text(html, view.html(), report_modes(course or []))
        typer.echo(f"Printable page: {html}")


def _print_progress(view: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    r = view.readiness
    t = r.trainees.iloc[0]
    table = Table(title=f"{t['name']} ({t['trainee_id']}): {r.profile.title}, as of {r.as_of}")
    widest = max((len(q.title) for q in r.profile.requirements), default=10)
    table.add_column("Requirement", min_width=min(widest, 40))
    table.add_column("Status", no_wrap=True)
    table.add_column("Where things stand")
    for row in view.rows.itertuples(index=False):
        color, label = STATUS_STYLE[row.status]
        table.add_row(row.requirement, f"[{color}]{label}[/]", row.detail)
    console = Console()
    console.print(table)
    n = len(view.rows)
    console.print("[bold green]Ready: every tracked requirement is met.[/]" if view.ready else
                  f"[bold]{int(t['met'])} of {n} requirements met; {n - int(t['met'])} to go.[/]")
    for item in r.profile.not_tracked:
        console.print(f"[dim]Not tracked by peercert (check with the board): {item.requirement}[/]")


@app.command("profiles")
def profiles(
    profile: str = typer.Argument(None, help="Show one profile's requirements in full."),
    profiles_dir: Path = PROFILES_DIR,
) -> None:
    """List credential profiles, or show one with its thresholds and sources."""
    from peercert.readiness import list_profiles, load_profile

    if profile:
        _show_profile(_guarded(lambda: load_profile(profile, profiles_dir)))
        return
    for p in _guarded(lambda: list_profiles(profiles_dir)):
        typer.echo(f"{p.id:18} {p.stage:8} {len(p.requirements):2} tracked, "
                   f"{len(p.not_tracked)} not tracked  {p.title}")


def _show_profile(p: Any) -> None:
    from peercert.readiness.report import threshold_text

    typer.echo(f"{p.title} [{p.id}, {p.stage}] - {p.authority}")
    if p.cycle_months:
        typer.echo(f"  certification cycle: {p.cycle_months} months, from each person's latest "
                   "'certified' evidence row")
    for q in p.requirements:
        typer.echo(f"  {q.id}: {q.title}: {threshold_text(q)}")
        typer.echo(f"      source {q.source} (verified {q.verified})")
    for n in p.not_tracked:
        typer.echo(f"  not tracked: {n.requirement} [{n.marker}]: {n.reason}")
    typer.echo("  training hours from (hour logs in evidence files always count):")
    for name in ("attendance", "self-study", "provider-approved"):
        rule = p.training_sources.rule(name)
        basis = f" ({rule.source}, verified {rule.verified})" if rule.source else ""
        bodies = f" [approvals by: {', '.join(rule.bodies)}]" if rule.bodies else ""
        typer.echo(f"    {name}: {rule.status}{bodies}{basis}")
        if rule.note:
            typer.echo(f"      {rule.note}")

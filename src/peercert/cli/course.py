"""Course commands: check, build, init, release, trainee-config, demo, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import typer

from peercert.cli.app import app, fail

COURSE = typer.Option(Path("."), "--course",
                      help="The course directory (holds nbgrader_config.py).")


def _fail(message: str) -> NoReturn:
    fail(message)


@app.command()
def check(
    assignments: Path = typer.Argument(Path("assignments"), help="Folder of item banks (*.yaml)."),
) -> None:
    """Validate every item bank; list each problem with file, item and field."""
    from peercert.bank import BankError, load_banks

    try:
        banks = load_banks(assignments)
    except BankError as exc:
        for line in exc.problems:
            typer.secho(line, fg="red", err=True)
        _fail(f"{len(exc.problems)} problem(s) found in {assignments}")
    if not banks:
        _fail(f"no item banks (*.yaml) found in {assignments}")
    items = sum(len(b.items) for b in banks)
    typer.echo(f"OK: {len(banks)} banks, {items} items in {assignments}")


@app.command()
def build(
    assignments: Path = typer.Option(Path("assignments"), help="Folder of item banks."),
    source: Path = typer.Option(Path("source"), help="nbgrader source folder to write."),
) -> None:
    """Build nbgrader source notebooks (source/<quiz>/<quiz>.ipynb) from the item banks."""
    from peercert.bank import BankError
    from peercert.build import build_course

    try:
        paths = build_course(assignments, source)
    except BankError as exc:
        _fail(str(exc))
    if not paths:
        _fail(f"nothing built: no item banks (*.yaml) in {assignments}")
    for path in paths:
        typer.echo(f"built {path}")


@app.command()
def init(
    directory: Path = typer.Argument(..., help="Where to create the course."),
    course_id: str = typer.Option("peercert", help="nbgrader course id."),
    force: bool = typer.Option(False, help="Refresh curriculum files in an existing course."),
) -> None:
    """Create a self-contained course (config, modules, banks, built sources, profiles)."""
    from peercert.course import init_course

    course = init_course(directory, course_id=course_id, force=force)
    typer.echo(f"Created course {course_id!r} in {course}")
    typer.echo(f"Next: cd {course} && peercert release --all   (then start JupyterLab there)")


@app.command()
def release(
    quizzes: list[str] = typer.Argument(None, help="Quiz ids; all banks when omitted."),
    course: Path = COURSE,
) -> None:
    """Build, run nbgrader generate_assignment and release_assignment for quizzes."""
    from peercert.bank import load_banks
    from peercert.build import build_course
    from peercert.course import Course, nbgrader_api, release_quizzes

    root = Course.open(course).root  # a missing course: one line, before anything is built
    build_course(root / "assignments", root / "source")
    names = quizzes or [b.quiz for b in load_banks(root / "assignments")]
    release_quizzes(nbgrader_api(root), names, lambda q: typer.echo(f"released {q}"))


@app.command("trainee-config")
def trainee_config(
    exchange: Path = typer.Option(..., help="The course's nbgrader exchange directory."),
    course_id: str = typer.Option("peercert", help="nbgrader course id."),
    student_id: str = typer.Option(
        None, help="The trainee's id on the course roster (default: their login name)."),
    config_dir: Path = typer.Option(
        None, help="Jupyter configuration directory to write to (default: the trainee's, "
        "$JUPYTER_CONFIG_DIR or ~/.jupyter)."),
) -> None:
    """Set up a trainee's Jupyter: the course exchange, no instructor tools, no news prompt."""
    from peercert_trainee.config import default_config_dir, write_trainee_config

    target = config_dir or default_config_dir()
    try:
        written = write_trainee_config(target, exchange, course_id, student_id)
    except ValueError as exc:
        _fail(str(exc))
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
def export(
    course: Path = COURSE,
    out: Path = typer.Option(None, help="Default: <course>/reports."),
) -> None:
    """Write grades.csv (totals with status) and grades-items.csv (trainee x item)."""
    from peercert.course import Course
    from peercert.export import export_grades

    c = Course.open(course)
    for path in export_grades(c, out or c.root / "reports"):
        typer.echo(f"wrote {path}")


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out",
                             help="Where the demo course and reports go."),
    trainees: int = typer.Option(30, min=1, max=5000, help="Cohort size to simulate."),
    seed: int = typer.Option(0, help="Random seed for the simulated cohort."),
    workers: int = typer.Option(None, min=1, show_default=False,
                                help="Grading processes (default 2)."),
    force: bool = typer.Option(False, help="Replace a previous demo course in --out."),
) -> None:
    """Run the whole course on the embedded SQLite gradebook with a simulated cohort."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from peercert.demo import run_demo

    console = Console()
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        tasks: dict[str, Any] = {}  # stage -> rich TaskID

        def tick(stage: str, n: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=None)
            progress.advance(tasks[stage], n)

        result = run_demo(out, trainees, seed=seed, workers=workers, force=force,
                          say=console.print, tick=tick)
    console.print(f"\n[bold]Done.[/bold] {len(result.quizzes)} quizzes x {trainees} trainees.")
    console.print(f"Course (open it in JupyterLab, or run nbgrader there): {result.course}")
    for path in result.files:
        console.print(f"  {path}")

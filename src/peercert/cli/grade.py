"""``peercert grade`` and ``peercert status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from peercert.cli.app import app
from peercert.cli.course import COURSE, _fail


@app.command()
def grade(
    quizzes: list[str] = typer.Argument(None, metavar="QUIZ...",
                                        help="Quiz (nbgrader assignment) id(s)."),
    course: Path = COURSE,
    every: bool = typer.Option(False, "--all",
                               help="Grade every released quiz that has submissions."),
    workers: int = typer.Option(None, min=1, show_default=False,
                                help="Processes that read and score submissions "
                                     "(default: the course's c.Peercert.workers, else 2)."),
    student: list[str] = typer.Option(None, "--student", help="Grade only these trainees."),
    execute_unsafe: bool = typer.Option(
        False, "--execute-unsafe",
        help="Hand 'needs review' submissions to stock nbgrader autograde, which RUNS their code."),
) -> None:
    """Grade every submission of QUIZ without running trainee code; exact nbgrader scores."""
    from rich.console import Console

    from peercert.grade import quizzes_with_submissions

    console = Console()
    chosen = quizzes_with_submissions(course) if every else list(quizzes or [])
    if not chosen:
        _fail("name a quiz to grade, or pass --all" if not every
              else f"no released quiz in {course} has submissions yet: run 'nbgrader collect'")
    ok = True
    for quiz in chosen:
        ok &= _grade_quiz(console, course, quiz, workers, student, execute_unsafe)
    if not ok:
        raise typer.Exit(1)


def _grade_quiz(console: Any, course: Path, quiz: str, workers: int | None,
                student: list[str] | None, execute_unsafe: bool) -> bool:
    """Grade one quiz with a progress bar; print its summary. False when a trainee failed."""
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from peercert.grade import execute_unsafe as run_unsafe
    from peercert.grade import grade_quiz

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"grading {quiz}", total=None)
        report = grade_quiz(course, quiz, workers=workers, students=student or None,
                            progress=lambda done, total: bar.update(
                                task, completed=done, total=total),
                            on_wait=lambda message: console.print(message, style="yellow",
                                                                  markup=False))
    if execute_unsafe:
        regraded = run_unsafe(course, report)
        console.print(f"stock nbgrader autograde ran {len(regraded)} submission(s): "
                      f"{', '.join(regraded)}")
    table = Table(title=f"{quiz}: {len(report.results)} submissions")
    for col in ("trainee", "status", "score", "reason"):
        table.add_column(col)
    for r in report.results:
        if r.status != "graded" or r.reasons:
            score = "" if r.score is None else f"{round(r.score, 2):g}"
            table.add_row(r.trainee, r.status, score, escape("; ".join(r.reasons)))
    if table.row_count:
        console.print(table)
    console.print(f"{quiz}: graded {report.count('graded')}, "
                  f"needs review {report.count('needs review')}, failed {report.count('failed')}")
    return report.ok


@app.command()
def status(quiz: str = typer.Argument(...), course: Path = COURSE) -> None:
    """Show each trainee's grading status for QUIZ (graded, needs review, failed)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from peercert.grade.status import load_status

    rows = load_status(course, quiz)
    if not rows:
        _fail(f"no grading status for {quiz!r} in {course}: run 'peercert grade {quiz}' first")
    table = Table(title=f"{quiz}")
    for col in ("trainee", "status", "score", "manual grading", "reason"):
        table.add_column(col)
    for trainee, st in rows.items():
        score = "" if st["score"] is None else f"{round(st['score'], 2):g} / {st['max_score']:g}"
        table.add_row(trainee, st["status"], score, ", ".join(st["needs_manual"]),
                      escape("; ".join(st["reasons"])))  # reasons quote trainees' files
    Console().print(table)

"""``peercert feedback`` and ``peercert watch``: thin layers over :mod:`peercert.feedback`."""

from __future__ import annotations

from pathlib import Path

import typer

from peercert.cli.app import app
from peercert.cli.course import COURSE, _fail


@app.command()
def feedback(
    quizzes: list[str] = typer.Argument(None, metavar="QUIZ...",
                                        help="Quiz (nbgrader assignment) id(s)."),
    course: Path = COURSE,
    every: bool = typer.Option(False, "--all", help="Every quiz that has grades."),
    student: list[str] = typer.Option(None, "--student",
                                      help="Write only these trainees' pages."),
    release: bool = typer.Option(
        False, "--release", help="Then release the pages with nbgrader's release_feedback, "
        "so trainees can fetch them in the Assignment List."),
) -> None:
    """Write each trainee's feedback page for QUIZ from the gradebook: plain words, no code.

    Pages go where nbgrader's release_feedback and the Assignment List expect them
    (feedback/<trainee>/<quiz>/<quiz>.html). No notebook is run or converted.
    """
    from peercert.course import Course
    from peercert.feedback import release_feedback, write_feedback
    from peercert.feedback.scores import graded_trainees

    c = Course.open(course)
    chosen = ([q for q in c.quizzes() if graded_trainees(c, q)] if every
              else list(quizzes or []))
    if not chosen:
        _fail("name a quiz, or pass --all" if not every
              else f"no quiz in {c.root} has grades yet: run 'peercert grade' first")
    for quiz in chosen:
        report = write_feedback(c, quiz, student or None)
        for trainee, reason in report.skipped:
            typer.secho(f"  {trainee}: skipped: {reason}", fg="yellow", err=True)
        waiting = (f"; {len(report.waiting)} with written answers still to be scored"
                   if report.waiting else "")
        typer.echo(f"{quiz}: wrote {len(report.written)} feedback page(s) in "
                   f"{report.folder}{waiting}")
        if release and report.written:
            done = release_feedback(c.root, quiz, report.written)
            missing = len(report.written) - len(done)
            typer.echo(f"{quiz}: released {len(done)} page(s) to the exchange"
                       + (f"; {missing} without a submission_secret.txt (collected without "
                          "nbgrader's exchange) cannot be matched by nbgrader" if missing
                          else ""))
    c.close()


@app.command()
def watch(
    course: Path = COURSE,
    once: bool = typer.Option(False, "--once",
                              help="Look once, handle what is there, and exit (tests, cron)."),
    interval: float = typer.Option(None, min=0.1, show_default=False,
                                   help="Seconds between looks (default: the course's "
                                        "c.Peercert.watch_interval, else 1)."),
) -> None:
    """Collect, grade and return feedback on submissions as they arrive (instant feedback).

    Only quizzes the course marks for instant feedback (c.Peercert.instant_feedback: every
    practice quiz by default, never the practice exam). Logs one line per submission.
    Safe to stop and restart at any time; never overwrites a grader's score.
    """
    from peercert.watch import run_watch

    run_watch(course, once=once, interval=interval)

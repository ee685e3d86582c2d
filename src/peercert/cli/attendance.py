"""Attendance commands: record a facilitator-led session, import a sign-in sheet, list sessions."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from peercert.cli.app import app

attendance_app = typer.Typer(
    help="Sign-in records of facilitator-led sessions: the evidence that credits contact hours.",
    no_args_is_help=True,
)
app.add_typer(attendance_app, name="attendance")

COURSE = typer.Option(Path("."), "--course", "-c",
                      help="The course directory (holds nbgrader_config.py and attendance.csv).")


def _fail(lines: list[str], summary: str) -> None:
    for line in lines:
        typer.secho(line, fg="red", err=True)
    typer.secho(summary, fg="red", err=True, bold=True)
    raise typer.Exit(1)


def _guarded(call: Any) -> Any:
    from peercert.readiness.attendance import AttendanceError
    from peercert.readiness.course_evidence import CourseError

    try:
        return call()
    except AttendanceError as exc:
        _fail(exc.problems[:200], f"{len(exc.problems)} problem(s); nothing was recorded")
    except CourseError as exc:
        _fail([str(exc)], "cannot read the course")


def _ids(values: list[str] | None) -> list[str]:
    """Trainee ids from repeated options and/or comma-separated lists."""
    return [x.strip() for v in values or [] for x in v.split(",") if x.strip()]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail([], f"--date {text!r} is not a date; write YYYY-MM-DD")
        raise  # unreachable: _fail exits


@attendance_app.command("record")
def record(
    module: str = typer.Option(..., "--module", "-m", help="The module whose session it was, "
                                                            "e.g. 06-boundaries."),
    day: str = typer.Option(..., "--date", "-d", help="The day of the session (YYYY-MM-DD)."),
    facilitator: str = typer.Option(..., "--facilitator", "-f",
                                    help="Who led the session and took the sign-in."),
    present: list[str] = typer.Option(None, "--present", "-p",
                                      help="Trainee ids who signed in: t1,t2,... (repeatable)."),
    absent: list[str] = typer.Option(None, "--absent",
                                     help="Trainee ids to record as absent (no hours)."),
    minutes: int = typer.Option(None, "--minutes", min=1, max=24 * 60,
                                help="Minutes attended (default: what the facilitator guide "
                                     "declares; never more)."),
    domain: str = typer.Option(None, "--domain", help="IC&RC domain of those minutes (default: "
                                                      "the guide's; required without guides)."),
    course: Path = COURSE,
) -> None:
    """Record one session: who signed in gets the session's minutes, by domain."""
    from peercert.readiness.attendance import record_session

    when = _day(day)
    done = _guarded(lambda: record_session(course, module, when, facilitator, _ids(present),
                                           absent=_ids(absent), minutes=minutes, domain=domain))
    each = ", ".join(f"{m // max(done.present, 1)} min {d}" for d, m in done.minutes.items())
    typer.echo(f"Recorded {module} on {when}: {done.present} present"
               + (f" ({each} each)" if done.present else "") + f", {done.absent} absent")
    typer.echo(f"Attendance file: {done.path}")


@attendance_app.command("import")
def import_sheet(
    sheet: Path = typer.Argument(..., help="A sign-in sheet CSV with the attendance columns: "
                                           "date,module,domain,minutes,facilitator,trainee_id,"
                                           "present"),
    course: Path = COURSE,
) -> None:
    """Check a sign-in sheet strictly and merge it into the course's attendance file."""
    from peercert.readiness.attendance import import_attendance

    done = _guarded(lambda: import_attendance(course, sheet))
    typer.echo(f"Imported {done.rows} rows from {sheet}: {len(done.sessions)} session(s), "
               f"{done.present} trainee(s) present, {done.absent} absence(s)")
    typer.echo(f"Attendance file: {done.path}")


@attendance_app.command("list")
def list_sessions(course: Path = COURSE) -> None:
    """The sessions recorded in a course: date, module, facilitator, present, absent, hours."""
    from peercert.readiness.attendance import session_summary

    for s in _guarded(lambda: session_summary(course)):
        typer.echo(f"{s['date']}  {s['module']:28} {s['facilitator']:20} "
                   f"{s['present']:4} present {s['absent']:4} absent  {s['hours']:g} h")

"""``peercert demo``: a whole course, start to finish, on the embedded SQLite gradebook.

Creates a course from the shipped curriculum, generates and releases every quiz through
nbgrader, simulates a cohort's submissions, grades them with ``peercert grade``, writes each
trainee's feedback page with ``peercert feedback``, exports grades, writes the instructor's
item analysis for every quiz, simulates the cohort's attendance of the facilitator-led
sessions (some trainees miss one; about half of them attend a make-up), recorded as
``peercert attendance`` records a sign-in, and writes the state-program readiness reports for
the IC&RC Peer Recovery profile, where every training hour names its source.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peercert.bank import load_banks
from peercert.course import Course, init_course, nbgrader_api, release_quizzes
from peercert.errors import CourseError

MARKER = ".peercert-demo"

Say = Callable[[str], None]
Tick = Callable[[str, int], None]


@dataclass
class DemoResult:
    course: Path
    reports: Path
    quizzes: list[str] = field(default_factory=list)
    trainees: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    ready: int = 0  # trainees ready for IC&RC PR, from the evidence simulated
    readiness: str = ""  # the readiness summary line


def _fresh_course(out: Path, force: bool) -> Path:
    course = out / "course"
    if course.exists():
        if not (course / MARKER).exists() or not force:
            raise CourseError(f"{course} exists; choose another --out or pass --force "
                                  "(only a previous demo course is ever replaced)")
        shutil.rmtree(course)
    course = init_course(course)
    (course / MARKER).write_text("created by peercert demo\n", encoding="utf-8")
    return course


def _keys(bank: Any) -> dict[str, Any]:
    return {item.id: getattr(item, "key", None) for item in bank.items}


def _add_students(course: Course, people: list[Any]) -> None:
    """Roster rows with names, as ``Gradebook.update_or_create_student`` leaves them."""
    from peercert import nbgrader_compat as nbc

    st = nbc.student
    with course.connect(write=True) as conn:
        known = set(conn.execute(st.select().with_only_columns(st.c.id)).scalars())
        fresh = [{"id": t.id, "first_name": t.first_name, "last_name": t.last_name}
                 for t in people if t.id not in known]
        if fresh:
            conn.execute(st.insert(), fresh)
    course.close()


def run_demo(out: Path, trainees: int = 30, *, seed: int = 0, workers: int | None = None,
             force: bool = False,
             say: Say = lambda _: None, tick: Tick = lambda _s, _n: None) -> DemoResult:
    """Run the whole demo into ``out``; ``say`` reports steps, ``tick`` advances progress."""
    from peercert import simulate
    from peercert.analyze import run_analyze
    from peercert.export import export_grades
    from peercert.feedback import write_feedback
    from peercert.grade import grade_quiz

    out = out.resolve()
    course = _fresh_course(out, force)
    result = DemoResult(course=course, reports=out / "reports", trainees=trainees)
    say(f"Created the course in {course}")
    api = nbgrader_api(course)
    banks = load_banks(course / "assignments")
    result.quizzes = [b.quiz for b in banks]
    release_quizzes(api, result.quizzes, lambda _q: tick("release", 1))
    say(f"Generated and released {len(banks)} quizzes through nbgrader's exchange")
    people = simulate.cohort(trainees, seed)
    _add_students(Course.open(course), people)
    for bank in banks:
        simulate.submit_cohort(course, bank.quiz, people, _keys(bank), seed)
        tick("submit", 1)
    say(f"Simulated {trainees} trainees' submissions in {course / 'submitted'}")
    counts = {"graded": 0, "needs review": 0, "failed": 0}
    for bank in banks:
        report = grade_quiz(course, bank.quiz, workers=workers,
                            progress=lambda done, _total: tick("grade", 1 if done else 0))
        for status in counts:
            counts[status] += report.count(status)
    result.counts = counts
    say(f"Graded {sum(counts.values())} submissions with peercert grade: "
        + ", ".join(f"{v} {k}" for k, v in counts.items()))
    pages = []
    for bank in banks:
        written = write_feedback(course, bank.quiz)
        pages += [written.folder / t / bank.quiz / f"{bank.quiz}.html" for t in written.written]
        tick("feedback", 1)
    say(f"Wrote {len(pages)} feedback pages with peercert feedback in {course / 'feedback'}")
    result.files += pages[:1]  # one trainee's page, to open in a browser
    result.files += list(export_grades(course, result.reports))
    analysis = run_analyze(course, None, result.reports / "analysis")
    result.files += [files[-1] for files in analysis.files.values()]
    say(f"Wrote item analysis for {len(analysis.files)} quizzes in {result.reports / 'analysis'}")
    result.files += _readiness(course, result, seed, say)
    return result


def _readiness(course: Path, result: DemoResult, seed: int, say: Say) -> list[Path]:
    """State-program view for IC&RC Peer Recovery, from attendance and simulated hour logs."""
    from peercert.readiness import run_readiness, simulate_evidence
    from peercert.readiness.attendance import attendance_path
    from peercert.readiness.simulate import demo_plans, simulate_attendance

    _plans, from_guides = demo_plans(course)
    sessions = simulate_attendance(course, seed)
    missed = sum(len(s.absent) for s in sessions)
    say(f"Recorded attendance of {len({s.module for s in sessions})} facilitator-led sessions "
        f"({len(sessions)} with make-ups; {missed} absences) in {attendance_path(course)}"
        + ("" if from_guides else ", planned from peercert's session table (this curriculum "
           "has no facilitator guides yet)"))
    evidence = simulate_evidence(course, result.reports / "evidence.csv", seed=seed)
    res = run_readiness("icrc-pr", [course], [evidence], result.reports / "readiness")
    result.ready, result.readiness = res.ready, res.summary()
    say(f"Readiness: {res.summary()}")
    say("Training hours by source: " + _by_source(res.readiness.credits))
    return [attendance_path(course), evidence, *res.main_files]


def _by_source(credits: Any) -> str:
    """'attendance 1,234 h (counted); self-study 310 h (ask the board); ...'."""
    totals = credits.groupby(["category", "state"])["hours"].sum()
    return "; ".join(f"{category} {hours:,.0f} h ({state})"
                     for (category, state), hours in totals.items()) or "none"

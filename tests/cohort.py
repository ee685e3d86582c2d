"""A small course run through every stage, as an instructor runs it (for the privacy tests).

Trainees fetch and submit through nbgrader's real exchange; the instructor collects with
nbgrader, grades, writes and releases feedback, exports grades, analyses the quiz, exports
the second-grader sheet with reflection text, records attendance and writes readiness
reports into ``<course>/reports`` and into a folder outside the course (``<root>/board``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import exchange
import factory
from conftest import make_course

if TYPE_CHECKING:
    from peercert.course import Course

TRAINEES = ("ana", "ben", "cy", "dee", "zed-forget")
NAMES = {t: (t.title().replace("-", ""), f"Lastname{i}x") for i, t in enumerate(TRAINEES)}
AS_OF = date(2026, 11, 22)


def reflection(trainee: str) -> str:
    """Each trainee's own reflection: text that must never outlive them."""
    return f"When I was using I hid it from my sister ({trainee} private note 7731)."


def build(root: Path, config: str = "") -> Path:
    """The course at ``root/course`` after every stage; outside reports in ``root/board``."""
    from typer.testing import CliRunner

    from peercert.cli import app
    from peercert.course import Course, check_step, nbgrader_api
    from peercert.export import export_grades
    from peercert.feedback import release_feedback, write_feedback
    from peercert.grade import grade_quiz
    from peercert.readiness import run_readiness
    from peercert.readiness.attendance import record_session

    course = make_course(root, config)
    for trainee in TRAINEES:
        home = exchange.home_of(root, trainee)
        nb = exchange.fetch(course, home, trainee, "quiz1")
        answers = dict(factory.PATTERNS["right"], **{"t-06": reflection(trainee)})
        exchange.submit(course, home, trainee, "quiz1", factory.answer_notebook(nb, answers))
    api = nbgrader_api(course)
    check_step(api.collect("quiz1"), "nbgrader collect quiz1")
    assert grade_quiz(course, "quiz1").count("failed") == 0
    _names(Course.open(course))
    written = write_feedback(course, "quiz1").written
    assert release_feedback(course, "quiz1", written, api) == sorted(TRAINEES)
    export_grades(course, course / "reports")
    runner = CliRunner()
    for args in (["analyze", "quiz1"], ["export-reflections", "quiz1", "--with-text"]):
        out = runner.invoke(app, [*args, "--course", str(course)])
        assert out.exit_code == 0, out.output
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", list(TRAINEES),
                   minutes=120, domain="ethical-responsibility", as_of=AS_OF)
    for out in (course / "reports" / "readiness", root / "board"):
        run_readiness("icrc-pr", [course], [], out, as_of=AS_OF)
    return course


def _names(course: Course) -> None:
    """First and last names in the gradebook, as a roster import leaves them."""
    from peercert import nbgrader_compat as nbc

    st = nbc.student
    with course.connect(write=True) as conn:
        for trainee, (first, last) in NAMES.items():
            conn.execute(st.update().where(st.c.id == trainee)
                         .values(first_name=first, last_name=last))
    course.close()

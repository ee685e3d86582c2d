"""Where a course keeps things, for analysis: :class:`peercert.course.Course`.

Read-only: a missing SQLite gradebook is reported (never created). Kept as a thin layer so
older imports (``course_config``, ``CourseConfig``) still work.
"""

from __future__ import annotations

from pathlib import Path

from peercert.analyze.model import AnalysisError
from peercert.course import Course
from peercert.errors import CourseError, NoGradesError

CourseConfig = Course


class NoGradedSubmissions(AnalysisError, NoGradesError):
    """The course (or the quiz) has no graded submissions yet."""


def course_config(course: Path | Course) -> Course:
    """The course, opened; AnalysisError (one sentence) when it cannot be read.

    A :class:`Course` already opened (a program course) is returned as it is.
    """
    if isinstance(course, Course):
        return course
    try:
        return Course.open(Path(course))
    except CourseError as exc:
        raise AnalysisError(str(exc)) from exc

"""Grade exports for instructors: totals per trainee and quiz, and scores per item.

Built from nbgrader's gradebook plus peercert's grading status, so a submission that failed
to grade shows as "failed" with its reason, never as a plain 0. Two queries for the whole
course (submissions with their totals, and grade rows), whatever the cohort size.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from peercert import output
from peercert.course import Course
from peercert.grade.status import load_status

TOTAL_COLUMNS = ["trainee", "first_name", "last_name", "quiz", "status", "score", "max_score",
                 "percent", "needs_manual_grade", "reason"]
ITEM_COLUMNS = ["trainee", "quiz", "item", "score", "max_score", "needs_manual_grade"]


def _submissions(course: Course) -> list[tuple[Any, ...]]:
    """(trainee, first, last, quiz) of every submission, by quiz then trainee."""
    import sqlalchemy as sa

    from peercert import nbgrader_compat as nbc

    sub, st, a = nbc.submitted_assignment, nbc.student, nbc.assignment
    with course.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(sub.c.student_id, st.c.first_name, st.c.last_name, a.c.name)
            .join(st, st.c.id == sub.c.student_id).join(a, a.c.id == sub.c.assignment_id)
            .where(a.c.course_id == course.course_id).order_by(a.c.name, sub.c.student_id))]


def _quizzes(course: Course) -> list[str]:
    return course.quizzes() if course.has_gradebook() else []


def _rows(course: Course) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_sub: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for row in course.grade_rows():
        by_sub[(row[0], row[1])].append(row)
    subs = _submissions(course)
    totals, items = [], []
    for quiz in _quizzes(course):
        status = load_status(course, quiz)
        graded = set()
        for trainee, first, last, _q in (s for s in subs if s[3] == quiz):
            graded.add(trainee)
            rows = sorted(by_sub[(trainee, quiz)], key=lambda r: r[2])
            totals.append(_total(trainee, first, last, quiz, rows, status.get(trainee, {})))
            # nbgrader's Grade.score: an ungraded cell counts 0.0, as in `nbgrader export`.
            items += [{"trainee": trainee, "quiz": quiz, "item": item,
                       "score": 0.0 if score is None else score, "max_score": mx,
                       "needs_manual_grade": nm}
                      for _t, _q, item, mx, _a, _m, _e, score, nm, _ts in rows]
        for trainee, st in sorted(status.items()):
            if st["status"] == "failed" and trainee not in graded:
                totals.append({"trainee": trainee, "first_name": "", "last_name": "",
                               "quiz": quiz, "status": "failed", "score": "",
                               "max_score": "", "percent": "", "needs_manual_grade": "",
                               "reason": "; ".join(st["reasons"])})
    return totals, items


def _total(trainee: str, first: str | None, last: str | None, quiz: str,
           rows: list[tuple[Any, ...]], st: dict[str, Any]) -> dict[str, Any]:
    """One submission's totals: ``SubmittedAssignment.score``/``max_score``/``needs_manual``."""
    score = sum(r[7] or 0.0 for r in rows)
    max_score = sum(r[3] or 0.0 for r in rows)
    return {
        "trainee": trainee, "first_name": first or "", "last_name": last or "", "quiz": quiz,
        "status": st.get("status", "graded"), "score": score, "max_score": max_score,
        "percent": round(100 * score / max_score, 1) if max_score else "",
        "needs_manual_grade": any(r[8] for r in rows),
        "reason": "; ".join(st.get("reasons", [])),
    }


def export_grades(course: Path | Course, out: Path) -> tuple[Path, Path]:
    """Write ``grades.csv`` (totals) and ``grades-items.csv`` (trainee × item) into ``out``."""
    c = Course.of(course)
    try:
        totals, items = _rows(c)
    finally:
        c.close()
    output.prepare_folder(out, c.modes)
    return (output.write_csv(out / "grades.csv", TOTAL_COLUMNS, totals, c.modes),
            output.write_csv(out / "grades-items.csv", ITEM_COLUMNS, items, c.modes))

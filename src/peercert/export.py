"""Grade exports for instructors: totals per trainee and quiz, and scores per item.

Built from nbgrader's gradebook plus peercert's grading status, so a submission that failed
to grade shows as "failed" with its reason, never as a plain 0.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from peercert.grade.status import load_status

TOTAL_COLUMNS = ["trainee", "first_name", "last_name", "quiz", "status", "score", "max_score",
                 "percent", "needs_manual_grade", "reason"]
ITEM_COLUMNS = ["trainee", "quiz", "item", "score", "max_score", "needs_manual_grade"]


def _rows(gradebook: Any, course: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    totals, items = [], []
    for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
        status = load_status(course, assignment.name)
        for sub in sorted(assignment.submissions, key=lambda s: s.student.id):
            st = status.get(sub.student.id, {})
            totals.append({
                "trainee": sub.student.id, "first_name": sub.student.first_name or "",
                "last_name": sub.student.last_name or "", "quiz": assignment.name,
                "status": st.get("status", "graded"), "score": sub.score,
                "max_score": sub.max_score,
                "percent": round(100 * sub.score / sub.max_score, 1) if sub.max_score else "",
                "needs_manual_grade": sub.needs_manual_grade,
                "reason": "; ".join(st.get("reasons", [])),
            })
            for nb in sub.notebooks:
                for g in sorted(nb.grades, key=lambda g: g.name):
                    items.append({"trainee": sub.student.id, "quiz": assignment.name,
                                  "item": g.name, "score": "" if g.score is None else g.score,
                                  "max_score": g.max_score,
                                  "needs_manual_grade": g.needs_manual_grade})
        graded = {s.student.id for s in assignment.submissions}
        for trainee, st in sorted(status.items()):
            if st["status"] == "failed" and trainee not in graded:
                totals.append({"trainee": trainee, "first_name": "", "last_name": "",
                               "quiz": assignment.name, "status": "failed", "score": "",
                               "max_score": "", "percent": "", "needs_manual_grade": "",
                               "reason": "; ".join(st["reasons"])})
    return totals, items


def _write(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path


def export_grades(course: Path, out: Path) -> tuple[Path, Path]:
    """Write ``grades.csv`` (totals) and ``grades-items.csv`` (trainee × item) into ``out``."""
    from nbgrader.api import Gradebook

    from peercert.course import load_settings

    settings = load_settings(course)
    with Gradebook(settings.db_url, settings.course_id) as gb:
        totals, items = _rows(gb, course)
    return _write(out / "grades.csv", TOTAL_COLUMNS, totals), _write(
        out / "grades-items.csv", ITEM_COLUMNS, items)

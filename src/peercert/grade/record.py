"""Write grading results through nbgrader's gradebook, as ``nbgrader autograde`` would.

One writer, one transaction per batch: parallel workers only read and score.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from peercert.grade.read import SubmissionResult


def _fast_sqlite(gradebook: Any) -> None:
    """WAL journal with normal sync: safe against corruption, without an fsync per commit."""
    from sqlalchemy import text

    if gradebook.db.bind.dialect.name == "sqlite":
        gradebook.db.execute(text("PRAGMA journal_mode=WAL"))
        gradebook.db.execute(text("PRAGMA synchronous=NORMAL"))


def known_students(gradebook: Any) -> set[str]:
    """Trainee ids already in the gradebook; ``record`` adds to it as it creates students."""
    _fast_sqlite(gradebook)
    return {s.id for s in gradebook.students}


def record(gradebook: Any, quiz: str, results: Iterable[SubmissionResult],
           timestamps: dict[str, datetime.datetime | None], known: set[str]) -> None:
    """Store auto scores and 'No response.' comments; keep manual scores (as nbgrader does)."""
    for res in results:
        if res.status == "failed":
            continue
        if res.trainee not in known:
            gradebook.update_or_create_student(res.trainee)
            known.add(res.trainee)
        ts = timestamps.get(res.trainee)
        kwargs = {"timestamp": ts} if ts else {}
        sub = gradebook.update_or_create_submission(quiz, res.trainee, **kwargs)
        notebook = next(nb for nb in sub.notebooks if nb.name == quiz)
        grades = {g.name: g for g in notebook.grades}
        comments = {c.name: c for c in notebook.comments}
        for item in res.items.values():
            grade = grades[item.item_id]
            grade.auto_score = item.score
            grade.needs_manual_grade = grade.manual_score is not None or item.score is None
            if item.item_id in comments:
                comments[item.item_id].auto_comment = "No response." if item.blank else None
    gradebook.db.commit()

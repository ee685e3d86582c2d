"""Each trainee's grades of one quiz, read from nbgrader's gradebook.

One query per chunk of trainees (never the whole course), with nbgrader's score rule:
a grader's manual score wins over the auto score, plus extra credit
(:func:`peercert.nbgrader_compat.grade_score`). A cell that nobody has graded yet has no
score: its page says so, and shows no key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from peercert import nbgrader_compat as nbc
from peercert.course import Course

CHUNK = 500  # trainees per query (keeps IN lists well under every database's limit)


@dataclass(frozen=True)
class ItemGrade:
    max_score: float
    auto: float | None
    manual: float | None
    extra: float | None
    comment: str | None  # the grader's comment, else the automatic one ("No response.")

    @property
    def score(self) -> float | None:
        return nbc.grade_score(self.auto, self.manual, self.extra)


@dataclass
class Graded:
    """One trainee's submission of a quiz as the gradebook holds it."""

    trainee: str
    name: str
    timestamp: datetime.datetime | None
    late_penalty: float | None
    items: dict[str, ItemGrade] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """nbgrader's ``SubmittedAssignment.score``: the sum, an ungraded cell counting 0."""
        return sum(g.score or 0.0 for g in self.items.values())

    @property
    def waiting(self) -> list[str]:
        return [item for item, g in self.items.items() if g.score is None]


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


def graded_trainees(course: Course, quiz: str) -> list[str]:
    """Trainees with a submission of ``quiz`` in the gradebook, sorted."""
    sub, a = nbc.submitted_assignment, nbc.assignment
    with course.connect() as conn:
        return sorted(conn.execute(
            sa.select(sub.c.student_id).join(a, a.c.id == sub.c.assignment_id)
            .where(a.c.name == quiz, a.c.course_id == course.course_id)).scalars())


def submission_times(course: Course, quiz: str,
                     trainees: list[str]) -> dict[str, datetime.datetime | None]:
    """Trainee -> the submission time the gradebook holds for ``quiz`` (UTC, naive)."""
    sub, a = nbc.submitted_assignment, nbc.assignment
    out: dict[str, datetime.datetime | None] = {}
    with course.connect() as conn:
        for chunk in _chunks(trainees):
            out.update((trainee, stamp) for trainee, stamp in conn.execute(
                sa.select(sub.c.student_id, sub.c.timestamp)
                .join(a, a.c.id == sub.c.assignment_id)
                .where(a.c.name == quiz, a.c.course_id == course.course_id,
                       sub.c.student_id.in_(chunk))))
    return out


def load_grades(course: Course, quiz: str, trainees: list[str]) -> dict[str, Graded]:
    """Trainee -> :class:`Graded` for those of ``trainees`` the gradebook has."""
    g, gc, bc, cm = nbc.grade, nbc.grade_cells, nbc.base_cell, nbc.comment
    sc = nbc.base_cell.alias("solution_cell")
    sn, sub, a, nb, st = (nbc.submitted_notebook, nbc.submitted_assignment, nbc.assignment,
                          nbc.notebook, nbc.student)
    out: dict[str, Graded] = {}
    with course.connect() as conn:
        for chunk in _chunks(trainees):
            stmt = (
                sa.select(sub.c.student_id, st.c.first_name, st.c.last_name, sub.c.timestamp,
                          sn.c.late_submission_penalty, bc.c.name, gc.c.max_score,
                          g.c.auto_score, g.c.manual_score, g.c.extra_credit,
                          cm.c.manual_comment, cm.c.auto_comment)
                .select_from(g)
                .join(gc, gc.c.id == g.c.cell_id).join(bc, bc.c.id == gc.c.id)
                .join(sn, sn.c.id == g.c.notebook_id).join(nb, nb.c.id == sn.c.notebook_id)
                .join(sub, sub.c.id == sn.c.assignment_id).join(a, a.c.id == sub.c.assignment_id)
                .join(st, st.c.id == sub.c.student_id, isouter=True)
                # a comment belongs to the solution cell of the same name (its own row)
                .join(sc, (sc.c.name == bc.c.name) & (sc.c.notebook_id == bc.c.notebook_id)
                      & (sc.c.type == "SolutionCell"), isouter=True)
                .join(cm, (cm.c.notebook_id == g.c.notebook_id) & (cm.c.cell_id == sc.c.id),
                      isouter=True)
                .where(a.c.name == quiz, a.c.course_id == course.course_id, nb.c.name == quiz,
                       sub.c.student_id.in_(chunk))
            )
            for (trainee, first, last, stamp, late, item, max_score, auto, manual, extra,
                 manual_comment, auto_comment) in conn.execute(stmt):
                if trainee not in out:
                    name = " ".join(p for p in (first, last) if p) or trainee
                    out[trainee] = Graded(trainee, name, stamp, late)
                out[trainee].items[item] = ItemGrade(
                    float(max_score or 0.0), auto, manual, extra,
                    (manual_comment or "").strip() or auto_comment)
    return out

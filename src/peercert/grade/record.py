"""Write grading results into nbgrader's gradebook tables, as ``nbgrader autograde`` would.

Rows are the ones ``Gradebook.add_submission`` creates and ``SaveAutoGrades`` and
``AssignLatePenalties`` fill in, written with one multi-row statement per table and batch
instead of one ORM round trip per cell. One writer, one transaction per batch: parallel
workers only read and score.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from peercert.grade.read import SubmissionResult

Stamps = dict[str, datetime.datetime | None]


@dataclass(frozen=True)
class NotebookLayout:
    """One released notebook: its gradebook id and the ids of the cells a submission mirrors."""

    id: str
    name: str
    grade_cells: dict[str, str]  # grade cell or task cell name -> cell id
    comment_cells: dict[str, str]  # solution cell or task cell name -> cell id


@dataclass
class Existing:
    """A submission already in the gradebook: row ids by notebook name and cell name."""

    id: str
    extension: datetime.timedelta | None
    notebooks: dict[str, str] = field(default_factory=dict)  # notebook name -> row id
    grades: dict[tuple[str, str], tuple[str, float | None]] = field(default_factory=dict)
    comments: dict[tuple[str, str], str] = field(default_factory=dict)


def _fast_sqlite(db: Any) -> None:
    """WAL journal with normal sync: safe against corruption, without an fsync per commit."""
    from sqlalchemy import text

    if db.bind.dialect.name == "sqlite":
        db.execute(text("PRAGMA journal_mode=WAL"))
        db.execute(text("PRAGMA synchronous=NORMAL"))


def _layout(gradebook: Any, quiz: str) -> tuple[Any, list[NotebookLayout]]:
    assignment = gradebook.find_assignment(quiz)
    notebooks = [
        NotebookLayout(
            nb.id, nb.name,
            {c.name: c.id for c in [*nb.grade_cells, *nb.task_cells]},
            {c.name: c.id for c in [*nb.solution_cells, *nb.task_cells]},
        )
        for nb in assignment.notebooks
    ]
    return assignment, notebooks


class GradebookWriter:
    """Records batches of results for one quiz; keeps manual scores, as nbgrader does."""

    def __init__(self, gradebook: Any, quiz: str, config: Any = None):
        from nbgrader.api import Student

        self.db = gradebook.db
        _fast_sqlite(self.db)
        assignment, self.notebooks = _layout(gradebook, quiz)
        self.assignment_id = assignment.id
        self.duedate = assignment.duedate
        self.cell_names = {cid: name for nb in self.notebooks
                           for cells in (nb.grade_cells, nb.comment_cells)
                           for name, cid in cells.items()}
        self.known = {sid for (sid,) in self.db.query(Student.id)}
        self.penalties = _LatePenalties(config)

    def write(self, results: Sequence[SubmissionResult], stamps: Stamps) -> None:
        """Store auto scores, 'No response.' comments, timestamps and late penalties."""
        rows = [r for r in results if r.status != "failed"]
        if not rows:
            return
        self._add_students(rows)
        existing = self._existing([r.trainee for r in rows])
        new = [r for r in rows if r.trainee not in existing]
        notebook_ids = self._insert(new, stamps)
        notebook_ids.update(self._update([r for r in rows if r.trainee in existing],
                                         existing, stamps))
        extensions = {t: e.extension for t, e in existing.items()}
        self._late(rows, stamps, extensions, notebook_ids)
        self.db.commit()

    def _add_students(self, rows: list[SubmissionResult]) -> None:
        from nbgrader.api import Student

        fresh = sorted({r.trainee for r in rows} - self.known)
        if fresh:
            self.db.execute(Student.__table__.insert(), [{"id": t} for t in fresh])
            self.known.update(fresh)

    def _existing(self, trainees: list[str]) -> dict[str, Existing]:
        """Earlier submissions of these trainees, with the ids of their rows."""
        from nbgrader.api import SubmittedAssignment, SubmittedNotebook

        sa, sn = SubmittedAssignment.__table__, SubmittedNotebook.__table__
        query = (sa.select().with_only_columns(sa.c.id, sa.c.student_id, sa.c.extension)
                 .where(sa.c.assignment_id == self.assignment_id, sa.c.student_id.in_(trainees)))
        found = {s: Existing(i, x) for i, s, x in self.db.execute(query)}
        if not found:
            return {}
        by_id = {e.id: e for e in found.values()}
        names = {nb.id: nb.name for nb in self.notebooks}
        owners: dict[str, tuple[Existing, str]] = {}
        # Each filter leads with the first column of nbgrader's unique index on that table.
        query = sn.select().with_only_columns(sn.c.id, sn.c.assignment_id, sn.c.notebook_id).where(
            sn.c.notebook_id.in_(list(names)), sn.c.assignment_id.in_(list(by_id)))
        for nid, sid, notebook in self.db.execute(query):
            by_id[sid].notebooks[names[notebook]] = nid
            owners[nid] = (by_id[sid], names[notebook])
        self._cells(owners)
        return found

    def _cells(self, owners: dict[str, tuple[Existing, str]]) -> None:
        """Fill in the grade and comment row ids of earlier submissions' notebooks."""
        from nbgrader.api import Comment, Grade

        g, c = Grade.__table__, Comment.__table__
        grade_cells = [i for nb in self.notebooks for i in nb.grade_cells.values()]
        comment_cells = [i for nb in self.notebooks for i in nb.comment_cells.values()]
        for gid, nid, cell, manual in self.db.execute(
                g.select().with_only_columns(g.c.id, g.c.notebook_id, g.c.cell_id, g.c.manual_score)
                .where(g.c.cell_id.in_(grade_cells), g.c.notebook_id.in_(list(owners)))):
            old, notebook = owners[nid]
            old.grades[(notebook, self.cell_names[cell])] = (gid, manual)
        for cid, nid, cell in self.db.execute(
                c.select().with_only_columns(c.c.id, c.c.notebook_id, c.c.cell_id)
                .where(c.c.cell_id.in_(comment_cells), c.c.notebook_id.in_(list(owners)))):
            old, notebook = owners[nid]
            old.comments[(notebook, self.cell_names[cell])] = cid

    def _insert(self, new: list[SubmissionResult], stamps: Stamps) -> dict[str, str]:
        """The rows ``add_submission`` creates, filled in. Returns the quiz notebooks' row ids."""
        from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook, new_uuid

        subs, nbs, grades, comments, quiz_nbs = [], [], [], [], {}
        for res in new:
            sub_id = new_uuid()
            subs.append({"id": sub_id, "assignment_id": self.assignment_id,
                         "student_id": res.trainee, "timestamp": stamps.get(res.trainee)})
            for nb in self.notebooks:
                nb_id = new_uuid()
                nbs.append({"id": nb_id, "assignment_id": sub_id, "notebook_id": nb.id,
                            "flagged": False, "late_submission_penalty": None})
                if nb.name == res.quiz:
                    quiz_nbs[res.trainee] = nb_id
                scored = nb.name == res.quiz
                for name, cell_id in nb.grade_cells.items():
                    auto, needs = _grade(res, name, None) if scored else (None, True)
                    grades.append({"id": new_uuid(), "notebook_id": nb_id, "cell_id": cell_id,
                                   "auto_score": auto, "manual_score": None,
                                   "extra_credit": None, "needs_manual_grade": needs})
                for name, cell_id in nb.comment_cells.items():
                    comments.append({"id": new_uuid(), "notebook_id": nb_id, "cell_id": cell_id,
                                     "auto_comment": _comment(res, name) if scored else None,
                                     "manual_comment": None})
        for table, batch in ((SubmittedAssignment, subs), (SubmittedNotebook, nbs),
                             (Grade, grades), (Comment, comments)):
            if batch:
                self.db.execute(table.__table__.insert(), batch)
        return quiz_nbs

    def _update(self, rows: list[SubmissionResult], existing: dict[str, Existing],
                stamps: Stamps) -> dict[str, str]:
        """Refresh auto scores and comments of earlier submissions. Returns quiz notebook ids."""
        from nbgrader.api import Comment, Grade, SubmittedAssignment
        from sqlalchemy import bindparam

        subs, grades, comments, quiz_nbs = [], [], [], {}
        for res in rows:
            old = existing[res.trainee]
            if stamps.get(res.trainee):
                subs.append({"b_id": old.id, "b_ts": stamps[res.trainee]})
            quiz_nbs[res.trainee] = old.notebooks[res.quiz]
            for item_id in res.items:
                gid, manual = old.grades[(res.quiz, item_id)]
                auto, needs = _grade(res, item_id, manual)
                grades.append({"b_id": gid, "b_auto": auto, "b_needs": needs})
                if (res.quiz, item_id) in old.comments:
                    comments.append({"b_id": old.comments[(res.quiz, item_id)],
                                     "b_text": _comment(res, item_id)})
        sa, g, c = SubmittedAssignment.__table__, Grade.__table__, Comment.__table__
        for stmt, batch in (
            (sa.update().where(sa.c.id == bindparam("b_id")).values(timestamp=bindparam("b_ts")),
             subs),
            (g.update().where(g.c.id == bindparam("b_id"))
             .values(auto_score=bindparam("b_auto"), needs_manual_grade=bindparam("b_needs")),
             grades),
            (c.update().where(c.c.id == bindparam("b_id")).values(auto_comment=bindparam("b_text")),
             comments),
        ):
            if batch:
                self.db.execute(stmt, batch)
        return quiz_nbs

    def _late(self, rows: list[SubmissionResult], stamps: Stamps,
              extensions: dict[str, datetime.timedelta | None],
              notebook_ids: dict[str, str]) -> None:
        """``AssignLatePenalties``: reset every penalty, then ask the configured plugin."""
        from nbgrader.api import SubmittedNotebook
        from sqlalchemy import bindparam

        sn = SubmittedNotebook.__table__
        penalties = {notebook_ids[r.trainee]: None for r in rows}
        late = {notebook_ids[r.trainee]: (r.trainee, secs) for r in rows
                if (secs := self._seconds_late(stamps.get(r.trainee), extensions.get(r.trainee)))}
        if late:
            self.db.flush()
            scores = dict(self.db.query(SubmittedNotebook.id, SubmittedNotebook.score)
                          .filter(SubmittedNotebook.id.in_(list(late))))
            for nb_id, (trainee, secs) in late.items():
                penalties[nb_id] = self.penalties.penalty(trainee, scores[nb_id], secs)
        self.db.execute(sn.update().where(sn.c.id == bindparam("b_id"))
                        .values(late_submission_penalty=bindparam("b_p")),
                        [{"b_id": k, "b_p": v} for k, v in penalties.items()])

    def _seconds_late(self, stamp: datetime.datetime | None,
                      extension: datetime.timedelta | None) -> float:
        if stamp is None or self.duedate is None:
            return 0.0
        due = self.duedate + extension if extension is not None else self.duedate
        return max(0.0, (stamp - due).total_seconds())


def _grade(res: SubmissionResult, item_id: str, manual: float | None) -> tuple[float | None, bool]:
    """(auto_score, needs_manual_grade) as ``SaveAutoGrades._add_score`` sets them."""
    item = res.items.get(item_id)
    auto = item.score if item else None
    return auto, manual is not None or auto is None


def _comment(res: SubmissionResult, cell: str) -> str | None:
    """``SaveAutoGrades._add_comment``: 'No response.' for an answer left as released."""
    item = res.items.get(cell)
    return "No response." if item is not None and item.blank else None


class _LatePenalties:
    """nbgrader's own ``AssignLatePenalties`` plugin and limits, from the course config."""

    def __init__(self, config: Any):
        from nbgrader.preprocessors import AssignLatePenalties

        self.pre = AssignLatePenalties(**({"config": config} if config is not None else {}))
        self.pre.init_plugin()

    def penalty(self, trainee: str, score: float, seconds_late: float) -> float | None:
        value = self.pre.plugin_inst.late_submission_penalty(trainee, score, seconds_late)
        if value is None:
            return None
        return self.pre._check_late_penalty(SimpleNamespace(score=score), value)

"""Write grading results into nbgrader's gradebook tables, as ``nbgrader autograde`` would.

Rows are the ones ``Gradebook.add_submission`` creates and ``SaveAutoGrades`` and
``AssignLatePenalties`` fill in, written with one multi-row statement per table and batch
instead of one ORM round trip per cell. One writer, one transaction per batch: parallel
workers only read and score.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam

from peercert import nbgrader_compat as nbc
from peercert.errors import NotReleasedError
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


def _cells(db: Any, table: sa.Table, notebook_ids: list[str]) -> dict[str, dict[str, str]]:
    """notebook id -> {cell name: cell id} for the cells of one cell table."""
    bc = nbc.base_cell
    out: dict[str, dict[str, str]] = {nid: {} for nid in notebook_ids}
    for cid, name, nid in db.execute(
            sa.select(bc.c.id, bc.c.name, bc.c.notebook_id).join(table, table.c.id == bc.c.id)
            .where(bc.c.notebook_id.in_(notebook_ids)).order_by(bc.c.name)):
        out[nid][name] = cid
    return out


def _layout(db: Any, quiz: str, course_id: str | None) -> tuple[Any, list[NotebookLayout]]:
    a, nb = nbc.assignment, nbc.notebook
    stmt = a.select().with_only_columns(a.c.id, a.c.duedate).where(a.c.name == quiz)
    if course_id is not None:
        stmt = stmt.where(a.c.course_id == course_id)
    assignment = db.execute(stmt).first()
    if assignment is None:
        raise NotReleasedError(f"quiz {quiz!r} is not in the gradebook")
    names = dict(db.execute(nb.select().with_only_columns(nb.c.id, nb.c.name)
                            .where(nb.c.assignment_id == assignment.id)).all())
    ids = sorted(names, key=lambda i: names[i])
    grades, solutions, tasks = (_cells(db, t, ids) for t in
                                (nbc.grade_cells, nbc.solution_cells, nbc.task_cells))
    return assignment, [NotebookLayout(i, names[i], {**grades[i], **tasks[i]},
                                       {**solutions[i], **tasks[i]}) for i in ids]


class GradebookWriter:
    """Records batches of results for one quiz; keeps manual scores, as nbgrader does.

    ``db`` is a SQLAlchemy connection (or session) on the gradebook; :meth:`write` commits
    each batch.
    """

    def __init__(self, db: Any, quiz: str, config: Any = None, course_id: str | None = None):
        self.db = getattr(db, "db", db)  # an nbgrader Gradebook keeps its session in .db
        self.course_id = course_id or ""
        assignment, self.notebooks = _layout(self.db, quiz, course_id)
        self.assignment_id = assignment.id
        self.duedate = assignment.duedate
        self.cell_names = {cid: name for nb in self.notebooks
                           for cells in (nb.grade_cells, nb.comment_cells)
                           for name, cid in cells.items()}
        self.known = set(self.db.execute(sa.select(nbc.student.c.id)).scalars())
        self.penalties = nbc.LatePenalty(config)

    def write(self, results: Sequence[SubmissionResult], stamps: Stamps) -> None:
        """Store auto scores, 'No response.' comments, timestamps and late penalties."""
        rows = [r for r in results if r.status != "failed"]
        if not rows:
            return
        self._begin()
        try:
            self._add_students(rows)
            existing = self._existing([r.trainee for r in rows])
            new = [r for r in rows if r.trainee not in existing]
            notebook_ids = self._insert(new, stamps)
            notebook_ids.update(self._update([r for r in rows if r.trainee in existing],
                                             existing, stamps))
            extensions = {t: e.extension for t, e in existing.items()}
            self._late(rows, stamps, extensions, notebook_ids)
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    def _begin(self) -> None:
        """Start the batch's transaction holding the gradebook's write lock.

        What the batch reads (earlier submissions, manual scores) then stays true until it
        commits, whoever else writes: another peercert run, formgrader, stock autograde.
        SQLite: ``BEGIN IMMEDIATE`` (waits, up to the busy timeout, for another writer's
        commit instead of failing halfway); PostgreSQL: a transaction-scoped advisory lock
        per course, so runs on different machines take turns too.
        """
        if not isinstance(self.db, sa.Connection):
            return  # an ORM session (an nbgrader Gradebook): its own transaction rules
        self.db.rollback()  # end the read-only transaction SQLAlchemy began
        dialect = self.db.dialect.name
        if dialect == "sqlite":
            self.db.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            key = int.from_bytes(hashlib.sha256(
                f"peercert grade {self.course_id}".encode()).digest()[:8], "big", signed=True)
            self.db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def _add_students(self, rows: list[SubmissionResult]) -> None:
        """Student rows for new trainees, without racing another writer that adds them too."""
        fresh = sorted({r.trainee for r in rows} - self.known)
        if not fresh:
            return
        dialect = self.db.get_bind().dialect.name if not isinstance(
            self.db, sa.Connection) else self.db.dialect.name
        if dialect in ("sqlite", "postgresql"):
            # imported here: the PostgreSQL dialect alone takes longer to import than a
            # small cohort takes to grade
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                stmt: Any = sqlite_insert(nbc.student)
            else:
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                stmt = pg_insert(nbc.student)
            self.db.execute(stmt.on_conflict_do_nothing(index_elements=["id"]),
                            [{"id": t} for t in fresh])
        else:  # other databases: inside the batch's transaction, skip rows already there
            there = set(self.db.execute(sa.select(nbc.student.c.id)
                                        .where(nbc.student.c.id.in_(fresh))).scalars())
            if missing := [{"id": t} for t in fresh if t not in there]:
                self.db.execute(nbc.student.insert(), missing)
        self.known.update(fresh)

    def _existing(self, trainees: list[str]) -> dict[str, Existing]:
        """Earlier submissions of these trainees, with the ids of their rows."""
        sub, sn = nbc.submitted_assignment, nbc.submitted_notebook
        query = (sub.select().with_only_columns(sub.c.id, sub.c.student_id, sub.c.extension)
                 .where(sub.c.assignment_id == self.assignment_id,
                        sub.c.student_id.in_(trainees)))
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
        g, c = nbc.grade, nbc.comment
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
        per_notebook = sum(1 + len(nb.grade_cells) + len(nb.comment_cells)
                           for nb in self.notebooks)
        new_uuid = iter(nbc.new_uuids(len(new) * (1 + per_notebook))).__next__
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
        for table, batch in ((nbc.submitted_assignment, subs), (nbc.submitted_notebook, nbs),
                             (nbc.grade, grades), (nbc.comment, comments)):
            if batch:
                self.db.execute(table.insert(), batch)
        return quiz_nbs

    def _update(self, rows: list[SubmissionResult], existing: dict[str, Existing],
                stamps: Stamps) -> dict[str, str]:
        """Refresh auto scores and comments of earlier submissions. Returns quiz notebook ids."""
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
        sub, g, c = nbc.submitted_assignment, nbc.grade, nbc.comment
        for stmt, batch in (
            (sub.update().where(sub.c.id == bindparam("b_id"))
             .values(timestamp=bindparam("b_ts")), subs),
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
        sn, g = nbc.submitted_notebook, nbc.grade
        penalties: dict[str, float | None] = {notebook_ids[r.trainee]: None for r in rows}
        late = {notebook_ids[r.trainee]: (r.trainee, secs) for r in rows
                if (secs := self._seconds_late(stamps.get(r.trainee), extensions.get(r.trainee)))}
        if late:
            # SubmittedNotebook.score: the sum of its grades' scores (nbgrader's rule).
            scores = dict.fromkeys(late, 0.0)
            scores.update(self.db.execute(
                sa.select(g.c.notebook_id, sa.func.sum(nbc.grade_score_sql(g)))
                .where(g.c.notebook_id.in_(list(late))).group_by(g.c.notebook_id)).all())
            for nb_id, (trainee, secs) in late.items():
                penalties[nb_id] = self.penalties.penalty(trainee, scores[nb_id], secs)
        self.db.execute(sn.update().where(sn.c.id == bindparam("b_id"))
                        .values(late_submission_penalty=bindparam("b_p")),
                        [{"b_id": k, "b_p": v} for k, v in penalties.items()])

    def _seconds_late(self, stamp: datetime.datetime | None,
                      extension: datetime.timedelta | None) -> float:
        return nbc.seconds_late(stamp, self.duedate, extension)


def _grade(res: SubmissionResult, item_id: str, manual: float | None) -> tuple[float | None, bool]:
    """(auto_score, needs_manual_grade) as ``SaveAutoGrades._add_score`` sets them."""
    item = res.items.get(item_id)
    auto = item.score if item else None
    return auto, nbc.needs_manual_grade(auto, manual)


def _comment(res: SubmissionResult, cell: str) -> str | None:
    """``SaveAutoGrades._add_comment``: 'No response.' for an answer left as released."""
    item = res.items.get(cell)
    return nbc.NO_RESPONSE if item is not None and item.blank else None

"""``peercert forget``: remove one trainee from a course, on their request.

What goes, every trace of the trainee id in the course:

* their folders under ``submitted/``, ``autograded/`` and ``feedback/``;
* their submissions in nbgrader's exchange (``inbound/<trainee>+<quiz>+<time>+<random>``) and
  the feedback pages released to them (``feedback/<hash>.html``: the hash nbgrader computes
  from each submission's ``submission_secret.txt``);
* their gradebook rows, through nbgrader's own ``Gradebook.remove_student`` (the student, every
  submission, grade and comment); an SQLite gradebook is then vacuumed so that the deleted
  rows are not left in the file's free pages;
* their grading status (``.peercert/status``) and ``peercert watch`` records;
* their rows in ``attendance.csv`` (``approvals.csv`` has none: it is per module) and in every
  report under ``<course>/reports`` and the ``reports`` folders given: CSV rows whose trainee
  column names them (grades, item scores, competency mastery, readiness, board export,
  second-grader sheets, evidence), the rows of HTML tables that name them (a cell or link
  holding exactly their id), their own readiness pages; temporary files a killed write left;
* the lines of nbgrader's log (``.nbgrader.log``) that name them.

A file that still names them after that is never guessed at: it is listed (``leftovers``) for
the instructor to review. What stays: aggregate figures already computed (item statistics,
counts of ready trainees) until their reports are written again, and one line in
``<course>/forget-log.csv``: when, which user ran it, and "1 trainee removed": never the
trainee's id, name or any content. Every file is rewritten through :mod:`peercert.output`
(atomic, the course's modes), under the course's gradebook lock; a run stopped halfway is
finished by running it again.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import html
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peercert import nbgrader_compat as nbc
from peercert import output
from peercert.course import PRIVATE_STAGES, Course
from peercert.errors import PeercertError

LOG_NAME = "forget-log.csv"
LOG_COLUMNS = ("when_utc", "who", "what")
TRAINEE_COLUMNS = ("trainee", "trainee_id", "student", "student_id")
COURSE_CSVS = ("attendance.csv", "approvals.csv")  # approvals are per module: kept as they are
NBGRADER_LOG = ".nbgrader.log"
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>\s*", re.DOTALL | re.IGNORECASE)


class UnknownTrainee(PeercertError, LookupError):
    """The trainee id is not a valid id, or nothing in the course names it."""


@dataclass
class ForgetPlan:
    """Everything of one trainee in a course, found without changing anything."""

    course: Path
    trainee: str
    students: int = 0  # gradebook student rows (0 or 1)
    submissions: int = 0  # gradebook submissions
    folders: list[Path] = field(default_factory=list)  # removed whole
    exchange: list[Path] = field(default_factory=list)  # inbound entries, released feedback
    status: list[Path] = field(default_factory=list)  # status and watch files naming them
    rows: dict[Path, int] = field(default_factory=dict)  # CSV -> rows naming them
    tables: list[Path] = field(default_factory=list)  # HTML naming them: their rows go
    pages: list[Path] = field(default_factory=list)  # their own readiness pages: removed
    files: list[Path] = field(default_factory=list)  # temporary files naming them: removed
    others: list[Path] = field(default_factory=list)  # other files naming them: listed only
    logs: list[Path] = field(default_factory=list)  # logs with lines naming them

    @property
    def found(self) -> bool:
        return bool(self.students or self.folders or self.exchange or self.status or self.rows
                    or self.tables or self.pages or self.files or self.logs or self.others)

    def lines(self) -> list[str]:
        """What goes, one line per place (paths relative to the course where inside it)."""
        def rel(p: Path) -> str:
            return str(p.relative_to(self.course)) if p.is_relative_to(self.course) else str(p)

        out = []
        if self.students:
            out.append(f"gradebook: the student and {self.submissions} submission(s)")
        out += [f"folder: {rel(p)}" for p in self.folders]
        out += [f"exchange: {rel(p)}" for p in self.exchange]
        out += [f"status: {rel(p)}" for p in self.status]
        out += [f"rows: {rel(p)} ({n})" for p, n in self.rows.items()]
        out += [f"table rows: {rel(p)}" for p in self.tables]
        out += [f"page: {rel(p)}" for p in self.pages]
        out += [f"file: {rel(p)}" for p in self.files]
        out += [f"log lines: {rel(p)}" for p in self.logs]
        out += [f"left as it is (names them; review by hand): {rel(p)}" for p in self.others]
        return out


@dataclass(frozen=True)
class ForgetResult:
    plan: ForgetPlan
    removed_files: list[Path]  # their own pages and temporary files, removed whole
    leftovers: list[Path]  # files that still name them: for the instructor to review
    log: Path


def _token(trainee: str) -> re.Pattern[str]:
    """The trainee id as a whole word (``t01`` is not found in ``t012``)."""
    ids = {re.escape(trainee), re.escape(html.escape(trainee))}
    return re.compile(r"(?<![\w@.-])(?:" + "|".join(sorted(ids)) + r")(?![\w@-])")


def _cell(trainee: str) -> re.Pattern[str]:
    """The id as the whole text of an HTML element (``<td>t01</td>``), or a link's target
    file (``href="trainees/t01.html"``): how peercert's report tables name a trainee."""
    ident = re.escape(html.escape(trainee))
    return re.compile(r">\s*" + ident + r"\s*<|/" + ident + r"\.html\b")


def _is_temporary(path: Path) -> bool:
    """A temporary file of ``peercert.output`` that a killed write left behind."""
    return output.is_temporary(path.name)


def _names(path: Path, token: re.Pattern[str]) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return token.search(data.decode("utf-8", "replace")) is not None


def _walk(folder: Path) -> Iterator[Path]:
    """Every regular file under ``folder`` (links never followed)."""
    for base, _dirs, files in os.walk(folder):
        for name in sorted(files):
            path = Path(base) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _trainee_column(path: Path) -> list[str]:
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return []
    return [c for c in header if c in TRAINEE_COLUMNS]


def _count_rows(path: Path, trainee: str) -> int:
    import csv

    columns = _trainee_column(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(any(output.unquote_cell(row.get(c) or "").strip() == trainee
                       for c in columns) for row in csv.DictReader(fh))


class _Finder:
    def __init__(self, course: Course, trainee: str, reports: Sequence[Path]):
        self.c = course
        self.trainee = trainee
        self.token = _token(trainee)
        self.reports = [Path(r).resolve() for r in reports]
        self.plan = ForgetPlan(course.root, trainee)
        from peercert.readiness.report import page_names

        self.page = page_names([trainee])[trainee]  # their readiness page's file name

    def run(self) -> ForgetPlan:
        self._gradebook()
        self._folders()
        self._exchange()
        self._status()
        for name in COURSE_CSVS:
            self._file(self.c.root / name)
        for folder in self.reports:
            for path in _walk(folder):
                self._file(path)
        log = self.c.root / NBGRADER_LOG
        if log.is_file() and _names(log, self.token):
            self.plan.logs.append(log)
        return self.plan

    def _gradebook(self) -> None:
        import sqlalchemy as sa

        if not self.c.has_gradebook():
            return
        st, sub = nbc.student, nbc.submitted_assignment
        with self.c.connect() as conn:
            self.plan.students = len(conn.execute(
                sa.select(st.c.id).where(st.c.id == self.trainee)).all())
            self.plan.submissions = len(conn.execute(
                sa.select(sub.c.id).where(sub.c.student_id == self.trainee)).all())
        self.c.close()

    def _folders(self) -> None:
        for stage in PRIVATE_STAGES:
            path = self.c.folder(stage) / self.trainee
            if os.path.lexists(path):
                self.plan.folders.append(path)

    def _inbound(self) -> list[Path]:
        inbound = self.c.exchange("inbound")
        try:
            names = sorted(os.listdir(inbound))
        except OSError:
            return []
        return [inbound / n for n in names
                if (rec := nbc.inbound_record(n)) is not None and rec[0] == self.trainee]

    def _secrets(self, inbound: list[Path]) -> set[str]:
        """nbgrader's feedback hashes of every submission of theirs: md5(secret + notebook)."""
        places = [*inbound, *(p for stage in PRIVATE_STAGES
                              for p in (self.c.folder(stage) / self.trainee).glob("*")
                              if p.is_dir() and not p.is_symlink())]
        hashes = set()
        for place in places:
            try:
                secret = (place / "submission_secret.txt").read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            notebooks = {p.stem for p in place.glob("*.ipynb")} | {
                p.stem for p in place.glob("*.html")}
            hashes |= {hashlib.md5((secret + nb).encode("utf-8")).hexdigest()
                       for nb in notebooks}
        return hashes

    def _exchange(self) -> None:
        inbound = self._inbound()
        released = self.c.exchange("feedback")
        hashes = self._secrets(inbound)
        pages = []
        if released.is_dir():
            for page in sorted(released.glob("*.html")):
                if page.stem.removesuffix("-tmp") in hashes or _names(page, self.token):
                    pages.append(page)
        self.plan.exchange += inbound + pages

    def _status(self) -> None:
        for folder in (self.c.status_dir, self.c.root / ".peercert" / "watch"):
            for path in _walk(folder) if folder.is_dir() else ():
                if _names(path, self.token):
                    (self.plan.files if _is_temporary(path) else
                     self.plan.status).append(path)

    def _file(self, path: Path) -> None:
        if not path.is_file() or not _names(path, self.token):
            return
        if _is_temporary(path):
            self.plan.files.append(path)
        elif path.suffix == ".csv" and _trainee_column(path) and _count_rows(path, self.trainee):
            self.plan.rows[path] = _count_rows(path, self.trainee)
        elif path.suffix == ".html" and path.parent.name == "trainees" and path.name == self.page:
            self.plan.pages.append(path)
        elif path.suffix == ".html":
            self.plan.tables.append(path)
        else:
            self.plan.others.append(path)


def plan_forget(course: Path | Course, trainee: str,
                reports: Sequence[Path] = ()) -> ForgetPlan:
    """What ``forget`` would remove (nothing is changed). UnknownTrainee when nothing names
    them or the id is not one nbgrader allows. ``reports``: report folders besides
    ``<course>/reports`` (e.g. a readiness ``--out`` folder)."""
    from peercert.grade import TRAINEE_ID

    c = Course.of(course)
    if not TRAINEE_ID.match(trainee):
        raise UnknownTrainee(f"{trainee!r} is not a trainee id (nbgrader's ids are letters, "
                             "digits and . _ @ -)")
    folders = list(dict.fromkeys([c.root / "reports", *(Path(r) for r in reports)]))
    plan = _Finder(c, trainee, [f for f in folders if f.is_dir()]).run()
    if not plan.found:
        raise UnknownTrainee(f"no trainee {trainee!r} in {c.root}: not in the gradebook, "
                             "submissions, exchange, attendance, status or reports")
    return plan


def forget(course: Path | Course, trainee: str, reports: Sequence[Path] = (), *,
           who: str | None = None) -> ForgetResult:
    """Remove every trace of ``trainee`` from the course (see the module docstring).

    Holds the course's gradebook lock throughout, so no grading run writes beside it, and
    refuses (WatchBusy) while ``peercert watch`` runs on the course.
    Appends one line to ``<course>/forget-log.csv``: when, ``who`` (default: this user),
    "1 trainee removed".
    """
    from peercert.grade.lock import CourseLock
    from peercert.watch import Watcher

    c = Course.of(course)
    modes = c.modes
    # A running ``peercert watch`` would collect and grade them again: it must be stopped
    # (WatchBusy says so); grading runs wait for the gradebook lock, or this waits for them.
    with Watcher(c).lock(), CourseLock(c.grade_lock, c.defaults.lock_timeout,
                                        modes=modes).held():
        plan = plan_forget(c, trainee, reports)
        token = _token(trainee)
        for path in plan.exchange:  # first: their hashes are computed from the submissions
            _remove(path)
        if plan.students:
            _remove_student(c, trainee)
        _forget_state(c, plan, modes)
        for path in plan.folders:
            _remove(path)
        for path in plan.rows:
            output.drop_csv_rows(path, lambda row: any(
                (row.get(col) or "").strip() == trainee for col in TRAINEE_COLUMNS), modes)
        removed = [*plan.pages, *plan.files]
        for path in removed:
            path.unlink(missing_ok=True)
        for path in plan.tables:
            _drop_table_rows(path, _cell(trainee), modes)
        for path in plan.logs:
            _drop_log_lines(path, token, modes)
        leftovers = [p for p in [*plan.rows, *plan.status, *plan.tables, *plan.others]
                     if p.exists() and _names(p, token)]
        log = _audit(c, who, modes)
    return ForgetResult(plan, removed, leftovers, log)



def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _remove_student(c: Course, trainee: str) -> None:
    """nbgrader's ``Gradebook.remove_student``; then no deleted row stays in an SQLite file."""
    with c.nbgrader_gradebook() as gb:
        gb.remove_student(trainee)
    path = c.sqlite_path
    if path is not None:
        import sqlite3

        conn = sqlite3.connect(path, timeout=60)
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def _forget_state(c: Course, plan: ForgetPlan, modes: output.Modes) -> None:
    """Their grading status and ``peercert watch`` records."""
    import json

    from peercert.grade.status import forget_status

    forget_status(c, plan.trainee)
    for path in plan.status:
        if path.parent == c.status_dir or not path.exists():
            continue
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if isinstance(state, dict):
            state.pop(plan.trainee, None)
            output.write_json(path, dict(sorted(state.items())), modes=modes)


def _drop_table_rows(path: Path, cell: re.Pattern[str], modes: output.Modes) -> None:
    """Remove the HTML table rows with a cell or link naming them."""
    text = path.read_text(encoding="utf-8", errors="replace")
    kept = _ROW.sub(lambda m: "" if cell.search(m.group(0)) else m.group(0), text)
    if kept != text:
        output.write_text(path, kept, modes)


def _drop_log_lines(path: Path, token: re.Pattern[str], modes: output.Modes) -> None:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    output.write_text(path, "".join(li for li in lines if not token.search(li)), modes)


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name, no passwd entry (a container)
        return f"uid {os.getuid()}"


def _audit(c: Course, who: str | None, modes: output.Modes) -> Path:
    """Append when, who and "1 trainee removed" to the course's forget log (nothing else)."""
    import csv
    import io

    path = c.root / LOG_NAME
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(
        [output.safe_cell(v) for v in (now, _who(who), "1 trainee removed")])
    head = output.csv_text(LOG_COLUMNS, []) if not old else ""
    output.write_text(path, old + head + line.getvalue(), modes)
    return path

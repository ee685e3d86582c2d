"""Attendance of facilitator-led sessions: the sign-in record that credits contact hours.

A course keeps one file, ``<course>/attendance.csv``, one row per trainee and session (and
domain, when a session covers several)::

    date,module,domain,minutes,facilitator,trainee_id,present
    2026-11-20,06-boundaries,ethical-responsibility,240,R. Diaz,t0001,yes
    2026-11-20,06-boundaries,,,R. Diaz,t0002,no

- ``date``: the day of the session (YYYY-MM-DD, not after today);
- ``module``: the module whose session it was (``NN-slug``); the course's facilitator guide
  for it (``modules/facilitator/NN-slug.md``, ``peercert.sessions``) says how long the
  session is and how its time divides across the IC&RC domains;
- ``domain`` and ``minutes``: minutes the trainee attended in that domain. They can never
  exceed what the guide declares for the domain, on one row or summed over all of a
  trainee's rows for the module (a make-up session tops up a partial attendance, it does not
  add to it);
- ``facilitator``: who led the session and took the sign-in;
- ``present``: ``yes`` (credited) or ``no`` (a recorded absence: no minutes, no hours).

Without facilitator guides in the course, a module is any ``NN-slug`` and ``domain`` any
topic; minutes are then capped only by the day (24 hours per trainee and date). There is no
free-text column: notes about a trainee do not belong in a file a board may audit.

``peercert attendance record`` appends one session; ``peercert attendance import`` merges a
sign-in sheet in this format. Both check the whole resulting file (the existing rows and
the new ones) first, strictly and all-or-nothing like evidence files, and write it by
write-then-rename, so an interrupted write never leaves a half file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peercert import output
from peercert.readiness.evidence import EARLIEST, EvidenceError, _Checker, _read_table, _short
from peercert.readiness.records import empty_records, normalize_records
from peercert.readiness.sources import attendance_label

COLUMNS = ("date", "module", "domain", "minutes", "facilitator", "trainee_id", "present")
FILE_NAME = "attendance.csv"
DAY_MINUTES = 24 * 60
MODULE = re.compile(r"^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FACILITATOR = 100
WHOLE = re.compile(r"^\d+$")


def _whole(value: str) -> float:
    return float(value) if WHOLE.match(value) else np.nan


class AttendanceError(EvidenceError):
    """Every problem found in attendance rows; nothing was recorded or credited."""


@dataclass(frozen=True)
class Plan:
    """What a module's session declares: minutes per domain (from its facilitator guide)."""

    module: str
    domain_minutes: dict[str, int]

    @property
    def minutes(self) -> int:
        return sum(self.domain_minutes.values())


def plans_from_guides(course: Path) -> dict[str, Plan]:
    """The course's facilitator guides as plans; SessionError when a guide is broken."""
    from peercert.sessions import load_sessions

    return {s.module: Plan(s.module, dict(s.domain_minutes)) for s in load_sessions(course)}


def attendance_path(course: Path) -> Path:
    return Path(course) / FILE_NAME


@dataclass
class _Rows:
    """Attendance rows as text, with where each came from (file name and line)."""

    frame: pd.DataFrame  # COLUMNS as str, plus file_no and line
    names: list[str] = field(default_factory=list)

    def add(self, frame: pd.DataFrame, name: str, lines: Sequence[int] | np.ndarray) -> None:
        part = pd.DataFrame({c: _per_value(frame[c], str.strip) for c in COLUMNS})
        part["present"] = _per_value(part["present"], str.lower)
        part["file_no"] = len(self.names)
        part["line"] = np.asarray(lines, dtype=np.int64)
        self.names.append(name)
        self.frame = pd.concat([self.frame, part], ignore_index=True)


def _per_value(col: pd.Series, fn: Callable[[str], Any]) -> np.ndarray:
    """``fn`` of each cell, computed once per distinct value (a sign-in repeats a lot)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, uniques = pd.factorize(col.to_numpy(dtype=object))
    values = [fn(str(u)) for u in uniques]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out[codes] if len(codes) else np.array([], dtype=object)


def _matches(col: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    return pd.Series(_per_value(col, lambda v: bool(pattern.match(v))), index=col.index,
                     dtype=bool)


def _empty_rows() -> _Rows:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})
    frame["file_no"] = pd.Series(dtype=np.int64)
    frame["line"] = pd.Series(dtype=np.int64)
    return _Rows(frame)


def _read(path: Path, rows: _Rows, problems: list[str]) -> list[str] | None:
    """Add a file's rows; return its header (None when it cannot be read)."""
    table = _read_table(path, COLUMNS, problems, exact=True)
    if table is None:
        return None
    rows.add(table.frame, str(path), table.lines)
    return table.header


class _Check:
    """The attendance rules, vectorised; each failing row becomes ``file:line: message``."""

    def __init__(self, rows: _Rows, plans: dict[str, Plan], roster: Collection[str],
                 as_of: date):
        self.f = rows.frame
        self.c = _Checker(self.f, [])
        self.c.names = rows.names
        self.plans = plans
        self.roster = set(roster)
        self.as_of = as_of
        self._declared_cache: pd.Series | None = None

    def run(self) -> list[str]:
        present = self._present()
        self._trainees()
        self._dates()
        self._modules()
        minutes = self._minutes(present)
        self._domains(present)
        self._facilitators()
        self._duplicates(present)
        self._totals(present, minutes)
        return self.c.problems()

    def _present(self) -> pd.Series:
        f = self.f
        self.c.where(~f["present"].isin(("yes", "no")),
                     fmt=lambda r: f"present {_short(r.present, 12)!r} must be yes or no")
        return f["present"] == "yes"

    def _trainees(self) -> None:
        f = self.f
        self.c.where(f["trainee_id"] == "", "trainee_id is empty")
        self.c.where((f["trainee_id"] != "") & ~f["trainee_id"].isin(self.roster),
                     fmt=lambda r: f"trainee {_short(r.trainee_id)!r} is not on the course "
                                   "roster (the gradebook's students)")

    def _dates(self) -> None:
        f = self.f
        shaped = _matches(f["date"], ISO)
        parsed = pd.to_datetime(f["date"].where(shaped), format="%Y-%m-%d", errors="coerce",
                                cache=True)
        self.c.where(parsed.isna(), fmt=lambda r: f"date {_short(r.date, 20)!r} is not a real "
                                                  "date (write YYYY-MM-DD)")
        self.c.where(parsed > pd.Timestamp(self.as_of),
                     f"date is after {self.as_of}: a session cannot be signed in before it "
                     "happens")
        self.c.where(parsed < pd.Timestamp(EARLIEST), f"date is before {EARLIEST}: check the year")
        self.f = f.assign(_day=parsed)

    def _modules(self) -> None:
        f = self.f
        shaped = _matches(f["module"], MODULE)
        self.c.where(~shaped, fmt=lambda r: f"module {_short(r.module, 40)!r} must be a module "
                                            "id like 06-boundaries")
        if self.plans:
            known = ", ".join(sorted(self.plans))
            self.c.where(shaped & ~f["module"].isin(set(self.plans)),
                         fmt=lambda r: f"module {r.module!r} has no facilitator guide in this "
                                       f"course (guides: {known})")

    def _minutes(self, present: pd.Series) -> pd.Series:
        f = self.f
        number = _matches(f["minutes"], WHOLE)
        minutes = pd.Series(_per_value(f["minutes"], _whole), index=f.index, dtype=float)
        self.c.where(present & (f["minutes"] == ""), "minutes is empty: how many minutes did "
                                                     "the trainee attend?")
        self.c.where(present & (f["minutes"] != "") & ~number,
                     fmt=lambda r: f"minutes {_short(r.minutes, 12)!r} must be a whole number")
        self.c.where(present & (minutes == 0), "minutes is 0 on a present row: write present "
                                               "no for an absence")
        self.c.where(present & (minutes > DAY_MINUTES), f"more than {DAY_MINUTES} minutes in "
                                                        "one day is impossible")
        absent = f["present"] == "no"
        self.c.where(absent & (f["minutes"] != "") & (minutes != 0),
                     "minutes must be empty on an absent row: an absence earns no hours")
        if self.plans:
            declared = self._declared()
            over = present & declared.notna() & (minutes > declared)
            self.c.where(over, fmt=lambda r: f"{r.minutes} minutes of {r.domain} is more than "
                                             f"the {r.module} session declares "
                                             f"({self._plan_minutes(r.module, r.domain)})")
        return minutes.where(present, 0.0).fillna(0.0)

    def _declared(self) -> pd.Series:
        """Minutes each row's guide declares for its module and domain (NaN: none)."""
        if self._declared_cache is None:
            m, modules = pd.factorize(self.f["module"].to_numpy(dtype=object))
            d, domains = pd.factorize(self.f["domain"].to_numpy(dtype=object))
            table = np.array([[float(self.plans[mod].domain_minutes.get(dom, np.nan))
                               if mod in self.plans else np.nan for dom in domains]
                              for mod in modules]).reshape(len(modules), len(domains))
            values = table[m, d] if len(m) else np.zeros(0)
            self._declared_cache = pd.Series(values, index=self.f.index)
        return self._declared_cache

    def _plan_minutes(self, module: str, domain: str) -> int:
        return self.plans[module].domain_minutes[domain]

    def _domains(self, present: pd.Series) -> None:
        f = self.f
        self.c.where(present & (f["domain"] == ""), "domain is empty: which IC&RC domain (or "
                                                    "topic) did the session cover?")
        shaped = _matches(f["domain"], SLUG)
        self.c.where((f["domain"] != "") & ~shaped, "domain must be lowercase words joined by "
                                                    "hyphens, like ethical-responsibility")
        if not self.plans:
            return
        planned = f["module"].isin(set(self.plans))
        declared = self._declared()
        self.c.where(present & planned & shaped & declared.isna(),
                     fmt=lambda r: f"the {r.module} session has no {r.domain} time; its guide "
                                   f"declares {self._domain_list(r.module)}")

    def _domain_list(self, module: str) -> str:
        return ", ".join(f"{d} {m} min" for d, m in self.plans[module].domain_minutes.items())

    def _facilitators(self) -> None:
        f = self.f
        self.c.where(f["facilitator"] == "", "facilitator is empty: name who led the session "
                                             "and took the sign-in")
        self.c.where(f["facilitator"].str.len() > MAX_FACILITATOR,
                     f"facilitator is longer than {MAX_FACILITATOR} characters")

    def _duplicates(self, present: pd.Series) -> None:
        f = self.f
        keys = ["date", "module", "trainee_id"]
        self._dupes(f[present], [*keys, "domain"], "same date, module, domain and trainee")
        absent = f[f["present"] == "no"]
        self._dupes(absent, keys, "same date, module and trainee")
        both = absent.merge(f[present].drop_duplicates(keys), on=keys, suffixes=("", "_yes"))
        for row in both.itertuples(index=False):
            self.c.found.append((row.file_no, row.line, f"trainee {row.trainee_id!r} is marked "
                                 f"absent here and present at "
                                 f"{self.c.names[row.file_no_yes]}:{row.line_yes}"))

    def _dupes(self, part: pd.DataFrame, keys: list[str], what: str) -> None:
        dup = part.duplicated(keys, keep="first")
        if not dup.any():
            return
        first = part.groupby(keys, sort=False)[["file_no", "line"]].transform("first")
        for (fno, line), (ffno, fline) in zip(part.loc[dup, ["file_no", "line"]].itertuples(
                index=False), first[dup].itertuples(index=False), strict=True):
            self.c.found.append((fno, line, f"duplicate of {self.c.names[ffno]}:{fline} "
                                            f"({what})"))

    def _totals(self, present: pd.Series, minutes: pd.Series) -> None:
        f = self.f.assign(_min=minutes)[present & minutes.notna()]
        f = f.drop_duplicates(["date", "module", "domain", "trainee_id"])  # reported already
        if self.plans:
            declared = self._declared()[f.index]
            keys = f.groupby(["trainee_id", "module", "domain"])["_min"]
            over = (keys.transform("sum") > declared) & (keys.transform("size") > 1)
            self._report_over(f[over.to_numpy()], ["trainee_id", "module", "domain"],
                              lambda k, m: f"trainee {k[0]!r} has {m:g} minutes of {k[1]} "
                                           f"{k[2]} in all; the session declares "
                                           f"{self._plan_minutes(k[1], k[2])}, and a repeat "
                                           "counts once")
        day = f[f["_day"].notna()]
        per_day = day.groupby(["trainee_id", "_day"])["_min"].transform("sum")
        self._report_over(day[(per_day > DAY_MINUTES).to_numpy()], ["trainee_id", "_day"],
                          lambda k, m: f"trainee {k[0]!r} has {m:g} minutes on "
                                       f"{k[1].date()}, more than a day holds")

    def _report_over(self, over: pd.DataFrame, keys: list[str], text) -> None:  # noqa: ANN001
        for key, group in over.groupby(keys, sort=True):
            lines = ", ".join(f"{self.c.names[a]}:{b}" for a, b in zip(group["file_no"],
                                                                      group["line"], strict=True))
            last = group.iloc[-1]
            self.c.found.append((int(last["file_no"]), int(last["line"]),
                                 f"{text(key, group['_min'].sum())} (rows {lines})"))


def check_rows(rows: _Rows, plans: dict[str, Plan], roster: Collection[str],
               as_of: date) -> None:
    """Raise AttendanceError listing every problem in ``rows``."""
    problems = _Check(rows, plans, roster, as_of).run()
    if problems:
        raise AttendanceError(problems)


def records_from_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Training records for the present rows: minutes / 60 hours, labelled by session."""
    present = frame[frame["present"] == "yes"]
    if present.empty:
        return empty_records()
    return normalize_records(pd.DataFrame({
        "trainee_id": present["trainee_id"], "kind": "training",
        "date": pd.to_datetime(present["date"], format="%Y-%m-%d"),
        "hours": present["minutes"].astype(float) / 60.0, "topic": present["domain"],
        "result": "", "source": _per_value(present["module"], attendance_label),
        "activity": present["module"],
    }))


def load_attendance(path: Path, plans: dict[str, Plan], roster: Collection[str],
                    as_of: date, today: date | None = None) -> pd.DataFrame:
    """A course's attendance file as training records (none when there is no file).

    The whole file is checked (a session after ``today`` is an error: no one signs in to it
    in advance); sessions after ``as_of`` are left out, so that readiness as of a past day
    counts what had happened by then.
    """
    if not path.exists():
        return empty_records()
    rows = _empty_rows()
    problems: list[str] = []
    _read(path, rows, problems)
    if problems:
        raise AttendanceError(problems)
    check_rows(rows, plans, roster, max(as_of, today or date.today()))
    frame = rows.frame
    return records_from_rows(frame[frame["date"] <= as_of.isoformat()])


# -- writing ------------------------------------------------------------------------------


def _lines(frame: pd.DataFrame, header: Sequence[str]) -> str:
    """Rows as CSV lines (no header), formula-safe like every file peercert writes."""
    return output.csv_text(list(header), frame.loc[:, list(header)].itertuples(
        index=False)).split("\n", 1)[1]


def _write(path: Path, new: pd.DataFrame, header: Sequence[str] | None,
           modes: output.Modes) -> None:
    """Append ``new`` rows (in the file's own column order); atomic (``peercert.output``)."""
    if header is None:
        old, header = ",".join(COLUMNS) + "\n", COLUMNS
    else:
        old = path.read_text(encoding="utf-8-sig")
        if old and not old.endswith("\n"):
            old += "\n"
    output.remove_stale_temporaries(path.parent)  # a killed record's (the course folder)
    output.write_text(path, old + _lines(new, header), modes)


def _existing(path: Path) -> tuple[_Rows, list[str] | None]:
    rows = _empty_rows()
    problems: list[str] = []
    header = _read(path, rows, problems) if path.exists() else None
    if problems:
        raise AttendanceError(problems)
    return rows, header


def _next_line(path: Path) -> int:
    if not path.exists():
        return 2
    return sum(1 for _ in path.open(encoding="utf-8-sig")) + 1


@dataclass(frozen=True)
class Recorded:
    """What an attendance write added."""

    path: Path
    rows: int
    sessions: list[tuple[str, str]]  # (date, module)
    present: int  # trainees credited
    absent: int  # recorded absences
    minutes: dict[str, int]  # per domain, summed over the present rows added


def merge_rows(course: Path, new: pd.DataFrame, name: str, plans: dict[str, Plan],
               roster: Collection[str], as_of: date, lines: Sequence[int] | None = None,
               ) -> Recorded:
    """Check the course's attendance file with ``new`` rows added, then append them."""
    from peercert.course import Course

    path = attendance_path(course)
    rows, header = _existing(path)
    start = _next_line(path)
    rows.add(new, name, lines if lines is not None else range(start, start + len(new)))
    check_rows(rows, plans, roster, as_of)
    added = rows.frame[rows.frame["file_no"] == len(rows.names) - 1]
    _write(path, added, header, Course.open(Path(course)).modes)
    present = added[added["present"] == "yes"]
    minutes = present.assign(m=present["minutes"].astype(int)).groupby("domain")["m"].sum()
    return Recorded(path, len(added),
                    sorted(set(zip(added["date"], added["module"], strict=True))),
                    present["trainee_id"].nunique(),
                    int((added["present"] == "no").sum()),
                    {str(k): int(v) for k, v in minutes.items()})


def session_rows(module: str, day: date, facilitator: str, present: Sequence[str],
                 minutes: dict[str, int], absent: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of one session: each present trainee per domain, each absent trainee once."""
    rows = [(day.isoformat(), module, d, str(m), facilitator, t, "yes")
            for t in present for d, m in minutes.items()]
    rows += [(day.isoformat(), module, "", "", facilitator, t, "no") for t in absent]
    return pd.DataFrame(rows, columns=list(COLUMNS), dtype=str)


def session_minutes(plans: dict[str, Plan], module: str, minutes: int | None,
                    domain: str | None) -> dict[str, int]:
    """Minutes per domain for a recorded session, from its guide unless given."""
    plan = plans.get(module)
    if plan is None:
        if plans:
            raise AttendanceError([f"module {module!r} has no facilitator guide in this course "
                                   f"(guides: {', '.join(sorted(plans))})"])
        if minutes is None or domain is None:
            raise AttendanceError(["this course has no facilitator guides "
                                   "(modules/facilitator/): give --minutes and --domain"])
        return {domain: minutes}
    if domain is None:
        if minutes is None:
            return dict(plan.domain_minutes)
        if len(plan.domain_minutes) > 1:
            raise AttendanceError([f"the {module} session covers several domains "
                                   f"({', '.join(plan.domain_minutes)}): give --domain with "
                                   "--minutes, one domain at a time"])
        domain = next(iter(plan.domain_minutes))
    if domain not in plan.domain_minutes:
        raise AttendanceError([f"the {module} session has no {domain} time; its guide declares "
                               + ", ".join(f"{d} {m} min" for d, m in
                                           plan.domain_minutes.items())])
    return {domain: plan.domain_minutes[domain] if minutes is None else minutes}


def record_session(course: Path, module: str, day: date, facilitator: str,
                   present: Sequence[str], *, absent: Sequence[str] = (),
                   minutes: int | None = None, domain: str | None = None,
                   as_of: date | None = None, roster: Collection[str] | None = None,
                   plans: dict[str, Plan] | None = None) -> Recorded:
    """Append one facilitator-led session to ``<course>/attendance.csv``.

    Minutes and domains default to what the module's facilitator guide declares; without
    guides in the course, ``minutes`` and ``domain`` are required. Trainees must be on the
    course roster (the gradebook's students, unless ``roster`` is given). Raises
    AttendanceError (every problem, nothing written) or CourseError.
    """
    course = Path(course)
    plans = plans_of(course) if plans is None else plans
    roster = course_roster(course) if roster is None else roster
    problems = [f"--present: trainee {t!r} is not on the course roster"
                for t in present if t not in roster]
    problems += [f"--absent: trainee {t!r} is not on the course roster"
                 for t in absent if t not in roster]
    problems += [f"trainee {t!r} is listed as both present and absent"
                 for t in sorted(set(present) & set(absent))]
    if not present and not absent:
        problems.append("no trainees: give --present (and --absent for recorded absences)")
    if problems:
        raise AttendanceError(problems)
    per_domain = session_minutes(plans, module, minutes, domain)
    new = session_rows(module, day, facilitator, list(dict.fromkeys(present)), per_domain,
                       list(dict.fromkeys(absent)))
    name = f"{attendance_path(course)} (new rows)"
    return merge_rows(course, new, name, plans, roster, as_of or date.today())


def import_attendance(course: Path, sheet: Path, *, as_of: date | None = None,
                      roster: Collection[str] | None = None) -> Recorded:
    """Merge a sign-in sheet (the attendance columns) into the course's attendance file.

    All-or-nothing: every problem of the sheet, and every clash with rows already recorded
    (a duplicate, minutes beyond what a session declares), is reported as ``file:line``.
    """
    course = Path(course)
    plans = plans_of(course)
    roster = course_roster(course) if roster is None else roster
    rows = _empty_rows()
    problems: list[str] = []
    if _read(Path(sheet), rows, problems) is None or problems:
        raise AttendanceError(problems)
    if rows.frame.empty:
        raise AttendanceError([f"{sheet}: no attendance rows"])
    return merge_rows(course, rows.frame, str(sheet), plans, roster, as_of or date.today(),
                      lines=rows.frame["line"].tolist())


def plans_of(course: Path) -> dict[str, Plan]:
    """The course's session plans; CourseError when a facilitator guide is broken."""
    from peercert.errors import CourseError
    from peercert.sessions import SessionError

    try:
        return plans_from_guides(Path(course))
    except SessionError as exc:
        raise CourseError(str(exc)) from exc


def course_roster(course: Path) -> set[str]:
    """The trainee ids of a course's gradebook."""
    from peercert.readiness.course_evidence import open_course, read_roster

    return set(read_roster(open_course(Path(course)))["trainee_id"])


def session_summary(course: Path, as_of: date | None = None) -> list[dict[str, Any]]:
    """One entry per recorded session (date, module): facilitator(s), present, absent, hours.

    The file is checked first, as readiness checks it (AttendanceError on any problem).
    """
    course = Path(course)
    path = attendance_path(course)
    if not path.exists():
        return []
    rows = _empty_rows()
    problems: list[str] = []
    _read(path, rows, problems)
    if problems:
        raise AttendanceError(problems)
    check_rows(rows, plans_of(course), course_roster(course), as_of or date.today())
    f = rows.frame
    out = []
    for (day, module), g in f.groupby(["date", "module"], sort=True):
        yes = g[g["present"] == "yes"]
        per = yes.assign(m=yes["minutes"].astype(int)).groupby("trainee_id")["m"].sum()
        out.append({"date": day, "module": module,
                    "facilitator": ", ".join(sorted(set(g["facilitator"]))),
                    "present": int(yes["trainee_id"].nunique()),
                    "absent": int((g["present"] == "no").sum()),
                    "hours": round(float(per.max()) / 60.0, 2) if len(per) else 0.0})
    return out

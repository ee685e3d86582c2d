"""Import hour logs, exam results and attestations from CSV, strictly and all-or-nothing.

Every evidence file has exactly these columns (any order)::

    trainee_id,kind,date,hours,topic,result

one row per day of an activity, per exam attempt, per attestation or per certification.
``kind`` is one of training, supervised_work, supervision (these need ``hours``), exam
(``topic`` = exam id, ``result`` = pass or fail), attestation (``topic`` = attestation id,
``result`` = yes, no or a number such as years in recovery) and certified (``date`` = the
day the current certification or the last renewal took effect; ``topic`` empty or the
credential or profile id, e.g. icrc-pr; ``hours`` and ``result`` empty). A renewal profile
counts hours from the latest certified date on. There is deliberately no free-text column:
notes about a person's recovery do not belong in a file that travels to a certification
program.

Every problem in every file is collected and reported as ``file:line: message``; if there
is one, nothing is imported. Messages never echo the ``topic`` or ``result`` cells, in case
someone typed a disclosure into them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from peercert import output
from peercert.errors import PeercertError
from peercert.readiness.records import HOUR_KINDS, RECORD_KINDS, normalize_records
from peercert.readiness.sources import evidence_label

COLUMNS = ("trainee_id", "kind", "date", "hours", "topic", "result")
ROSTER_COLUMNS = ("trainee_id", "name", "site")
EARLIEST = date(1950, 1, 1)
MAX_DAY_HOURS = 24.0
SHOWN = 50
_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_ISO = r"^\d{4}-\d{2}-\d{2}$"
_NUMBER = r"^\d+(?:\.\d+)?$"
_NEEDS_TOPIC = {"training": "the domain or topic, e.g. ethical-responsibility",
                "exam": "the exam id", "attestation": "the attestation id"}


class EvidenceError(PeercertError):
    """Every problem found in the evidence files; nothing was imported.

    ``problems`` holds one line per problem; the message shows the first ``SHOWN``.
    """

    def __init__(self, problems: list[str]):
        shown = problems[:SHOWN]
        more = len(problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {more} more problem(s)"] if more else [])),
                         problems=problems)


@dataclass
class _Table:
    path: Path
    header: list[str]
    lines: np.ndarray
    frame: pd.DataFrame  # one categorical column per header name




def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _read_table(path: Path, columns: tuple[str, ...], problems: list[str],
                required: tuple[str, ...] | None = None, exact: bool = False) -> _Table | None:
    """Read a CSV with a header; check the columns and each row's shape.

    With ``exact``, every cell stays the text that was written: pandas otherwise infers
    numeric categories ("0113" read as 113, "120" as 120.0 next to a "1.5").
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read as UTF-8 text: {exc}")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        problems.append(f"{path}:1: empty file; the first line must be: {','.join(columns)}")
        return None
    except csv.Error as exc:
        problems.append(f"{path}:1: not valid CSV: {exc}")
        return None
    if not _header_ok(path, header, columns, required or columns, problems):
        return None
    plain = _read_plain(text, header, exact)
    if plain is not None:
        plain.path = path
        return _unquoted(plain)
    table = _read_rows(path, reader, header, problems)
    return None if table is None else _unquoted(table)


def _unquoted(table: _Table) -> _Table:
    """Cells as they were before peercert made them formula-safe (``'=x`` reads as ``=x``)."""
    for col in table.frame.columns:
        cats = table.frame[col].cat.categories
        quoted = {c: output.unquote_cell(c) for c in cats
                  if isinstance(c, str) and output.unquote_cell(c) != c}
        if quoted:
            table.frame[col] = table.frame[col].astype(object).replace(quoted).astype("category")
    return table


def _read_plain(text: str, header: list[str], exact: bool = False) -> _Table | None:
    """The C parser, for the common file: no quotes, no blank lines, every row complete.

    Anything else goes to the csv-module path, which reports each bad line exactly.
    """
    body = text.split("\n", 1)[1].rstrip("\r\n") if "\n" in text else ""
    if not body or '"' in body:
        return None
    raw = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)  # "," and "\n" are single bytes
    ends = np.append(np.flatnonzero(raw == ord("\n")), len(raw))
    commas = np.diff(np.searchsorted(np.flatnonzero(raw == ord(",")), ends), prepend=0)
    if (commas != len(header) - 1).any():
        return None
    # a line of little more than its commas may be blank: let the exact path skip it
    if (np.diff(ends, prepend=-1) - 1 - commas <= 2).any():
        return None
    frame = pd.read_csv(io.StringIO(body), header=None, names=header,
                        dtype=str if exact else "category", na_filter=False, engine="c",
                        skip_blank_lines=False)
    if exact:
        frame = frame.astype("category")  # categories of the cells' own text
    if len(frame) != len(ends):
        return None
    return _Table(Path(), header, np.arange(2, len(ends) + 2, dtype=np.int64), frame)


def _header_ok(path: Path, header: list[str], columns: tuple[str, ...],
               required: tuple[str, ...], problems: list[str]) -> bool:
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in columns]
    twice = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(f"{path}:1: missing column(s) {', '.join(missing)}; "
                        f"expected: {','.join(columns)}")
    if unknown:
        problems.append(f"{path}:1: unknown column(s) {', '.join(_short(c, 30) for c in unknown)}; "
                        f"expected only: {','.join(columns)} (no free-text columns)")
    if twice:
        problems.append(f"{path}:1: column(s) {', '.join(twice)} appear more than once")
    return not (missing or unknown or twice)


def _read_rows(path: Path, reader: Iterable[list[str]], header: list[str],
               problems: list[str]) -> _Table:
    lines: list[int] = []
    rows: list[list[str]] = []
    width = len(header)
    previous = 1
    try:
        for row in reader:
            end = reader.line_num  # type: ignore[attr-defined]
            start, previous = previous + 1, end
            if not row or not any(cell.strip() for cell in row):
                continue
            if end != start:
                problems.append(f"{path}:{start}: a quoted cell spans several lines")
            elif len(row) != width:
                problems.append(f"{path}:{start}: {len(row)} cells, expected {width}")
            else:
                lines.append(start)
                rows.append(row)
    except csv.Error as exc:
        problems.append(f"{path}:{previous + 1}: not valid CSV: {exc}")
    frame = pd.DataFrame(rows, columns=header, dtype=str).astype("category")
    return _Table(path, header, np.asarray(lines, dtype=np.int64), frame)


def _recode(col: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """Apply ``fn`` to a categorical column through its (few) distinct values."""
    cats = col.cat.categories
    new = pd.Index([fn(str(c)) for c in cats], dtype=object)
    if new.is_unique:
        return col.cat.rename_categories(new)
    return pd.Series(new.take(col.cat.codes.to_numpy()), index=col.index).astype("category")


def _as_object(col: pd.Series) -> pd.Series:
    """Categories as plain objects, so columns read by either parser can be joined."""
    return col.cat.rename_categories(pd.Index(list(col.cat.categories), dtype=object))


def _frame(tables: list[_Table]) -> pd.DataFrame:
    frame = pd.DataFrame({
        col: pd.Series(union_categoricals([_as_object(t.frame[col]) for t in tables],
                                          ignore_order=True))
        for col in COLUMNS})
    for col in COLUMNS:
        lower = col in ("kind", "result")
        frame[col] = _recode(frame[col], (lambda v: v.strip().lower()) if lower else str.strip)
    frame["file_no"] = np.concatenate([np.full(len(t.lines), i) for i, t in enumerate(tables)])
    frame["line"] = np.concatenate([t.lines for t in tables])
    return frame


def _per_value(col: pd.Series, fn: Callable[[pd.Index], Any]) -> np.ndarray:
    """``fn`` computed once per distinct value of a categorical column, spread to every row."""
    values = np.asarray(fn(col.cat.categories))
    return values[col.cat.codes.to_numpy()]


class _Checker:
    """Vectorised row checks; each failing row becomes one ``file:line: message``."""

    def __init__(self, frame: pd.DataFrame, tables: list[_Table]):
        self.frame = frame
        self.names = [str(t.path) for t in tables]
        self.found: list[tuple[int, int, str]] = []

    def where(self, mask: pd.Series, message: str = "",
              fmt: Callable[[Any], str] | None = None) -> None:
        """One problem per row where ``mask`` holds: ``message``, or ``fmt`` of the row."""
        hits = self.frame[mask.to_numpy()]
        for row in hits.itertuples(index=False):
            text = message if fmt is None else fmt(row)
            self.found.append((row.file_no, row.line, text))

    def problems(self) -> list[str]:
        return [f"{self.names[f]}:{line}: {msg}" for f, line, msg in sorted(self.found)]


def _check_ids(c: _Checker, known: Collection[str]) -> None:
    f = c.frame
    c.where(f["trainee_id"] == "", "trainee_id is empty")
    unknown = (f["trainee_id"] != "") & ~f["trainee_id"].isin(set(known))
    c.where(unknown, fmt=lambda r: f"unknown trainee {_short(r.trainee_id)!r}: not on any "
                                   "course roster or roster file")
    c.where(~f["kind"].isin(RECORD_KINDS), fmt=lambda r: f"kind {_short(r.kind, 20)!r} must be "
                                                        f"one of {', '.join(RECORD_KINDS)}")


def _check_dates(c: _Checker, as_of: date) -> pd.Series:
    f = c.frame

    def parse(days: pd.Index) -> Any:
        shaped = days.str.match(_ISO)
        return pd.to_datetime(days.where(shaped), format="%Y-%m-%d", errors="coerce").to_numpy()

    parsed = pd.Series(_per_value(f["date"], parse), index=f.index)
    c.where(parsed.isna(), fmt=lambda r: f"date {_short(r.date, 20)!r} is not a real date "
                                         "(write YYYY-MM-DD)")
    c.where(parsed > pd.Timestamp(as_of), f"date is after the as-of date {as_of}: "
                                          "evidence cannot come from the future")
    c.where(parsed < pd.Timestamp(EARLIEST), f"date is before {EARLIEST}: check the year")
    return parsed


def _check_hours(c: _Checker) -> pd.Series:
    f = c.frame
    needs = f["kind"].isin(HOUR_KINDS)
    hours = pd.Series(_per_value(f["hours"], lambda v: pd.to_numeric(v.where(v != ""),
                                                                       errors="coerce")),
                      index=f.index, dtype=float)
    c.where(needs & (f["hours"] == ""), "hours is empty; training, supervised_work and "
                                        "supervision rows need the hours of that day")
    c.where(needs & (f["hours"] != "") & hours.isna(),
            fmt=lambda r: f"hours {_short(r.hours, 12)!r} is not a number")
    c.where(needs & (hours < 0), "hours is negative")
    c.where(needs & (hours == 0), "hours is 0: leave out days without hours")
    c.where(needs & (hours > MAX_DAY_HOURS), f"more than {MAX_DAY_HOURS:g} hours in one day "
                                             "is impossible (one row per day)")
    c.where(~needs & f["kind"].isin(RECORD_KINDS) & (f["hours"] != ""),
            "hours must be empty on exam, attestation and certified rows")
    return hours.where(needs)


def _check_topic_result(c: _Checker) -> None:
    f = c.frame
    for kind, what in _NEEDS_TOPIC.items():
        c.where((f["kind"] == kind) & (f["topic"] == ""),
                f"topic is empty; {kind} rows need {what}")
    slug = pd.Series(_per_value(f["topic"], lambda v: v.str.match(_SLUG)), index=f.index)
    c.where((f["topic"] != "") & ~slug,
            "topic must be lowercase words joined by hyphens, like ethical-responsibility")
    exam, attest = f["kind"] == "exam", f["kind"] == "attestation"
    c.where(exam & ~f["result"].isin(("pass", "fail")), "result must be pass or fail on exam rows")
    number = pd.Series(_per_value(f["result"], lambda v: v.str.match(_NUMBER)), index=f.index)
    ok_attest = f["result"].isin(("yes", "no")) | number
    c.where(attest & ~ok_attest, "result must be yes, no or a number (like 2) on attestation rows")
    c.where(f["kind"].isin(HOUR_KINDS) & (f["result"] != ""),
            "result must be empty on training, supervised_work and supervision rows")
    c.where((f["kind"] == "certified") & (f["result"] != ""),
            "result must be empty on certified rows (the date is the certification date)")


def _check_duplicates(c: _Checker) -> None:
    f = c.frame
    dup = f.duplicated(subset=list(COLUMNS), keep=False)
    if not dup.any():
        return
    rows = f[dup.to_numpy()]
    first = rows.groupby(list(COLUMNS), sort=False)[["file_no", "line"]].transform("first")
    for (fno, line), (ffno, fline) in zip(rows[["file_no", "line"]].itertuples(index=False),
                                          first.itertuples(index=False), strict=True):
        if (fno, line) != (ffno, fline):
            c.found.append((fno, line, f"duplicate of {c.names[ffno]}:{fline} (same trainee, "
                                       "kind, date, hours, topic and result)"))


def _check_day_totals(c: _Checker, parsed: pd.Series, hours: pd.Series) -> None:
    f = c.frame.assign(_day=parsed, _hours=hours)
    ok = f[f["_hours"].notna() & f["_day"].notna() & (f["_hours"] <= MAX_DAY_HOURS)]
    totals = ok.groupby(["trainee_id", "_day"])["_hours"].transform("sum")
    over = ok[(totals > MAX_DAY_HOURS + 1e-9).to_numpy()]
    for (tid, day), group in over.groupby(["trainee_id", "_day"], sort=True):
        lines = ", ".join(f"{c.names[a]}:{b}" for a, b in zip(group["file_no"], group["line"],
                                                              strict=True))
        first = group.iloc[0]
        c.found.append((int(first["file_no"]), int(first["line"]),
                        f"trainee {_short(str(tid))!r} logs {group['_hours'].sum():g} h on "
                        f"{day.date()}, more than a day holds (rows {lines})"))


def load_evidence(paths: list[Path], known_ids: Collection[str], as_of: date) -> pd.DataFrame:
    """Read evidence CSV files into records; raise EvidenceError listing every problem.

    ``known_ids`` is the roster: a row for anyone else is an error, never a new trainee.
    All-or-nothing: if any file has any problem, nothing is returned.
    """
    problems: list[str] = []
    tables = [t for t in (_read_table(Path(p), COLUMNS, problems) for p in paths) if t]
    tables = [t for t in tables if len(t.lines)]
    if problems:
        raise EvidenceError(problems)
    if not tables:
        from peercert.readiness.records import empty_records

        return empty_records()
    c = _Checker(_frame(tables), tables)
    _check_ids(c, known_ids)
    parsed = _check_dates(c, as_of)
    hours = _check_hours(c)
    _check_topic_result(c)
    _check_duplicates(c)
    _check_day_totals(c, parsed, hours)
    if c.found:
        raise EvidenceError(c.problems())
    return _records(c.frame, parsed, hours, tables)


def _records(f: pd.DataFrame, parsed: pd.Series, hours: pd.Series,
             tables: list[_Table]) -> pd.DataFrame:
    names = pd.Categorical.from_codes(f["file_no"].to_numpy(),
                                      categories=_file_labels(tables))
    out = pd.DataFrame({
        "trainee_id": f["trainee_id"], "kind": f["kind"], "date": parsed, "hours": hours,
        "topic": f["topic"], "result": f["result"], "source": names,
    })
    return normalize_records(out)


def _file_labels(tables: list[_Table]) -> list[str]:
    """``evidence:<file name>`` per file; the full path where two files share a name."""
    names = [t.path.name for t in tables]
    return [evidence_label(n if names.count(n) == 1 else str(t.path))
            for n, t in zip(names, tables, strict=True)]


def load_roster(path: Path) -> pd.DataFrame:
    """A roster CSV (``trainee_id,name[,site]``) for trainees who are in no course."""
    problems: list[str] = []
    table = _read_table(path, ROSTER_COLUMNS, problems, required=("trainee_id", "name"))
    if problems or table is None:
        raise EvidenceError(problems)
    frame = table.frame.astype(str)
    if "site" not in frame:
        frame["site"] = path.stem
    frame = frame.apply(lambda col: col.str.strip())
    for line, tid, dup in zip(table.lines, frame["trainee_id"], frame["trainee_id"].duplicated(),
                              strict=True):
        if not tid:
            problems.append(f"{path}:{line}: trainee_id is empty")
        elif dup:
            problems.append(f"{path}:{line}: trainee {_short(tid)!r} is listed twice")
    if problems:
        raise EvidenceError(problems)
    frame["site"] = frame["site"].replace("", path.stem)
    return frame.loc[:, list(ROSTER_COLUMNS)].reset_index(drop=True)


def write_evidence(frame: pd.DataFrame, path: Path,
                   modes: output.Modes = output.PRIVATE) -> Path:
    """Write records (or rows with the evidence columns) as an evidence CSV."""
    out = frame.loc[:, list(COLUMNS)].copy()
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    out["hours"] = out["hours"].map(lambda h: "" if pd.isna(h) else f"{h:g}")
    output.prepare_folder(Path(path).parent, modes)
    return output.write_frame(Path(path), out, modes=modes)


def is_slug(value: str) -> bool:
    return re.fullmatch(_SLUG, value) is not None

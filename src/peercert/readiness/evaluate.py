"""The evaluator: for every trainee and requirement, met / not met / no evidence, and why.

Pure and deterministic: the result depends only on the profile, the evidence and the
``as_of`` date (never the clock). Each requirement is computed for all trainees at once
with numpy, so a state's 10,000 trainees take well under a second.

- **met**: the evidence reaches the threshold ("16 of 16 h").
- **not met**: some evidence counts toward it but falls short, or has expired
  ("12 of 16 h, 4 h to go"; "competency C8 at 55%, needs 70%").
- **no evidence**: nothing on file that could count toward it.

**Which hours count.** Every record names its source (``peercert.readiness.sources``). Hours
from attendance, self-study and provider approvals count only where the profile's
``training_sources`` says the board accepts them; the rest are *held*: not counted, shown per
requirement as "ask the board" with their hours, so a program can ask. A module (or the
course) credited from an accepted approval is not credited again from its attendance or
self-study (those hours are *covered*). Each hours requirement reports what it counted by
source category.

Hours with ``window = "cycle"`` count over each person's certification cycle: from their
latest ``certified`` date to that date plus ``cycle_months`` (``[start, due)``). Once the
as-of date reaches the due date the cycle has ended: the requirement is met only if the
hours were reached inside the cycle. Without a ``certified`` row, the last ``cycle_months``
before the as-of date count instead, and the detail says so.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from peercert.readiness.profile import (
    HOURS_RECORD,
    AnyOf,
    Attestation,
    ExamPassed,
    PracticeExam,
    Profile,
    QuizMastery,
    TrainingSources,
)
from peercert.readiness.records import (
    MET,
    NO_EVIDENCE,
    NOT_MET,
    STATUS_LABELS,  # noqa: F401  (re-exported for the report)
    STATUSES,
    Evidence,
)
from peercert.readiness.sources import (
    ATTENDANCE,
    CATEGORIES,
    COURSE_SCOPE,
    PROVIDER,
    SELF_STUDY,
    categories,
    shown,
)
from peercert.tags import DOMAINS

_EPS = 1e-9
_NO_DAY = np.iinfo(np.int64).min
# What happens to an hour record under a profile (see the module docstring).
COUNTED, HELD, COVERED = 0, 1, 2
STATE_NAMES = ("counted", "ask the board", "covered by an approval")
_CAT = {c: i for i, c in enumerate(CATEGORIES)}


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier (clamped to the month's last day)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def _num(value: float, threshold: float | None = None) -> str:
    """A number for people: one decimal at most, never rounding a shortfall up to the goal."""
    shown = round(value, 1)
    if threshold is not None and shown >= threshold > value + _EPS:
        return f"{math.floor(value * 100) / 100:g}"
    return f"{shown:g}"


def _num_up(value: float) -> str:
    """A shortfall, rounded up to a tenth so that it never reads as 0."""
    return f"{math.ceil(value * 10 - 1e-6) / 10:g}"


def _day_text(day: np.datetime64) -> str:
    return "" if np.isnat(day) else str(day.astype("datetime64[D]"))


def day_texts(days: np.ndarray) -> list[str]:
    """ISO dates for a datetime64 array, '' where there is none (vectorised)."""
    text = np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D")
    return np.where(np.isnat(days), "", text).tolist()


@dataclass(frozen=True)
class _Rows:
    """The records of one kind, as arrays; ``t`` is the trainee's position in the roster."""

    t: np.ndarray
    day: np.ndarray  # int64 days since 1970, _NO_DAY when undated
    hours: np.ndarray
    topic: np.ndarray
    result: np.ndarray
    label: np.ndarray  # int codes into _Context.labels (the source of each row)
    state: np.ndarray  # COUNTED, HELD or COVERED

    def take(self, mask: np.ndarray) -> _Rows:
        return _Rows(self.t[mask], self.day[mask], self.hours[mask], self.topic[mask],
                     self.result[mask], self.label[mask], self.state[mask])


@dataclass(frozen=True)
class Outcome:
    """One requirement evaluated for every trainee (arrays in roster order)."""

    status: np.ndarray
    value: np.ndarray
    day: np.ndarray  # datetime64[D] of the latest evidence that counted, NaT if none
    detail: list[str]
    cycle_start: np.ndarray | None = None  # datetime64[D]; None: not counted over a cycle
    due: np.ndarray | None = None  # datetime64[D], the day after the cycle's last day
    sources: Sources | None = None  # hours requirements: what counted, by source


@dataclass(frozen=True)
class Sources:
    """An hours requirement's counted hours by source category, and the hours it held."""

    counted: np.ndarray  # n x len(CATEGORIES)
    held: np.ndarray  # n: hours on file that the profile does not count
    text: list[str]  # per trainee: "attendance 40 h; evidence hours.csv 6 h"


class _Context:
    def __init__(self, evidence: Evidence, as_of: date, certified_topics: tuple[str, ...] = ("",),
                 sources: TrainingSources | None = None):
        self.ids = evidence.roster["trainee_id"].to_numpy(dtype=object)
        self.n = len(self.ids)
        self.as_of = as_of
        self.certified_topics = certified_topics
        self.sources = sources or TrainingSources()
        self._index = pd.Index(self.ids)
        self._kinds = self._split(evidence.records)
        self._scores = self._score_table(evidence.scores)
        self._certified: np.ndarray | None = None

    def _split(self, records: pd.DataFrame) -> dict[str, _Rows]:
        t = self._index.get_indexer(records["trainee_id"])
        days = records["date"].to_numpy(dtype="datetime64[D]")
        day = np.where(np.isnat(days), _NO_DAY, days.astype(np.int64))
        hours = records["hours"].to_numpy(dtype=float)
        topic = records["topic"].to_numpy(dtype=object)
        result = records["result"].to_numpy(dtype=object)
        source = records["source"]
        if isinstance(source.dtype, pd.CategoricalDtype):
            label, labels = source.cat.codes.to_numpy().astype(np.int64), source.cat.categories
        else:
            label, labels = pd.factorize(source)
        self.labels = [str(x) for x in labels]
        self.label_cat = categories(self.labels)
        self.shown, self.label_shown = _shown_codes(self.labels)
        state = self._states(records, t, label)
        codes, kinds = pd.factorize(records["kind"])  # hashing, not sorting 10^6 strings
        out = {}
        for code, kind in enumerate(kinds):
            m = (codes == code) & (t >= 0)
            out[str(kind)] = _Rows(t[m], day[m], hours[m], topic[m], result[m], label[m],
                                   state[m])
        return out

    def _states(self, records: pd.DataFrame, t: np.ndarray, label: np.ndarray) -> np.ndarray:
        """COUNTED, HELD (the profile does not accept the source) or COVERED per record."""
        counts = np.array([self.sources.counts(x) for x in self.labels], dtype=bool)
        state = np.where(counts[label], COUNTED, HELD).astype(np.int8) if len(label) else (
            np.zeros(0, dtype=np.int8))
        cat = self.label_cat[label] if len(label) else np.zeros(0, dtype=np.int64)
        training = (records["kind"] == "training").to_numpy() & (t >= 0)
        approved = training & (cat == _CAT[PROVIDER]) & (state == COUNTED)
        if not approved.any():
            return state
        activity = records["activity"].to_numpy(dtype=object)
        course = np.zeros(self.n, dtype=bool)
        course[t[approved & (activity == COURSE_SCOPE)]] = True
        pairs = pd.MultiIndex.from_arrays([t[approved], activity[approved]])
        own = training & np.isin(cat, [_CAT[ATTENDANCE], _CAT[SELF_STUDY]])
        mine = pd.MultiIndex.from_arrays([t, activity]).isin(pairs)
        covered = own & (mine | course[np.where(t >= 0, t, 0)])
        state[covered] = COVERED
        return state

    def _score_table(self, scores: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
        return {(str(s), str(k)): g for (s, k), g in scores.groupby(["scope", "key"], sort=False)}

    def rows(self, kind: str, topics: list[str] | None = None) -> _Rows:
        rows = self._kinds.get(kind)
        if rows is None:
            empty, none = np.array([], dtype=object), np.array([], dtype=np.int64)
            return _Rows(none, none, np.array([], dtype=float), empty, empty, none,
                         np.array([], dtype=np.int8))
        return rows.take(np.isin(rows.topic, topics)) if topics else rows

    def sources_of(self, counted: _Rows, held: _Rows, skip_text: np.ndarray) -> Sources:
        """Counted hours by category (and as text by shown label); held hours in all."""
        n, k = self.n, len(CATEGORIES)
        cat = self.label_cat[counted.label] if len(counted.t) else counted.label
        by_cat = np.bincount(counted.t * k + cat, weights=counted.hours, minlength=n * k)
        s = max(len(self.shown), 1)
        code = self.label_shown[counted.label] if len(counted.t) else counted.label
        by_shown = np.bincount(counted.t * s + code, weights=counted.hours,
                               minlength=n * s).reshape(n, s)
        return Sources(by_cat.reshape(n, k), self.count(held.t, held.hours),
                       _source_texts(by_shown, self.shown, skip_text))

    def cutoff(self, months: int | None) -> int:
        if months is None:
            return _NO_DAY
        return int(np.datetime64(months_before(self.as_of, months), "D").astype(np.int64))

    def certified(self) -> np.ndarray:
        """Each trainee's latest certification day (int64 days) up to the as-of date."""
        if self._certified is None:
            rows = self.rows("certified", list(self.certified_topics))
            rows = rows.take(rows.day <= _day_number(self.as_of))
            out = np.full(self.n, _NO_DAY, dtype=np.int64)
            np.maximum.at(out, rows.t, rows.day)
            self._certified = out
        return self._certified

    def count(self, t: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(t, weights=weights, minlength=self.n).astype(float)

    def latest(self, t: np.ndarray, day: np.ndarray) -> np.ndarray:
        out = np.full(self.n, _NO_DAY, dtype=np.int64)
        np.maximum.at(out, t, day)
        return _to_dates(out)

    def earliest(self, t: np.ndarray, day: np.ndarray) -> np.ndarray:
        out = np.full(self.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, t, day)
        return _to_dates(np.where(out == np.iinfo(np.int64).max, _NO_DAY, out))

    def score(self, scope: str, key: str) -> tuple[np.ndarray, np.ndarray]:
        earned, possible = np.zeros(self.n), np.zeros(self.n)
        table = self._scores.get((scope, key))
        if table is not None:
            t = self._index.get_indexer(table["trainee_id"])
            keep = t >= 0
            earned[t[keep]] = table["earned"].to_numpy(dtype=float)[keep]
            possible[t[keep]] = table["possible"].to_numpy(dtype=float)[keep]
        return earned, possible


def _shown_codes(labels: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct summary names of the labels (``shown``) and each label's code among them."""
    names = [shown(x) for x in labels]
    codes, uniques = pd.factorize(pd.Series(names, dtype=object))
    return [str(x) for x in uniques], codes.astype(np.int64)


def _source_texts(by_shown: np.ndarray, names: list[str], skip: np.ndarray) -> list[str]:
    """'attendance 40 h; evidence hours.csv 6 h' per trainee ('' where nothing counted).

    Built column by column on object arrays, each distinct number formatted once: a
    state's 10,000 trainees x several hours requirements stay quick.
    """
    n = len(by_shown)
    out = np.full(n, "", dtype=object)
    for j in np.argsort(names, kind="stable"):
        col = by_shown[:, j]
        some = (col > 0) & ~skip
        if not some.any():
            continue
        codes, uniques = pd.factorize(col[some])
        text = np.array([f"{names[j]} {_num(v)} h" for v in uniques.tolist()], dtype=object)
        part = np.full(n, "", dtype=object)
        part[some] = text[codes]
        joined = np.where(out == "", part, out + "; " + part)
        out = np.where(part == "", out, joined)
    return out.tolist()


def _held_notes(ctx: _Context, held: _Rows, met: np.ndarray) -> list[str]:
    """'; self-study 5 h on file, not counted: ask the board' where hours are held (not met)."""
    if not len(held.t):
        return [""] * ctx.n
    k = len(CATEGORIES)
    cat = ctx.label_cat[held.label]
    by_cat = np.bincount(held.t * k + cat, weights=held.hours, minlength=ctx.n * k)
    by_cat = by_cat.reshape(ctx.n, k)
    out = [""] * ctx.n
    for i in np.flatnonzero((by_cat > 0).any(axis=1) & ~met):
        parts = ", ".join(f"{CATEGORIES[j]} {_num(by_cat[i, j])} h"
                          for j in range(k) if by_cat[i, j] > 0)
        out[i] = f"; {parts} on file, not counted: ask the board"
    return out


def _day_number(day: date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def _months_after_days(days: np.ndarray, months: int) -> np.ndarray:
    """``months_after`` for an array of int64 days (computed once per distinct day)."""
    unique, inverse = np.unique(days, return_inverse=True)
    shifted = [_day_number(months_after(d.astype(object), months))
               for d in unique.astype("datetime64[D]")]
    return np.asarray(shifted, dtype=np.int64)[inverse]


def _to_dates(days: np.ndarray) -> np.ndarray:
    out = days.astype("datetime64[D]")
    out[days == _NO_DAY] = np.datetime64("NaT")
    return out


def _status(met: np.ndarray, has: np.ndarray) -> np.ndarray:
    return np.where(met, MET, np.where(has, NOT_MET, NO_EVIDENCE)).astype(object)


def _hours(req, ctx: _Context) -> Outcome:  # noqa: ANN001 (any hours requirement)
    every = ctx.rows(HOURS_RECORD[req.kind], req.topics)
    rows, held = every.take(every.state == COUNTED), every.take(every.state == HELD)
    if req.window == "cycle":
        return _cycle_hours(req, ctx, rows, held)
    cutoff = ctx.cutoff(req.within_months)
    inside = rows.day >= cutoff
    value = ctx.count(rows.t[inside], rows.hours[inside])
    older = ctx.count(rows.t[~inside], rows.hours[~inside])
    has = ctx.count(rows.t) > 0
    met = value >= req.threshold - _EPS
    span = f" in the last {req.within_months} months" if req.within_months else ""

    def detail(v: float, old: float, ok: bool, some: bool) -> str:
        return _hours_text(req.threshold, v, ok, some, span, [_older(old)] if not ok else [])

    details = list(map(detail, value.tolist(), older.tolist(), met.tolist(), has.tolist()))
    held = held.take(held.day >= cutoff)
    return Outcome(_status(met, has), value, ctx.latest(rows.t[inside], rows.day[inside]),
                   _with_notes(details, _held_notes(ctx, held, met)), None, None,
                   ctx.sources_of(rows.take(inside), held, ~has))


def _with_notes(details: list[str], notes: list[str]) -> list[str]:
    """Details with the held-hours notes ('no hours logged' becomes 'no hours counted')."""
    return [(d.replace("no hours logged", "no hours counted", 1) + n) if n else d
            for d, n in zip(details, notes, strict=True)]


def _older(hours: float) -> str:
    return f"{_num(hours)} h are older and do not count" if hours > 0 else ""


def _hours_text(thr: float, v: float, ok: bool, some: bool, span: str, notes: list[str],
                to_go: str = "to go") -> str:
    """'12 of 16 h{span}, 4 h to go (notes)', or 'no hours logged{span}'."""
    if not some:
        return f"no hours logged{span}"
    text = f"{_num(v, thr)} of {thr:g} h{span}"
    if not ok:
        text += f", {_num_up(thr - v)} h {to_go}"
    notes = [n for n in notes if n]
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _cycle_hours(req, ctx: _Context, rows: _Rows, held: _Rows) -> Outcome:  # noqa: ANN001
    """Hours in each trainee's certification cycle [start, due); rolling without a start."""
    months = req.within_months  # = the profile's cycle_months (checked when loaded)
    start = ctx.certified()
    known = start != _NO_DAY
    due = np.where(known, _months_after_days(np.where(known, start, 0), months), _NO_DAY)
    lo = np.where(known, start, ctx.cutoff(months))
    hi = np.where(known, due, np.iinfo(np.int64).max)
    row_lo, row_hi = lo[rows.t], hi[rows.t]
    inside = (rows.day >= row_lo) & (rows.day < row_hi)
    before, after = rows.day < row_lo, rows.day >= row_hi
    value = ctx.count(rows.t[inside], rows.hours[inside])
    older = ctx.count(rows.t[before], rows.hours[before])
    later = ctx.count(rows.t[after], rows.hours[after])
    has = ctx.count(rows.t) > 0
    met = value >= req.threshold - _EPS
    as_of = _day_number(ctx.as_of)
    left = np.where(known, due - as_of, 0)
    starts, dues = _to_dates(start), _to_dates(due)

    def detail(v: float, old: float, late: float, ok: bool, some: bool, days: int, first: str,
               last: str) -> str:
        if not first:
            text = _hours_text(req.threshold, v, ok, some, "", [_older(old)] if not ok else [])
            return f"no certification date on file; counting the last {months} months: {text}"
        if days > 0:
            text = _hours_text(req.threshold, v, ok, some, f" since {first}",
                               [_older(old)] if not ok else [])
            return f"{text}; renewal due {last}, in {days} day{'s' if days != 1 else ''}"
        notes = [_older(old), f"{_num(late)} h after it do not count toward it" if late else ""]
        text = _hours_text(req.threshold, v, ok, some, f" in the cycle from {first}",
                           notes if not ok else [], to_go="short")
        return f"{text}; renewal was due {last}: the cycle has ended"

    details = list(map(detail, value.tolist(), older.tolist(), later.tolist(), met.tolist(),
                       has.tolist(), left.tolist(), day_texts(starts), day_texts(dues)))
    held = held.take((held.day >= lo[held.t]) & (held.day < hi[held.t]))
    return Outcome(_status(met, has), value, ctx.latest(rows.t[inside], rows.day[inside]),
                   _with_notes(details, _held_notes(ctx, held, met)), starts, dues,
                   ctx.sources_of(rows.take(inside), held, ~has))


def _mastery_label(req: QuizMastery | PracticeExam) -> tuple[str, str, str]:
    if isinstance(req, PracticeExam):
        return "quiz", req.quiz, "practice exam"
    scope, key = req.scope
    label = {"quiz": f"quiz {key}", "competency": f"competency {key}",
             "domain": f"{DOMAINS.get(key, key)} items"}[scope]
    return scope, key, label


def _mastery(req: QuizMastery | PracticeExam, ctx: _Context) -> Outcome:
    scope, key, label = _mastery_label(req)
    earned, possible = ctx.score(scope, key)
    has = possible > 0
    pct = np.where(has, 100.0 * earned / np.where(has, possible, 1.0), np.nan)
    met = has & (pct >= req.threshold - _EPS)
    thr = req.threshold
    none = f"no graded {label} yet"
    codes, uniques = pd.factorize(np.where(has, pct, -1.0))  # each distinct share once
    text = np.array([f"{label} at {_num(p, thr)}%, needs {thr:g}%" if p >= 0 else none
                     for p in uniques.tolist()], dtype=object)
    details = text[codes].tolist()
    no_day = np.full(ctx.n, np.datetime64("NaT"), dtype="datetime64[D]")
    return Outcome(_status(met, has), pct, no_day, details)


def _exam(req: ExamPassed, ctx: _Context) -> Outcome:
    rows = ctx.rows("exam", [req.exam])
    passed = rows.result == "pass"
    valid = passed & (rows.day >= ctx.cutoff(req.valid_months))
    last_valid = ctx.latest(rows.t[valid], rows.day[valid])
    last_pass = ctx.latest(rows.t[passed], rows.day[passed])
    last_fail = ctx.latest(rows.t[~passed], rows.day[~passed])
    fails = ctx.count(rows.t[~passed])
    recent = ~passed & (rows.day >= ctx.cutoff(req.attempt_window_months))
    recent_fails = ctx.count(rows.t[recent])
    first_recent = ctx.earliest(rows.t[recent], rows.day[recent])
    has = ctx.count(rows.t) > 0
    met = ~np.isnat(last_valid)

    def detail(i: int) -> str:
        if met[i]:
            return f"passed on {_day_text(last_valid[i])}"
        if not has[i]:
            return "no exam result on file"
        if not np.isnat(last_pass[i]):
            return f"passed on {_day_text(last_pass[i])}, older than {req.valid_months} months"
        text = f"{fails[i]:g} failed attempt(s), latest on {_day_text(last_fail[i])}"
        if req.max_attempts and recent_fails[i] >= req.max_attempts:
            first = first_recent[i].astype(object)
            text += (f"; all {req.max_attempts} attempts in {req.attempt_window_months} months "
                     f"used, next attempt after "
                     f"{months_after(first, req.attempt_window_months or 0)}")
        return text

    return Outcome(_status(met, has), met.astype(float), np.where(met, last_valid, last_fail),
                   [detail(i) for i in range(ctx.n)])


def _latest_rows(rows: _Rows, n: int) -> np.ndarray:
    """Index into ``rows`` of each trainee's latest row (ties: the later row), -1 if none."""
    order = np.lexsort((np.arange(len(rows.t)), rows.day, rows.t))
    pick = np.full(n, -1, dtype=np.int64)
    pick[rows.t[order]] = order  # later assignments win: the last row per trainee
    return pick


def _attest_value(result: str) -> float:
    if result in ("yes", "no"):
        return 1.0 if result == "yes" else 0.0
    return float(result) if result else np.nan


def _attestation(req: Attestation, ctx: _Context) -> Outcome:
    every = ctx.rows("attestation", [req.attestation])
    has = ctx.count(every.t) > 0
    last_ever = ctx.latest(every.t, every.day)
    rows = every.take(every.day >= ctx.cutoff(req.within_months))
    pick = _latest_rows(rows, ctx.n)
    safe = np.where(pick >= 0, pick, 0)
    if len(rows.t) == 0:
        result, day = np.full(ctx.n, "", dtype=object), np.full(ctx.n, _NO_DAY)
    else:
        result = np.where(pick >= 0, rows.result[safe], "").astype(object)
        day = np.where(pick >= 0, rows.day[safe], _NO_DAY)
    days = _to_dates(day)
    value = np.array([_attest_value(r) for r in result])
    numeric = np.array([r not in ("yes", "no", "") for r in result])
    met = (result == "yes") if req.threshold is None else numeric & (value >= req.threshold - _EPS)

    thr = req.threshold

    def detail(found: bool, some: bool, last: str, when: str, said: str, is_num: bool,
               v: float) -> str:
        if not found:
            return (f"last attested on {last}, more than {req.within_months} months ago"
                    if some else "no attestation on file")
        if thr is None:
            return f"attested {said} on {when}"
        if not is_num:
            return f"attested {said!r} on {when}; needs a number, at least {thr:g}"
        return f"{_num(v, thr)} of {thr:g}, attested on {when}"

    details = list(map(detail, (pick >= 0).tolist(), has.tolist(), day_texts(last_ever),
                       day_texts(days), result.tolist(), numeric.tolist(), value.tolist()))
    return Outcome(_status(met, has), value, days, details)


def _any_of(req: AnyOf, ctx: _Context) -> Outcome:
    outs = [_evaluate(opt, ctx) for opt in req.options]
    status = np.stack([o.status for o in outs])
    met = (status == MET).any(axis=0)
    has = (status != NO_EVIDENCE).any(axis=0)
    first = np.argmax(status == MET, axis=0)
    days = np.array([outs[first[i]].day[i] for i in range(ctx.n)], dtype="datetime64[D]")

    def detail(i: int) -> str:
        if met[i]:
            opt = first[i]
            return f"{req.options[opt].title}: {outs[opt].detail[i]}"
        return "none yet: " + "; ".join(f"{o.title}: {out.detail[i]}"
                                        for o, out in zip(req.options, outs, strict=True))

    return Outcome(_status(met, has), met.astype(float), np.where(met, days, np.datetime64("NaT")),
                   [detail(i) for i in range(ctx.n)], *_first_cycle(outs))


def _first_cycle(outs: list[Outcome]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The cycle of the first option counted over one (all options share the profile's)."""
    for out in outs:
        if out.cycle_start is not None:
            return out.cycle_start, out.due
    return None, None


def _cycle_columns(outs: list[Outcome], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cycle start and due date per trainee and requirement, NaT where none applies."""
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if not outs:
        empty = np.empty((n, 0), dtype="datetime64[D]")
        return empty, empty
    start = np.stack([nat if o.cycle_start is None else o.cycle_start for o in outs], axis=1)
    due = np.stack([nat if o.due is None else o.due for o in outs], axis=1)
    return start, due


_RULES: dict[str, Callable[..., Outcome]] = {
    "training_hours": _hours, "supervised_work_hours": _hours, "supervision_hours": _hours,
    "quiz_mastery": _mastery, "practice_exam": _mastery, "exam_passed": _exam,
    "attestation": _attestation, "any_of": _any_of,
}


def _evaluate(req, ctx: _Context) -> Outcome:  # noqa: ANN001 (any requirement)
    return _RULES[req.kind](req, ctx)


def _threshold(req) -> float:  # noqa: ANN001
    value = getattr(req, "threshold", None)
    return np.nan if value is None else float(value)


@dataclass(frozen=True)
class Readiness:
    """Who is ready for a credential, and what is missing for everyone else."""

    profile: Profile
    as_of: date
    trainees: pd.DataFrame  # trainee_id, name, site, ready, met, not_met, no_evidence
    results: pd.DataFrame  # one row per trainee and requirement, trainee-major
    # training hours on file per trainee, source, topic and state (counted, ask the board,
    # covered by an approval), with the first and last day: CREDIT_COLUMNS
    credits: pd.DataFrame = field(default_factory=lambda: _empty_credits())

    @property
    def ready_count(self) -> int:
        return int(self.trainees["ready"].sum())

    def blockers(self) -> pd.DataFrame:
        """Requirements by how many trainees they hold back (most first)."""
        counts = pd.crosstab(self.results["requirement_id"], self.results["status"])
        counts = counts.reindex(columns=list(STATUSES), fill_value=0)
        order = [r.id for r in self.profile.requirements]
        counts = counts.reindex(order, fill_value=0)
        counts["blocked"] = counts[NOT_MET] + counts[NO_EVIDENCE]
        counts["title"] = [r.title for r in self.profile.requirements]
        counts = counts.reset_index().rename(columns={"index": "requirement_id"})
        return counts.sort_values("blocked", ascending=False, kind="stable").reset_index(drop=True)

    def by_site(self) -> pd.DataFrame:
        """Trainees and ready counts per site, with each site's most common blocker."""
        t = self.trainees
        out = t.groupby("site", sort=True).agg(trainees=("trainee_id", "size"),
                                               ready=("ready", "sum")).reset_index()
        out["ready_pct"] = 100.0 * out["ready"] / out["trainees"]
        blocked = self.results[self.results["status"] != MET].merge(t[["trainee_id", "site"]])
        titles = {r.id: r.title for r in self.profile.requirements}
        top = blocked.groupby("site")["requirement_id"].agg(
            lambda s: s.value_counts(sort=True).index[0])
        out["top_blocker"] = out["site"].map(top).map(titles).fillna("")
        return out

    def trainee(self, trainee_id: str) -> pd.DataFrame:
        """One trainee's rows (requirement, status, detail, evidence date)."""
        rows = self.results[self.results["trainee_id"] == trainee_id]
        if rows.empty:
            raise KeyError(f"no trainee {trainee_id!r} in this readiness run")
        return rows.reset_index(drop=True)


CREDIT_COLUMNS = ("trainee_id", "source", "category", "topic", "state", "hours", "first", "last")
SOURCE_COLUMNS = (*(f"hours_{c.replace('-', '_')}" for c in CATEGORIES), "hours_not_counted",
                  "hour_sources")


def _empty_credits() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CREDIT_COLUMNS})
    frame["hours"] = frame["hours"].astype(float)
    return frame


def _credits(ctx: _Context) -> pd.DataFrame:
    """Training records grouped per trainee, source, topic and state (for pages, dashboard)."""
    rows = ctx.rows("training")
    if not len(rows.t):
        return _empty_credits()
    topic, topics = pd.factorize(pd.Series(rows.topic, dtype=object))
    frame = pd.DataFrame({"t": rows.t, "label": rows.label, "topic": topic, "state": rows.state,
                          "hours": rows.hours, "day": rows.day})
    g = frame.groupby(["t", "label", "topic", "state"], sort=True).agg(
        hours=("hours", "sum"), first=("day", "min"), last=("day", "max")).reset_index()
    label = g["label"].to_numpy()
    return pd.DataFrame({
        "trainee_id": ctx.ids[g["t"].to_numpy()],
        "source": np.asarray(ctx.labels, dtype=object)[label],
        "category": np.asarray(CATEGORIES, dtype=object)[ctx.label_cat[label]],
        "topic": np.asarray(topics, dtype=object)[g["topic"].to_numpy()],
        "state": np.asarray(STATE_NAMES, dtype=object)[g["state"].to_numpy()],
        "hours": g["hours"].to_numpy(dtype=float),
        "first": _to_dates(g["first"].to_numpy(dtype=np.int64)),
        "last": _to_dates(g["last"].to_numpy(dtype=np.int64)),
    }, columns=list(CREDIT_COLUMNS))


def _source_columns(outs: list[Outcome], n: int) -> dict[str, np.ndarray]:
    """Per trainee and requirement: hours counted by source, held, and the summary text."""
    k = len(CATEGORIES)
    counted = np.full((n, len(outs), k), np.nan)
    held = np.full((n, len(outs)), np.nan)
    text = np.full((n, len(outs)), "", dtype=object)
    for j, out in enumerate(outs):
        if out.sources is not None:
            counted[:, j, :] = out.sources.counted
            held[:, j] = out.sources.held
            text[:, j] = out.sources.text
    cols = {name: counted[:, :, i].ravel() for i, name in enumerate(SOURCE_COLUMNS[:k])}
    return {**cols, "hours_not_counted": held.ravel(), "hour_sources": text.ravel()}


def evaluate(profile: Profile, evidence: Evidence, as_of: date) -> Readiness:
    """Evaluate every requirement of ``profile`` for every trainee on ``evidence.roster``."""
    ctx = _Context(evidence, as_of, profile.certified_topics, profile.training_sources)
    reqs = profile.requirements
    outs = [_evaluate(req, ctx) for req in reqs]
    n, r = ctx.n, len(reqs)
    status = np.stack([o.status for o in outs], axis=1) if r else np.empty((n, 0), dtype=object)
    cycle_start, due = _cycle_columns(outs, n)
    results = pd.DataFrame({
        "trainee_id": np.repeat(ctx.ids, r),
        "requirement_id": np.tile([q.id for q in reqs], n),
        "requirement": np.tile([q.title for q in reqs], n),
        "kind": np.tile([q.kind for q in reqs], n),
        "status": status.ravel(),
        "value": np.stack([o.value for o in outs], axis=1).ravel(),
        "threshold": np.tile([_threshold(q) for q in reqs], n),
        "unit": np.tile([q.unit for q in reqs], n),
        "detail": np.array([o.detail for o in outs], dtype=object).T.ravel(),
        "evidence_date": np.stack([o.day for o in outs], axis=1).ravel(),
        "cycle_start": cycle_start.ravel(),
        "renewal_due": due.ravel(),
        **_source_columns(outs, n),
    })
    trainees = evidence.roster.loc[:, ["trainee_id", "name", "site"]].reset_index(drop=True)
    for s in STATUSES:
        trainees[s] = (status == s).sum(axis=1)
    trainees.insert(3, "ready", trainees[MET] == r)
    # one cycle per trainee: every cycle requirement shares the profile's cycle_months
    trainees["cycle_start"] = np.fmax.reduce(cycle_start, axis=1, initial=np.datetime64("NaT"))
    trainees["renewal_due"] = np.fmax.reduce(due, axis=1, initial=np.datetime64("NaT"))
    return Readiness(profile, as_of, trainees, results, _credits(ctx))

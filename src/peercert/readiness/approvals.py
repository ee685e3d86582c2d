"""Hours a training provider declares as board-approved, credited only on completion.

One course-level file, ``<course>/approvals.csv``, one row per module (or the whole course)
and domain::

    scope,domain,hours,approval_body,approval_number,approval_date
    06-boundaries,ethical-responsibility,4,Pennsylvania Certification Board,PCB-2026-113,2026-01-15
    07-self-disclosure,,3,Pennsylvania Certification Board,PCB-2026-113,2026-01-15

- ``scope``: a module id (credited when the trainee completes that module) or ``course``
  (credited when the trainee has completed every module with a quiz). Declare per module or
  for the whole course, not both: the same hours would be credited twice.
- ``domain``: an IC&RC domain id or another topic; empty counts toward totals only
  (topic ``general``).
- ``hours``: hours approved for that scope and domain. They cannot exceed what the module
  holds (its facilitator-led session plus its measured self-study time) or, for the course,
  what all modules hold.
- ``approval_body``, ``approval_number``, ``approval_date``: who approved the training,
  under which number and when. All three are required: an hour without its approval is
  not credited, and the file is refused with ``file:line`` naming the gap.

Each credited hour is labelled ``provider-approved:<body> <number> (<date>)`` and counts only
for credentials whose profile accepts provider-approved hours (and, where the profile lists
``bodies``, only approvals by one of them). A completed module whose hours are credited from
an accepted approval is not credited again from its attendance or self-study.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from peercert.readiness.evidence import EARLIEST, EvidenceError, _Checker, _read_table, _short
from peercert.readiness.records import empty_records, normalize_records
from peercert.readiness.sources import COURSE_SCOPE, provider_label

COLUMNS = ("scope", "domain", "hours", "approval_body", "approval_number", "approval_date")
FILE_NAME = "approvals.csv"
_MODULE = r"^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_ISO = r"^\d{4}-\d{2}-\d{2}$"
_NUMBER = r"^\d+(?:\.\d+)?$"
GENERAL = "general"


class ApprovalError(EvidenceError):
    """Every problem found in a course's approvals file; nothing of it is credited."""


@dataclass(frozen=True)
class ModuleHours:
    """What a module holds, the most a provider may declare for it."""

    quiz: bool  # completion can be shown (the module has a graded quiz)
    hours: float  # facilitator-led session plus measured self-study


def approvals_path(course: Path) -> Path:
    return Path(course) / FILE_NAME


def _check(c: _Checker, modules: dict[str, ModuleHours], as_of: date) -> None:
    f = c.frame
    is_course = f["scope"] == COURSE_SCOPE
    shaped = f["scope"].str.match(_MODULE)
    c.where(~is_course & ~shaped, fmt=lambda r: f"scope {_short(r.scope, 30)!r} must be a module "
                                                f"id like 06-boundaries, or {COURSE_SCOPE}")
    if modules:
        c.where(shaped & ~f["scope"].isin(set(modules)),
                fmt=lambda r: f"module {r.scope!r} is not one of this course's modules")
        no_quiz = {m for m, h in modules.items() if not h.quiz}
        c.where(f["scope"].isin(no_quiz), fmt=lambda r: f"module {r.scope!r} has no quiz, so no "
                "one can complete it: hours declared for it could never be credited")
    c.where((f["domain"] != "") & ~f["domain"].str.match(_SLUG),
            "domain must be empty or lowercase words joined by hyphens, like advocacy")
    number = f["hours"].str.match(_NUMBER)
    hours = pd.to_numeric(f["hours"].where(number), errors="coerce")
    c.where(f["hours"] == "", "hours is empty")
    c.where((f["hours"] != "") & ~number, fmt=lambda r: f"hours {_short(r.hours, 12)!r} is not a "
                                                        "positive number")
    c.where(hours == 0, "hours is 0: leave out what is not approved")
    for col, what in (("approval_body", "the body that approved the training"),
                      ("approval_number", "the approval number"),
                      ("approval_date", "the date of the approval")):
        c.where(f[col] == "", f"{col} is empty: every declared hour needs {what}")
    dated = f["approval_date"] != ""
    parsed = pd.to_datetime(f["approval_date"].where(f["approval_date"].str.match(_ISO)),
                            format="%Y-%m-%d", errors="coerce")
    c.where(dated & parsed.isna(), fmt=lambda r: f"approval_date {_short(r.approval_date, 20)!r} "
                                                 "is not a real date (write YYYY-MM-DD)")
    c.where(parsed > pd.Timestamp(as_of), f"approval_date is after {as_of}: an approval cannot "
                                          "be declared before it is given")
    c.where(parsed < pd.Timestamp(EARLIEST), f"approval_date is before {EARLIEST}: check the year")
    _check_rows(c, is_course, hours.fillna(0.0), modules)


def _check_rows(c: _Checker, is_course: pd.Series, hours: pd.Series,
                modules: dict[str, ModuleHours]) -> None:
    f = c.frame
    dup = f.duplicated(["scope", "domain"], keep="first")
    first = f.groupby(["scope", "domain"], sort=False)["line"].transform("first")
    for line, fline in zip(f.loc[dup, "line"], first[dup], strict=True):
        c.found.append((0, int(line), f"duplicate of line {fline} (same scope and domain)"))
    if is_course.any() and (~is_course).any():
        later = f[(is_course != is_course.iloc[0]).to_numpy()]
        c.found.append((0, int(later["line"].iloc[0]), "declare hours per module or for the "
                        "whole course, not both: the same hours would be credited twice"))
    if not modules:
        return
    holds = {m: h.hours for m, h in modules.items()}
    holds[COURSE_SCOPE] = sum(holds.values())
    totals = hours.groupby(f["scope"]).sum()
    for scope, total in totals.items():
        cap = holds.get(str(scope))
        if cap is None or total <= cap + 1e-9:
            continue
        rows = f[f["scope"] == scope]
        what = "all modules hold" if scope == COURSE_SCOPE else "the module holds"
        c.found.append((0, int(rows["line"].iloc[-1]),
                        f"{scope} is declared for {total:g} h in all (lines "
                        f"{', '.join(map(str, rows['line']))}), more than {what}: "
                        f"{cap:.2f} h of facilitator-led session and measured self-study"))


def load_approvals(path: Path, modules: dict[str, ModuleHours], as_of: date,
                   today: date | None = None) -> pd.DataFrame:
    """The declarations of ``path`` (none when there is no file); ApprovalError on problems.

    Returns scope, topic, hours and label (``provider-approved:<body> <number> (<date>)``).
    An approval dated after ``today`` is an error; one dated after ``as_of`` did not exist
    yet on that day and is left out.
    """
    columns = ["scope", "topic", "hours", "label"]
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=float if c == "hours" else str)
                             for c in columns})
    problems: list[str] = []
    table = _read_table(path, COLUMNS, problems, exact=True)
    if table is None or problems:
        raise ApprovalError(problems)
    frame = table.frame.astype(str).apply(lambda col: col.str.strip())
    frame["file_no"] = 0
    frame["line"] = table.lines
    c = _Checker(frame, [table])
    _check(c, modules, max(as_of, today or date.today()))
    if c.found:
        raise ApprovalError(c.problems())
    frame = frame[(frame["approval_date"] <= as_of.isoformat()).to_numpy()]
    return pd.DataFrame({
        "scope": frame["scope"], "topic": frame["domain"].replace("", GENERAL),
        "hours": frame["hours"].astype(float),
        "label": [provider_label(b, n, d) for b, n, d in zip(
            frame["approval_body"], frame["approval_number"], frame["approval_date"],
            strict=True)],
    }, columns=columns)


def approval_records(declared: pd.DataFrame, completions: pd.DataFrame,
                     quiz_modules: Collection[str]) -> pd.DataFrame:
    """Training records for the declarations each trainee has completed.

    ``completions`` (trainee_id, module, date): module-scope hours are dated on the module's
    completion; course-scope hours on the completion of the last of ``quiz_modules``.
    """
    if declared.empty or completions.empty:
        return empty_records()
    per_module = completions.merge(declared.rename(columns={"scope": "module"}), on="module")
    need = set(quiz_modules)
    done = completions[completions["module"].isin(need)]
    finished = done.groupby("trainee_id").agg(n=("module", "nunique"), date=("date", "max"))
    finished = finished[finished["n"].to_numpy() == len(need)].reset_index()
    course = declared[declared["scope"] == COURSE_SCOPE]
    whole = finished[["trainee_id", "date"]].merge(course, how="cross") if need else None
    parts = [per_module.rename(columns={"module": "activity"})]
    if whole is not None and not whole.empty:
        parts.append(whole.assign(activity=COURSE_SCOPE))
    credit = pd.concat(parts, ignore_index=True)
    if credit.empty:
        return empty_records()
    return normalize_records(credit.assign(kind="training", result="",
                                           source=credit["label"]))


def module_hours(modules: list, plans: dict,  # noqa: ANN001 (ModuleInfo, Plan)
                 quiz_modules: Collection[str]) -> dict[str, ModuleHours]:
    """What each module holds: its session (from its guide) plus its self-study time."""
    out = {}
    for m in modules:
        plan = plans.get(m.id)
        contact = plan.minutes if plan is not None else 0
        out[m.id] = ModuleHours(m.id in quiz_modules, (contact + m.study_minutes) / 60.0)
    return out

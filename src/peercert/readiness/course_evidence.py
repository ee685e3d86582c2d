"""What a course contributes to readiness: its roster, course scores and evidenced hours.

Read from the nbgrader gradebook (through :class:`peercert.course.Course`), the item banks
(``assignments/*.yaml``: points and tags of each item), the learning modules
(``modules/NN-slug.ipynb``: measured self-study minutes and their split across the IC&RC
domains), the facilitator guides (``modules/facilitator/NN-slug.md``: each session's contact
minutes), the attendance file (``attendance.csv``) and the provider's approvals
(``approvals.csv``). Only scores are read, never answers: a reflection contributes its
points and nothing of what was written.

**No hours from quiz scores.** A graded quiz is never itself a training hour. Hours come
only from evidence, each record labelled with its source (``peercert.readiness.sources``):

- ``attendance:<module>``: the minutes a trainee signed in to a module's session;
- ``self-study:<module>``: a completed module's measured self-study time;
- ``provider-approved:<body> <number> (<date>)``: hours the provider declares approved, for
  a completed module or the completed course.

Whether a credential counts each source is the profile's call (``training_sources``), made
by the evaluator; what a course offers is gathered here.

**Module completion.** A module counts as complete for a trainee when every quiz bank
whose ``module`` is that module has a graded submission scoring at least ``completion``
percent of its graded points (items still waiting for a hand grade are left out of both
sides); it is dated on the latest of those submissions. ``completion`` is each course's own
``c.Peercert.completion_percent`` (default 70) unless one value is given for all courses.
Completion credits nothing by itself: it releases the module's self-study minutes and
approved hours.

Several courses (cohorts, instructors, sites) can be combined; each is a site, named by its
course id (plus the folder name when two share an id). A trainee in more than one course
keeps the site of the first course given. A quiz renamed in its bank (``formerly``) counts
its submissions under the old id too. Item ids are stable across cohorts, so per item
the best graded score counts toward mastery (the earlier submission on a tie). A quiz is
passed in a course by that course's own rule, on that course's submission (items from two
courses never add up to one pass); it counts as passed from its earliest pass in any of
the trainee's courses, and a module is completed once, when all its quizzes are passed.
Attendance of every course counts (each file is checked against its own course's guides).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peercert.course import Course
from peercert.defaults import COMPLETION_PERCENT
from peercert.errors import CourseError
from peercert.readiness.records import (
    Evidence,
    concat_records,
    empty_records,
    empty_scores,
    normalize_records,
)
from peercert.readiness.sources import self_study_label

if TYPE_CHECKING:
    from peercert.bank import Bank
    from peercert.curriculum import ModuleInfo
    from peercert.program import Program
    from peercert.readiness.attendance import Plan

COMPLETION = COMPLETION_PERCENT  # percent of a module quiz's graded points that completes it
GRADE_COLUMNS = ("trainee_id", "quiz", "item", "score", "possible", "submitted")


@dataclass(frozen=True)
class CourseData:
    """One course as read from disk, before courses are combined."""

    course_id: str
    path: Path
    roster: pd.DataFrame  # trainee_id, name
    grades: pd.DataFrame  # GRADE_COLUMNS; score NaN = not graded yet
    banks: list[Bank]
    modules: list[ModuleInfo]
    plans: dict[str, Plan] = field(default_factory=dict)  # module -> its session
    attendance: pd.DataFrame = field(default_factory=empty_records)  # training records
    approvals: pd.DataFrame = field(default_factory=pd.DataFrame)  # scope, topic, hours, label
    completion: float = COMPLETION  # the course's c.Peercert.completion_percent


def open_course(course: Path) -> Course:
    """The course at ``course``, with a gradebook; CourseError says what is missing."""
    c = Course.open(Path(course))
    if not c.has_gradebook():
        raise CourseError(f"{course}: no gradebook at {c.sqlite_path}; grade the course first")
    return c


def course_settings(course: Path) -> tuple[str, str]:
    """Course id and gradebook URL of a graded course (CourseError when it cannot be read)."""
    c = open_course(course)
    return c.course_id, c.db_url


def read_roster(c: Course) -> pd.DataFrame:
    """trainee_id, name: the course's students (name falls back to the id)."""
    rows = [(sid, f"{first or ''} {last or ''}".strip() or sid)
            for sid, first, last in c.students()]
    return pd.DataFrame(sorted(rows), columns=["trainee_id", "name"], dtype=str)


def read_gradebook(c: Course, renames: Mapping[str, str] | None = None,
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Roster (trainee_id, name) and item grades (GRADE_COLUMNS) from one course's gradebook.

    ``renames`` maps former quiz ids to current ones (``peercert.bank.quiz_renames``), so
    that submissions made under a bank's old quiz id count for the quiz it is now.
    A score is NaN while its item is not graded (``Course.grade_rows`` gives None).
    """
    roster = read_roster(c)
    rows = c.grade_rows()
    grades = pd.DataFrame(
        [(t, q, i, np.nan if score is None else score, mx, ts)
         for t, q, i, mx, _au, _ma, _ex, score, _nm, ts in rows],
        columns=list(GRADE_COLUMNS),
    )
    if renames and grades["quiz"].isin(list(renames)).any():
        grades["quiz"] = grades["quiz"].replace(dict(renames))
        grades = _best_per_item(grades)
    for col in ("trainee_id", "quiz", "item"):  # few distinct values, many rows
        grades[col] = grades[col].astype("category")
    grades["score"] = grades["score"].astype(float)
    grades["possible"] = grades["possible"].astype(float)
    grades["submitted"] = pd.to_datetime(grades["submitted"])
    return roster, grades


def _best_per_item(grades: pd.DataFrame) -> pd.DataFrame:
    """One row per trainee, quiz and item: the best graded score (earlier one on a tie)."""
    grades = grades.sort_values(["score", "submitted"], ascending=[False, True],
                                na_position="last", kind="stable")
    return grades.drop_duplicates(["trainee_id", "quiz", "item"]).reset_index(drop=True)


def read_course(course: Path | Course, as_of: date | None = None,
                listed: Sequence[str] = ()) -> CourseData:
    """Read one course directory: config, gradebook, banks, modules, guides and hour files.

    ``course`` is a course folder, or a :class:`Course` already opened (a program course,
    its gradebook in the program database). The attendance and approvals files are checked
    against the course's roster, guides and modules (AttendanceError / ApprovalError name
    every problem with file and line). ``listed`` adds trainees the course has even if the
    gradebook has no row for them yet (a program's roster), named by their id.
    """
    from peercert.bank import BankError, load_banks, quiz_renames
    from peercert.curriculum import list_modules
    from peercert.readiness.approvals import approvals_path, load_approvals, module_hours
    from peercert.readiness.attendance import attendance_path, load_attendance, plans_of

    c = course if isinstance(course, Course) else open_course(Path(course))
    course = c.root
    day = as_of or date.today()
    try:
        banks = load_banks(course / "assignments") if (course / "assignments").is_dir() else []
        modules = list_modules(course) if (course / "modules").is_dir() else []
    except BankError as exc:
        raise CourseError(f"{course}: item banks do not validate:\n{exc}") from exc
    except (KeyError, ValueError, OSError) as exc:
        raise CourseError(f"{course}: a module's metadata.peercert is incomplete: {exc}") from exc
    plans = plans_of(course)
    roster, grades = read_gradebook(c, quiz_renames(banks))
    if listed:
        extra = pd.DataFrame({"trainee_id": list(listed), "name": list(listed)}, dtype=str)
        roster = pd.concat([roster, extra], ignore_index=True).drop_duplicates("trainee_id")
        roster = roster.sort_values("trainee_id").reset_index(drop=True)
    attendance = load_attendance(attendance_path(course), plans, set(roster["trainee_id"]), day)
    holds = module_hours(modules, plans, quiz_modules(banks))
    approvals = load_approvals(approvals_path(course), holds, day)
    return CourseData(c.course_id, course, roster, grades, banks, modules, plans, attendance,
                      approvals, float(c.defaults.completion_percent))


def item_tags(banks: list[Bank]) -> pd.DataFrame:
    """One row per (item, competency): item, quiz, domain, competency."""
    rows = [(item.id, bank.quiz, item.tags.domain, comp)
            for bank in banks for item in bank.items for comp in item.tags.competencies]
    return pd.DataFrame(rows, columns=["item", "quiz", "domain", "competency"], dtype=str)


def scores_from_grades(grades: pd.DataFrame, tags: pd.DataFrame) -> pd.DataFrame:
    """Points earned and possible per trainee and quiz, competency and IC&RC domain.

    Mastery of a competency is the share of points earned on graded items tagged with it.
    Computed on integer codes, so a state's 10,000 trainees x 13 quizzes take a moment.
    """
    graded = grades[grades["score"].notna()]
    if graded.empty:
        return empty_scores()
    t, trainees = pd.factorize(graded["trainee_id"])
    i, items = pd.factorize(graded["item"])
    q, quizzes = pd.factorize(graded["quiz"])
    possible = graded["possible"].to_numpy(dtype=float)
    earned = np.clip(graded["score"].to_numpy(dtype=float), 0.0, possible)
    per_item = tags.drop_duplicates("item").set_index("item")["domain"]
    d, domains = pd.factorize(per_item.reindex(items).to_numpy(dtype=object))
    rows, comp, comps = _expand_competencies(i, items, tags)
    return pd.concat([
        _group_sum(t, q, earned, possible, trainees, quizzes, "quiz"),
        _group_sum(t, d[i], earned, possible, trainees, domains, "domain"),
        _group_sum(t[rows], comp, earned[rows], possible[rows], trainees, comps, "competency"),
    ], ignore_index=True)


def _expand_competencies(i: np.ndarray, items: pd.Index,
                         tags: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """One entry per (grade row, competency of its item): row positions and competency codes."""
    pair_item = items.get_indexer(tags["item"])
    keep = pair_item >= 0
    pair_item = pair_item[keep]
    pair_comp, comps = pd.factorize(tags["competency"].to_numpy(dtype=object)[keep])
    order = np.argsort(pair_item, kind="stable")
    pair_item, pair_comp = pair_item[order], pair_comp[order]
    per_item = np.bincount(pair_item, minlength=len(items))
    first = np.concatenate(([0], np.cumsum(per_item)[:-1]))
    n = per_item[i]
    rows = np.repeat(np.arange(len(i)), n)
    within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    return rows, pair_comp[first[i][rows] + within], pd.Index(comps)


def _group_sum(t: np.ndarray, k: np.ndarray, earned: np.ndarray, possible: np.ndarray,
               trainees: pd.Index, keys: pd.Index, scope: str) -> pd.DataFrame:
    ok = k >= 0
    width = max(len(keys), 1)
    cell = t[ok] * width + k[ok]
    size = len(trainees) * width
    count = np.bincount(cell, minlength=size)
    found = np.flatnonzero(count)
    return pd.DataFrame({
        "trainee_id": np.asarray(trainees, dtype=object)[found // width], "scope": scope,
        "key": np.asarray(keys, dtype=object)[found % width],
        "earned": np.bincount(cell, weights=earned[ok], minlength=size)[found],
        "possible": np.bincount(cell, weights=possible[ok], minlength=size)[found],
    })


def module_completions(grades: pd.DataFrame, banks: list[Bank],
                       completion: float = COMPLETION) -> pd.DataFrame:
    """trainee_id, module, date: modules whose every quiz reached ``completion`` percent."""
    return modules_completed(quiz_passes(grades, banks, completion), banks)


def _quiz_module(banks: list[Bank]) -> dict[str, str]:
    return {b.quiz: b.module for b in banks if b.module != "practice-exam"}


def quiz_passes(grades: pd.DataFrame, banks: list[Bank], completion: float) -> pd.DataFrame:
    """trainee_id, quiz, date: module quizzes of one course scoring ``completion`` percent of
    their graded points, dated on the latest graded submission of the quiz."""
    quiz_module = _quiz_module(banks)
    graded = grades[grades["score"].notna() & grades["quiz"].isin(quiz_module)]
    if graded.empty:
        return pd.DataFrame({"trainee_id": [], "quiz": [], "date": []})
    per_quiz = graded.assign(earned=graded["score"].clip(lower=0.0, upper=graded["possible"]))
    per_quiz = per_quiz.groupby(["trainee_id", "quiz"], sort=True, observed=True).agg(
        earned=("earned", "sum"), possible=("possible", "sum"), date=("submitted", "max"))
    per_quiz = per_quiz.reset_index()
    passed = per_quiz[100.0 * per_quiz["earned"] >= completion * per_quiz["possible"]]
    return passed[["trainee_id", "quiz", "date"]].reset_index(drop=True)


def modules_completed(passes: pd.DataFrame, banks: list[Bank]) -> pd.DataFrame:
    """trainee_id, module, date: modules all of whose quizzes are in ``passes`` (one course's
    or several courses'), each quiz from its earliest pass, dated on the last of them."""
    quiz_module = _quiz_module(banks)
    needed = pd.Series(quiz_module).value_counts()
    passes = passes[passes["quiz"].isin(quiz_module)]
    if passes.empty:
        return pd.DataFrame({"trainee_id": [], "module": [], "date": []})
    passed = passes.astype({"trainee_id": str, "quiz": str}).groupby(
        ["trainee_id", "quiz"], sort=True).agg(date=("date", "min")).reset_index()
    passed["module"] = passed["quiz"].map(quiz_module)
    done = passed.groupby(["trainee_id", "module"], sort=True).agg(
        quizzes=("quiz", "nunique"), date=("date", "max")).reset_index()
    done = done[done["quizzes"].to_numpy() == needed.reindex(done["module"]).to_numpy()]
    return done[["trainee_id", "module", "date"]].reset_index(drop=True)


def quiz_modules(banks: list[Bank]) -> set[str]:
    """The modules a trainee can complete: those with a quiz bank."""
    return {b.module for b in banks if b.module != "practice-exam"}


def self_study_records(completions: pd.DataFrame, modules: list[ModuleInfo]) -> pd.DataFrame:
    """Each completed module's measured self-study time, split by domain share.

    Dated on the module's completion and labelled ``self-study:<module>``; a profile decides
    whether its board counts it.
    """
    rows = [(m.id, domain, minutes / 60.0) for m in modules
            for domain, minutes in m.domain_study_minutes().items() if minutes > 0]
    if completions.empty or not rows:
        return empty_records()
    per_module = pd.DataFrame(rows, columns=["module", "topic", "hours"])
    credit = completions.merge(per_module, on="module", how="inner")
    module = credit["module"].astype(str).astype("category")  # a dozen modules, many rows
    return normalize_records(credit.assign(
        kind="training", result="", activity=module,
        source=module.cat.rename_categories(self_study_label)))


def course_records(done: pd.DataFrame, banks: list[Bank], modules: list[ModuleInfo],
                   attendance: pd.DataFrame, approvals: list[tuple[pd.DataFrame, set[str]]],
                   ) -> pd.DataFrame:
    """Every hour courses evidence: attendance, then self-study and approvals on completion.

    ``done`` is the modules completed (:func:`modules_completed`). ``approvals`` pairs each
    course's declarations with the trainees they apply to (those whose site the course is),
    so that no one is credited twice for one module.
    """
    from peercert.readiness.approvals import approval_records

    parts = [attendance, self_study_records(done, modules)]
    parts += [approval_records(declared, done[done["trainee_id"].isin(ids)], quiz_modules(banks))
              for declared, ids in approvals]
    return concat_records([normalize_records(p) for p in parts if not p.empty])


def _site_labels(courses: list[CourseData]) -> list[str]:
    ids = [c.course_id for c in courses]
    return [c.course_id if ids.count(c.course_id) == 1 else f"{c.course_id} ({c.path.name})"
            for c in courses]


def _first_by_id(items: list, key: str) -> list:
    seen: dict[str, object] = {}
    for x in items:
        seen.setdefault(getattr(x, key), x)
    return list(seen.values())


def combine_courses(courses: list[CourseData], completion: float | None = None,
                    sites: list[str] | None = None) -> Evidence:
    """One Evidence from several courses (see the module docstring for the merge rules).

    ``completion`` applies one threshold to every course instead of each course's own.
    ``sites`` labels each course's trainees (one distinct label per course); by default
    the course ids.
    """
    if not courses:
        return Evidence.empty()
    labels = sites if sites is not None else _site_labels(courses)
    rosters = [c.roster.assign(site=site) for c, site in zip(courses, labels, strict=True)]
    roster = pd.concat(rosters, ignore_index=True).drop_duplicates("trainee_id")
    grades = pd.concat([c.grades for c in courses], ignore_index=True)
    grades = _best_per_item(grades)
    banks: list[Bank] = _first_by_id([b for c in courses for b in c.banks], "quiz")
    modules: list[ModuleInfo] = _first_by_id([m for c in courses for m in c.modules], "id")
    scores = scores_from_grades(grades, item_tags(banks))
    attendance = concat_records([c.attendance for c in courses])
    if len(courses) > 1:
        _check_across_courses(attendance, courses)
    site_of = dict(zip(roster["trainee_id"], roster["site"], strict=True))
    approvals = [(c.approvals, {t for t, s in site_of.items() if s == site})
                 for c, site in zip(courses, labels, strict=True)
                 if not c.approvals.empty]
    passes = pd.concat([quiz_passes(c.grades, banks, c.completion if completion is None
                                    else completion) for c in courses], ignore_index=True)
    records = course_records(modules_completed(passes, banks), banks, modules, attendance,
                             approvals)
    return Evidence(roster.sort_values("trainee_id").reset_index(drop=True), records, scores)


def _check_across_courses(attendance: pd.DataFrame, courses: list[CourseData]) -> None:
    """A trainee in several courses gets a module's session minutes once, not per course."""
    from peercert.readiness.attendance import AttendanceError

    declared: dict[tuple[str, str], float] = {}
    for c in courses:
        for module, plan in c.plans.items():
            for domain, minutes in plan.domain_minutes.items():
                declared.setdefault((module, domain), minutes / 60.0)
    if attendance.empty or not declared:
        return
    totals = attendance.groupby(["trainee_id", "activity", "topic"], observed=True)["hours"].sum()
    problems = [f"trainee {t!r} attended {h * 60:g} minutes of the {m} session's {d} time "
                f"across the courses {', '.join(str(c.path) for c in courses)}; the session "
                f"declares {declared[(m, d)] * 60:g}, and a repeat counts once"
                for (t, m, d), h in totals.items()
                if (m, d) in declared and h > declared[(m, d)] + 1e-9]
    if problems:
        raise AttendanceError(problems)


def course_evidence(courses: list[Path], completion: float | None = None,
                    as_of: date | None = None) -> Evidence:
    """Read and combine course directories into one Evidence; ``completion`` (percent), when
    given, replaces every course's own ``c.Peercert.completion_percent``."""
    return combine_courses([read_course(Path(c), as_of) for c in courses], completion)


def program_site(program: Program, course_id: str) -> str:
    """How a program course's trainees are labelled: ``Site (course id)``."""
    return f"{program.course(course_id).site} ({course_id})"


def program_evidence(program: Program, completion: float | None = None,
                     as_of: date | None = None, courses: Sequence[Path] = ()) -> Evidence:
    """Every course of a program, read from the program's gradebook and course folders.

    Each course's roster is its gradebook students plus the trainees the program file lists
    for it (a trainee who has not submitted yet still shows, with no evidence), labelled
    with the course's site. A trainee in several courses keeps the site of the first.
    ``courses`` adds course folders outside the program (labelled with their course ids).
    """
    import sqlalchemy as sa

    from peercert.program_db import open_course as open_program_course

    found = []
    for entry in program.courses:
        course = open_program_course(program, entry.id)
        try:
            found.append(read_course(course, as_of, entry.trainees))
        except sa.exc.DBAPIError as exc:  # no schema yet, no access: say which course
            reason = " ".join(str(exc.orig).split()) if exc.orig else type(exc).__name__
            raise CourseError(f"course {entry.id}: cannot read its gradebook in the program "
                              f"database: {reason}", path=program.path) from exc
        finally:
            course.close()
    extra = [read_course(Path(c), as_of) for c in courses]
    sites = [program_site(program, c.id) for c in program.courses]
    return combine_courses(found + extra, completion, sites=sites + _site_labels(extra))

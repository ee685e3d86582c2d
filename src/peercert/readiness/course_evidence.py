"""What a course contributes to readiness: its roster, course scores and module hours.

Read from the nbgrader gradebook (through ``nbgrader.api.Gradebook``), the item banks
(``assignments/*.yaml``: points and tags of each item) and the learning modules
(``modules/NN-slug.ipynb``: seat-time hours per IC&RC domain). Only scores are read,
never answers: a reflection contributes its points and nothing of what was written.

**Module completion.** A module counts as complete for a trainee when every quiz bank
whose ``module`` is that module has a graded submission scoring at least ``completion``
percent of its graded points (items still waiting for a hand grade are left out of both
sides). Completion credits the module's ``domain_hours`` as training hours, one record per
domain, dated on the latest of those submissions; seat time not assigned to a domain is
credited under the topic ``general``. A module with no quiz bank is never completed through
the course: log its hours in an evidence file instead.

Several courses (cohorts, instructors, sites) can be combined; each is a site, named by its
course id (plus the folder name when two share an id). A trainee in more than one course
keeps the site of the first course given. Item ids are stable across cohorts, so per item
the best graded score counts (the earlier submission on a tie): a module is credited once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from peercert.readiness.records import Evidence, empty_records, empty_scores, normalize_records

if TYPE_CHECKING:
    from peercert.bank import Bank
    from peercert.curriculum import ModuleInfo

COMPLETION = 70.0  # percent of a module quiz's graded points that completes the module
GRADE_COLUMNS = ("trainee_id", "quiz", "item", "score", "possible", "submitted")


class CourseError(Exception):
    """A course directory cannot be read; the message names the course and the reason."""


@dataclass(frozen=True)
class CourseData:
    """One course as read from disk, before courses are combined."""

    course_id: str
    path: Path
    roster: pd.DataFrame  # trainee_id, name
    grades: pd.DataFrame  # GRADE_COLUMNS; score NaN = not graded yet
    banks: list[Bank]
    modules: list[ModuleInfo]


def course_settings(course: Path) -> tuple[str, str]:
    from peercert.course import load_settings

    try:
        settings = load_settings(course)
    except FileNotFoundError as exc:
        raise CourseError(str(exc)) from exc
    except Exception as exc:  # a broken nbgrader_config.py: any error its code raises
        raise CourseError(f"{course}: cannot load nbgrader_config.py: {exc}") from exc
    db_url = settings.db_url
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).exists():
        raise CourseError(f"{course}: no gradebook at {db_url.removeprefix('sqlite:///')}; "
                          "grade the course first")
    return settings.course_id, db_url


def _score_rows(gb: object, course_id: str) -> list[tuple]:
    from nbgrader.api import Assignment, Grade, GradeCell, SubmittedAssignment, SubmittedNotebook

    query = (
        gb.db.query(SubmittedAssignment.student_id, Assignment.name, GradeCell.name,  # type: ignore[attr-defined]
                    Grade.auto_score, Grade.manual_score, Grade.extra_credit,
                    GradeCell.max_score, SubmittedAssignment.timestamp)
        .select_from(Grade)
        .join(GradeCell, Grade.cell_id == GradeCell.id)
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .filter(Assignment.course_id == course_id)
    )
    return query.all()


def _score(auto: float | None, manual: float | None, extra: float | None) -> float:
    """nbgrader's rule (manual wins, plus extra credit), but 'not graded' stays NaN."""
    base = manual if manual is not None else auto
    return np.nan if base is None else base + (extra or 0.0)


def read_gradebook(db_url: str, course_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Roster (trainee_id, name) and item grades (GRADE_COLUMNS) from one gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        students = [(s.id, f"{s.first_name or ''} {s.last_name or ''}".strip() or s.id)
                    for s in gb.students]
        rows = _score_rows(gb, course_id)
    roster = pd.DataFrame(sorted(students), columns=["trainee_id", "name"], dtype=str)
    grades = pd.DataFrame(
        [(sid, quiz, item, _score(a, m, e), mx, ts) for sid, quiz, item, a, m, e, mx, ts in rows],
        columns=list(GRADE_COLUMNS),
    )
    for col in ("trainee_id", "quiz", "item"):  # few distinct values, many rows
        grades[col] = grades[col].astype("category")
    grades["score"] = grades["score"].astype(float)
    grades["possible"] = grades["possible"].astype(float)
    grades["submitted"] = pd.to_datetime(grades["submitted"])
    return roster, grades


def read_course(course: Path) -> CourseData:
    """Read one course directory: config, gradebook, banks and module metadata."""
    from peercert.bank import BankError, load_banks
    from peercert.curriculum import list_modules

    course = Path(course)
    course_id, db_url = course_settings(course)
    try:
        banks = load_banks(course / "assignments") if (course / "assignments").is_dir() else []
        modules = list_modules(course) if (course / "modules").is_dir() else []
    except BankError as exc:
        raise CourseError(f"{course}: item banks do not validate:\n{exc}") from exc
    except (KeyError, ValueError, OSError) as exc:
        raise CourseError(f"{course}: a module's metadata.peercert is incomplete: {exc}") from exc
    roster, grades = read_gradebook(db_url, course_id)
    return CourseData(course_id, course, roster, grades, banks, modules)


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
    quiz_module = {b.quiz: b.module for b in banks if b.module != "practice-exam"}
    needed = pd.Series(quiz_module).value_counts()
    graded = grades[grades["score"].notna() & grades["quiz"].isin(quiz_module)]
    if graded.empty:
        return pd.DataFrame({"trainee_id": [], "module": [], "date": []})
    per_quiz = graded.assign(earned=graded["score"].clip(lower=0.0, upper=graded["possible"]))
    per_quiz = per_quiz.groupby(["trainee_id", "quiz"], sort=True).agg(
        earned=("earned", "sum"), possible=("possible", "sum"), date=("submitted", "max"))
    per_quiz = per_quiz.reset_index()
    passed = per_quiz[100.0 * per_quiz["earned"] >= completion * per_quiz["possible"]].copy()
    passed["module"] = passed["quiz"].map(quiz_module)
    done = passed.groupby(["trainee_id", "module"], sort=True).agg(
        quizzes=("quiz", "nunique"), date=("date", "max")).reset_index()
    done = done[done["quizzes"].to_numpy() == needed.reindex(done["module"]).to_numpy()]
    return done[["trainee_id", "module", "date"]].reset_index(drop=True)


def module_hours(modules: list[ModuleInfo]) -> pd.DataFrame:
    """module, topic, hours: what completing each module credits."""
    rows = []
    for m in modules:
        rows += [(m.id, domain, hours) for domain, hours in m.domain_hours.items() if hours > 0]
        rest = m.seat_time_hours - sum(m.domain_hours.values())
        if rest > 1e-9:
            rows.append((m.id, "general", rest))
    return pd.DataFrame(rows, columns=["module", "topic", "hours"])


def training_records(completions: pd.DataFrame, modules: list[ModuleInfo]) -> pd.DataFrame:
    """Training-hour records credited by completed modules."""
    if completions.empty or not modules:
        return empty_records()
    credit = completions.merge(module_hours(modules), on="module", how="inner")
    credit["kind"] = "training"
    credit["result"] = ""
    credit["source"] = "course module " + credit["module"]
    return normalize_records(credit)


def _site_labels(courses: list[CourseData]) -> list[str]:
    ids = [c.course_id for c in courses]
    return [c.course_id if ids.count(c.course_id) == 1 else f"{c.course_id} ({c.path.name})"
            for c in courses]


def _first_by_id(items: list, key: str) -> list:
    seen: dict[str, object] = {}
    for x in items:
        seen.setdefault(getattr(x, key), x)
    return list(seen.values())


def combine_courses(courses: list[CourseData], completion: float = COMPLETION) -> Evidence:
    """One Evidence from several courses (see the module docstring for the merge rules)."""
    if not courses:
        return Evidence.empty()
    rosters = [c.roster.assign(site=site) for c, site in zip(courses, _site_labels(courses),
                                                              strict=True)]
    roster = pd.concat(rosters, ignore_index=True).drop_duplicates("trainee_id")
    grades = pd.concat([c.grades for c in courses], ignore_index=True)
    grades = grades.sort_values(["score", "submitted"], ascending=[False, True],
                                na_position="last", kind="stable")
    grades = grades.drop_duplicates(["trainee_id", "quiz", "item"])
    banks: list[Bank] = _first_by_id([b for c in courses for b in c.banks], "quiz")
    modules: list[ModuleInfo] = _first_by_id([m for c in courses for m in c.modules], "id")
    scores = scores_from_grades(grades, item_tags(banks))
    records = training_records(module_completions(grades, banks, completion), modules)
    return Evidence(roster.sort_values("trainee_id").reset_index(drop=True), records, scores)


def course_evidence(courses: list[Path], completion: float = COMPLETION) -> Evidence:
    """Read and combine course directories into one Evidence."""
    return combine_courses([read_course(Path(c)) for c in courses], completion)

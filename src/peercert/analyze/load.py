"""Build the ``responses`` and ``items`` tables from a course directory.

Scores come from nbgrader's gradebook (through ``nbgrader.api.Gradebook``, so SQLite and
PostgreSQL both work); the chosen options come from the submitted notebooks; item metadata
comes from the banks in ``assignments/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from peercert.analyze.answers import read_answers
from peercert.analyze.course import NoGradedSubmissions, course_config
from peercert.analyze.model import RESPONSE_COLUMNS, AnalysisError, items_from_banks
from peercert.bank import Bank, BankError, load_bank, quiz_renames
from peercert.course import GRADE_ROW_COLUMNS, Course
from peercert.errors import NoGradesError

GRADE_COLUMNS = [
    "trainee", "quiz", "item_id", "max_score", "auto_score", "manual_score", "score",
    "needs_manual_grade",
]


class UnknownQuiz(AnalysisError):
    """The quiz is neither in ``assignments/`` nor in the gradebook."""


@dataclass(frozen=True)
class CourseData:
    """Everything analysis reads from a course, plus what it had to leave out and why."""

    config: Course
    responses: pd.DataFrame
    items: pd.DataFrame
    banks: dict[str, Bank]
    warnings: tuple[str, ...]

    @property
    def graded_quizzes(self) -> list[str]:
        """Quizzes with at least one graded item, in bank order."""
        graded = set(self.responses.loc[self.responses["score"].notna(), "quiz"])
        return [q for q in self.banks if q in graded]


def read_grades(cfg: Course) -> pd.DataFrame:
    """Every grade cell score in the gradebook, one row per trainee, quiz and item.

    ``score`` is nbgrader's (manual wins over auto, plus extra credit), NaN while ungraded.
    """
    try:
        rows = cfg.grade_rows()
    except NoGradesError as exc:
        raise NoGradedSubmissions(str(exc)) from exc
    finally:
        cfg.close()
    return pd.DataFrame(rows, columns=list(GRADE_ROW_COLUMNS))[GRADE_COLUMNS]


def grades_to_responses(grades: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Scores (nbgrader's rule; neither auto nor manual = not graded yet) as responses.

    A reflection nbgrader scored 0 by itself (the answer cell was left as given) is omitted.
    """
    auto = grades["auto_score"].astype(float)
    manual = grades["manual_score"].astype(float)
    kinds = grades["item_id"].map(dict(zip(items["item_id"], items["type"], strict=True)))
    blank_reflection = (
        (kinds == "reflection") & (auto == 0) & manual.isna()
        & ~grades["needs_manual_grade"].astype(bool)
    )
    omitted = pd.Series(pd.NA, index=grades.index, dtype="boolean")
    omitted[kinds == "reflection"] = blank_reflection[kinds == "reflection"]
    return pd.DataFrame({
        "trainee": grades["trainee"].astype(str),
        "quiz": grades["quiz"].astype(str),
        "item_id": grades["item_id"].astype(str),
        "score": (grades["score"].astype(float) if "score" in grades
                  else manual.where(manual.notna(), auto)),
        "max_score": grades["max_score"].astype(float),
        "answer": pd.Series(None, index=grades.index, dtype=object),
        "omitted": omitted,
    }, columns=RESPONSE_COLUMNS)


def _load_banks(cfg: Course, needed: Iterable[str]) -> tuple[dict[str, Bank], list[str]]:
    banks: dict[str, Bank] = {}
    warnings: list[str] = []
    needed = set(needed)
    for path in sorted((cfg.root / "assignments").glob("*.yaml")):
        try:
            banks[path.stem] = load_bank(path)
        except BankError as exc:
            if path.stem in needed:
                raise AnalysisError(str(exc)) from exc
            warnings.append(f"{path.name} left out of mastery: it does not validate")
    return banks, warnings


def _answer_frame(cfg: Course, quiz: str, trainees: Iterable[str],
                  items: pd.DataFrame, warnings: list[str],
                  banks_formerly: dict[str, list[str]] | None = None) -> pd.DataFrame:
    banks_formerly = banks_formerly or {}
    meta = items[items["quiz"] == quiz]
    specs = {i: (t, "".join(o)) for i, t, o in zip(meta["item_id"], meta["type"],
                                                     meta["options"], strict=True)}
    rows = []
    for trainee in trainees:
        names = [quiz, *(banks_formerly.get(quiz, []))]
        candidates = [cfg.notebook(stage, trainee, name)
                      for name in names for stage in ("submitted", "autograded")]
        path = next((p for p in candidates if p.is_file()), candidates[0])
        try:
            found = read_answers(path, specs)
        except (OSError, ValueError) as exc:
            warnings.append(f"{trainee}/{quiz}: chosen options not read from {path}: {exc}")
            continue
        rows += [(trainee, quiz, a.item_id, a.answer, a.omitted) for a in found]
    return pd.DataFrame(rows, columns=["trainee", "quiz", "item_id", "answer", "omitted"])


def add_answers(responses: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    """Fill ``answer`` and ``omitted`` from notebook answers (rows matched on trainee+item)."""
    key = ["trainee", "quiz", "item_id"]
    merged = responses.merge(answers, on=key, how="left", suffixes=("", "_nb"))
    has = merged["omitted_nb"].notna()
    merged.loc[has, "answer"] = merged.loc[has, "answer_nb"]
    merged["omitted"] = merged["omitted"].astype("boolean")
    merged.loc[has, "omitted"] = merged.loc[has, "omitted_nb"].astype(bool)
    return merged[RESPONSE_COLUMNS]


def _check_items(grades: pd.DataFrame, items: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    known = grades["item_id"].isin(items["item_id"])
    for quiz, item in sorted(set(zip(grades.loc[~known, "quiz"], grades.loc[~known, "item_id"],
                                     strict=True))):
        warnings.append(f"{quiz}: grade cell {item!r} is not an item of the bank; left out")
    return grades[known]


def resolve_quizzes(requested: Sequence[str] | None, banks: dict[str, Bank],
                    graded: Sequence[str]) -> list[str]:
    """Check requested quiz ids (all graded quizzes when none are given)."""
    if not requested:
        if not graded:
            raise NoGradedSubmissions("no graded submissions yet: run `peercert grade` first")
        return list(graded)
    for quiz in requested:
        if quiz not in banks:
            known = ", ".join(banks) or "none"
            raise UnknownQuiz(f"unknown quiz {quiz!r}; quizzes in this course: {known}")
        if quiz not in graded:
            raise NoGradedSubmissions(
                f"quiz {quiz!r} has no graded submissions yet: run `peercert grade {quiz}` first"
            )
    return list(requested)


def load_course(course: Path | Course, quizzes: Sequence[str] | None = None,
                with_answers: bool = True) -> tuple[CourseData, list[str]]:
    """Read a course (a folder, or a :class:`Course` already opened); return its data and
    the quizzes to analyse (checked).

    Raises UnknownQuiz, NoGradedSubmissions or AnalysisError with a sentence for the user.
    """
    cfg = course_config(course if isinstance(course, Course) else Path(course))
    banks, warnings = _load_banks(cfg, quizzes or ())
    items = items_from_banks(banks.values())
    grades = read_grades(cfg)
    grades["quiz"] = grades["quiz"].replace(quiz_renames(banks.values()))
    grades = _check_items(grades, items, warnings)
    responses = grades_to_responses(grades, items)
    data = CourseData(cfg, responses, items, banks, ())
    chosen = resolve_quizzes(quizzes, banks, data.graded_quizzes)
    if with_answers:
        frames = [_answer_frame(cfg, q, sorted(set(responses.loc[responses["quiz"] == q,
                                                                  "trainee"])), items, warnings,
                               {q: list(b.formerly) for q, b in banks.items()})
                  for q in chosen]
        responses = add_answers(responses, pd.concat(frames, ignore_index=True))
    return CourseData(cfg, responses, items, banks, tuple(warnings)), chosen


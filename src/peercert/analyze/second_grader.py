"""Second-grader workflow: export a blind grading sheet, compare the filled-in sheet.

The sheet carries no first-grader scores (so the second grader is blind to them) and, by
default, no reflection text: reflections may hold lived-experience disclosures, so the
second grader reads them in the course (formgrader or the submitted notebooks) unless the
instructor explicitly asks for the text in the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from peercert.analyze.agreement import (
    SHEET_COLUMNS,
    Weights,
    check_scale,
    grader_agreement,
    read_second_grader,
)
from peercert.analyze.answers import reflection_text
from peercert.analyze.course import NoGradedSubmissions
from peercert.analyze.load import CourseData, load_course


@dataclass(frozen=True)
class AgreementResult:
    """Agreement table (one row per reflection item plus the pooled row) and its inputs."""

    quiz: str
    table: pd.DataFrame
    pairs: int
    unmatched: int
    weights: str


def _reflections(data: CourseData, quiz: str) -> pd.DataFrame:
    meta = data.items[(data.items["quiz"] == quiz) & (data.items["type"] == "reflection")]
    if meta.empty:
        raise NoGradedSubmissions(f"quiz {quiz!r} has no reflection questions to grade twice")
    rows = data.responses[data.responses["item_id"].isin(meta["item_id"])]
    # A reflection left blank is scored 0 by nbgrader itself: nothing for a grader to judge.
    return rows[~rows["omitted"].eq(True)]


def _levels(data: CourseData, quiz: str) -> dict[str, list[float]]:
    bank = data.banks[quiz]
    return {item.id: sorted({float(level.points) for level in item.rubric} | {0.0})
            for item in bank.items if item.type == "reflection"}


def reflection_sheet(course: Path, quiz: str, with_text: bool = False) -> pd.DataFrame:
    """Blind grading sheet for a second grader: one row per submitted reflection."""
    data, _ = load_course(course, [quiz], with_answers=False)
    rows = _reflections(data, quiz).sort_values(["item_id", "trainee"])
    levels = _levels(data, quiz)
    sheet = pd.DataFrame({
        "trainee": rows["trainee"].to_numpy(),
        "quiz": quiz,
        "item_id": rows["item_id"].to_numpy(),
        "max_score": rows["max_score"].to_numpy(),
        "levels": [" ".join(f"{v:g}" for v in levels[i]) for i in rows["item_id"]],
        "score": pd.Series([None] * len(rows), dtype=object),
    }, columns=SHEET_COLUMNS)
    if with_text:
        texts = {}
        for trainee in sorted(set(sheet["trainee"])):
            path = data.config.notebook("submitted", trainee, quiz)
            texts.update({(trainee, i): t for i, t in _safe_text(path).items()})
        sheet["reflection"] = [texts.get((t, i), "") for t, i in zip(
            sheet["trainee"], sheet["item_id"], strict=True)]
    return sheet


def _safe_text(path: Path) -> dict[str, str]:
    try:
        return reflection_text(path)
    except (OSError, ValueError):
        return {}


def run_agreement(course: Path, quiz: str, second: Path,
                  weights: Weights = "quadratic") -> AgreementResult:
    """Compare a second grader's sheet with the manual scores in the gradebook."""
    data, _ = load_course(course, [quiz], with_answers=False)
    first = _reflections(data, quiz)[["trainee", "item_id", "score"]]
    levels = _levels(data, quiz)
    other = read_second_grader(second, quiz)
    check_scale(other, {i: max(v) for i, v in levels.items()}, second)
    table = grader_agreement(first, other, dict(levels), weights)
    matched = first.merge(other, on=["trainee", "item_id"], suffixes=("_1", "_2"))
    both = matched.dropna(subset=["score_1", "score_2"])
    if both.empty:
        raise NoGradedSubmissions(
            f"no reflection of {quiz!r} was scored by both graders: grade them in formgrader "
            "and fill the score column of the sheet"
        )
    return AgreementResult(quiz, table, len(both), int(len(other) - len(both)), weights)

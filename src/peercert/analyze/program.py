"""``peercert analyze --program``: item analysis pooled across a program's courses.

Every course of a program releases the same quizzes from the same banks, so a quiz's items
can be analysed on all its cohorts at once: more trainees, steadier difficulty,
discrimination and reliability figures. Each course is read like a single course
(:func:`peercert.analyze.load.load_course`), its gradebook in the program database
(:func:`peercert.program_db.open_course`); a trainee's responses are keyed by course and
trainee (``<course>/<trainee>``), so one person in two cohorts counts as two attempts, never
as one mixed record. Beside the pooled files, ``per-course-summary.csv`` gives each course's
own figures for the quiz, so a site that differs from the rest stands out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from peercert import output
from peercert.analyze.course import NoGradedSubmissions
from peercert.analyze.load import CourseData, load_course, resolve_quizzes
from peercert.analyze.mastery import competency_mastery
from peercert.analyze.model import DEFAULT_THRESHOLDS, AnalysisError, Thresholds
from peercert.analyze.quiz import QuizAnalysis, analyze_quiz
from peercert.analyze.report import ReportContext
from peercert.analyze.run import DECIMALS, output_dir, write_outputs

if TYPE_CHECKING:
    from peercert.program import Program

SUMMARY_NAME = "per-course-summary.csv"
SUMMARY_COLUMNS = ["course", "site", "trainees", "items", "mean", "sd", "kr20", "alpha", "sem"]


@dataclass(frozen=True)
class ProgramAnalyzeResult:
    """Pooled analyses per quiz, each course's summary per quiz, and the files written."""

    analyses: dict[str, QuizAnalysis]
    per_course: dict[str, pd.DataFrame]  # quiz -> SUMMARY_COLUMNS, one row per course
    mastery: pd.DataFrame
    files: dict[str, list[Path]]
    warnings: tuple[str, ...]


def load_program_courses(program: Program, with_answers: bool = True,
                         ) -> tuple[dict[str, CourseData], list[str]]:
    """Each course's analysis data (courses with nothing graded are left out, with a note)."""
    import sqlalchemy as sa

    from peercert.program_db import open_course

    found: dict[str, CourseData] = {}
    notes: list[str] = []
    for entry in program.courses:
        course = open_course(program, entry.id)
        try:
            data, _ = load_course(course, None, with_answers=with_answers)
        except NoGradedSubmissions:
            notes.append(f"{entry.id}: no graded submissions yet; left out")
            continue
        except sa.exc.DBAPIError as exc:
            reason = " ".join(str(exc.orig).split()) if exc.orig else type(exc).__name__
            raise AnalysisError(f"course {entry.id}: cannot read its gradebook in the program "
                                f"database: {reason}") from exc
        finally:
            course.close()
        found[entry.id] = data
        notes += [f"{entry.id}: {w}" for w in data.warnings]
    if not found:
        raise NoGradedSubmissions("no course of the program has graded submissions yet")
    return found, notes


def pool(courses: dict[str, CourseData]) -> tuple[pd.DataFrame, pd.DataFrame, dict, list[str]]:
    """Responses of every course, trainees keyed ``<course>/<trainee>``; items and banks of
    the first course, with a note for each course whose bank of a quiz has other items."""
    first = next(iter(courses.values()))
    notes = []
    for cid, data in courses.items():
        for quiz, bank in data.banks.items():
            mine = first.banks.get(quiz)
            if mine is not None and [i.id for i in bank.items] != [i.id for i in mine.items]:
                notes.append(f"{cid}: bank {quiz} has other items than the first course's; "
                             "its responses to items not in that bank are left out")
    frames = [d.responses.assign(trainee=cid + "/" + d.responses["trainee"].astype(str))
              for cid, d in courses.items()]
    responses = pd.concat(frames, ignore_index=True)
    responses = responses[responses["item_id"].isin(first.items["item_id"])]
    return responses.reset_index(drop=True), first.items, first.banks, notes


def per_course_summary(program: Program, courses: dict[str, CourseData], quiz: str,
                       thresholds: Thresholds) -> pd.DataFrame:
    """One row per course that has graded submissions of ``quiz``."""
    rows = []
    for cid, data in courses.items():
        mine = data.responses[data.responses["quiz"] == quiz]
        if mine["score"].notna().sum() == 0:
            continue
        s = analyze_quiz(data.responses, data.items, quiz, thresholds).summary
        rows.append([cid, program.course(cid).site, s.trainees, s.items, s.mean, s.sd, s.kr20,
                     s.alpha, s.sem])
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def run_program_analyze(program: Program, quizzes: Sequence[str] | None = None,
                        out: Path | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                        write: bool = True) -> ProgramAnalyzeResult:
    """Analyse quizzes pooled across every course of ``program`` (all graded ones if none).

    Files per quiz go where ``peercert analyze`` puts them, under ``out`` (default
    ``program-analysis``), plus ``per-course-summary.csv``.
    """
    from peercert import __version__

    courses, notes = load_program_courses(program)
    responses, items, banks, more = pool(courses)
    warnings = tuple(notes + more)
    graded = set(responses.loc[responses["score"].notna(), "quiz"])
    chosen = resolve_quizzes(quizzes, banks, [q for q in banks if q in graded])
    mastery = competency_mastery(responses, items, thresholds.mastery)
    base = Path(out) if out is not None else Path("program-analysis")
    analyses, per_course, files = {}, {}, {}
    for quiz in chosen:
        analyses[quiz] = qa = analyze_quiz(responses, items, quiz, thresholds)
        per_course[quiz] = table = per_course_summary(program, courses, quiz, thresholds)
        if write:
            folder = output_dir(base, quiz, base, len(chosen) > 1)
            ctx = ReportContext(title=f"{banks[quiz].title}: {program.name}, "
                                      f"{len(table)} course(s) pooled",
                                mastery=mastery, mastery_threshold=thresholds.mastery,
                                warnings=warnings, version=__version__)
            written = write_outputs(qa, ctx, folder)
            summary = output.write_frame(folder / SUMMARY_NAME, table.round(DECIMALS))
            files[quiz] = [summary, *written]
    return ProgramAnalyzeResult(analyses, per_course, mastery, files, warnings)

"""``run_analyze``: read a course, analyse quizzes, write the CSVs and the HTML report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from peercert import output
from peercert.analyze.load import load_course
from peercert.analyze.mastery import competency_mastery
from peercert.analyze.model import DEFAULT_THRESHOLDS, Thresholds
from peercert.analyze.quiz import QuizAnalysis, analyze_quiz
from peercert.analyze.report import ReportContext, render_report

DECIMALS = 6
REPORT_NAME = "report.html"


@dataclass(frozen=True)
class AnalyzeResult:
    """What ``run_analyze`` computed and wrote, quiz by quiz."""

    course: Path
    analyses: dict[str, QuizAnalysis]
    mastery: pd.DataFrame
    files: dict[str, list[Path]]
    warnings: tuple[str, ...]


def output_dir(course: Path, quiz: str, out: Path | None, several: bool) -> Path:
    """Where a quiz's files go.

    One quiz: ``out`` itself (default ``<course>/reports/analysis/<quiz>``). Several quizzes:
    ``<out>/<quiz>`` (default ``out`` is ``<course>/reports/analysis``).
    """
    if out is None:
        return Path(course) / "reports" / "analysis" / quiz
    return Path(out) / quiz if several else Path(out)


def _csv(frame: pd.DataFrame, path: Path, modes: output.Modes) -> Path:
    # round() then the default float repr: per-value float_format is 10x slower on big cohorts
    return output.write_frame(path, frame.round(DECIMALS), modes=modes)


def write_outputs(qa: QuizAnalysis, ctx: ReportContext, out: Path,
                  modes: output.Modes = output.PRIVATE) -> list[Path]:
    """Write item-analysis.csv, distractors.csv, quiz-summary.csv, score-distribution.csv,
    competency-mastery.csv and report.html into ``out``; return their paths."""
    output.prepare_folder(out, modes)
    files = [
        _csv(qa.items, out / "item-analysis.csv", modes),
        _csv(qa.options, out / "distractors.csv", modes),
        _csv(pd.DataFrame([qa.summary.as_row()]), out / "quiz-summary.csv", modes),
        _csv(qa.distribution, out / "score-distribution.csv", modes),
        _csv(ctx.mastery, out / "competency-mastery.csv", modes),
    ]
    report = output.write_text(out / REPORT_NAME, render_report(qa, ctx), modes)
    return [*files, report]


def run_analyze(
    course: Path, quizzes: Sequence[str] | None = None, out: Path | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS, write: bool = True,
) -> AnalyzeResult:
    """Analyse quizzes of a course (all graded ones when ``quizzes`` is empty).

    Mastery covers every graded quiz of the course, whichever quizzes are analysed. Raises
    UnknownQuiz, NoGradedSubmissions or AnalysisError with a message for the user.
    """
    from peercert import __version__
    from peercert.analyze.course import course_config

    data, chosen = load_course(Path(course), quizzes)
    modes = course_config(Path(course)).modes if write else output.PRIVATE
    mastery = competency_mastery(data.responses, data.items, thresholds.mastery)
    analyses, files = {}, {}
    for quiz in chosen:
        qa = analyze_quiz(data.responses, data.items, quiz, thresholds)
        analyses[quiz] = qa
        if write:
            ctx = ReportContext(title=data.banks[quiz].title, mastery=mastery,
                                mastery_threshold=thresholds.mastery,
                                warnings=data.warnings, version=__version__)
            files[quiz] = write_outputs(qa, ctx, output_dir(course, quiz, out, len(chosen) > 1),
                                        modes)
    return AnalyzeResult(Path(course), analyses, mastery, files, data.warnings)

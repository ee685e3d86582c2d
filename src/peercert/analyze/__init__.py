"""Item analysis, reliability, competency mastery and grader agreement (``peercert analyze``).

The library API, for scripts and the instructor dashboard::

    from peercert.analyze import run_analyze
    result = run_analyze(Path("my-course"), ["boundaries"])      # reads, computes, writes
    result.analyses["boundaries"].items                            # one row per item

or, on plain tables (see :mod:`peercert.analyze.model` for their columns)::

    qa = analyze_quiz(responses, items, "boundaries")
    mastery = competency_mastery(responses, items)
"""

from __future__ import annotations

from peercert.analyze.agreement import grader_agreement, weighted_kappa
from peercert.analyze.course import NoGradedSubmissions
from peercert.analyze.load import CourseData, UnknownQuiz, load_course
from peercert.analyze.mastery import below_threshold, competency_mastery, mastery_grid
from peercert.analyze.model import AnalysisError, Thresholds, items_from_banks
from peercert.analyze.quiz import QuizAnalysis, analyze_quiz
from peercert.analyze.report import ReportContext, render_report
from peercert.analyze.run import AnalyzeResult, output_dir, run_analyze
from peercert.analyze.second_grader import AgreementResult, reflection_sheet, run_agreement

__all__ = [
    "AgreementResult", "AnalysisError", "AnalyzeResult", "CourseData", "NoGradedSubmissions",
    "QuizAnalysis", "ReportContext", "Thresholds", "UnknownQuiz", "analyze_quiz",
    "below_threshold", "competency_mastery", "grader_agreement", "items_from_banks",
    "load_course", "mastery_grid", "output_dir", "reflection_sheet", "render_report",
    "run_agreement", "run_analyze", "weighted_kappa",
]

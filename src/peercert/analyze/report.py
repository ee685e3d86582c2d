"""One self-contained HTML report per quiz: jinja2 template, figures inlined as PNG."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from peercert.analyze import figures
from peercert.analyze.mastery import below_threshold, mastery_grid
from peercert.analyze.quiz import QuizAnalysis
from peercert.output import templates
from peercert.tags import COMPETENCIES

MAX_LISTED_TRAINEES = 200
FLAG_LABELS = {
    "too-easy": "too easy", "too-hard": "too hard", "low-discrimination": "low discrimination",
    "negative-discrimination": "negative discrimination", "dead-distractor": "dead distractor",
    "distractor-attracts-upper": "attracts top group",
}


@dataclass(frozen=True)
class ReportContext:
    """What the report needs besides the quiz analysis."""

    title: str
    mastery: pd.DataFrame
    mastery_threshold: float = 0.70
    warnings: tuple[str, ...] = ()
    version: str = ""


def reliability_words(alpha: float) -> str:
    """A plain sentence about what an alpha value allows."""
    if math.isnan(alpha):
        return "Reliability could not be computed for this quiz (see the notes)."
    if alpha >= 0.8:
        return "Scores are consistent enough to compare trainees with some confidence."
    if alpha >= 0.7:
        return "Acceptable for a classroom quiz; combine it with other evidence for decisions."
    if alpha >= 0.5:
        return ("Low: the questions do not all measure the same thing consistently. Do not "
                "decide anything about a trainee on this quiz alone.")
    return ("Very low: the total score is mostly noise for this group. Review the flagged "
            "questions before using these scores.")


def _figures(qa: QuizAnalysis, ctx: ReportContext) -> list[dict[str, str]]:
    out = [
        ("Score distribution", figures.score_histogram(qa), "histogram"),
        ("Difficulty and discrimination", figures.difficulty_discrimination(qa), "scatter"),
    ]
    if not ctx.mastery.empty:
        grids = {k: mastery_grid(ctx.mastery, k) for k in ("competency", "domain")}
        out.append(("Competency mastery", figures.competency_heatmap(
            grids, ctx.mastery_threshold), "heatmap"))
    return [{"title": t, "png": figures.to_png_base64(f), "how": figures.HOW_TO_READ[k]}
            for t, f, k in out]


def _below(mastery: pd.DataFrame) -> pd.DataFrame:
    if mastery.empty:
        return pd.DataFrame(columns=["trainee", "competencies", "domains"])
    below = below_threshold(mastery)
    return below[(below["competencies"] != "") | (below["domains"] != "")]


def render_report(qa: QuizAnalysis, ctx: ReportContext) -> str:
    """The HTML text of the report for one quiz."""
    below = _below(ctx.mastery)
    options = {item: grp.to_dict("records") for item, grp in qa.options.groupby("item_id")}
    return templates().get_template("analyze/report.html.j2").render(
        qa=qa, ctx=ctx, s=qa.summary, th=qa.thresholds,
        items=qa.items.to_dict("records"), flagged=qa.flagged.to_dict("records"), options=options,
        figures=_figures(qa, ctx), reliability_words=reliability_words(qa.summary.alpha),
        below=below.head(MAX_LISTED_TRAINEES).to_dict("records"),
        below_more=max(0, len(below) - MAX_LISTED_TRAINEES),
        reflections=int((qa.items["type"] == "reflection").sum()),
        competencies=COMPETENCIES, flag_labels=FLAG_LABELS,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )

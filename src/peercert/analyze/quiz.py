"""Analyse one quiz: item table, distractor table, reliability and score distribution."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from peercert.analyze.distractors import distractor_flags, option_table
from peercert.analyze.items import item_statistics
from peercert.analyze.matrix import quiz_matrix
from peercert.analyze.model import DEFAULT_THRESHOLDS, Thresholds
from peercert.analyze.reliability import QuizSummary, quiz_summary, score_distribution


@dataclass(frozen=True)
class QuizAnalysis:
    """Everything computed for one quiz. ``items`` is keyed by ``item_id``, in quiz order."""

    quiz: str
    items: pd.DataFrame
    options: pd.DataFrame
    summary: QuizSummary
    distribution: pd.DataFrame
    totals: pd.Series
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def flagged(self) -> pd.DataFrame:
        """Items with at least one flag."""
        return self.items[self.items["flags"] != ""]


def _merge_flags(items: pd.DataFrame, options: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    extra = distractor_flags(options, th)
    items = items.copy()
    for i, item_id in enumerate(items["item_id"]):
        for code, reason in extra.get(item_id, []):
            codes = items.at[i, "flags"].split(";") if items.at[i, "flags"] else []
            if code not in codes:
                items.at[i, "flags"] = ";".join([*codes, code])
            items.at[i, "reasons"] = f"{items.at[i, 'reasons']} {reason}".strip()
    return items


def analyze_quiz(
    responses: pd.DataFrame, items: pd.DataFrame, quiz: str,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> QuizAnalysis:
    """Item analysis of one quiz from the long ``responses`` table and item metadata.

    See :mod:`peercert.analyze.model` for the two tables' columns.
    """
    m = quiz_matrix(responses, items, quiz)
    table, groups = item_statistics(m, thresholds)
    options = option_table(m, groups, thresholds)
    return QuizAnalysis(
        quiz=quiz,
        items=_merge_flags(table, options, thresholds),
        options=options,
        summary=quiz_summary(m),
        distribution=score_distribution(m),
        totals=pd.Series(m.total, index=pd.Index(m.trainees, name="trainee"), name="total"),
        thresholds=thresholds,
    )

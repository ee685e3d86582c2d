"""Per-item statistics of one quiz: difficulty, discrimination, omissions, and their flags.

Flags come with a plain sentence each, written for an instructor who is not a statistician.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peercert.analyze import stats
from peercert.analyze.matrix import QuizMatrix
from peercert.analyze.model import DEFAULT_THRESHOLDS, Thresholds

ITEM_TABLE_COLUMNS = [
    "item_id", "quiz", "position", "type", "points", "competencies", "domain", "n_scored",
    "difficulty", "point_biserial", "discrimination_index", "upper_difficulty",
    "lower_difficulty", "omitted_rate", "alpha_if_deleted", "flags", "reasons", "notes", "stem",
]


def _share(hits: np.ndarray, known: np.ndarray) -> np.ndarray:
    n = known.sum(axis=0)
    return np.where(n > 0, (hits & known).sum(axis=0) / np.maximum(n, 1), np.nan)


def omitted_rate(m: QuizMatrix) -> np.ndarray:
    """Share of trainees who left each item blank (among those whose answer was read)."""
    known = ~np.isnan(m.omitted)
    return _share(m.omitted == 1.0, known)


def _alpha_if_deleted(m: QuizMatrix) -> np.ndarray:
    out = np.full(m.scores.shape[1], np.nan)
    auto = m.auto
    complete = ~np.isnan(m.total)
    out[auto] = stats.alpha_if_deleted(m.scores[complete][:, auto])
    return out


def _pb_note(m: QuizMatrix, j: int) -> str:
    col = m.scores[:, j]
    kept = col[~np.isnan(col) & ~np.isnan(m.total)]
    others = int(m.auto.sum() - m.auto[j])
    if others == 0:
        return "discrimination not computable: the quiz has no other auto-graded item"
    if kept.size < 2:
        return "discrimination not computable: fewer than two graded trainees"
    if kept.min() == kept.max():
        return "discrimination not computable: every trainee earned the same score on it"
    return "discrimination not computable: the rest of the quiz gave everyone the same total"


def _notes(m: QuizMatrix, j: int, row: dict) -> list[str]:
    notes = []
    if np.isnan(row["difficulty"]):
        notes.append("not computable yet: no answer to it has been graded")
    elif np.isnan(row["point_biserial"]):
        notes.append(_pb_note(m, j))
    if np.isnan(row["omitted_rate"]):
        notes.append("omitted rate unknown: answers were not read")
    return notes


def percent_text(value: float, threshold: float) -> str:
    """A share as a percentage, with a decimal when rounding would make it equal the threshold."""
    text = f"{value:.0%}"
    return f"{value:.1%}" if text == f"{threshold:.0%}" else text


def difficulty_flags(difficulty: float, th: Thresholds) -> list[tuple[str, str]]:
    """(code, sentence) for an item that almost everyone or almost no one gets right."""
    if np.isnan(difficulty):
        return []
    if difficulty > th.too_easy:
        pct = percent_text(difficulty, th.too_easy)
        return [("too-easy", f"Too easy: trainees earned {pct} of its points (above "
                 f"{th.too_easy:.0%}), so it says little about who has mastered the skill.")]
    if difficulty < th.too_hard:
        pct = percent_text(difficulty, th.too_hard)
        return [("too-hard", f"Too hard: trainees earned only {pct} of its points (below "
                 f"{th.too_hard:.0%}). Check the key and the wording, and whether it was taught.")]
    return []


def discrimination_flags(r: float, d: float, th: Thresholds) -> list[tuple[str, str]]:
    """Flag on the corrected point-biserial, or on D when the correlation is not computable."""
    value, name = (r, "r") if not np.isnan(r) else (d, "D")
    if np.isnan(value):
        return []
    if value < 0:
        return [("negative-discrimination", f"Negative discrimination ({name} = {value:.2f}): "
                 "trainees who did well on the rest of the quiz did worse on this item. "
                 "Check the key first, then look for a misleading word.")]
    if value < th.low_discrimination:
        return [("low-discrimination", f"Low discrimination ({name} = {value:.2f}, below "
                 f"{th.low_discrimination:.2f}): stronger trainees did hardly better on this "
                 "item than weaker ones.")]
    return []


def item_statistics(
    m: QuizMatrix, th: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """One row per item, plus the (upper, lower) row indices used for the D index."""
    fractions = m.fractions
    upper, lower = stats.upper_lower(m.total, th.group_share)
    columns = {
        "n_scored": (~np.isnan(m.scores)).sum(axis=0),
        "difficulty": stats.masked_mean(fractions),
        "point_biserial": stats.corrected_item_total(m.scores, m.auto),
        "discrimination_index": stats.discrimination_index(fractions, upper, lower),
        "upper_difficulty": stats.masked_mean(fractions, upper),
        "lower_difficulty": stats.masked_mean(fractions, lower),
        "omitted_rate": omitted_rate(m),
        "alpha_if_deleted": _alpha_if_deleted(m),
    }
    rows = []
    for j, meta in enumerate(m.items.to_dict("records")):
        row = {k: meta[k] for k in ("item_id", "quiz", "position", "type", "points", "domain")}
        row["competencies"] = ";".join(meta["competencies"])
        row.update({k: v[j].item() for k, v in columns.items()})
        flags = difficulty_flags(row["difficulty"], th) + discrimination_flags(
            row["point_biserial"], row["discrimination_index"], th
        )
        row["flags"] = ";".join(code for code, _ in flags)
        row["reasons"] = " ".join(reason for _, reason in flags)
        row["notes"] = "; ".join(_notes(m, j, row))
        row["stem"] = str(meta.get("stem") or "")
        rows.append(row)
    return pd.DataFrame(rows, columns=ITEM_TABLE_COLUMNS), (upper, lower)

"""Distractor analysis: who chose each option, overall and in the upper and lower groups.

A distractor is a wrong option. It works when weaker trainees choose it more than stronger
ones; it is dead when almost nobody chooses it, and suspicious when the upper group prefers it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peercert.analyze.items import percent_text
from peercert.analyze.matrix import QuizMatrix, choice_mask
from peercert.analyze.model import CHOICE_TYPES, DEFAULT_THRESHOLDS, Thresholds

OPTION_COLUMNS = [
    "item_id", "option", "text", "is_key", "answered", "chosen", "share", "share_upper",
    "share_lower", "flag",
]
# Only items with real alternatives can have a dead distractor: a true/false item whose wrong
# answer nobody picks is already flagged as too easy.
DEAD_CHECK_TYPES = ("single", "multiple")


def _share(chosen: np.ndarray, known: np.ndarray) -> float:
    n = int(known.sum())
    return float((chosen & known).sum() / n) if n else float("nan")


def _option_rows(m: QuizMatrix, j: int, groups: tuple[np.ndarray, np.ndarray]) -> list[dict]:
    meta = m.items.iloc[j]
    col = m.choices[:, j]
    known = col >= 0
    key = choice_mask(meta["key"])
    texts = meta.get("option_texts")
    texts = texts if isinstance(texts, dict) else {}
    rows = []
    for bit, label in enumerate(meta["options"]):
        chosen = ((col.astype(np.int32) >> bit) & 1).astype(bool) & known
        rows.append({
            "item_id": meta["item_id"],
            "option": label,
            "text": texts.get(label, ""),
            "is_key": bool(key >= 0 and (key >> bit) & 1),
            "answered": int(known.sum()),
            "chosen": int(chosen.sum()),
            "share": _share(chosen, known),
            "share_upper": _share(chosen[groups[0]], known[groups[0]]),
            "share_lower": _share(chosen[groups[1]], known[groups[1]]),
        })
    return rows


def _flag(row: dict, item_type: str, th: Thresholds) -> tuple[str, str]:
    if row["is_key"] or np.isnan(row["share"]):
        return "", ""
    label = row["option"]
    if item_type in DEAD_CHECK_TYPES and row["share"] < th.dead_distractor:
        return "dead-distractor", (
            f"Dead distractor: option {label} was chosen by "
            f"{percent_text(row['share'], th.dead_distractor)} of trainees "
            f"(below {th.dead_distractor:.0%}); replace it with a more tempting mistake."
        )
    up, low = row["share_upper"], row["share_lower"]
    if not (np.isnan(up) or np.isnan(low)) and up > low:
        return "distractor-attracts-upper", (
            f"Option {label} drew more of the top group ({up:.0%}) than of the bottom group "
            f"({low:.0%}): it may be defensible, or the key may be arguable."
        )
    return "", ""


def option_table(
    m: QuizMatrix, groups: tuple[np.ndarray, np.ndarray], th: Thresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """One row per option of every choice item, with shares and a flag code per distractor."""
    rows = []
    for j, item_type in enumerate(m.items["type"]):
        if item_type not in CHOICE_TYPES:
            continue
        for row in _option_rows(m, j, groups):
            row["flag"], row["reason"] = _flag(row, item_type, th)
            rows.append(row)
    return pd.DataFrame(rows, columns=[*OPTION_COLUMNS, "reason"])


def _joined(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def _item_reason(code: str, rows: pd.DataFrame, th: Thresholds) -> str:
    labels = list(rows["option"])
    one = len(labels) == 1
    if code == "dead-distractor":
        shares = _joined([percent_text(s, th.dead_distractor) for s in rows["share"]])
        return (f"Dead distractor{'' if one else 's'}: option{'' if one else 's'} "
                f"{_joined(labels)} {'was' if one else 'were'} chosen by {shares} of trainees "
                f"(below {th.dead_distractor:.0%}); replace {'it' if one else 'them'} with "
                f"{'a more tempting mistake' if one else 'more tempting mistakes'}.")
    pairs = "; ".join(f"{o}: {u:.0%} vs {lo:.0%}" for o, u, lo in zip(
        rows["option"], rows["share_upper"], rows["share_lower"], strict=True))
    return (f"Option{'' if one else 's'} {_joined(labels)} drew more of the top group than of "
            f"the bottom group ({pairs}): {'it' if one else 'they'} may be defensible, or the "
            "key may be arguable.")


def distractor_flags(
    options: pd.DataFrame, th: Thresholds = DEFAULT_THRESHOLDS
) -> dict[str, list[tuple[str, str]]]:
    """Flags of the options, one (code, sentence) per item and kind of problem."""
    out: dict[str, list[tuple[str, str]]] = {}
    flagged = options[options["flag"] != ""]
    for (item_id, code), rows in flagged.groupby(["item_id", "flag"], sort=False):
        out.setdefault(item_id, []).append((code, _item_reason(code, rows, th)))
    return out

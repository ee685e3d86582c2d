"""Every threshold ``peercert lint`` applies, in one documented place.

The targets come from item-writing research (Haladyna, Downing & Rodriguez 2002, "A review of
multiple-choice item-writing guidelines", Applied Measurement in Education 15(3)) and from what
a certification program needs: a trainee who knows nothing of peer support, only how tests
are written, must score near chance. A course may override any value in
``<course>/lint.toml`` (same names, ``[thresholds]`` table).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Thresholds:
    #: Leave-one-bank-out accuracy of the word-cue model on single-answer items (course).
    cue_model_max: float = 0.40
    #: Share of single-answer items whose key is the strictly longest option (course).
    key_longest_max: float = 0.30
    #: Above this share in one bank the key-is-longest rate is a warning for that bank.
    key_longest_bank_warn: float = 0.45
    #: Share of one key letter among a bank's single-answer items (every bank).
    key_letter_max: float = 0.35
    #: Banks with fewer single-answer items than this are not held to key_letter_max.
    key_letter_min_items: int = 6
    #: Share of true/false items keyed True, course-wide (inclusive range).
    truefalse_true_min: float = 0.40
    truefalse_true_max: float = 0.60
    #: Share of multiple-select items sharing the most common number of keyed options.
    multiple_count_max: float = 0.50
    #: Expected share of an ordering item's points earned by a random order (each item).
    ordering_random_max: float = 0.40
    #: Share of points the displayed order earns above which it is "close to the key".
    ordering_display_warn: float = 0.60
    #: Cosine similarity (TF-IDF of scenario, prompt and keyed options) above which two items
    #: are near-duplicates, or an item replays a module's self-check. Calibrated on the 2026
    #: banks: paraphrased copies of one case (same situation, same answer, new names) scored
    #: 0.40-0.57; items on one topic with different situations stayed below 0.33.
    near_duplicate: float = 0.35
    #: Distractors may carry a justification clause ("..., since ...") this many percentage
    #: points more often than keys, course-wide.
    justification_gap_max: float = 0.10
    #: An absolute word ("always", "never", "only"...) found in this many distractors and in
    #: no key is a cue (course).
    absolute_only_in_distractors: int = 3


DEFAULT = Thresholds()


def load_thresholds(path: Path | None) -> Thresholds:
    """Defaults, overridden by a ``[thresholds]`` table in ``path`` when it exists."""
    if path is None or not path.is_file():
        return DEFAULT
    table = tomllib.loads(path.read_text(encoding="utf-8")).get("thresholds", {})
    known = {f.name: f.type for f in fields(Thresholds)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ValueError(f"{path}: unknown threshold(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(known))}")
    return replace(DEFAULT, **table)

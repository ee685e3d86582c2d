"""Item-writing rules: per item, per bank and for the whole course.

Each rule returns findings with a plain reason an author can act on, and records the figure
it judged in ``figures`` so the report shows the number, not only the verdict.
"""

from __future__ import annotations

from collections import Counter
from itertools import permutations
from typing import Any

from peercert.bank import Bank, MultipleItem, OrderingItem, SingleItem, TrueFalseItem
from peercert.lint.model import Finding
from peercert.lint.text import ABSOLUTE, JUSTIFICATION, NEGATIVE_STEM, keyed
from peercert.lint.thresholds import Thresholds
from peercert.scoring import fraction

Figures = dict[str, dict[str, Any]]


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def key_is_longest(item: SingleItem) -> bool:
    lengths = {k: len(v) for k, v in item.options.items()}
    longest = max(lengths.values())
    return lengths[item.key] == longest and list(lengths.values()).count(longest) == 1


def item_findings(bank: Bank) -> list[Finding]:
    """Flags on single items: negative stems, justification clauses, absolute words."""
    out: list[Finding] = []
    for item in bank.items:
        if NEGATIVE_STEM.search(item.prompt):
            out.append(Finding("warning", "negative-stem", "the question asks what NOT to do; "
                               "trainees misread negative stems. Ask for the best action "
                               "instead.", bank.quiz, item.id))
        if not isinstance(item, SingleItem | MultipleItem):
            continue
        keys = keyed(item)
        key_text = " ".join(item.options[k] for k in keys)
        for letter, text in item.options.items():
            if letter in keys:
                continue
            if JUSTIFICATION.search(text) and not JUSTIFICATION.search(key_text):
                out.append(Finding(
                    "warning", "justification-clause",
                    f"option {letter} argues for itself ({JUSTIFICATION.search(text).group(0)!r})"  # type: ignore[union-attr]
                    " while the key does not: test-wise trainees learn to skip such options.",
                    bank.quiz, item.id))
            words = {w.lower() for w in ABSOLUTE.findall(text)}
            key_words = {w.lower() for w in ABSOLUTE.findall(key_text)}
            if words - key_words:
                out.append(Finding(
                    "warning", "absolute-word",
                    f"option {letter} says {', '.join(sorted(words - key_words))!r} and the key "
                    "does not: absolute words mark wrong answers.", bank.quiz, item.id))
    return out


def key_balance(bank: Bank, limits: Thresholds, figures: Figures) -> list[Finding]:
    """Key letter spread and key-is-longest rate among the bank's single-answer items."""
    singles = [i for i in bank.items if isinstance(i, SingleItem)]
    fig = figures.setdefault(bank.quiz, {})
    fig["single_items"] = len(singles)
    if not singles:
        return []
    letters = Counter(i.key for i in singles)
    fig["key_letters"] = dict(sorted(letters.items()))
    longest = sum(key_is_longest(i) for i in singles) / len(singles)
    fig["key_longest_rate"] = round(longest, 3)
    out = []
    letter, count = letters.most_common(1)[0]
    if len(singles) >= limits.key_letter_min_items and count / len(singles) > limits.key_letter_max:
        out.append(Finding(
            "error", "key-position",
            f"{count} of {len(singles)} single-answer keys are {letter} "
            f"({_pct(count / len(singles))}, limit {_pct(limits.key_letter_max)}): "
            "a guesser who always picks it gains.", bank.quiz))
    if longest > limits.key_longest_bank_warn:
        out.append(Finding(
            "warning", "key-longest",
            f"the key is the longest option in {_pct(longest)} of single-answer items "
            f"(course limit {_pct(limits.key_longest_max)}).", bank.quiz))
    for item in singles:
        if key_is_longest(item):
            others = sorted(len(v) for k, v in item.options.items() if k != item.key)
            if len(item.options[item.key]) > 1.25 * others[-1]:
                out.append(Finding("warning", "key-longest",
                                   "the key is much longer than every other option.",
                                   bank.quiz, item.id))
    return out


def expected_random_fraction(item: OrderingItem) -> float:
    """Mean share of the points a uniformly random order earns (exact for up to 8 steps)."""
    orders = list(permutations(item.key))
    return sum(fraction("ordering", item.key, list(p)) for p in orders) / len(orders)


def ordering_findings(bank: Bank, limits: Thresholds, figures: Figures) -> list[Finding]:
    out = []
    for item in bank.items:
        if not isinstance(item, OrderingItem):
            continue
        shown = list(item.options)
        random = expected_random_fraction(item)
        figures.setdefault(bank.quiz, {}).setdefault("ordering_random", {})[item.id] = round(
            random, 3)
        if shown == list(item.key):
            out.append(Finding("error", "ordering-display",
                               "the key is the order the steps are shown in: copying the "
                               "list scores full marks.", bank.quiz, item.id))
        elif fraction("ordering", item.key, shown) >= limits.ordering_display_warn:
            share = fraction("ordering", item.key, shown)
            out.append(Finding("warning", "ordering-display",
                               f"the order shown already earns {_pct(share)} of the points.",
                               bank.quiz, item.id))
        if random > limits.ordering_random_max:
            out.append(Finding("error", "ordering-random",
                               f"a random order earns {_pct(random)} of the points on average "
                               f"(limit {_pct(limits.ordering_random_max)}): add steps.",
                               bank.quiz, item.id))
    return out


def course_findings(banks: list[Bank], limits: Thresholds, figures: Figures) -> list[Finding]:
    """Course-wide balance: key-is-longest, true/false, multiple-select counts, cue words."""
    out: list[Finding] = []
    fig = figures.setdefault("course", {})
    singles = [i for b in banks for i in b.items if isinstance(i, SingleItem)]
    if singles:
        rate = sum(key_is_longest(i) for i in singles) / len(singles)
        fig["key_longest_rate"] = round(rate, 3)
        fig["key_letters"] = dict(sorted(Counter(i.key for i in singles).items()))
        if rate > limits.key_longest_max:
            out.append(Finding("error", "key-longest",
                               f"the key is the longest option in {_pct(rate)} of "
                               f"{len(singles)} single-answer items (limit "
                               f"{_pct(limits.key_longest_max)})."))
    tf = [i for b in banks for i in b.items if isinstance(i, TrueFalseItem)]
    if tf:
        true = sum(i.key for i in tf) / len(tf)
        fig["truefalse_true_rate"] = round(true, 3)
        fig["truefalse_items"] = len(tf)
        if not limits.truefalse_true_min <= true <= limits.truefalse_true_max:
            out.append(Finding("error", "truefalse-balance",
                               f"{sum(i.key for i in tf)} of {len(tf)} true/false items are "
                               f"keyed True ({_pct(true)}; keep it between "
                               f"{_pct(limits.truefalse_true_min)} and "
                               f"{_pct(limits.truefalse_true_max)})."))
    multi = [i for b in banks for i in b.items if isinstance(i, MultipleItem)]
    if multi:
        counts = Counter(len(i.key) for i in multi)
        fig["multiple_key_counts"] = {str(k): v for k, v in sorted(counts.items())}
        top, n = counts.most_common(1)[0]
        if n / len(multi) > limits.multiple_count_max:
            out.append(Finding("error", "multiple-count",
                               f"{n} of {len(multi)} multiple-select items have exactly {top} "
                               f"keyed options ({_pct(n / len(multi))}, limit "
                               f"{_pct(limits.multiple_count_max)}): vary how many are right."))
    out += _cue_word_findings(banks, limits, fig)
    return out


def _cue_word_findings(banks: list[Bank], limits: Thresholds,
                       fig: dict[str, Any]) -> list[Finding]:
    keys: list[str] = []
    distractors: list[str] = []
    for bank in banks:
        for item in bank.items:
            if isinstance(item, SingleItem | MultipleItem):
                for letter, text in item.options.items():
                    (keys if letter in keyed(item) else distractors).append(text)
    if not keys or not distractors:
        return []
    out = []
    key_rate = sum(bool(JUSTIFICATION.search(t)) for t in keys) / len(keys)
    dis_rate = sum(bool(JUSTIFICATION.search(t)) for t in distractors) / len(distractors)
    fig["justification_rate"] = {"keys": round(key_rate, 3), "distractors": round(dis_rate, 3)}
    if dis_rate - key_rate > limits.justification_gap_max:
        out.append(Finding("error", "justification-clause",
                           f"{_pct(dis_rate)} of distractors argue for themselves "
                           f"(\"..., since ...\") against {_pct(key_rate)} of keys (gap limit "
                           f"{_pct(limits.justification_gap_max)})."))
    in_keys = Counter(w.lower() for t in keys for w in ABSOLUTE.findall(t))
    in_dis = Counter(w.lower() for t in distractors for w in ABSOLUTE.findall(t))
    cues = {w: n for w, n in in_dis.items()
            if n >= limits.absolute_only_in_distractors and not in_keys[w]}
    fig["absolute_words"] = {w: {"keys": in_keys[w], "distractors": in_dis[w]}
                             for w in sorted(set(in_keys) | set(in_dis))}
    for word, n in sorted(cues.items()):
        out.append(Finding("error", "absolute-word",
                           f"{word!r} appears in {n} distractors and in no key: a test-wise "
                           "trainee learns to avoid it."))
    return out

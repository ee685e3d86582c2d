"""Near-duplicate items across banks, and items that replay a module's self-check.

Items are compared by the cosine similarity of their TF-IDF vectors (scikit-learn), built from
scenario, prompt and keyed options with English stop words removed. Character names differ between
copies, so they lower the score a little; the threshold allows for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from peercert.bank import Bank
from peercert.curriculum import module_widgets
from peercert.lint.model import Finding
from peercert.lint.text import item_text
from peercert.lint.thresholds import Thresholds


@dataclass(frozen=True)
class Text:
    bank: str  # quiz id, or the module file stem for a self-check
    item: str  # item id, or "self-check N"
    text: str


def bank_texts(banks: list[Bank]) -> list[Text]:
    return [Text(b.quiz, i.id, item_text(i)) for b in banks for i in b.items
            if i.type != "reflection"]


def self_check_texts(modules_dir: Path | None) -> list[Text]:
    if modules_dir is None or not modules_dir.is_dir():
        return []
    out = []
    for path in sorted(modules_dir.glob("[0-9][0-9]-*.ipynb")):
        widgets = [w for w in module_widgets(nbformat.read(path, as_version=4))
                   if w.kind == "SelfCheck"]
        for n, w in enumerate(widgets, 1):
            shown = [w.options[a] for a in w.answer if a in w.options] or list(w.options.values())
            out.append(Text(path.stem, f"self-check {n}", " ".join([w.question, *shown])))
    return out


def _similarity(texts: list[str]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    return cosine_similarity(vectors)


def near_duplicates(items: list[Text], checks: list[Text], selected: set[str],
                    limits: Thresholds) -> tuple[list[Finding], list[dict[str, object]]]:
    """Pairs above the threshold that involve a selected bank: items with items (any bank),
    and items with self-checks."""
    everything = items + checks
    if len(everything) < 2:
        return [], []
    sim = _similarity([t.text for t in everything])
    findings: list[Finding] = []
    pairs: list[dict[str, object]] = []
    n_items = len(items)
    for i, a in enumerate(items):
        if a.bank not in selected:
            continue
        for j in range(len(everything)):
            b = everything[j]
            if j == i or sim[i, j] < limits.near_duplicate:
                continue
            if j < n_items and b.bank in selected and j < i:
                continue  # reported once, from the first of the two
            value = round(float(sim[i, j]), 2)
            if j < n_items:
                msg = (f"near-duplicate of {b.bank}/{b.item} (similarity {value}): a trainee "
                       "who saw one answers the other from memory.")
                rule = "near-duplicate"
            else:
                msg = (f"replays {b.bank} {b.item} (similarity {value}): the module already "
                       "showed this case with its answer.")
                rule = "repeats-self-check"
            findings.append(Finding("error", rule, msg, a.bank, a.item))
            pairs.append({"a": f"{a.bank}/{a.item}", "b": f"{b.bank}/{b.item}",
                          "similarity": value, "rule": rule})
    return findings, pairs

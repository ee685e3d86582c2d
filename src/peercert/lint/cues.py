"""The cue model: can a reader with no peer-support knowledge pick the key from its words?

A logistic regression over TF-IDF word and word-pair features learns, from every *other* bank,
which words keys use and which distractors use (leave one bank out). For each single-answer
item of the held-out bank it picks the option the model finds most key-like. If that beats
chance (one over the number of options) by much, the options' wording gives the answer away,
and the words with the largest weights show the author where.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from peercert.bank import Bank, SingleItem
from peercert.lint.model import Finding
from peercert.lint.text import choice_items, keyed
from peercert.lint.thresholds import Thresholds

TOP_WORDS = 12


def _rows(banks: list[Bank]) -> tuple[list[str], list[int], list[str]]:
    texts, labels, owner = [], [], []
    for bank, item in choice_items(banks):
        for letter, text in item.options.items():
            texts.append(text)
            labels.append(int(letter in keyed(item)))
            owner.append(bank.quiz)
    return texts, labels, owner


def _model() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, lowercase=True),
        LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000),
    )


def cue_model(banks: list[Bank], selected: set[str],
              limits: Thresholds) -> tuple[list[Finding], dict[str, Any]]:
    """Leave-one-bank-out accuracy on the selected banks' single-answer items."""
    texts, labels, owner = _rows(banks)
    if len(set(owner)) < 2 or sum(labels) == 0:
        return [], {"note": "needs at least two banks with choice items"}
    per_bank: dict[str, dict[str, Any]] = {}
    hits = total = 0
    chance_sum = 0.0
    for bank in banks:
        if bank.quiz not in selected:
            continue
        singles = [i for i in bank.items if isinstance(i, SingleItem)]
        train = [k for k, o in enumerate(owner) if o != bank.quiz]
        if not singles or len({labels[k] for k in train}) < 2:
            continue
        model = _model().fit([texts[k] for k in train], [labels[k] for k in train])
        right = 0
        picked: list[str] = []
        for item in singles:
            letters = list(item.options)
            p = model.predict_proba([item.options[x] for x in letters])[:, 1]
            if letters[int(np.argmax(p))] == item.key:
                right += 1
                picked.append(item.id)
        chance = float(np.mean([1 / len(i.options) for i in singles]))
        per_bank[bank.quiz] = {"items": len(singles), "picked_key": right,
                               "picked_items": picked,
                               "accuracy": round(right / len(singles), 3),
                               "chance": round(chance, 3)}
        hits += right
        total += len(singles)
        chance_sum += chance * len(singles)
    if not total:
        return [], {"note": "no single-answer items in the selected banks"}
    accuracy = hits / total
    result: dict[str, Any] = {
        "accuracy": round(accuracy, 3), "chance": round(chance_sum / total, 3),
        "items": total, "limit": limits.cue_model_max, "per_bank": per_bank,
        **_telltale_words(texts, labels),
    }
    findings = []
    if accuracy > limits.cue_model_max:
        findings.append(Finding(
            "error", "cue-model",
            f"a word-cue model with no peer-support knowledge picks the key on {hits} of "
            f"{total} single-answer items ({accuracy:.0%}; chance {chance_sum / total:.0%}, "
            f"limit {limits.cue_model_max:.0%}). See the words that give keys away."))
    for quiz, fig in per_bank.items():
        if fig["items"] >= 5 and fig["accuracy"] > max(limits.cue_model_max, 2 * fig["chance"]):
            findings.append(Finding(
                "warning", "cue-model",
                f"the cue model picks the key on {fig['picked_key']} of {fig['items']} "
                f"single-answer items ({fig['accuracy']:.0%}, chance {fig['chance']:.0%}).",
                quiz))
    return findings, result


def _telltale_words(texts: list[str], labels: list[int]) -> dict[str, Any]:
    """The words with the largest weights toward keys and toward distractors, on all banks."""
    model = _model().fit(texts, labels)
    vectorizer, classifier = model.steps[0][1], model.steps[1][1]
    vocab = np.array(vectorizer.get_feature_names_out())
    weights = classifier.coef_[0]
    order = np.argsort(weights)
    return {
        "key_words": [str(w) for w in vocab[order[::-1][:TOP_WORDS]]],
        "distractor_words": [str(w) for w in vocab[order[:TOP_WORDS]]],
    }

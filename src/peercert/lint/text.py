"""Words and phrases that make an option stand out without any content knowledge."""

from __future__ import annotations

import re

from peercert.bank import Bank, MultipleItem, OrderingItem, SingleItem

ABSOLUTE = re.compile(r"\b(always|never|only|all|none|every|everyone|nothing|must|completely|"
                      r"totally|guarantee[sd]?|certainly|ever)\b", re.IGNORECASE)
# A clause that argues for the option inside the option: "..., since ...", "..., so that ...".
JUSTIFICATION = re.compile(r"(,\s*(since|so|because|as|so that|in case)\b|\bbecause\b|"
                           r"\bsince\b|\bso that\b|\bthat way\b)", re.IGNORECASE)
NEGATIVE_STEM = re.compile(r"\b(not|except|least|never|isn't|doesn't|wouldn't|shouldn't)\b",
                           re.IGNORECASE)
ChoiceItem = SingleItem | MultipleItem | OrderingItem


def options_of(item: ChoiceItem) -> dict[str, str]:
    return dict(item.options)


def keyed(item: SingleItem | MultipleItem) -> set[str]:
    return {item.key} if isinstance(item, SingleItem) else set(item.key)


def item_text(item: object) -> str:
    """Scenario, prompt and the keyed option(s): what a near-duplicate check compares.

    Two items are duplicates when they pose the same situation *and* reward the same answer;
    distractors are left out because rewrites change them first.
    """
    parts = [getattr(item, "scenario", ""), getattr(item, "prompt", "")]
    options = getattr(item, "options", {})
    key = getattr(item, "key", None)
    letters = key if isinstance(key, list) else [key]
    parts += [options[k] for k in letters if isinstance(k, str) and k in options]
    return " ".join(parts)


def choice_items(banks: list[Bank]) -> list[tuple[Bank, SingleItem | MultipleItem]]:
    return [(b, i) for b in banks for i in b.items if isinstance(i, SingleItem | MultipleItem)]

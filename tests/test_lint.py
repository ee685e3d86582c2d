"""peercert lint: one passing and one failing case per rule, the cue model, the command."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import factory
import pytest
from typer.testing import CliRunner

from peercert.cli import app
from peercert.lint import Thresholds, lint, load_thresholds


def _scenario(n: int) -> str:
    # Each item gets words of its own, so toy items never look like near-duplicates.
    return "Someone asks for help: " + " ".join(f"w{n}x{k}" for k in range(8)) + "."


def _single(item_id: str, key: str = "A", options: dict[str, str] | None = None,
            n: int = 0, prompt: str = "What is the best thing to do?") -> dict[str, Any]:
    item = factory.single(item_id, key=key)
    options = options or {x: f"Choice {x} w{n}o{x}." for x in "ABCD"}
    item.update(scenario=_scenario(n), prompt=prompt, options=options)
    item["rationale"]["distractors"] = {x: f"{x} falls short." for x in options if x != key}
    return item


def _course(tmp_path: Path, banks: dict[str, list[dict[str, Any]]]) -> Path:
    folder = tmp_path / "assignments"
    for quiz, items in banks.items():
        factory.write_bank(folder, factory.bank(quiz, items))
    return folder


def _balanced(prefix: str, start: int, count: int = 8) -> list[dict[str, Any]]:
    return [_single(f"{prefix}-{i:02d}", key="ABCD"[i % 4], n=start + i) for i in range(count)]


def _rules(report: Any, level: str = "error") -> set[str]:
    return {f.rule for f in report.findings if f.level == level}


def test_a_balanced_plain_bank_passes(tmp_path: Path) -> None:
    report = lint(_course(tmp_path, {"q1": _balanced("a", 0), "q2": _balanced("b", 100)}))
    assert report.ok, [f.message for f in report.errors]


def test_key_position(tmp_path: Path) -> None:
    items = [_single(f"a-{i:02d}", key="B", n=i) for i in range(8)]
    report = lint(_course(tmp_path, {"q1": items}))
    assert "key-position" in _rules(report)
    assert "8 of 8" in next(f.message for f in report.errors if f.rule == "key-position")


def test_key_is_longest(tmp_path: Path) -> None:
    items = []
    for i in range(8):
        key = "ABCD"[i % 4]
        options = dict.fromkeys("ABCD", "Short choice.")
        options[key] = f"A much longer choice that stands out from the rest, case {i}."
        items.append(_single(f"a-{i:02d}", key=key, options=options, n=i))
    report = lint(_course(tmp_path, {"q1": items}))
    assert "key-longest" in _rules(report)
    assert report.figures["course"]["key_longest_rate"] == 1.0


def test_truefalse_balance(tmp_path: Path) -> None:
    def tf(i: int, key: bool) -> dict[str, Any]:
        item = factory.truefalse(f"t-{i:02d}", key=key)
        item["scenario"] = _scenario(500 + i)
        return item

    lopsided = _course(tmp_path / "a", {"q1": [tf(i, False) for i in range(4)]})
    even = _course(tmp_path / "b", {"q1": [tf(i, i % 2 == 0) for i in range(4)]})
    assert "truefalse-balance" in _rules(lint(lopsided))
    assert "truefalse-balance" not in _rules(lint(even))


def test_multiple_select_key_counts(tmp_path: Path) -> None:
    def ms(i: int, key: list[str]) -> dict[str, Any]:
        item = factory.multiple(f"m-{i:02d}", key=key)
        item["scenario"] = _scenario(600 + i)
        return item

    same = _course(tmp_path / "a", {"q1": [ms(i, ["A", "C"]) for i in range(4)]})
    varied = _course(tmp_path / "b", {"q1": [ms(0, ["A", "C"]), ms(1, ["A", "B", "D"]),
                                             ms(2, ["B", "D"]), ms(3, ["A", "C", "D"])]})
    assert "multiple-count" in _rules(lint(same))
    assert "multiple-count" not in _rules(lint(varied))


def test_ordering_key_shown_in_order_and_random_score(tmp_path: Path) -> None:
    def order(i: int, key: list[str], options: str = "ABCD") -> dict[str, Any]:
        item = factory.ordering(f"o-{i:02d}", key=key)
        item["options"] = {x: f"Step {x} of case {i}." for x in options}
        item["scenario"] = _scenario(700 + i)
        return item

    shown = lint(_course(tmp_path / "a", {"q1": [order(0, list("ABCD"))]}))
    assert "ordering-display" in _rules(shown)
    two_steps = lint(_course(tmp_path / "b", {"q1": [order(0, ["B", "A"], "AB")]}))
    assert "ordering-random" in _rules(two_steps)  # half the points for a coin flip
    good = lint(_course(tmp_path / "c", {"q1": [order(0, list("CADB"))]}))
    assert not {"ordering-display", "ordering-random"} & _rules(good)
    assert good.figures["q1"]["ordering_random"]["o-00"] < 0.25


def test_negative_stem_is_flagged(tmp_path: Path) -> None:
    items = _balanced("a", 0)
    items[0]["prompt"] = "Which of these should you NOT do?"
    report = lint(_course(tmp_path, {"q1": items}))
    flagged = [f.item for f in report.findings if f.rule == "negative-stem"]
    assert flagged == ["a-00"]


def test_justification_clauses_only_in_distractors(tmp_path: Path) -> None:
    items = []
    for i in range(8):
        key = "ABCD"[i % 4]
        options = {x: f"Do thing {x.lower()} for case {i}, since it seems fine." for x in "ABCD"}
        options[key] = f"Do thing {key.lower()} for case {i} with the person."
        items.append(_single(f"a-{i:02d}", key=key, options=options, n=i))
    assert "justification-clause" in _rules(lint(_course(tmp_path / "a", {"q1": items})))
    clean = lint(_course(tmp_path / "b", {"q1": _balanced("a", 0)}))
    assert "justification-clause" not in _rules(clean)


def test_absolute_words_only_in_distractors(tmp_path: Path) -> None:
    items = _balanced("a", 0)
    for item in items[:4]:
        wrong = next(x for x in "ABCD" if x != item["key"])
        item["options"][wrong] = "Never bring it up again with anyone."
    assert "absolute-word" in _rules(lint(_course(tmp_path / "a", {"q1": items})))
    items[5]["options"][items[5]["key"]] = "Never decide for the person."
    assert "absolute-word" not in _rules(lint(_course(tmp_path / "b", {"q1": items})))


def test_near_duplicates_across_banks(tmp_path: Path) -> None:
    first, second = _balanced("a", 0), _balanced("b", 100)
    second[3] = {**first[3], "id": "b-03"}  # the same case, copied into another bank
    report = lint(_course(tmp_path, {"q1": first, "q2": second}))
    pairs = [(f.where(), f.message) for f in report.findings if f.rule == "near-duplicate"]
    assert len(pairs) == 1 and "b-03" in pairs[0][0] + pairs[0][1]
    assert lint(_course(tmp_path / "clean", {"q1": first, "q2": _balanced("b", 100)})).ok


def test_an_item_that_replays_a_module_self_check(tmp_path: Path) -> None:
    items = _balanced("a", 0)
    root = tmp_path / "course"
    folder = _course(root, {"q1": items})
    module = factory.module(root)
    import nbformat

    nb = nbformat.read(module, as_version=4)
    replay = items[2]
    nb.cells[1].source = (f"SelfCheck({replay['scenario']!r}, {replay['options']!r}, "
                          f"answer={replay['key']!r}, feedback={{}})")
    nbformat.write(nb, module)
    report = lint(folder, modules=root / "modules")
    assert [f.item for f in report.findings if f.rule == "repeats-self-check"] == ["a-02"]
    assert lint(folder).ok  # without the modules there is nothing to replay


def _cued_banks(cued: bool, banks: int = 4, per_bank: int = 10) -> dict[str, list[dict]]:
    rng = random.Random(7)
    pool = ["ask", "listen", "offer", "share", "call", "wait", "write", "meet", "plan",
            "check", "explain", "suggest"]
    out = {}
    for b in range(banks):
        items = []
        for i in range(per_bank):
            n = b * 100 + i
            key = "ABCD"[(i + b) % 4]
            options = {}
            for x in "ABCD":
                verbs = " and ".join(rng.sample(pool, 2))
                if cued:
                    options[x] = (f"Kindly {verbs} together with the person {n}." if x == key
                                  else f"Tell them to {verbs} alone, since that is easier {n}.")
                else:
                    options[x] = f"{verbs.capitalize()} with the person today {n}."
            items.append(_single(f"c{b}-{i:02d}", key=key, options=options, n=n))
        out[f"q{b}"] = items
    return out


def test_the_cue_model_finds_a_deliberately_cued_bank(tmp_path: Path) -> None:
    report = lint(_course(tmp_path, _cued_banks(cued=True)))
    assert report.cues["accuracy"] >= 0.9 and report.cues["chance"] == 0.25
    assert "cue-model" in _rules(report)
    assert {"kindly", "together"} & set(report.cues["key_words"])
    assert {"since", "tell"} & set(report.cues["distractor_words"])


def test_the_cue_model_stays_near_chance_without_cues(tmp_path: Path) -> None:
    report = lint(_course(tmp_path, _cued_banks(cued=False)))
    assert report.cues["accuracy"] <= 0.45
    assert "cue-model" not in _rules(report)


def test_thresholds_come_from_one_place_and_can_be_overridden(tmp_path: Path) -> None:
    config = tmp_path / "lint.toml"
    config.write_text("[thresholds]\ncue_model_max = 0.95\n", encoding="utf-8")
    assert load_thresholds(config) == Thresholds(cue_model_max=0.95)
    config.write_text("[thresholds]\ncue_model = 0.95\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown threshold"):
        load_thresholds(config)


def test_command_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    cued = _course(tmp_path / "a", _cued_banks(cued=True))
    result = runner.invoke(app, ["lint", "--assignments", str(cued), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and data["cue_model"]["accuracy"] >= 0.9
    clean = _course(tmp_path / "b", {"q1": _balanced("a", 0), "q2": _balanced("b", 100)})
    result = runner.invoke(app, ["lint", "--assignments", str(clean)])
    assert result.exit_code == 0, result.output
    assert "OK: 0 error(s)" in result.output
    result = runner.invoke(app, ["lint", "nope", "--assignments", str(clean)])
    assert result.exit_code == 1 and "no bank 'nope'" in result.output


def test_the_shipped_banks_pass_lint() -> None:
    repo = Path(__file__).resolve().parents[1]
    report = lint(repo / "assignments", modules=repo / "modules")
    assert report.ok, "\n".join(f"{f.where()}: {f.message}" for f in report.errors)
    assert report.cues["accuracy"] <= Thresholds().cue_model_max


def test_rubric_guides_hold_examples_for_graders_only(tmp_path: Path) -> None:
    item = factory.reflection("r-01")
    item["rubric"][0]["example"] = "I would thank her and offer a card instead."
    folder = _course(tmp_path, {"q1": [*_balanced("a", 0), item], "q2": _balanced("b", 100)})
    result = CliRunner().invoke(app, ["rubrics", "--assignments", str(folder),
                                      "--out", str(tmp_path / "guides")])
    assert result.exit_code == 0, result.output
    guide = (tmp_path / "guides" / "q1.md").read_text(encoding="utf-8")
    assert "I would thank her and offer a card instead." in guide and "up to 4 points" in guide
    assert not (tmp_path / "guides" / "q2.md").exists()  # no written answers, no guide

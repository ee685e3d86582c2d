from pathlib import Path

import factory
import pytest
from typer.testing import CliRunner

from peercert.bank import BankError, load_bank, load_banks
from peercert.cli import app


def _problems(folder: Path) -> str:
    with pytest.raises(BankError) as exc:
        load_banks(folder)
    return str(exc.value)


def test_factory_bank_is_valid(tmp_path):
    factory.write_bank(tmp_path, factory.bank())
    [bank] = load_banks(tmp_path)
    assert [i.type for i in bank.items] == ["single", "single", "multiple", "ordering", "truefalse",
                                            "reflection"]
    assert bank.max_points == 1 + 1 + 2 + 2 + 1 + 4


def test_key_not_an_option_names_file_item_and_field(tmp_path):
    factory.write_bank(tmp_path, factory.bank(items=[factory.single("x-01", key="E")]))
    msg = _problems(tmp_path)
    assert "quiz1.yaml: item x-01: field (item): key 'E' is not one of the options" in msg


def test_duplicate_ids_across_banks(tmp_path):
    factory.write_bank(tmp_path, factory.bank("qa", items=[factory.single("dup-01")]))
    factory.write_bank(tmp_path, factory.bank("qb", items=[factory.single("dup-01")]))
    assert "qb.yaml: item dup-01: field id: duplicate id, already used in" in _problems(tmp_path)


def test_unknown_tag_and_missing_rationale(tmp_path):
    item = factory.single("x-01")
    item["tags"]["competencies"] = ["C13"]
    del item["rationale"]["distractors"]["A"]
    item2 = factory.single("x-02")
    item2["tags"]["domain"] = "cooking"
    factory.write_bank(tmp_path, factory.bank(items=[item, item2]))
    msg = _problems(tmp_path)
    assert "item x-01: field tags.competencies.0: Input should be 'C1'" in msg
    assert "item x-02: field tags.domain" in msg


def test_missing_distractor_rationale(tmp_path):
    item = factory.single("x-01")
    del item["rationale"]["distractors"]["A"]
    factory.write_bank(tmp_path, factory.bank(items=[item]))
    assert "rationale.distractors is missing an explanation for ['A']" in _problems(tmp_path)


def test_crisis_scenario_needs_content_note(tmp_path):
    item = factory.single("x-01", scenario="Jo tells you she has thought about suicide this week.")
    factory.write_bank(tmp_path, factory.bank(items=[item]))
    assert "set content_note: true" in _problems(tmp_path)
    item["content_note"] = True
    factory.write_bank(tmp_path, factory.bank(items=[item]))
    assert load_banks(tmp_path)[0].needs_content_note


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("quiz: broken\nitems: [\n  - id: a\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"broken.yaml: line \d+: not valid YAML"):
        load_bank(path)


def test_quiz_id_must_match_file_name(tmp_path):
    data = factory.bank("quiz1")
    (tmp_path / "other.yaml").write_text(factory.yaml.safe_dump(data), encoding="utf-8")
    assert "must match the file name 'other'" in _problems(tmp_path)


def test_check_command_exit_codes(tmp_path):
    runner = CliRunner()
    factory.write_bank(tmp_path, factory.bank())
    ok = runner.invoke(app, ["check", str(tmp_path)])
    assert ok.exit_code == 0 and "1 banks, 6 items" in ok.output
    factory.write_bank(tmp_path, factory.bank("bad", items=[factory.single("x-01", key="Q")]))
    bad = runner.invoke(app, ["check", str(tmp_path)])
    assert bad.exit_code == 1
    assert "bad.yaml: item x-01" in bad.output

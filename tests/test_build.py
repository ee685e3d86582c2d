from pathlib import Path

import factory
import nbformat

from peercert.bank import load_banks
from peercert.build import build_course, build_notebook, notebook_bytes

REPO = Path(__file__).resolve().parents[1]


def test_build_is_deterministic(tmp_path):
    factory.write_bank(tmp_path / "a", factory.bank())
    [bank] = load_banks(tmp_path / "a")
    assert notebook_bytes(bank) == notebook_bytes(bank)
    [path] = build_course(tmp_path / "a", tmp_path / "src")
    first = path.read_bytes()
    build_course(tmp_path / "a", tmp_path / "src")
    assert path.read_bytes() == first
    assert path == tmp_path / "src" / "quiz1" / "quiz1.ipynb"


def test_each_item_grade_cell_is_named_by_its_id(tmp_path):
    factory.write_bank(tmp_path, factory.bank())
    nb = build_notebook(load_banks(tmp_path)[0])
    nbformat.validate(nb)
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade")]
    assert grade_ids == ["t-01", "t-02", "t-03", "t-04", "t-05", "t-06"]
    answers = [c.source for c in nb.cells if c.metadata.get("peercert", {}).get("role") == "answer"]
    assert answers[0].endswith('answer_1 = ""') and answers[-1] == "YOUR ANSWER HERE"


def test_content_note_points_to_988(tmp_path):
    item = factory.single("x-01", scenario="Sam says he has overdosed twice this year.",
                          content_note=True)
    factory.write_bank(tmp_path, factory.bank(items=[item]))
    header = build_notebook(load_banks(tmp_path)[0]).cells[0].source
    assert "988" in header and "Content note" in header


def test_committed_source_is_in_sync_with_assignments(tmp_path):
    built = build_course(REPO / "assignments", tmp_path)
    assert built, "no banks in assignments/"
    for path in built:
        committed = REPO / "source" / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run 'peercert build'"
        stale_msg = f"{committed} is stale: run 'peercert build'"
        assert committed.read_bytes() == path.read_bytes(), stale_msg
    committed_quizzes = {p.parent.name for p in (REPO / "source").glob("*/*.ipynb")}
    stale = committed_quizzes - {p.parent.name for p in built}
    assert not stale, f"source/ has quizzes with no bank: {stale}"

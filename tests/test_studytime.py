"""Self-study time: measured from each module's content, stated honestly in the module."""

from __future__ import annotations

from pathlib import Path

import factory
import nbformat
import pytest

from peercert.curriculum import list_modules
from peercert.studytime import (
    QUIZ_ITEM_MINUTES,
    QUIZ_REFLECTION_MINUTES,
    READING_WPM,
    REFLECTION_MINUTES,
    SELF_CHECK_MINUTES,
    TOLERANCE,
    format_minutes,
    measure,
    measure_module,
    update_module,
)

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "modules").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_stated_study_time_matches_the_measure(path: Path) -> None:
    measured = measure_module(path).minutes
    info = next(i for i in list_modules(REPO) if i.path == path)
    assert abs(info.study_minutes - measured) <= TOLERANCE * measured, (
        f"{path.name} states {info.study_minutes} min but holds {measured:.0f} min: "
        "run peercert.studytime.update_module")
    nb = nbformat.read(path, as_version=4)
    assert f"Self-study time: about {format_minutes(info.study_minutes)}" in nb.cells[0].source
    text = "\n".join(c.source for c in nb.cells).lower()
    assert "seat time" not in text, "modules state measured study time, never seat time"


def test_no_module_claims_more_than_two_hours_of_self_study() -> None:
    # The modules hold a few thousand words each; a claim of hours more is the old seat time.
    for info in list_modules(REPO):
        assert info.study_minutes <= 120, info.path


def _module(prose_words: int, checks: int, reflections: int) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Module\n\n" + " ".join(["word"] * prose_words))]
    for n in range(checks):
        cells.append(nbformat.v4.new_code_cell(
            f'SelfCheck("one two three", {{"A": "four five", "B": "six"}}, key="A", n={n})'))
    for _ in range(reflections):
        cells.append(nbformat.v4.new_code_cell('Reflection("seven eight", key="r")'))
    cells.append(nbformat.v4.new_markdown_cell("## Sources\n\n" + "uncounted " * 500))
    return nbformat.v4.new_notebook(cells=cells)


def test_measure_counts_what_a_trainee_reads_and_does() -> None:
    time = measure(_module(1499, checks=2, reflections=1), quiz_items=10, quiz_reflections=1)
    # "Module" + 1499 words; each self-check shows 3 + 3 words, the reflection 2; the
    # Sources list and the widgets' keyword arguments are not read as study.
    assert time.words == 1500 + 2 * 6 + 2
    assert time.self_checks == 2 and time.reflections == 1
    expected = (time.words / READING_WPM + 2 * SELF_CHECK_MINUTES + REFLECTION_MINUTES
                + 10 * QUIZ_ITEM_MINUTES + QUIZ_REFLECTION_MINUTES)
    assert time.minutes == pytest.approx(expected)


def test_update_module_states_the_measure_and_is_idempotent(tmp_path: Path) -> None:
    root = factory.curriculum(tmp_path / "c")
    path = factory.module(root, study_minutes=5)
    assert update_module(path) is True
    assert update_module(path) is False
    meta = nbformat.read(path, as_version=4).metadata["peercert"]
    assert meta["study_minutes"] == measure_module(path).stated_minutes


def test_format_minutes() -> None:
    assert format_minutes(40) == "40 minutes"
    assert format_minutes(60) == "1 hour"
    assert format_minutes(95) == "1 hour 35 minutes"
    assert format_minutes(125) == "2 hours 5 minutes"

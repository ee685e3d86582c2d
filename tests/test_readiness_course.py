"""What a course contributes to readiness, read from a real nbgrader gradebook.

Courses are built by hand on ``tmp_path``: a config, one bank YAML per quiz, module notebooks
(nbformat.v4) and a gradebook filled through ``nbgrader.api.Gradebook``.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from peercert.readiness import CourseError
from peercert.readiness.course_evidence import course_evidence, read_course

AS_OF = date(2026, 11, 22)
WHEN = datetime(2026, 10, 1, 12, 0)


def item(item_id: str, comps: list[str], domain: str, module: str, points: float = 1,
         reflection: bool = False) -> dict[str, Any]:
    base = {"id": item_id, "points": points, "scenario": "Ana asks her peer for a loan today.",
            "prompt": "What fits the peer role?",
            "tags": {"competencies": comps, "domain": domain, "module": module}}
    if reflection:
        return {**base, "type": "reflection", "rubric": [
            {"points": points, "description": "Clear and kind."},
            {"points": 0, "description": "Missing."}]}
    return {**base, "type": "single", "key": "A",
            "options": {"A": "Kindly say no.", "B": "Lend it."},
            "rationale": {"key": "A keeps the focus on Ana's goals.",
                          "distractors": {"B": "Dual role."}}}


# quiz -> (module, items)
BANKS = {
    "boundaries": ("06-boundaries", [
        item("bnd-1", ["C1"], "ethical-responsibility", "06-boundaries"),
        item("bnd-2", ["C8"], "ethical-responsibility", "06-boundaries"),
        item("bnd-3", ["C1", "C3"], "ethical-responsibility", "06-boundaries", 2, reflection=True),
    ]),
    "advocacy": ("07-advocacy", [
        item("adv-1", ["C11"], "advocacy", "07-advocacy"),
        item("adv-2", ["C11"], "advocacy", "07-advocacy"),
    ]),
    "practice-exam": ("practice-exam", [
        item("px-1", ["C8"], "ethical-responsibility", "06-boundaries"),
        item("px-2", ["C11"], "advocacy", "07-advocacy"),
    ]),
}
MODULES = {
    "06-boundaries": {"seat_time_hours": 5, "domain_hours": {"ethical-responsibility": 4}},
    "07-advocacy": {"seat_time_hours": 3, "domain_hours": {"advocacy": 3}},
}


def write_module(folder: Path, module_id: str, spec: dict[str, Any]) -> None:
    meta = {"version": 1, "id": module_id, "title": module_id.title(), "competencies": ["C1"],
            **spec}
    nb = nbformat.v4.new_notebook(metadata={"peercert": meta})
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {module_id}"))
    nbformat.write(nb, folder / f"{module_id}.ipynb")


def empty_gradebook(folder: Path) -> Path:
    """An empty gradebook file to copy: nbgrader stamps a new database through a slow
    ``alembic`` subprocess, so tests create it once and copy it."""
    from nbgrader.api import Gradebook

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gradebook.db"
    Gradebook(f"sqlite:///{path}", "template").close()
    return path


def build_course(root: Path, scores: dict[str, dict[str, float | None]],
                 course_id: str = "cohort-a",
                 names: dict[str, tuple[str, str]] | None = None,
                 template: Path | None = None) -> Path:
    """A course whose gradebook holds ``scores[trainee][item]`` (None = not graded yet).

    A trainee's quiz counts as submitted when any of its items appears in their scores.
    """
    from peercert.course import config_text

    (root / "assignments").mkdir(parents=True)
    (root / "modules").mkdir()
    (root / "nbgrader_config.py").write_text(config_text(course_id), encoding="utf-8")
    for quiz, (module, items) in BANKS.items():
        data = {"quiz": quiz, "title": f"Quiz {quiz}", "module": module, "items": items}
        (root / "assignments" / f"{quiz}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    for module_id, spec in MODULES.items():
        write_module(root / "modules", module_id, spec)
    if template is not None:
        shutil.copyfile(template, root / "gradebook.db")
    fill_gradebook(root, course_id, scores, names or {})
    return root


def fill_gradebook(root: Path, course_id: str, scores: dict[str, dict[str, float | None]],
                   names: dict[str, tuple[str, str]]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id) as gb:
        for quiz, (_module, items) in BANKS.items():
            gb.add_assignment(quiz)
            gb.add_notebook(quiz, quiz)
            for it in items:
                gb.add_grade_cell(it["id"], quiz, quiz, max_score=it["points"], cell_type="code")
        for tid, per_item in scores.items():
            first, last = names.get(tid, ("Test", tid.upper()))
            gb.add_student(tid, first_name=first, last_name=last)
            for quiz, (_module, items) in BANKS.items():
                ids = [it["id"] for it in items]
                if not any(i in per_item for i in ids):
                    continue
                gb.add_submission(quiz, tid, timestamp=WHEN)
                for i in ids:
                    grade = gb.find_grade(i, quiz, quiz, tid)
                    grade.auto_score = per_item.get(i)
                gb.db.commit()


ALL_RIGHT = {"bnd-1": 1, "bnd-2": 1, "bnd-3": 2, "adv-1": 1, "adv-2": 1, "px-1": 1, "px-2": 1}


@pytest.fixture(scope="session")
def gradebook_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_gradebook(tmp_path_factory.mktemp("gradebook-template"))


@pytest.fixture
def cohort(tmp_path: Path, gradebook_template: Path) -> Path:
    return build_course(tmp_path / "course", template=gradebook_template, scores={
        "t1": ALL_RIGHT,
        "t2": {"bnd-1": 1, "bnd-2": 0, "bnd-3": None, "adv-1": 0, "adv-2": 1},
        "t3": {},
    }, names={"t1": ("Ana", "Diaz")})


def _score(ev: Any, tid: str, scope: str, key: str) -> tuple[float, float]:
    s = ev.scores
    row = s[(s["trainee_id"] == tid) & (s["scope"] == scope) & (s["key"] == key)]
    return float(row["earned"].iloc[0]), float(row["possible"].iloc[0])


def test_roster_and_names(cohort: Path) -> None:
    data = read_course(cohort)
    assert data.course_id == "cohort-a"
    assert list(data.roster["trainee_id"]) == ["t1", "t2", "t3"]
    assert data.roster.set_index("trainee_id").loc["t1", "name"] == "Ana Diaz"


def test_mastery_is_share_of_points_on_tagged_items(cohort: Path) -> None:
    ev = course_evidence([cohort])
    assert _score(ev, "t1", "competency", "C1") == (3.0, 3.0)  # bnd-1 (1) + bnd-3 (2)
    # t2: the reflection is not graded yet, so it is left out of both sides
    assert _score(ev, "t2", "competency", "C1") == (1.0, 1.0)
    assert _score(ev, "t2", "competency", "C8") == (0.0, 1.0)
    assert _score(ev, "t2", "quiz", "advocacy") == (1.0, 2.0)
    assert _score(ev, "t1", "domain", "advocacy") == (3.0, 3.0)  # adv-1, adv-2, px-2
    assert ev.scores[ev.scores["trainee_id"] == "t3"].empty


def test_completed_modules_credit_their_domain_hours(cohort: Path) -> None:
    ev = course_evidence([cohort], completion=70)
    rec = ev.records
    t1 = rec[rec["trainee_id"] == "t1"].set_index("topic")["hours"].to_dict()
    assert t1 == {"ethical-responsibility": 4.0, "general": 1.0, "advocacy": 3.0}
    assert set(rec["kind"]) == {"training"}
    assert (rec["date"] == pd.Timestamp("2026-10-01")).all()
    # t2: boundaries 1 of 2 graded points (50%), advocacy 50%: nothing completed
    assert rec[rec["trainee_id"] == "t2"].empty


def test_completion_threshold_is_configurable(cohort: Path) -> None:
    rec = course_evidence([cohort], completion=50).records
    assert set(rec[rec["trainee_id"] == "t2"]["topic"]) == {"ethical-responsibility", "general",
                                                            "advocacy"}


def test_two_courses_merge_sites_and_best_scores(tmp_path: Path, gradebook_template: Path) -> None:
    a = build_course(tmp_path / "a", {"t1": {"adv-1": 0, "adv-2": 0}, "t2": {}}, "cohort-a",
                     template=gradebook_template)
    b = build_course(tmp_path / "b", {"t1": {"adv-1": 1, "adv-2": 1}, "t9": {}}, "cohort-b",
                     template=gradebook_template)
    ev = course_evidence([a, b])
    assert dict(zip(ev.roster["trainee_id"], ev.roster["site"], strict=True)) == {
        "t1": "cohort-a", "t2": "cohort-a", "t9": "cohort-b"}
    assert _score(ev, "t1", "quiz", "advocacy") == (2.0, 2.0)
    assert ev.records[ev.records["trainee_id"] == "t1"]["hours"].sum() == 3.0


def test_same_course_id_twice_gets_directory_labels(tmp_path: Path,
                                                    gradebook_template: Path) -> None:
    a = build_course(tmp_path / "north", {"t1": {}}, "peercert", template=gradebook_template)
    b = build_course(tmp_path / "south", {"t2": {}}, "peercert", template=gradebook_template)
    sites = set(course_evidence([a, b]).roster["site"])
    assert sites == {"peercert (north)", "peercert (south)"}


def test_missing_config_and_gradebook_are_clear_errors(tmp_path: Path, cohort: Path) -> None:
    with pytest.raises(CourseError, match="no nbgrader_config.py"):
        read_course(tmp_path / "nowhere")
    (cohort / "gradebook.db").unlink()
    with pytest.raises(CourseError, match="no gradebook"):
        read_course(cohort)

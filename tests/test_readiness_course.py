"""What a course contributes to readiness, read from a real nbgrader gradebook.

Courses are built by hand on ``tmp_path``: a config, one bank YAML per quiz, module notebooks
and facilitator guides (the shared factory) and a gradebook filled through
``nbgrader.api.Gradebook``. Graded quizzes never credit hours by themselves: completion only
releases a module's measured self-study time, labelled as such.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import factory
import pandas as pd
import pytest
import yaml

from peercert.readiness import CourseError
from peercert.readiness.course_evidence import course_evidence, read_course
from peercert.readiness.evaluate import evaluate
from peercert.readiness.profile import list_profiles

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
# module -> what its metadata.peercert declares (measured self-study time and its split)
MODULES = {
    "06-boundaries": {"quiz": "boundaries", "study_minutes": 60,
                      "domain_share": {"ethical-responsibility": 0.75, "advocacy": 0.25}},
    "07-advocacy": {"quiz": "advocacy", "study_minutes": 90, "domain_share": {"advocacy": 1.0}},
}
# module -> its facilitator-led session (contact hours by domain), for courses with guides
GUIDES = {"06-boundaries": {"ethical-responsibility": 4},
          "07-advocacy": {"advocacy": 2, "mentoring-education": 1}}


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
                 template: Path | None = None, guides: bool = True,
                 config: str = "", when: datetime = WHEN) -> Path:
    """A course whose gradebook holds ``scores[trainee][item]`` (None = not graded yet).

    A trainee's quiz counts as submitted (at ``when``) when any of its items appears in their
    scores. With ``guides``, each module has a facilitator guide (``GUIDES``). ``config`` is
    appended to the course's nbgrader_config.py.
    """
    from peercert.course import config_text

    (root / "assignments").mkdir(parents=True)
    (root / "modules").mkdir()
    (root / "nbgrader_config.py").write_text(config_text(course_id) + "\n" + config,
                                             encoding="utf-8")
    for quiz, (module, items) in BANKS.items():
        data = {"quiz": quiz, "title": f"Quiz {quiz}", "module": module, "items": items}
        (root / "assignments" / f"{quiz}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    for module_id, spec in MODULES.items():
        factory.module(root, module_id, **spec)
        if guides:
            hours = GUIDES[module_id]
            factory.session_guide(root, module_id, sum(hours.values()), hours)
    if template is not None:
        shutil.copyfile(template, root / "gradebook.db")
    fill_gradebook(root, course_id, scores, names or {}, when)
    return root


def fill_gradebook(root: Path, course_id: str, scores: dict[str, dict[str, float | None]],
                   names: dict[str, tuple[str, str]], when: datetime = WHEN) -> None:
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
                gb.add_submission(quiz, tid, timestamp=when)
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


def test_graded_quizzes_alone_credit_no_training_hours(cohort: Path) -> None:
    """Acceptance: graded quizzes, no attendance, no declarations: 0 h for everyone."""
    ev = course_evidence([cohort], as_of=AS_OF)
    assert set(ev.records["source"].map(lambda s: s.split(":")[0])) <= {"self-study"}
    for profile in list_profiles():  # every shipped credential
        r = evaluate(profile, ev, AS_OF)
        hours = r.results[r.results["kind"] == "training_hours"]
        assert (hours["value"] == 0).all(), profile.id
        assert set(hours["status"]) == {"no_evidence"}, profile.id


def test_completion_releases_measured_self_study_labelled_by_module(cohort: Path) -> None:
    rec = course_evidence([cohort], completion=70).records
    t1 = rec[rec["trainee_id"] == "t1"].sort_values(["source", "topic"])
    assert list(zip(t1["source"], t1["topic"], t1["hours"], strict=True)) == [
        ("self-study:06-boundaries", "advocacy", 0.25),  # 60 min x 0.25
        ("self-study:06-boundaries", "ethical-responsibility", 0.75),
        ("self-study:07-advocacy", "advocacy", 1.5)]
    assert list(t1["activity"]) == ["06-boundaries", "06-boundaries", "07-advocacy"]
    assert set(rec["kind"]) == {"training"}
    assert (rec["date"] == pd.Timestamp("2026-10-01")).all()  # the completing submission
    # t2: boundaries 1 of 2 graded points (50%), advocacy 50%: nothing completed
    assert rec[rec["trainee_id"] == "t2"].empty


def test_completion_threshold_is_configurable(cohort: Path) -> None:
    rec = course_evidence([cohort], completion=50).records
    assert set(rec[rec["trainee_id"] == "t2"]["source"]) == {"self-study:06-boundaries",
                                                             "self-study:07-advocacy"}


def test_two_courses_merge_sites_and_best_scores(tmp_path: Path, gradebook_template: Path) -> None:
    a = build_course(tmp_path / "a", {"t1": {"adv-1": 0, "adv-2": 0}, "t2": {}}, "cohort-a",
                     template=gradebook_template)
    b = build_course(tmp_path / "b", {"t1": {"adv-1": 1, "adv-2": 1}, "t9": {}}, "cohort-b",
                     template=gradebook_template)
    ev = course_evidence([a, b])
    assert dict(zip(ev.roster["trainee_id"], ev.roster["site"], strict=True)) == {
        "t1": "cohort-a", "t2": "cohort-a", "t9": "cohort-b"}
    assert _score(ev, "t1", "quiz", "advocacy") == (2.0, 2.0)
    # the best score across cohorts completes the module once: its self-study, once
    assert ev.records[ev.records["trainee_id"] == "t1"]["hours"].sum() == 1.5


def _completed(ev: Any, module: str = "06-boundaries") -> dict[str, pd.Timestamp]:
    """trainee -> date of the self-study ``module``'s completion released."""
    rec = ev.records[ev.records["source"] == f"self-study:{module}"]
    return dict(rec.groupby("trainee_id", observed=True)["date"].min())


# boundaries: bnd-1 and bnd-2 (1 point each) and the reflection bnd-3 (2 points)
THREE_QUARTERS = {"bnd-1": 1, "bnd-2": 0, "bnd-3": 2}


def test_each_course_completes_modules_by_its_own_setting(tmp_path: Path,
                                                          gradebook_template: Path) -> None:
    strict = build_course(tmp_path / "strict", {"t1": THREE_QUARTERS}, "strict",
                          template=gradebook_template,
                          config="c.Peercert.completion_percent = 80")
    usual = build_course(tmp_path / "usual", {"t2": THREE_QUARTERS}, "usual",
                         template=gradebook_template)  # the default, 70
    assert set(_completed(course_evidence([strict, usual]))) == {"t2"}  # 75 %: t2's course only
    assert set(_completed(course_evidence([usual, strict]))) == {"t2"}  # whatever the order
    assert set(_completed(course_evidence([strict, usual], completion=50))) == {"t1", "t2"}


def test_a_trainee_in_two_courses_completes_by_either_courses_rule(
        tmp_path: Path, gradebook_template: Path) -> None:
    early, late = datetime(2026, 9, 1, 12, 0), datetime(2026, 10, 15, 12, 0)
    half_a, half_b = {"bnd-1": 1, "bnd-2": 1, "bnd-3": 0}, {"bnd-1": 0, "bnd-2": 0, "bnd-3": 2}
    a = build_course(tmp_path / "a", {"both": THREE_QUARTERS, "halves": half_a,
                                      "twice": ALL_RIGHT}, "a", template=gradebook_template,
                     config="c.Peercert.completion_percent = 80", when=early)
    b = build_course(tmp_path / "b", {"both": THREE_QUARTERS, "halves": half_b,
                                      "twice": ALL_RIGHT}, "b", template=gradebook_template,
                     when=late)
    ev = course_evidence([a, b])
    done = _completed(ev)
    assert done["both"] == pd.Timestamp(late.date())  # 75 %: not enough in a (80), enough in b (70)
    assert done["twice"] == pd.Timestamp(early.date())  # from the first course that saw it passed
    # 50 % in each course: items from two sittings never add up to a pass...
    assert "halves" not in done
    # ...though mastery counts the best score of each item
    assert _score(ev, "halves", "quiz", "boundaries") == (4.0, 4.0)
    assert ev.records[ev.records["trainee_id"] == "twice"]["hours"].sum() == 2.5  # once


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


def test_a_broken_facilitator_guide_is_a_course_error(cohort: Path) -> None:
    guide = cohort / "modules" / "facilitator" / "06-boundaries.md"
    guide.write_text(guide.read_text().replace("contact_hours: 4", "contact_hours: 5"))
    with pytest.raises(CourseError, match="06-boundaries.md: .*domain_hours add up to 4 h"):
        read_course(cohort)

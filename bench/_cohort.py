"""Shared set-up for grading benchmarks: a course with one N-item quiz and a simulated cohort."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import factory

from peercert import simulate
from peercert.course import init_course, nbgrader_api


def quiz_items(n_items: int) -> list[dict]:
    makers = [factory.single, factory.single, factory.multiple, factory.ordering, factory.truefalse]
    items = [makers[i % len(makers)](f"b-{i:03d}") for i in range(n_items - 1)]
    return [*items, factory.reflection(f"b-{n_items - 1:03d}")]


def release_course(root: Path, n_items: int) -> tuple[Path, dict]:
    """A course with the quiz built, generated and released; the course and the bank."""
    data = factory.bank("bench", items=quiz_items(n_items))
    cur = factory.curriculum(root / "curriculum", [data])
    course = init_course(root / "course", source_root=cur)
    api = nbgrader_api(course)
    assert api.generate_assignment("bench")["success"]
    assert api.release_assignment("bench")["success"]
    return course, data


def make_course(root: Path, n_items: int, trainees: int, seed: int = 0) -> Path:
    """Build, generate and release the quiz; write every trainee's submission."""
    course, data = release_course(root, n_items)
    keys = {i["id"]: i.get("key") for i in data["items"]}
    people = simulate.cohort(trainees, seed)
    simulate.submit_cohort(course, "bench", people, keys, seed)
    random.seed(seed)
    return course

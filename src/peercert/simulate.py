"""A simulated cohort for the demo and benchmarks: realistic, reproducible answer patterns.

Each trainee has an ability; each item a difficulty derived from its id. Stronger trainees
answer more items right, wrong answers favour one tempting distractor, a few answers are
left blank, and reflections range from thoughtful to missing. Everything is synthetic: no
real person's words or experiences.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from peercert.answers import typed_literal, with_answer

FIRST = ["Ana", "Ben", "Carmen", "Darnell", "Elena", "Farid", "Grace", "Hector", "Imani", "Jamal",
         "Kim", "Luis", "Maya", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tasha", "Uma",
         "Victor", "Wen", "Xavier", "Yara", "Zoe"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Fofana", "Garcia", "Haddad", "Ito", "Jones",
        "Khan", "Lopez", "Morales", "Nguyen", "Okafor", "Patel", "Reyes", "Smith", "Tran", "Walker"]
REFLECTIONS = [
    "I would thank the person for the offer and explain kindly that I can't accept it, because "
    "our time together is about their goals. Then I would ask what they would like to focus on "
    "next and offer to look at other ways they can give back, like a peer group.",
    "I would say no in a kind way and tell them about the rules. I would check with my "
    "supervisor after so we are on the same page.",
    "I would just tell them no because it is against the rules.",
    "Not sure. Maybe it depends.",
]
BLANK_RATE = 0.03


@dataclass(frozen=True)
class Trainee:
    id: str
    first_name: str
    last_name: str
    ability: float


def cohort(n: int, seed: int = 0) -> list[Trainee]:
    rng = random.Random(seed)
    return [Trainee(f"t{i:04d}", rng.choice(FIRST), rng.choice(LAST), rng.gauss(0.6, 1.0))
            for i in range(1, n + 1)]


def _difficulty(item_id: str) -> float:
    digest = hashlib.sha256(item_id.encode()).digest()
    return (digest[0] / 255.0) * 2.4 - 1.2


def _choice_answer(rng: random.Random, meta: dict[str, Any], key: Any, right: bool) -> Any:
    """The answer this trainee gives: a letter, a list of letters, or True/False."""
    letters = meta["letters"]
    kind = meta["type"]
    if kind == "truefalse":
        return bool(key if right else not key)
    if kind == "single":
        wrong = [x for x in letters if x != key]
        # The first distractor is the tempting one: it draws half of all wrong answers.
        return key if right else (wrong[0] if rng.random() < 0.5 else rng.choice(wrong))
    if kind == "multiple":
        picked = set(key) if right else {x for x in letters if rng.random() < 0.5} or {letters[0]}
        return sorted(picked)
    order = list(key)
    if not right:
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
    return order


def answer_quiz(rng: random.Random, trainee: Trainee, release_nb: nbformat.NotebookNode,
                keys: dict[str, Any]) -> nbformat.NotebookNode:
    """Fill the answer cells of a released quiz notebook as this trainee would."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        meta = cell.metadata.get("peercert", {})
        if meta.get("role") != "answer" or rng.random() < BLANK_RATE:
            continue
        if meta["type"] == "reflection":
            quality = min(3, max(0, int(round(1.5 - trainee.ability + rng.gauss(0, 0.8)))))
            cell.source = REFLECTIONS[quality]
            continue
        p = 1 / (1 + math.exp(-(trainee.ability - _difficulty(meta["item"]))))
        answer = _choice_answer(rng, meta, keys[meta["item"]], rng.random() < p)
        cell.source = with_answer(cell.source, typed_literal(answer))
    return nb


def submit_cohort(course: Path, quiz: str, trainees: list[Trainee], keys: dict[str, Any],
                  seed: int = 0) -> int:
    """Write every trainee's answered quiz into ``submitted/`` as ``nbgrader collect`` does
    (with the course's modes: collected work is private)."""
    from peercert import output
    from peercert.course import Course

    modes = Course.open(course).modes
    release = nbformat.read(course / "release" / quiz / f"{quiz}.ipynb", as_version=4)
    for t in trainees:
        rng = random.Random(f"{seed}:{quiz}:{t.id}")
        folder = course / "submitted" / t.id / quiz
        output.write_text(folder / f"{quiz}.ipynb",
                          nbformat.writes(answer_quiz(rng, t, release, keys)) + "\n", modes)
        output.write_text(folder / "timestamp.txt", "2026-11-20 10:00:00.000000 UTC", modes)
    return len(trainees)

"""How long does ``peercert analyze`` take on a big cohort, and how much memory does it use?

Generates a synthetic quiz of 75 items (single, multiple, ordering, true/false and a few
reflections) answered by 10,000 trainees following a logistic ability model, then times the
library functions the CLI runs: item analysis with distractors and reliability
(``analyze_quiz``) and competency mastery (``competency_mastery``). Report rendering and CSV
writing are timed separately. Goal: analysis under 3 s and under 1 GB.

Reproduce:  . .venv/bin/activate && python bench/analyze_scaling.py [--trainees N --items K]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from peercert.analyze import ReportContext, analyze_quiz, competency_mastery
from peercert.analyze.run import write_outputs
from peercert.tags import COMPETENCIES, DOMAINS

TYPES = ["single"] * 6 + ["multiple"] * 1 + ["truefalse"] * 1 + ["ordering"] * 1 + ["reflection"]
LETTERS = "ABCD"
GOAL_SECONDS, GOAL_BYTES = 3.0, 1 << 30


def make_items(k: int, rng: np.random.Generator) -> pd.DataFrame:
    """Item metadata for one quiz of ``k`` items, types cycling through TYPES."""
    comps, doms = list(COMPETENCIES), list(DOMAINS)
    rows = []
    for j in range(k):
        kind = TYPES[j % len(TYPES)]
        key = {"single": LETTERS[j % 4], "multiple": "A,C", "truefalse": "True",
               "ordering": "C,A,D,B", "reflection": None}[kind]
        rows.append({
            "item_id": f"bench-{j + 1:03d}", "quiz": "bench", "position": j + 1, "type": kind,
            "points": {"multiple": 2.0, "ordering": 2.0, "reflection": 4.0}.get(kind, 1.0),
            "key": key, "options": ("True", "False") if kind == "truefalse" else tuple(LETTERS),
            "competencies": tuple(rng.choice(comps, size=2, replace=False)),
            "domain": doms[j % len(doms)],
        })
    return pd.DataFrame(rows)


def _answers(kind: str, key: str | None, right: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = right.size
    if kind == "reflection":
        return np.full(n, None, dtype=object)
    if kind == "truefalse":
        return np.where(right, "True", "False").astype(object)
    if kind == "single":
        wrong = np.array([x for x in LETTERS if x != key], dtype=object)
        return np.where(right, key, wrong[rng.integers(0, 3, n)]).astype(object)
    if kind == "multiple":
        return np.where(right, key, np.array(["A", "A,B", "C,D", "B"], dtype=object)[
            rng.integers(0, 4, n)]).astype(object)
    return np.where(right, key, "A,C,D,B").astype(object)


def make_responses(n: int, items: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Long responses table: one row per trainee and item, about 2% omitted."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(0.5, 1.0, n)
    trainees = np.array([f"t{i:05d}" for i in range(n)], dtype=object)
    frames = []
    for item in items.itertuples():
        right = rng.random(n) < 1 / (1 + np.exp(-(ability - rng.uniform(-2, 2))))
        omitted = rng.random(n) < 0.02
        answer = _answers(item.type, item.key, right & ~omitted, rng)
        score = np.where(right & ~omitted, item.points, 0.0)
        if item.type == "reflection":
            score = np.where(rng.random(n) < 0.1, np.nan, np.round(score * rng.random(n)))
            omitted = np.zeros(n, dtype=bool)
        answer[omitted] = None
        frames.append(pd.DataFrame({
            "trainee": trainees, "quiz": "bench", "item_id": item.item_id, "score": score,
            "max_score": item.points, "answer": answer, "omitted": omitted,
        }))
    return pd.concat(frames, ignore_index=True)


def analyse(responses: pd.DataFrame, items: pd.DataFrame):
    """Exactly the computations ``peercert analyze`` runs for one quiz."""
    return analyze_quiz(responses, items, "bench"), competency_mastery(responses, items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=75)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    args = parser.parse_args(argv)

    items = make_items(args.items, np.random.default_rng(1))
    responses = make_responses(args.trainees, items)
    print(f"data: {args.trainees:,} trainees x {args.items} items = {len(responses):,} responses")

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        qa, mastery = analyse(responses, items)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    analyse(responses, items)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_outputs(qa, ReportContext(title="Benchmark quiz", mastery=mastery), Path(tmp))
        report_s = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

    best = min(times)
    print(f"analysis time (best of {args.repeat}): {best:.2f} s   "
          f"[runs: {', '.join(f'{t:.2f}' for t in times)}]   goal < {GOAL_SECONDS:.0f} s")
    print(f"analysis peak memory (tracemalloc): {peak / 2**20:.0f} MiB   goal < 1024 MiB")
    print(f"report + CSVs written in {report_s:.2f} s; process max RSS {rss / 2**20:.0f} MiB "
          "(includes data generation and matplotlib)")
    print(f"flagged items: {len(qa.flagged)}; alpha {qa.summary.alpha:.3f}, "
          f"KR-20 {qa.summary.kr20:.3f}")
    print("reproduce: . .venv/bin/activate && python bench/analyze_scaling.py")
    ok = best < GOAL_SECONDS and peak < GOAL_BYTES
    print("RESULT:", "meets the goal" if ok else "MISSES the goal")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Two ``peercert grade`` commands on one course at once: do both store every grade?

    python bench/grade_concurrency.py --rounds 10 --trainees 40

Builds a course with two released quizzes, each submitted by TRAINEES trainees new to the
gradebook, grades a copy sequentially as the reference, then for each round takes a fresh copy
and starts two console-script runs together: two quizzes (quiz1 + quiz2) and the same quiz
twice (quiz1 + quiz1). A round is "ok" when both exit 0 and the gradebook equals the
reference row for row; the table counts outcomes and wall times.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

BIN = Path(sys.executable).parent
PAIRS = {"two quizzes": ("quiz1", "quiz2"), "same quiz twice": ("quiz1", "quiz1")}


def build(root: Path, trainees: int) -> Path:
    import factory

    from peercert.course import init_course, nbgrader_api, release_quizzes

    second = factory.bank("quiz2", factory.mixed_items("u"))
    course = init_course(root / "course", source_root=factory.curriculum(
        root / "cur", [factory.bank("quiz1"), second]))
    release_quizzes(nbgrader_api(course), ["quiz1", "quiz2"])
    patterns = list(factory.PATTERNS.values())
    for quiz, prefix in (("quiz1", "t-"), ("quiz2", "u-")):
        release = course / "release" / quiz / f"{quiz}.ipynb"
        for i in range(trainees):
            answers = {k.replace("t-", prefix): v for k, v in patterns[i % 5].items()}
            factory.submit(course, quiz, f"p{i:03d}", factory.answer_notebook(release, answers))
    return course


def gradebook(course: Path) -> list[tuple]:
    from peercert.course import Course

    c = Course.open(course)
    try:
        return sorted(c.grade_rows(), key=repr)
    finally:
        c.close()


def together(course: Path, quizzes: tuple[str, str]) -> tuple[list[int], list[str], float]:
    start = time.perf_counter()
    procs = [subprocess.Popen([str(BIN / "peercert"), "grade", q, "--course", str(course)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for q in quizzes]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    return [p.returncode for p in procs], outs, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--trainees", type=int, default=40)
    args = parser.parse_args()
    from peercert.grade import grade_quiz

    with tempfile.TemporaryDirectory(prefix="peercert-concurrency-") as tmp:
        root = Path(tmp)
        pristine = build(root / "build", args.trainees)
        reference = Path(shutil.copytree(pristine, root / "reference"))
        for quiz in ("quiz1", "quiz2"):
            grade_quiz(reference, quiz)
        expected = {name: [r for r in gradebook(reference) if r[1] in set(pair)]
                    for name, pair in PAIRS.items()}
        print(f"{'runs side by side':18} {'rounds':>6} {'ok':>4} {'failed':>7} {'lost':>5}"
              f" {'s/round':>8}")
        for name, pair in PAIRS.items():
            outcomes: Counter[str] = Counter()
            seconds = 0.0
            for n in range(args.rounds):
                course = Path(shutil.copytree(pristine, root / f"{name}-{n}".replace(" ", "-")))
                codes, outs, took = together(course, pair)
                seconds += took
                if any(codes):
                    outcomes["failed"] += 1
                    bad = next(i for i, code in enumerate(codes) if code)
                    print(f"  round {n}: exit codes {codes}: {outs[bad][-200:]!r}")
                elif gradebook(course) != expected[name]:
                    outcomes["lost"] += 1
                else:
                    outcomes["ok"] += 1
                shutil.rmtree(course)
            print(f"{name:18} {args.rounds:>6} {outcomes['ok']:>4} {outcomes['failed']:>7} "
                  f"{outcomes['lost']:>5} {seconds / args.rounds:>8.2f}")
        print(f"reproduce: python bench/grade_concurrency.py --rounds {args.rounds} "
              f"--trainees {args.trainees}")


if __name__ == "__main__":
    main()

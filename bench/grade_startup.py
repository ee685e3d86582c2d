"""Start-up of ``peercert grade`` against ``nbgrader autograde``, both from the command line.

    python bench/grade_startup.py --trainees 30 --items 20 --runs 3

For each command, on the same cohort and a fresh copy of the same ungraded gradebook: the
time from process start to the first autograded notebook on disk with its scores in it
(the first submission scored and written), to exit, and the CPU time the command used (its
worker processes included). Both are timed from outside, by watching ``autograded/`` every
2 ms: nothing in either program is changed. peercert is run ``--runs`` times (best shown,
all listed); stock nbgrader, which takes about a minute for 30 trainees, ``--stock-runs``
times (0 to skip).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _cohort import make_course


def _first_notebook(autograded: Path) -> bool:
    """An autograded notebook holds a score: its grade cells' output ("Points: 1 of 1").

    nbgrader copies each submission into ``autograded/`` before it runs it, so the file
    alone does not mean scored; both graders print ``check``'s reasoning into the outputs.
    """
    for path in autograded.glob("*/bench/bench.ipynb"):
        try:
            if b"Points: " in path.read_bytes():
                return True
        except OSError:  # being replaced
            continue
    return False


def run(cmd: list[str], course: Path, pristine: Path) -> dict[str, float]:
    """Seconds to the first autograded notebook and to exit, and CPU seconds, of one run."""
    shutil.rmtree(course / "autograded", ignore_errors=True)
    shutil.rmtree(course / ".peercert", ignore_errors=True)
    shutil.copy(pristine, course / "gradebook.db")
    log = course.parent / "command.log"  # a file, not a pipe: nbgrader logs a lot
    before = os.times()
    with log.open("wb") as err_out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=course, stdout=subprocess.DEVNULL, stderr=err_out)
        first = None
        while proc.poll() is None:
            if first is None and _first_notebook(course / "autograded"):
                first = time.perf_counter() - t0
            time.sleep(0.002)
        total = time.perf_counter() - t0
    err = log.read_text(errors="replace")
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    if first is None:  # finished between two looks
        first = total if _first_notebook(course / "autograded") else float("nan")
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system)
    return {"first": first, "exit": total, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=30)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stock-runs", type=int, default=1)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), args.items, args.trainees)
        pristine = Path(tmp) / "gradebook.pristine.db"
        shutil.copy(course / "gradebook.db", pristine)
        peercert = [run([str(bin_dir / "peercert"), "grade", "bench"], course, pristine)
                    for _ in range(args.runs)]
        stock = [run([str(bin_dir / "nbgrader"), "autograde", "bench"], course, pristine)
                 for _ in range(args.stock_runs)]
    load = os.getloadavg()[0]
    print(f"{args.trainees} trainees, {args.items} items; load average {load:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"{'command':<22} {'first scored s':>15} {'exit s':>8} {'cpu s':>7}")
    for name, runs in (("peercert grade", peercert), ("nbgrader autograde", stock)):
        if not runs:
            continue
        firsts = ", ".join(f"{r['first']:.2f}" for r in runs)
        print(f"{name:<22} {min(r['first'] for r in runs):>15.2f} "
              f"{min(r['exit'] for r in runs):>8.2f} {min(r['cpu'] for r in runs):>7.2f}"
              f"   (best of {len(runs)}; first scored each run: {firsts})")
    if peercert and stock:
        ratio = min(r["first"] for r in stock) / min(r["first"] for r in peercert)
        print(f"first submission scored {ratio:.0f}x sooner with peercert")
    print(f"reproduce: python bench/grade_startup.py --trainees {args.trainees} --items "
          f"{args.items} --runs {args.runs} --stock-runs {args.stock_runs}")


if __name__ == "__main__":
    main()

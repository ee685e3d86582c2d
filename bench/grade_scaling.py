"""peercert grade alone at growing cohort sizes: wall time and peak memory per size.

    python bench/grade_scaling.py --sizes 1000 10000 50000 --items 20 --repeat 3

For each size a child process builds the course and the cohort's submissions, then a fresh
child process grades them twice (a first grading, then a full regrade that updates every row),
so the peak memory (ru_maxrss) printed is the grading process's own, not the set-up's. With
``--repeat N`` the cohort is graded N times, each from the same ungraded gradebook, and the
fastest run is shown (on a shared machine the others are noise); the load average and the
CPU seconds of each grading (workers included) are printed too. Setting up 50,000
submissions takes several minutes and a few GB of disk.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def setup(root: Path, size: int, items: int) -> None:
    from _cohort import make_course

    make_course(root, items, size)


def grade(course: Path, workers: int) -> dict:
    from peercert.grade import grade_quiz

    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    report = grade_quiz(course, "bench", workers=workers)
    first = time.perf_counter() - t0
    grade_quiz(course, "bench", workers=workers)
    regrade = time.perf_counter() - t0 - first
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {"seconds": first, "regrade": regrade, "peak_mb": peak, "cpu": cpu,
            "graded": report.count("graded") + report.count("needs review")}


def fresh(course: Path, pristine: Path) -> None:
    """The course as set up: its ungraded gradebook back, no autograded copies or status."""
    shutil.copy(pristine, course / "gradebook.db")
    for folder in ("autograded", ".peercert"):
        shutil.rmtree(course / folder, ignore_errors=True)


def child(*args: str) -> str:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1,
                        help="grade each cohort this many times; the fastest is shown")
    parser.add_argument("--setup", nargs=2, metavar=("DIR", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--grade", metavar="COURSE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(Path(args.setup[0]), int(args.setup[1]), args.items)
        return
    if args.grade:
        print(json.dumps(grade(Path(args.grade), args.workers)))
        return
    print(f"{'submissions':>12} {'seconds':>9} {'ms/sub':>8} {'regrade s':>10} {'peak MB':>8}"
          f" {'cpu s':>7} {'load':>5}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            child("--setup", tmp, str(size), "--items", str(args.items))
            course = Path(tmp) / "course"
            pristine = Path(tmp) / "gradebook.pristine.db"
            shutil.copy(course / "gradebook.db", pristine)
            runs = []
            for _ in range(args.repeat):
                fresh(course, pristine)
                load = os.getloadavg()[0]
                runs.append({**json.loads(child("--grade", str(course),
                                                "--workers", str(args.workers))), "load": load})
        r = min(runs, key=lambda x: x["seconds"])
        assert r["graded"] == size, r
        each = ", ".join(f"{x['seconds']:.1f}" for x in runs)
        print(f"{size:>12} {r['seconds']:>9.2f} {1000 * r['seconds'] / size:>8.2f} "
              f"{r['regrade']:>10.2f} {r['peak_mb']:>8.0f} {r['cpu']:>7.1f} {r['load']:>5.1f}"
              + (f"   (runs: {each} s)" if len(runs) > 1 else ""), flush=True)
    print("seconds: first grading of the cohort; regrade s: grading it all again (updates).")
    print("peak MB: the grading process (the gradebook writer); workers only parse and score.")
    print("cpu s: the grading process and its workers (imports and both gradings); load: the "
          "load average when it started, "
          f"on {os.cpu_count()} cores.")
    print(f"reproduce: python bench/grade_scaling.py --sizes {' '.join(map(str, args.sizes))} "
          f"--items {args.items} --workers {args.workers} --repeat {args.repeat}")


if __name__ == "__main__":
    main()

"""``peercert export`` against ``nbgrader export`` on a graded cohort, from the command line.

    python bench/export_scaling.py --submissions 10000 --items 20
    python bench/export_scaling.py --course DIR    # a course already graded (e.g. by
                                                   # grade_scaling.py --setup, then grade)

Builds the course and the cohort (as bench/grade_scaling.py does) and grades it with
``peercert grade``, unless ``--course`` names one; then times each export as a user runs it,
process start to exit: ``peercert export`` ``--runs`` times (best shown) and stock
``nbgrader export`` (one CSV row per submission, through nbgrader's ORM) ``--stock-runs``
times (0 to skip). Prints the rows each wrote, wall and CPU seconds, and the ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def _run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one command, process start to exit."""
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()[-2000:]}")
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system)


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def _prepare(root: Path, size: int, items: int) -> Path:
    from _cohort import make_course

    from peercert.grade import grade_quiz

    course = make_course(root, items, size)
    warnings.filterwarnings("ignore")
    grade_quiz(course, "bench")
    return course


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--course", type=Path, help="an already graded course to export")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stock-runs", type=int, default=1)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        course = (args.course.resolve() if args.course
                  else _prepare(Path(tmp), args.submissions, args.items))
        out = Path(tmp) / "reports"
        ours = [_run([str(bin_dir / "peercert"), "export", "--course", str(course),
                      "--out", str(out)], course) for _ in range(args.runs)]
        rows = _rows(out / "grades.csv")
        item_rows = _rows(out / "grades-items.csv")
        stock = []
        for _ in range(args.stock_runs):
            stock.append(_run([str(bin_dir / "nbgrader"), "export", "--to",
                               str(Path(tmp) / "nbgrader-grades.csv")], course))
        stock_rows = _rows(Path(tmp) / "nbgrader-grades.csv") if stock else 0
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<20} {'rows':>8} {'wall s':>8} {'cpu s':>7}")
    best = min(ours)
    print(f"{'peercert export':<20} {rows:>8} {best[0]:>8.2f} {best[1]:>7.2f}   "
          f"(best of {len(ours)}; grades.csv, and {item_rows} rows of grades-items.csv)")
    if stock:
        theirs = min(stock)
        print(f"{'nbgrader export':<20} {stock_rows:>8} {theirs[0]:>8.2f} {theirs[1]:>7.2f}   "
              f"(best of {len(stock)}; grades.csv)")
        print(f"peercert export {theirs[0] / best[0]:.0f}x faster")
    where = f"--course {args.course}" if args.course else f"--submissions {args.submissions}"
    print(f"reproduce: python bench/export_scaling.py {where} --items {args.items} "
          f"--runs {args.runs} --stock-runs {args.stock_runs}")


if __name__ == "__main__":
    main()

"""peercert feedback vs stock nbgrader generate_feedback on the same graded cohort, one run.

    python bench/feedback_vs_nbgrader.py --trainees 200 --items 20

Both run as a user runs them, from the command line, process start to exit, in copies of
the same course graded by ``peercert grade``: ``nbgrader generate_feedback bench`` against
``peercert feedback bench``. Prints both wall times, the time per page, the ratio, and that
both wrote one page per trainee.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _cohort import make_course

from peercert.grade import grade_quiz


def _run(cmd: list[str], cwd: Path) -> float:
    """Wall time of one command, process start to exit (fails loudly on a non-zero exit)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def _pages(course: Path) -> int:
    return len(list((course / "feedback").glob("*/bench/bench.html")))


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), args.items, args.trainees)
        assert grade_quiz(course, "bench").count("failed") == 0
        stock = Path(tmp) / "stock"
        shutil.copytree(course, stock)
        t_stock = _run([str(bin_dir / "nbgrader"), "generate_feedback", "bench"], stock)
        # peercert is fast enough to repeat: the median of 3 runs, so one-off noise such as
        # a first run's .pyc writes does not decide. Each run starts with no feedback folder,
        # so each writes every page (a rerun would skip pages that did not change).
        runs = []
        for _ in range(3):
            shutil.rmtree(course / "feedback", ignore_errors=True)
            runs.append(_run([str(bin_dir / "peercert"), "feedback", "bench"], course))
        runs.sort()
        t_peer = runs[1]
        pages = (_pages(stock), _pages(course))
    n = args.trainees
    print(f"cohort: {n} graded submissions x {args.items} items "
          "(command line, process start to exit)")
    print(f"stock nbgrader generate_feedback: {t_stock:8.2f} s  "
          f"({1000 * t_stock / n:6.1f} ms/page, {pages[0]} pages)")
    print(f"peercert feedback:                {t_peer:8.2f} s  "
          f"({1000 * t_peer / n:6.1f} ms/page, {pages[1]} pages; median of 3)")
    print(f"ratio: peercert feedback is {t_stock / t_peer:.1f}x faster")
    print(f"reproduce: python bench/feedback_vs_nbgrader.py --trainees {n} --items {args.items}")


if __name__ == "__main__":
    main()

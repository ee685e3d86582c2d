"""peercert grade vs stock nbgrader autograde on the same cohort, in one run.

    python bench/grade_vs_nbgrader.py --trainees 200 --items 20
    python bench/grade_vs_nbgrader.py --trainees 30 --cli    # as a user runs them

By default both run in-process through nbgrader's Python API (so nbgrader's command start-up
is not counted against it). With ``--cli`` each runs as a user runs it, from the command line,
process start to exit: ``nbgrader autograde bench`` in the course against ``peercert grade
bench``. Prints wall times, per-submission times, the ratio, and whether every per-cell score,
comment, timestamp and late penalty is identical.
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
from nbgrader.api import Gradebook

from peercert.course import load_settings, nbgrader_api
from peercert.grade import grade_quiz


def scores(course: Path) -> dict[tuple[str, str], tuple]:
    """Every grade and comment row autograde fills in, by trainee and cell."""
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        rows = {}
        for sub in gb.find_assignment("bench").submissions:
            nb = sub.notebooks[0]
            rows[(sub.student.id, "late")] = (sub.timestamp, nb.late_submission_penalty)
            rows.update({(sub.student.id, g.name): (g.auto_score, g.needs_manual_grade)
                         for g in nb.grades})
            rows.update({(sub.student.id, f"{c.name}:comment"): (c.auto_comment,)
                         for c in nb.comments})
        return rows


def _run(cmd: list[str], cwd: Path) -> float:
    """Wall time of one command, process start to exit (fails loudly on a non-zero exit)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def _cli(stock: Path, course: Path, workers: int) -> tuple[float, float]:
    bin_dir = Path(sys.executable).parent
    t_stock = _run([str(bin_dir / "nbgrader"), "autograde", "bench"], stock)
    # peercert is fast enough to repeat: the median of 3 runs (regrading is idempotent), so
    # one-off noise such as writing .pyc files on a first run does not decide the ratio.
    runs = sorted(_run([str(bin_dir / "peercert"), "grade", "bench", "--workers", str(workers)],
                       course) for _ in range(3))
    return t_stock, runs[1]


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cli", action="store_true",
                        help="time both commands from the command line, process start to exit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), args.items, args.trainees)
        stock = Path(tmp) / "stock"
        shutil.copytree(course, stock)
        if args.cli:
            t_stock, t_peer = _cli(stock, course, args.workers)
            report = None
        else:
            t0 = time.perf_counter()
            res = nbgrader_api(stock).autograde("bench", "*")
            t_stock = time.perf_counter() - t0
            assert res["success"], res.get("error")
            t0 = time.perf_counter()
            report = grade_quiz(course, "bench", workers=args.workers)
            t_peer = time.perf_counter() - t0
        same = scores(course) == scores(stock)
    n = args.trainees
    how = "command line, process start to exit" if args.cli else "in-process"
    print(f"cohort: {n} submissions x {args.items} items, {args.workers} workers ({how})")
    print(f"stock nbgrader autograde: {t_stock:8.2f} s  ({1000 * t_stock / n:7.1f} ms/submission)")
    print(f"peercert grade:           {t_peer:8.2f} s  ({1000 * t_peer / n:7.1f} ms/submission)")
    counts = "" if report is None else (
        f"; graded {report.count('graded')}, needs review {report.count('needs review')}, "
        f"failed {report.count('failed')}")
    print(f"ratio: peercert is {t_stock / t_peer:.1f}x faster; identical scores: {same}{counts}")
    print(f"reproduce: python bench/grade_vs_nbgrader.py --trainees {n} --items {args.items}"
          + (" --cli" if args.cli else ""))


if __name__ == "__main__":
    main()

"""peercert grade vs stock nbgrader autograde on the same cohort, in one run.

    python bench/grade_vs_nbgrader.py --trainees 200 --items 20

Both run in-process through nbgrader's Python API (so nbgrader's 4.7 s command start-up is
not even counted against it). Prints wall times, per-submission times, the ratio, and whether
every per-cell score, comment, timestamp and late penalty is identical.
"""

from __future__ import annotations

import argparse
import shutil
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


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), args.items, args.trainees)
        stock = Path(tmp) / "stock"
        shutil.copytree(course, stock)
        t0 = time.perf_counter()
        res = nbgrader_api(stock).autograde("bench", "*")
        t_stock = time.perf_counter() - t0
        assert res["success"], res.get("error")
        t0 = time.perf_counter()
        report = grade_quiz(course, "bench", workers=args.workers)
        t_peer = time.perf_counter() - t0
        same = scores(course) == scores(stock)
    n = args.trainees
    print(f"cohort: {n} submissions x {args.items} items, {args.workers} workers")
    print(f"stock nbgrader autograde: {t_stock:8.2f} s  ({1000 * t_stock / n:7.1f} ms/submission)")
    print(f"peercert grade:           {t_peer:8.2f} s  ({1000 * t_peer / n:7.1f} ms/submission)")
    print(f"ratio: peercert is {t_stock / t_peer:.1f}x faster; identical scores: {same}; "
          f"graded {report.count('graded')}, needs review {report.count('needs review')}, "
          f"failed {report.count('failed')}")
    print(f"reproduce: python bench/grade_vs_nbgrader.py --trainees {n} --items {args.items}")


if __name__ == "__main__":
    main()

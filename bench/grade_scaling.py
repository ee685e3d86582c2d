"""peercert grade alone at growing cohort sizes: wall time and peak memory per size.

    python bench/grade_scaling.py --sizes 1000 10000 50000 --items 20

Each size runs in a fresh child process so peak memory (ru_maxrss) is that size's own.
Setting up 50,000 submissions takes a while and several GB of disk; start with 1000.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path


def one(size: int, items: int, workers: int) -> dict:
    from _cohort import make_course

    from peercert.grade import grade_quiz

    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), items, size)
        t0 = time.perf_counter()
        report = grade_quiz(course, "bench", workers=workers)
        elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"size": size, "seconds": elapsed, "peak_mb": peak, "graded": report.count("graded")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.items, args.workers)))
        return
    print(f"{'submissions':>12} {'seconds':>9} {'ms/sub':>8} {'peak MB':>8}")
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(size), "--items",
                              str(args.items), "--workers", str(args.workers)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['size']:>12} {r['seconds']:>9.2f} {1000 * r['seconds'] / size:>8.2f} "
              f"{r['peak_mb']:>8.0f}")
    print("peak MB is the main process (the gradebook writer); workers only parse and score.")
    print(f"reproduce: python bench/grade_scaling.py --sizes {' '.join(map(str, args.sizes))} "
          f"--items {args.items}")


if __name__ == "__main__":
    main()

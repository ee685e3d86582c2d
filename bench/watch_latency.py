"""Submit -> feedback available, with ``peercert watch`` running: median and worst.

    python bench/watch_latency.py --submissions 50 --items 15

Builds a course with one practice quiz of N items, starts ``peercert watch`` as a separate
process (as a service runs it), and has trainees submit one after another through nbgrader's
own submit (the exchange the Assignment List uses), each waiting until the feedback page for
their submission is in the exchange, where the Assignment List finds it. The latency is from
the submission's own time stamp (nbgrader's ``timestamp.txt``) to the moment the page is
there. Prints the median and the worst of all submissions.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import exchange
import factory
from _cohort import release_course

from peercert.nbgrader_compat import parse_utc


def make_course(root: Path, n_items: int) -> Path:
    return release_course(root, n_items)[0]


def released_page(course: Path, inbound: Path) -> Path:
    """Where nbgrader's release_feedback puts this submission's page (its secret's hash)."""
    secret = (inbound / "submission_secret.txt").read_text(encoding="utf-8")
    digest = hashlib.md5((secret + "bench").encode("utf-8")).hexdigest()
    return course / "exchange" / "peercert" / "feedback" / f"{digest}.html"


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--items", type=int, default=15)
    parser.add_argument("--interval", type=float, default=None,
                        help="peercert watch --interval (default: the course's, 2 s)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), args.items)
        release = course / "release" / "bench" / "bench.ipynb"
        cmd = [str(bin_dir / "peercert"), "watch", "--course", str(course)]
        if args.interval:
            cmd += ["--interval", str(args.interval)]
        log = open(Path(tmp) / "watch.log", "w")  # noqa: SIM115 (closed below)
        watch = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        latencies = []
        try:
            ready = time.monotonic() + 120  # started: nbgrader imported, first look done
            while "peercert watch:" not in Path(log.name).read_text(encoding="utf-8"):
                if watch.poll() is not None or time.monotonic() > ready:
                    raise SystemExit(f"peercert watch did not start: see {log.name}")
                time.sleep(0.05)
            patterns = list(factory.PATTERNS.values())
            for i in range(args.submissions):
                trainee = f"s{i:03d}"
                answers = {k.replace("t-0", "b-00"): v for k, v in patterns[i % 5].items()}
                nb = factory.answer_notebook(release, answers)
                inbound = exchange.submit(course, exchange.home_of(Path(tmp), trainee),
                                          trainee, "bench", nb)
                page = released_page(course, inbound)
                while not page.exists():
                    if watch.poll() is not None:
                        raise SystemExit(f"peercert watch stopped: see {log.name}")
                    time.sleep(0.005)
                stamp = parse_utc((inbound / "timestamp.txt").read_text(encoding="utf-8"))
                now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
                latencies.append((now - stamp).total_seconds())
        finally:
            os.killpg(watch.pid, signal.SIGTERM)
            watch.wait(timeout=60)
            log.close()
    lat = sorted(latencies)
    print(f"{len(lat)} submissions of a {args.items}-item quiz, one after another, "
          f"peercert watch running (interval {args.interval or 'course default, 1'} s)")
    print(f"submit -> feedback available: median {statistics.median(lat):.2f} s, "
          f"worst {lat[-1]:.2f} s, best {lat[0]:.2f} s (goal: under 10 s)")
    print(f"reproduce: python bench/watch_latency.py --submissions {args.submissions} "
          f"--items {args.items}" + (f" --interval {args.interval}" if args.interval else ""))


if __name__ == "__main__":
    main()

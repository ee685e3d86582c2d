"""peercert grade alone at growing cohort sizes: wall time and peak memory per size.

    python bench/grade_scaling.py --sizes 1000 10000 50000 --items 20
    python bench/grade_scaling.py --sizes 2000 --repeat 3 --db sqlite "$PEERCERT_PG_URL"
    python bench/grade_scaling.py --sizes 10000 --repeat 3 --keep /var/tmp/grade-bench

``--db`` names the gradebooks to compare: ``sqlite`` (the course's own file, the default) or
a PostgreSQL server URL (a role that may CREATE DATABASE: each run gets a fresh database,
dropped afterwards; the course reaches it through PEERCERT_DB_URL as instructors do).
``--repeat`` sets up and grades each size that many times and prints the best run.

For each size a child process builds the course and the cohort's submissions, then a fresh
child process grades them twice (a first grading, then a full regrade that updates every row),
so the peak memory (ru_maxrss) printed is the grading process's own, not the set-up's.
CPU seconds are the first grading's, user and system, of the grading process and its workers.
Setting up 50,000 submissions takes several minutes and a few GB of disk: ``--keep DIR`` builds
each size's course once in ``DIR/<size>x<items>/`` and grades a fresh copy of it in each run,
so later runs (and later invocations with the same DIR) skip the set-up.
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
import uuid
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # conftest.drop_database


def setup(root: Path, size: int, items: int) -> None:
    from _cohort import make_course

    make_course(root, items, size)


def grade(course: Path, workers: int) -> dict:
    from peercert.grade import grade_quiz

    warnings.filterwarnings("ignore")
    user0, sys0 = cpu_seconds()
    t0 = time.perf_counter()
    report = grade_quiz(course, "bench", workers=workers)
    first = time.perf_counter() - t0
    user1, sys1 = cpu_seconds()  # the pool's workers have ended (and been waited for) by now
    grade_quiz(course, "bench", workers=workers)
    regrade = time.perf_counter() - t0 - first
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": first, "cpu": user1 - user0 + sys1 - sys0, "sys": sys1 - sys0,
            "regrade": regrade, "peak_mb": peak,
            "graded": report.count("graded") + report.count("needs review")}


def cpu_seconds() -> tuple[float, float]:
    """User and system CPU seconds of this process and its ended children."""
    own, ended = (resource.getrusage(who) for who in
                  (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + ended.ru_utime, own.ru_stime + ended.ru_stime


def course_copy(size: int, items: int, keep: Path | None, env: dict[str, str | None],
                folders: ExitStack) -> Path:
    """A freshly set-up course of ``size`` submissions in a temporary folder (with ``keep``, a
    copy of the one kept there, set up first if missing), removed when ``folders`` closes.

    Folders are removed after every run of a size, not between runs: ext4 without a journal
    passes over inodes freed in the last minutes when it allocates new ones, so removing one
    run's files just before the next would slow the next one's writes.
    """
    tmp = Path(folders.enter_context(tempfile.TemporaryDirectory()))
    if keep is None:
        child("--setup", str(tmp), str(size), "--items", str(items), env=env)
    else:
        kept = keep / f"{size}x{items}"
        if not (kept / "done").exists():
            shutil.rmtree(kept, ignore_errors=True)
            child("--setup", str(kept), str(size), "--items", str(items), env=env)
            (kept / "done").touch()
        shutil.copytree(kept / "course", tmp / "course", symlinks=True)
    os.sync()  # the grading does not wait behind the set-up's writes
    return tmp / "course"


def child(*args: str, env: dict[str, str | None] | None = None) -> str:
    merged = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         env=merged)
    if out.returncode:
        sys.exit(out.stderr)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="Runs per size; the best is shown.")
    parser.add_argument("--db", nargs="+", default=["sqlite"],
                        help="Gradebooks to compare: sqlite and/or a PostgreSQL server URL.")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="Set up each size once in DIR and grade copies of it (SQLite only).")
    parser.add_argument("--setup", nargs=2, metavar=("DIR", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--grade", metavar="COURSE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(Path(args.setup[0]), int(args.setup[1]), args.items)
        return
    if args.grade:
        print(json.dumps(grade(Path(args.grade), args.workers)))
        return
    if args.keep and args.db != ["sqlite"]:
        parser.error("--keep keeps SQLite gradebooks only")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print(f"{'gradebook':>10} {'submissions':>12} {'seconds':>9} {'cpu s':>7} {'sys s':>6} "
          f"{'ms/sub':>8} {'regrade s':>10} {'peak MB':>8}")
    best: dict[tuple[str, int], dict] = {}
    for db in args.db:
        label = "sqlite" if db == "sqlite" else "postgresql"
        for size in args.sizes:
            runs = []
            with ExitStack() as folders:
                for _ in range(args.repeat):
                    with gradebook(db) as env:
                        course = course_copy(size, args.items, args.keep, env, folders)
                        runs.append(json.loads(child("--grade", str(course),
                                                     "--workers", str(args.workers), env=env)))
            r = min(runs, key=lambda x: x["seconds"])
            assert all(run["graded"] == size for run in runs), runs
            best[(label, size)] = r
            print(f"{label:>10} {size:>12} {r['seconds']:>9.2f} {r['cpu']:>7.1f} {r['sys']:>6.1f} "
                  f"{1000 * r['seconds'] / size:>8.2f} {r['regrade']:>10.2f} "
                  f"{r['peak_mb']:>8.0f}", flush=True)
            if args.repeat > 1:
                print(f"{'':>10} {'all runs':>12} "
                      + ", ".join(f"{x['seconds']:.2f} s / {x['cpu']:.1f} s CPU" for x in runs),
                      flush=True)
    for size in args.sizes:
        if ("sqlite", size) in best and ("postgresql", size) in best:
            ratio = best[("postgresql", size)]["seconds"] / best[("sqlite", size)]["seconds"]
            print(f"{size} submissions: PostgreSQL takes {ratio:.2f}x SQLite's time")
    print(f"seconds: first grading of the cohort (best of {args.repeat}); cpu s: its CPU seconds "
          "(user + system, workers included), sys s the system part; regrade s: grading it all "
          "again (updates).")
    print("peak MB: the grading process (the gradebook writer); workers only parse and score.")
    dbs = " ".join("sqlite" if d == "sqlite" else "$PEERCERT_PG_URL" for d in args.db)
    print(f"reproduce: python bench/grade_scaling.py --sizes {' '.join(map(str, args.sizes))} "
          f"--items {args.items} --workers {args.workers} --repeat {args.repeat} --db {dbs}"
          + (f" --keep {args.keep}" if args.keep else ""))


@contextmanager
def gradebook(db: str) -> Iterator[dict[str, str | None]]:
    """The environment a course needs for ``db``: nothing for SQLite; for a PostgreSQL server,
    PEERCERT_DB_URL naming a fresh database, dropped afterwards."""
    if db == "sqlite":
        yield {"PEERCERT_DB_URL": None}
        return
    import psycopg2
    from sqlalchemy.engine import make_url

    name = f"peercert_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(make_url(db).set(drivername="postgresql")
                             .render_as_string(hide_password=False))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"PEERCERT_DB_URL": make_url(db).set(database=name)
               .render_as_string(hide_password=False)}
    finally:
        from conftest import drop_database

        drop_database(admin, name)
        admin.close()


if __name__ == "__main__":
    main()

"""Readiness across a program's courses: one PostgreSQL gradebook against per-course SQLite.

    python bench/program_readiness.py --pg-url "$PEERCERT_PG_URL" --courses 10 40 --trainees 25

For each number of courses, the same program is built twice (untimed): N course folders whose
gradebooks are (a) schemas of one fresh PostgreSQL database, as ``program.toml`` with a
``gradebook_url`` sets them up, and (b) each course's own SQLite file. Every course holds a
20-item quiz and ``--trainees`` submissions graded by ``peercert grade``. The first course is
released through nbgrader; the others copy its folder and its quiz rows (the rows nbgrader's
``generate_assignment`` writes, unchanged but for the course id), so set-up stays short; the
grading and everything readiness reads are real. Then, timed, best of ``--repeat``:

- ``peercert readiness --program program.toml`` (PostgreSQL, N schemas);
- ``peercert readiness --course c1 --course c2 ...`` (N SQLite files).

Both write the same reports for the same trainees (checked). The PostgreSQL server is the one
in ``--pg-url`` (a role that may CREATE DATABASE); the database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
import warnings
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

STRUCTURE = ("assignment", "notebook", "base_cell", "grade_cells", "solution_cells",
             "task_cells", "source_cell")
PROFILE = "icrc-pr"


def _program_file(root: Path, n: int, trainees: int, url: str | None) -> Path:
    def ids(k: int) -> str:
        return ", ".join(f'"c{k:03d}-t{j:03d}"' for j in range(trainees))

    courses = "".join(
        f'\n[[course]]\nid = "c{k:03d}"\nsite = "Site {k % 7}"\ninstructors = ["i{k:03d}"]\n'
        f"trainees = [{ids(k)}]\n" for k in range(n))
    root.mkdir(parents=True, exist_ok=True)
    path = root / "program.toml"
    gradebook = f'gradebook_url = "{url}"\n' if url else ""
    path.write_text(f'[program]\nname = "Bench"\ncourses_root = "courses"\n'
                    f'exchange_root = "exchange"\n{gradebook}{courses}', encoding="utf-8")
    return path


def _first_course(root: Path, course_id: str, config: str) -> Path:
    import factory
    from _cohort import quiz_items

    from peercert.course import init_course, nbgrader_api, release_quizzes

    cur = factory.curriculum(root / "curriculum", [factory.bank("bench", quiz_items(20))])
    course = init_course(root / "courses" / course_id, course_id=course_id, source_root=cur)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write(config)
    release_quizzes(nbgrader_api(course), ["bench"])
    return course


def _submit_and_grade(course: Path, course_id: str, trainees: int, seed: int) -> None:
    from dataclasses import replace

    from peercert import simulate
    from peercert.bank import load_bank
    from peercert.grade import grade_quiz

    keys = {i.id: getattr(i, "key", None)
            for i in load_bank(course / "assignments" / "bench.yaml").items}
    people = [replace(p, id=f"{course_id}-t{k:03d}")  # the ids program.toml lists
              for k, p in enumerate(simulate.cohort(trainees, seed))]
    simulate.submit_cohort(course, "bench", people, keys, seed)
    report = grade_quiz(course, "bench", workers=1)
    assert report.ok and len(report.results) == trainees, report


def _copy_course(first: Path, dest: Path, course_id: str, config: str) -> Path:
    shutil.copytree(first, dest, ignore=shutil.ignore_patterns(
        "gradebook.db", "submitted", "autograded", "feedback", ".peercert"))
    text = (first / "nbgrader_config.py").read_text(encoding="utf-8")
    text = text.replace(f'"{first.name}"', f'"{course_id}"').replace(config, "")
    (dest / "nbgrader_config.py").write_text(text + config.replace(first.name, course_id),
                                             encoding="utf-8")
    return dest


def _copy_rows_sqlite(first: Path, dest: Path, course_id: str) -> None:
    shutil.copy(first / "gradebook.db", dest / "gradebook.db")
    with sqlite3.connect(dest / "gradebook.db") as db:
        for table in ("grade", "comment", "submitted_notebook", "submitted_assignment",
                      "student"):
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT INTO course (id) VALUES (?)", (course_id,))
        db.execute("UPDATE assignment SET course_id = ?", (course_id,))
        db.execute("DELETE FROM course WHERE id != ?", (course_id,))


def _copy_rows_pg(url: str, first_id: str, course_id: str) -> None:
    import sqlalchemy as sa

    from peercert import nbgrader_compat as nbc
    from peercert.program_db import course_db_url, ensure_schema

    mine = course_db_url(url, course_id)
    ensure_schema(mine)
    nbc.create_gradebook(mine)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'INSERT INTO "{course_id}".course (id) VALUES (:c), (:f)'),
                     {"c": course_id, "f": first_id})
        for table in STRUCTURE:
            columns = conn.execute(sa.text(
                "SELECT column_name, data_type, udt_name FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = :t ORDER BY ordinal_position"),
                {"s": course_id, "t": table}).all()
            # nbgrader's enum types are per schema too: cast through text
            exprs = [f'"{c}"::text::"{course_id}"."{udt}"' if kind == "USER-DEFINED"
                     else f'"{c}"' for c, kind, udt in columns]
            names = ", ".join(f'"{c}"' for c, _k, _u in columns)
            conn.execute(sa.text(f'INSERT INTO "{course_id}".{table} ({names}) '
                                 f'SELECT {", ".join(exprs)} FROM "{first_id}".{table}'))
        conn.execute(sa.text(f'UPDATE "{course_id}".assignment SET course_id = :c'),
                     {"c": course_id})
        conn.execute(sa.text(f'DELETE FROM "{course_id}".course WHERE id = :f'),
                     {"f": first_id})
    engine.dispose()


def build(root: Path, n: int, trainees: int, url: str | None, seed: int) -> Path:
    """A program of ``n`` graded courses; returns its program file."""
    from peercert.program import load_program
    from peercert.program_db import config_lines

    program_file = _program_file(root, n, trainees, url)
    program = load_program(program_file)
    first_id = program.courses[0].id
    config = config_lines(program, first_id) if url else ""
    first = _first_course(root, first_id, config)
    for entry in program.courses[1:]:
        dest = _copy_course(first, program.course_dir(entry.id), entry.id, config)
        if url:
            _copy_rows_pg(url, first_id, entry.id)
        else:
            _copy_rows_sqlite(first, dest, entry.id)
    for k, entry in enumerate(program.courses):
        _submit_and_grade(program.course_dir(entry.id), entry.id, trainees, seed + k)
    return program_file


def timed(repeat: int, call) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("PEERCERT_PG_URL"),
                        help="PostgreSQL server (a role that may CREATE DATABASE); default "
                             "PEERCERT_PG_URL")
    parser.add_argument("--courses", type=int, nargs="+", default=[10, 40])
    parser.add_argument("--trainees", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.pg_url:
        sys.exit("give --pg-url or set PEERCERT_PG_URL (.ci/postgres.sh starts a server)")
    warnings.filterwarnings("ignore")
    from peercert.program import load_program
    from peercert.readiness import run_readiness

    print(f"{'courses':>8} {'trainees':>9} {'PostgreSQL s':>13} {'SQLite s':>9} {'ratio':>6}")
    for n in args.courses:
        with tempfile.TemporaryDirectory() as tmp, _database(args.pg_url) as url:
            pg_root, lite_root = Path(tmp) / "pg", Path(tmp) / "lite"
            pg_program = load_program(build(pg_root, n, args.trainees, url, args.seed))
            lite_program = load_program(build(lite_root, n, args.trainees, None, args.seed))
            dirs = [lite_program.course_dir(c.id) for c in lite_program.courses]
            out = Path(tmp)
            pg_s, pg = timed(args.repeat, partial(run_readiness, PROFILE, [], [],
                                                  out / "out-pg", program=pg_program))
            lite_s, lite = timed(args.repeat, partial(run_readiness, PROFILE, dirs, [],
                                                      out / "out-lite"))
            assert pg.trainees == lite.trainees == n * args.trainees, (pg.trainees, lite.trainees)
            _same_reports(out / "out-pg", out / "out-lite")
            print(f"{n:>8} {pg.trainees:>9} {pg_s:>13.2f} {lite_s:>9.2f} "
                  f"{pg_s / lite_s:>6.2f}", flush=True)
    print(f"best of {args.repeat}; each run reads every course's gradebook, banks and modules "
          "and writes every report.")
    print(f"reproduce: python bench/program_readiness.py --pg-url \"$PEERCERT_PG_URL\" "
          f"--courses {' '.join(map(str, args.courses))} --trainees {args.trainees} "
          f"--repeat {args.repeat}")


def _same_reports(pg: Path, lite: Path) -> None:
    """readiness.csv alike but for the site labels (``Site k (c000)`` against ``c000``)."""
    import pandas as pd

    a, b = (pd.read_csv(p / "readiness.csv", dtype=str).drop(columns="site") for p in (pg, lite))
    pd.testing.assert_frame_equal(a, b)


class _database:
    """A fresh database on the server (dropped afterwards); yields its URL."""

    def __init__(self, server: str):
        from sqlalchemy.engine import make_url

        self.server = make_url(server)
        self.name = f"peercert_bench_{uuid.uuid4().hex[:10]}"

    def _admin(self):
        import psycopg2

        conn = psycopg2.connect(self.server.set(drivername="postgresql")
                                .render_as_string(hide_password=False))
        conn.autocommit = True
        return conn

    def __enter__(self) -> str:
        conn = self._admin()
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.name}"')
        conn.close()
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        from conftest import drop_database

        conn = self._admin()
        drop_database(conn, self.name)
        conn.close()


if __name__ == "__main__":
    main()

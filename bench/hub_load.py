"""100 trainees submit within a minute while the instructor collects, grades and reads formgrader.

    python bench/hub_load.py --trainees 100 --window 60

Standalone it builds a program of one course in a temporary folder with ``peercert program
apply --release`` (PostgreSQL when PEERCERT_PG_URL is set, else the course's SQLite), starts a
token-protected ``jupyter server`` in the course for formgrader, and runs the load:

- submitters: every trainee's filled-in quiz goes through nbgrader's submit into the course's
  inbound folder (``peercert_trainee.exchange.PrivateSubmit``, the hub's trainee submit), at
  random moments spread over WINDOW seconds, from 4 threads;
- the instructor, in a loop until the last submission and once more after it: ``nbgrader
  collect`` (nbgrader's API) then ``peercert grade`` of the trainees collected since the last
  round, so each submission is graded exactly once;
- formgrader: its submissions API for the quiz, read every half second.

It prints submissions, rounds, formgrader reads and latencies, errors and the wall time, and
fails (exit 1) on any error, a lost submission or one graded more or less than once.
``tests/test_hub.py`` runs the same :func:`run_load` against the hub (formgrader inside an
instructor's course server, read through the proxy).
"""

from __future__ import annotations

import argparse
import os
import pwd
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


@dataclass
class LoadResult:
    trainees: int
    submit_seconds: float = 0.0
    total_seconds: float = 0.0
    rounds: int = 0
    grade_seconds: float = 0.0      # time spent in grading calls (collect not included)
    graded: Counter[str] = field(default_factory=Counter)
    reads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lat = sorted(self.reads) or [0.0]
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        return [
            f"trainees submitting:  {self.trainees} in {self.submit_seconds:.1f} s",
            f"collect+grade rounds: {self.rounds}; graded once: "
            f"{sum(1 for n in self.graded.values() if n == 1)} of {self.trainees}; "
            f"grading took {self.grade_seconds:.1f} s",
            f"formgrader reads:     {len(self.reads)}, median {statistics.median(lat) * 1000:.0f}"
            f" ms, p95 {p95 * 1000:.0f} ms",
            f"errors:               {len(self.errors)}",
            f"wall time:            {self.total_seconds:.1f} s (last submission to last grade "
            f"{self.total_seconds - self.submit_seconds:.1f} s)",
        ]


def filled_quiz(release_nb: Path, rng: random.Random) -> nbformat.NotebookNode:
    """The released quiz with a random letter typed in every single-answer cell."""
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("peercert", {})
        if meta.get("role") == "answer" and meta.get("type") == "single":
            letter = rng.choice(meta.get("letters", "ABCD"))
            cell.source = cell.source.replace('= ""', f'= "{letter}"')
    return nb


def submit(exchange: Path, course_id: str, quiz: str, trainee: str, work: Path) -> None:
    """``nbgrader submit`` of ``work/<quiz>`` for ``trainee``, in-process, as the hub does."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from peercert_trainee.exchange import PrivateSubmit

    cfg = Config()
    cfg.CourseDirectory.course_id = course_id
    cfg.CourseDirectory.assignment_id = quiz
    cfg.CourseDirectory.student_id = trainee
    cfg.Exchange.root = str(exchange)
    cfg.Exchange.assignment_dir = str(work)
    cfg.Exchange.cache = str(work / ".cache")
    coursedir = CourseDirectory(config=cfg)
    app = PrivateSubmit(coursedir=coursedir, authenticator=Authenticator(config=cfg),
                        config=cfg)
    app.start()
    _give_to(Path(app.inbound_path) / app.assignment_filename, trainee)


def _give_to(folder: Path, trainee: str) -> None:
    """The trainee's own submit leaves their folder theirs, and a program's collect takes a
    submission only from the trainee it names (peercert.exchange_collect). This bench submits
    for everyone from one process: as root it gives each folder to the trainee's account, when
    there is one (on the test hub; a collect in between refuses it once and takes it later)."""
    if os.geteuid() != 0:
        return
    try:
        uid = pwd.getpwnam(trainee).pw_uid
    except KeyError:
        return
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, -1)


def run_load(course: Path, exchange: Path, course_id: str, quiz: str, trainees: list[str],
             work: Path, *, window: float = 60.0, read: Callable[[], None] | None = None,
             seed: int = 0, stock: bool = False) -> LoadResult:
    """Submit, collect, grade and read formgrader together; see the module docstring.

    ``stock`` grades with ``nbgrader autograde`` (one call per new trainee, which runs each
    notebook) instead of ``peercert grade``: the same load, the stock grader."""
    from peercert.course import nbgrader_api
    from peercert.grade import grade_quiz

    rng = random.Random(seed)
    release_nb = course / "release" / quiz / f"{quiz}.ipynb"
    for t in trainees:
        (work / t / quiz).mkdir(parents=True, exist_ok=True)
        nbformat.write(filled_quiz(release_nb, rng), work / t / quiz / f"{quiz}.ipynb")
    at = sorted((rng.uniform(0, window * 0.9), t) for t in trainees)
    result = LoadResult(len(trainees))
    done = threading.Event()
    finished: list[float] = []
    start = time.monotonic()

    def one(when: float, trainee: str) -> None:
        time.sleep(max(0.0, start + when - time.monotonic()))
        try:
            submit(exchange, course_id, quiz, trainee, work / trainee)
            finished.append(time.monotonic())
        except BaseException as exc:
            result.errors.append(f"submit {trainee}: {exc!r}")

    def reader() -> None:
        while not done.is_set():
            t0 = time.monotonic()
            try:
                read()  # type: ignore[misc]
                result.reads.append(time.monotonic() - t0)
            except BaseException as exc:
                result.errors.append(f"formgrader read: {exc!r}")
            done.wait(0.5)

    api = nbgrader_api(course)

    def grade_round() -> None:
        got = api.collect(quiz)
        if not got.get("success"):
            result.errors.append(f"collect: {got.get('error') or got.get('log')}")
            return
        new = sorted(set(_submitters(course, quiz)) - set(result.graded))
        t0 = time.monotonic()
        if new and stock:
            for trainee in new:
                out = api.autograde(quiz, trainee)
                if not out.get("success"):
                    result.errors.append(f"autograde {trainee}: {out.get('error')}")
                result.graded[trainee] += 1
        elif new:
            report = grade_quiz(course, quiz, students=new)
            for r in report.results:
                if r.status == "failed":
                    result.errors.append(f"grade {r.trainee}: {r.status}")
                result.graded[r.trainee] += 1
        result.grade_seconds += time.monotonic() - t0
        result.rounds += 1

    readers = [threading.Thread(target=reader, daemon=True)] if read else []
    for th in readers:
        th.start()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(one, when, t) for when, t in at]
        while not all(f.done() for f in futures):
            grade_round()
            time.sleep(1.0)
    result.submit_seconds = max(finished, default=start) - start
    grade_round()  # everything submitted: the last round collects the rest
    result.total_seconds = time.monotonic() - start
    done.set()
    for th in readers:
        th.join(timeout=10)
    return result


def _submitters(course: Path, quiz: str) -> list[str]:
    return sorted(p.parent.name for p in (course / "submitted").glob(f"*/{quiz}") if p.is_dir())


def check(result: LoadResult, course: Path, quiz: str, trainees: list[str]) -> list[str]:
    """Everything that went wrong: errors, lost submissions, grades not exactly once."""
    from peercert.course import Course

    problems = list(result.errors)
    wrong = {t: result.graded[t] for t in trainees if result.graded[t] != 1}
    if wrong:
        problems.append(f"graded other than once: {dict(sorted(wrong.items())[:10])}")
    c = Course.open(course)
    try:
        rows = c.grade_rows(quiz)
    finally:
        c.close()
    in_book = {r[0] for r in rows}
    lost = sorted(set(trainees) - in_book)
    if lost:
        problems.append(f"{len(lost)} submission(s) not in the gradebook: {lost[:10]}")
    ungraded = sorted({r[0] for r in rows if r[4] is None and not r[8]})
    if ungraded:
        problems.append(f"auto-graded cells without a score: {ungraded[:10]}")
    return problems


def create_database(server_url: str, name: str) -> str:
    """A new database ``name`` on the server of ``server_url`` (a role with CREATEDB)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


def main() -> int:  # pragma: no cover (a measurement)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trainees", type=int, default=100)
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--quiz", default="boundaries")
    ap.add_argument("--stock", action="store_true",
                    help="also run the same load graded by stock nbgrader autograde")
    args = ap.parse_args()
    runs = [False, True] if args.stock else [False]
    figures = [_measure(args, stock) for stock in runs]
    if args.stock:
        (_, ours), (_, theirs) = figures
        print(f"grading time, stock nbgrader autograde / peercert grade: {theirs:.1f} s / "
              f"{ours:.1f} s = {theirs / max(ours, 0.01):.1f}x")
    print(f"command: python bench/hub_load.py --trainees {args.trainees} --window {args.window:g}"
          + (" --stock" if args.stock else ""))
    return 1 if any(bad for bad, _ in figures) else 0


def _measure(args: argparse.Namespace, stock: bool) -> tuple[bool, float]:  # pragma: no cover
    import os
    import secrets
    import subprocess

    import requests

    from peercert.deploy import apply_program
    from peercert.program import load_program

    root = Path(tempfile.mkdtemp(prefix="peercert-hubload-"))
    names = [f"l{i:03d}" for i in range(args.trainees)]
    server_url = os.environ.get("PEERCERT_PG_URL", "")
    db_name = f"peercert_hubload_{secrets.token_hex(4)}"
    db = f'gradebook_url = "{create_database(server_url, db_name)}"\n' if server_url else ""
    (root / "program.toml").write_text(
        f'[program]\nname = "load"\ncourses_root = "courses"\nexchange_root = "exchange"\n{db}'
        f'[[course]]\nid = "load-{secrets.token_hex(3)}"\nsite = "bench"\n'
        f'instructors = ["ana"]\ntrainees = {names!r}\nquizzes = ["{args.quiz}"]\n'.replace(
            "'", '"'), encoding="utf-8")
    program = load_program(root / "program.toml")
    apply_program(program, release=True)
    cid = program.courses[0].id
    course = program.course_dir(cid)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _net import free_port, wait_answering

    port = free_port()
    token = secrets.token_hex(16)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}"],
        cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/formgrader/api/submissions/{args.quiz}"
    headers = {"Authorization": f"token {token}"}
    try:
        if not wait_answering(url, server, headers=headers, timeout=60, interval=0.5):
            raise SystemExit(f"formgrader at {url} did not answer")

        def read() -> None:
            requests.get(url, headers=headers, timeout=30).raise_for_status()

        result = run_load(course, program.exchange_root, cid, args.quiz, names, root / "work",
                          window=args.window, read=read, stock=stock)
        problems = check(result, course, args.quiz, names)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server_url:
            drop_database(server_url, db_name)
    print(f"--- graded by {'stock nbgrader autograde' if stock else 'peercert grade'}; "
          f"gradebook: {'PostgreSQL' if db else 'SQLite'}")
    print("\n".join(result.lines()))
    for p in problems:
        print("PROBLEM:", p)
    shutil.rmtree(root, ignore_errors=True)
    return bool(problems), result.grade_seconds


if __name__ == "__main__":
    sys.exit(main())

"""The program's hub and proxy under a cohort: logins, ``peercert program apply``, the proxy's
cost per request, servers starting at once.

    python bench/hub_throughput.py --users 200 --concurrency 20 --spawns 10

Starts the deployment's hub on loopback as ``tests/test_hub.py`` does (``tests/_hub.py``:
deploy/hub/jupyterhub_config.py, JupyterHub 5, configurable-http-proxy, LocalProcessSpawner,
a subdomain per user, a test password instead of PAM) for a program of N trainees in two
courses, and measures, in this order:

(b) apply: what ``peercert program apply`` does through the hub's REST API
    (``peercert.deploy.apply.apply_hub``: list users and groups, paged, then create users and
    change group memberships): the first run (N users created and enrolled), a run with
    nothing to change, and a roster change moving all N trainees to the other course (2N
    membership changes); also the whole ``apply_program`` with nothing to change (course
    folders and gradebooks too). Seconds per apply, HTTP requests per apply.
(a) logins: all N users log in at once, C at a time, as a browser does: GET /hub/login, POST
    the form, follow the redirect to /hub/home (``next=/hub/home``: no server is started).
    Logins/s, median and p95 latency.
(d) spawns (root only; ``--spawns 0`` skips): K trainees' servers (JupyterLab, as their own Unix
    accounts, created and deleted here) started at once through the REST API; seconds until
    each is ready and until all are.
(c) the proxy, against the stock alternative of no proxy: the same small request straight to
    its target and through configurable-http-proxy with the user's Host header, one and C at
    a time: the hub's ``/hub/api``, and a trainee's server's ``/api/status`` (with their
    token) when (d) started one. Requests/s, median and p95, ratio, milliseconds added.

Clients are Python threads with ``requests`` on the same machine, so at concurrency C the
client shares the CPUs with the hub. Prints the load average, every figure (best of
``--repeat`` runs where repeated) and the command; removes every process, Unix account and
temporary file it made, also on failure, Ctrl-C or SIGTERM. No PostgreSQL is needed: the hub
keeps its own SQLite database in the temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # _hub: the hub

from _hub import (
    BIN,
    PUBLIC_HOST,
    RunningHub,
    running_hub,
    unix_accounts,
    usable_by_others,
)

from peercert.deploy import unix
from peercert.deploy.apply import Report, apply_hub, apply_program
from peercert.deploy.hubapi import HubClient
from peercert.program import Program, load_program

PASSWORD = secrets.token_urlsafe(12)


# --- figures -----------------------------------------------------------------------------------

@dataclass
class Rate:
    """``n`` requests (or logins) in ``seconds`` wall time, with each one's latency, and the CPU
    seconds each watched process (by name) used meanwhile."""

    n: int
    seconds: float
    latencies: list[float]
    cpu: dict[str, float] = field(default_factory=dict)

    def cpu_ms(self, name: str) -> float:
        """CPU milliseconds ``name`` spent per request (or login)."""
        return self.cpu[name] * 1000 / self.n

    @property
    def per_second(self) -> float:
        return self.n / self.seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000

    def line(self, unit: str = "req") -> str:
        return (f"{self.per_second:7.1f} {unit}/s  median {self.median_ms:6.1f} ms  "
                f"p95 {self.p95_ms:6.1f} ms  ({self.n} in {self.seconds:.2f} s)")


def best(rates: list[Rate]) -> Rate:
    return max(rates, key=lambda r: r.per_second)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def cpu_used(pids: dict[str, int], into: dict[str, float]) -> Iterator[None]:
    """Fill ``into`` with the CPU seconds each named process used during the block."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    yield
    into.update({name: cpu_seconds(pid) - before[name] for name, pid in pids.items()})


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


# --- the program -------------------------------------------------------------------------------

@dataclass
class Cohort:
    tag: str
    trainees: list[str]
    instructor: str
    staff: str
    courses: tuple[str, str]


def program_text(c: Cohort, trainees_in: int) -> str:
    """Every trainee in course ``trainees_in`` (0 or 1); the instructor teaches both."""
    listed = ", ".join(f'"{t}"' for t in c.trainees)
    body = [f'[program]\nname = "Hub throughput"\ncourses_root = "courses"\n'
            f'exchange_root = "exchange"\nstaff = ["{c.staff}"]\n']
    for i, cid in enumerate(c.courses):
        body.append(f'[[course]]\nid = "{cid}"\nsite = "Site {i + 1}"\n'
                    f'instructors = ["{c.instructor}"]\n'
                    f'trainees = [{listed if i == trainees_in else ""}]\n')
    return "\n".join(body)


def write_programs(root: Path, c: Cohort) -> tuple[Program, Program]:
    """The program (trainees in the first course) and the same after a roster change (all of
    them in the second); both files in ``root`` so their folders are the same."""
    programs = []
    for i, name in enumerate(("program.toml", "moved.toml")):
        (root / name).write_text(program_text(c, i), encoding="utf-8")
        programs.append(load_program(root / name))
    return programs[0], programs[1]


# --- (b) apply -------------------------------------------------------------------------------

@dataclass
class Applied:
    seconds: float
    changes: int
    calls: int


def counted_client(hub: RunningHub) -> tuple[HubClient, list[int]]:
    client = HubClient(f"http://127.0.0.1:{hub.api_port}", hub.apply_token, timeout=120)
    calls: list[int] = []
    client.session.hooks["response"].append(lambda r, *_a, **_k: calls.append(r.status_code))
    return client, calls


def timed_apply(run: Callable[[], list[str]], calls: list[int]) -> Applied:
    calls.clear()
    t0 = time.perf_counter()
    changes = run()
    return Applied(time.perf_counter() - t0, len(changes), len(calls))


def measure_apply(hub: RunningHub, program: Program, moved: Program, repeat: int) -> list[str]:
    client, calls = counted_client(hub)

    def hub_only(p: Program) -> Callable[[], list[str]]:
        def run() -> list[str]:
            report = Report()
            apply_hub(p, client, report)
            return report.changes
        return run

    out = []
    first = timed_apply(hub_only(program), calls)
    out.append(("first apply (users created, enrolled)", [first]))
    same = [timed_apply(hub_only(program), calls) for _ in range(repeat)]
    if any(a.changes for a in same):
        raise RuntimeError(f"apply with nothing to change changed {same[0].changes} things")
    out.append(("apply, nothing to change", same))
    moves = []
    for _ in range(repeat):
        moves.append(timed_apply(hub_only(moved), calls))     # all N to the second course
        moves.append(timed_apply(hub_only(program), calls))   # and back
    out.append(("apply, roster change (all move course)", moves))
    apply_program(program)  # course folders and gradebooks, once, not timed
    whole = [timed_apply(lambda: apply_program(program, hub=client), calls)
             for _ in range(repeat)]
    if any(a.changes for a in whole):
        raise RuntimeError(f"apply_program with nothing to change changed {whole[0].changes}")
    out.append(("whole apply_program, nothing to change", whole))
    lines = []
    for label, runs in out:
        secs = [a.seconds for a in runs]
        a = runs[0]
        lines.append(f"  {label:41s} {min(secs):6.2f} s best, {statistics.median(secs):6.2f} s "
                     f"median of {len(runs)}; {a.changes:4d} changes, {a.calls:3d} HTTP "
                     "requests")
    return lines


# --- (a) logins --------------------------------------------------------------------------------

_XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')


def login(hub: RunningHub, user: str) -> float:
    """One user's login as a browser makes it; seconds. Raises unless it ends on their home."""
    base = f"http://127.0.0.1:{hub.port}/hub/login?next=%2Fhub%2Fhome"
    with requests.Session() as s:
        s.headers["Host"] = f"{PUBLIC_HOST}:{hub.port}"
        t0 = time.perf_counter()
        page = s.get(base, timeout=120)
        page.raise_for_status()
        xsrf = _XSRF.search(page.text)
        if xsrf is None:
            raise RuntimeError(f"{user}: no _xsrf field in the login page")
        home = s.post(base, data={"username": user, "password": PASSWORD,
                                  "_xsrf": xsrf.group(1)}, timeout=120)
        took = time.perf_counter() - t0
    if home.status_code != 200 or not home.url.endswith("/hub/home") or user not in home.text:
        raise RuntimeError(f"{user}: login ended at {home.url} (HTTP {home.status_code})")
    return took


def measure_logins(hub: RunningHub, users: list[str], concurrency: int) -> Rate:
    """Every user logs in, ``concurrency`` at a time; the hub's and the proxy's CPU."""
    cpu: dict[str, float] = {}
    with cpu_used({"hub": hub.proc.pid, "proxy": hub.proxy_pid()}, cpu), \
            ThreadPoolExecutor(concurrency) as pool:
        t0 = time.perf_counter()
        latencies = list(pool.map(lambda u: login(hub, u), users))
        took = time.perf_counter() - t0
    return Rate(len(users), took, latencies, cpu)


def login_line(rate: Rate) -> str:
    return (f"{rate.line('logins')}; CPU per login: hub {rate.cpu_ms('hub'):.1f} ms, "
            f"proxy {rate.cpu_ms('proxy'):.1f} ms")


# --- (c) the proxy -----------------------------------------------------------------------------

def hammer(url: str, headers: dict[str, str], total: int, concurrency: int,
           watch: dict[str, int]) -> Rate:
    """``total`` GETs of ``url`` from ``concurrency`` threads, each with its own kept-alive
    connection (opened by one request before the clock starts); the CPU the ``watch``ed
    processes use meanwhile."""
    per = [total // concurrency + (i < total % concurrency) for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in per]
    go = threading.Barrier(concurrency + 1)

    def worker(i: int) -> None:
        with requests.Session() as s:
            s.headers.update(headers)
            s.get(url, timeout=60).raise_for_status()
            go.wait()
            for _ in range(per[i]):
                t0 = time.perf_counter()
                r = s.get(url, timeout=60)
                latencies[i].append(time.perf_counter() - t0)
                r.raise_for_status()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for th in threads:
        th.start()
    cpu: dict[str, float] = {}
    with cpu_used(watch, cpu):
        go.wait(timeout=120)
        t0 = time.perf_counter()
        for th in threads:
            th.join()
        took = time.perf_counter() - t0
    flat = [x for lat in latencies for x in lat]
    if len(flat) != total:
        raise RuntimeError(f"{url}: {total - len(flat)} request(s) failed")
    return Rate(total, took, flat, cpu)


def compare(label: str, direct: str, proxied: str, headers: dict[str, str], total: int,
            concurrencies: list[int], repeat: int, pids: dict[str, int]) -> list[str]:
    """The same request straight to ``pids["target"]`` and through ``pids["proxy"]``."""
    lines = [f"  {label}\n    direct:  {direct}\n    proxied: {proxied}"]
    for conc in concurrencies:
        runs: dict[str, list[Rate]] = {"direct": [], "proxied": []}
        for _ in range(repeat):  # interleaved, so a load spike hits both
            runs["direct"].append(hammer(direct, headers, total, conc,
                                         {"target": pids["target"]}))
            runs["proxied"].append(hammer(proxied, headers, total, conc, pids))
        d, p = best(runs["direct"]), best(runs["proxied"])
        proxy_ms = statistics.median(r.cpu_ms("proxy") for r in runs["proxied"])
        target_ms = statistics.median(r.cpu_ms("target") for r in runs["direct"])
        lines += [f"    concurrency {conc:3d}  direct   {d.line()}",
                  f"    concurrency {conc:3d}  proxied  {p.line()}",
                  f"    concurrency {conc:3d}  direct/proxied throughput "
                  f"{d.per_second / p.per_second:.2f}x; the proxy adds "
                  f"{p.median_ms - d.median_ms:+.1f} ms median, {p.p95_ms - d.p95_ms:+.1f} ms p95",
                  f"    concurrency {conc:3d}  CPU per request: target {target_ms:.2f} ms, proxy"
                  f" {proxy_ms:.2f} ms (one core of proxy: at most ~{1000 / proxy_ms:.0f} req/s)"]
    return lines


def proxy_target(hub: RunningHub, user: str) -> str:
    """Where the proxy sends ``user``'s default server (the proxy's route table)."""
    routes = hub.api("GET", "/proxy").json()
    for spec, route in routes.items():
        if spec.lstrip("/") == f"{user}.{PUBLIC_HOST}/user/{user}/":
            return str(route["target"]).rstrip("/")
    raise RuntimeError(f"no proxy route for {user}'s server: {sorted(routes)}")


# --- (d) spawns --------------------------------------------------------------------------------

def measure_spawns(hub: RunningHub, users: list[str], timeout: float) -> list[float]:
    """Start every user's server at once; seconds until each is ready, in order."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(users)) as pool:
        codes = list(pool.map(lambda u: hub.api("POST", f"/users/{u}/server").status_code,
                              users))
    if any(code not in (201, 202) for code in codes):
        raise RuntimeError(f"spawn requests answered {codes}")
    ready: dict[str, float] = {}
    while len(ready) < len(users):
        if time.perf_counter() - t0 > timeout:
            missing = sorted(set(users) - set(ready))
            raise RuntimeError(f"{len(missing)} server(s) not ready after {timeout:.0f} s: "
                               f"{missing[:5]}\n" + "".join(hub.log[-30:]))
        for u in hub.api("GET", "/users?state=ready&limit=200").json():
            if u["name"] in users and u["name"] not in ready:
                ready[u["name"]] = time.perf_counter() - t0
        time.sleep(0.25)
    return sorted(ready.values())


def can_spawn() -> str:
    """Why spawning cannot be measured here, or "" when it can."""
    if os.geteuid() != 0:
        return "not root: servers run as their users' Unix accounts"
    if shutil.which("useradd") is None:
        return "no useradd"
    if not usable_by_others():
        return f"{sys.executable} cannot be run by other Unix users"
    return ""


# --- the run -----------------------------------------------------------------------------------

@contextmanager
def _terminated_cleanly() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so every clean-up below runs."""
    def stop(_sig: int, _frame: FrameType | None) -> None:
        raise SystemExit(143)

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def say_all(say: Callable[[str], None], lines: list[str]) -> None:
    for line in lines:
        say(line)


def run(args: argparse.Namespace, say: Callable[[str], None]) -> None:
    tag = secrets.token_hex(2)
    cohort = Cohort(tag, [f"hb{tag}{i:04d}" for i in range(args.users)], f"hbi{tag}",
                    f"hbs{tag}", (f"alpha-{tag}", f"beta-{tag}"))
    why_not = can_spawn() if args.spawns else "--spawns 0"
    spawners = cohort.trainees[:args.spawns] if not why_not else []
    with ExitStack() as stack:
        root = Path(tempfile.mkdtemp(prefix="peercert-hubbench-", dir="/tmp"))
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        root.chmod(0o755)
        program, moved = write_programs(root, cohort)
        stack.enter_context(unix_accounts(spawners, []))
        for user in spawners:
            unix.ensure_user(user)
        t0 = time.perf_counter()
        hub = stack.enter_context(running_hub(root / "program.toml", root, PASSWORD))
        say(f"hub started in {time.perf_counter() - t0:.1f} s; load average {loadavg()}")

        say(f"(b) apply over the REST API, {args.users} trainees, 2 courses:")
        say_all(say, measure_apply(hub, program, moved, args.repeat))

        say(f"(a) {args.users} logins (GET login page, POST, redirect to /hub/home), one at a "
            f"time, then {args.concurrency} at a time:")
        one = measure_logins(hub, cohort.trainees, 1)
        say(f"  one at a time: {login_line(one)}")
        logins = []
        for i in range(1, args.repeat + 1):
            logins.append(measure_logins(hub, cohort.trainees, args.concurrency))
            say(f"  run {i}:         {login_line(logins[-1])}")
        top = best(logins)
        say(f"  best of {args.repeat}:     {login_line(top)}")
        say(f"  the hub is one process: one core of it logs in at most "
            f"~{1000 / top.cpu_ms('hub'):.0f} users/s")

        if spawners:
            say(f"(d) {len(spawners)} trainees' servers started at once:")
            ready = measure_spawns(hub, spawners, args.spawn_timeout)
            say(f"  first ready {ready[0]:.1f} s, median {statistics.median(ready):.1f} s, "
                f"all ready {ready[-1]:.1f} s")
        else:
            say(f"(d) spawns not measured: {why_not}")

        say(f"(c) the proxy: {args.requests} requests per run, best of {args.repeat}:")
        concs = sorted({1, args.concurrency})
        host = {"Host": f"{PUBLIC_HOST}:{hub.port}"}
        say_all(say, compare("the hub's /hub/api", f"http://127.0.0.1:{hub.api_port}/hub/api",
                             f"http://127.0.0.1:{hub.port}/hub/api", host, args.requests,
                             concs, args.repeat,
                             {"target": hub.proc.pid, "proxy": hub.proxy_pid()}))
        if spawners:
            user = spawners[0]
            token = hub.api("POST", f"/users/{user}/tokens",
                            json={"scopes": [f"access:servers!server={user}/"],
                                  "expires_in": 3600}).json()["token"]
            headers = {"Host": f"{user}.{PUBLIC_HOST}:{hub.port}",
                       "Authorization": f"token {token}"}
            path = f"/user/{user}/api/status"
            say_all(say, compare("a trainee's server, /api/status with their token",
                                 proxy_target(hub, user) + path,
                                 f"http://127.0.0.1:{hub.port}{path}", headers, args.requests,
                                 concs, args.repeat,
                                 {"target": hub.server_pid(user), "proxy": hub.proxy_pid()}))
        say(f"load average at the end: {loadavg()}")


def main(argv: list[str] | None = None) -> int:  # pragma: no cover (a measurement)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "),
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--users", type=int, default=200, help="trainees in the program (200)")
    ap.add_argument("--concurrency", type=int, default=20,
                    help="logins and requests at a time (20)")
    ap.add_argument("--requests", type=int, default=1000,
                    help="requests per proxy measurement (1000)")
    ap.add_argument("--spawns", type=int, default=10,
                    help="servers started at once; 0 skips (10; needs root)")
    ap.add_argument("--spawn-timeout", type=float, default=300.0)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (3)")
    args = ap.parse_args(argv)
    if min(args.users, args.concurrency, args.requests, args.repeat) < 1:
        ap.error("--users, --concurrency, --requests and --repeat must be at least 1")
    if not 0 <= args.spawns <= min(args.users, 100):  # the hub's concurrent_spawn_limit
        ap.error("--spawns must be between 0 and --users, and at most 100 (JupyterHub's "
                 "concurrent_spawn_limit)")
    missing = [name for name, there in (
        ("configurable-http-proxy", shutil.which("configurable-http-proxy")),
        ("jupyterhub", (BIN / "jupyterhub").exists())) if not there]
    if missing:
        print(f"hub_throughput: missing {', '.join(missing)} (pip install '.[hub]'; npm "
              "install -g configurable-http-proxy)", file=sys.stderr)
        return 2
    print(f"load average at the start: {loadavg()}", flush=True)
    with _terminated_cleanly():
        run(args, lambda line: print(line, flush=True))
    print(f"command: python bench/hub_throughput.py --users {args.users} --concurrency "
          f"{args.concurrency} --requests {args.requests} --spawns {args.spawns} "
          f"--repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

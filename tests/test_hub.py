"""A state program on JupyterHub, end to end, on this machine (deploy/README.md).

One hub for the whole module: PostgreSQL from PEERCERT_PG_URL (a fresh database), real Unix
accounts (``peercert program apply --unix-users``: run as root, as CI does), JupyterHub 5 with
deploy/hub/jupyterhub_config.py as it is (PAM: each account gets a test password),
configurable-http-proxy on loopback, every server on its own ``<user>.peercert.localhost``
subdomain, which Chromium resolves to loopback. Two courses of two sites plus a 100-trainee
course for the load test.

The browser tests are one story, in file order: a trainee submits, the instructor grades it,
staff read readiness; the load test and the re-apply come last.

Screenshots go to ``$PEERCERT_ARTIFACTS/hub`` (default ``test-artifacts/hub``); a failing
browser test prints the page's console.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
import requests
import urllib3
import yaml
from _hub import BIN, RunningHub, running_hub, unix_accounts, usable_by_others, user_env
from conftest import COURSE_ENV, REPO, require_service

from peercert.deploy import apply_program, names
from peercert.deploy.hubapi import HubClient
from peercert.program import Program, load_program

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # in the [test] extras; the browser fixture fails in CI, skips elsewhere
    expect = sync_playwright = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

sys.path.insert(0, str(REPO / "bench"))

pytestmark = [pytest.mark.hub, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
QUIZ = "boundaries"
PASSWORD = secrets.token_urlsafe(12)
TIMEOUT_MS = 90_000
ARTIFACTS = Path(os.environ.get("PEERCERT_ARTIFACTS", REPO / "test-artifacts")) / "hub"


@dataclass
class Hub(RunningHub):
    """The running hub, its program and the people in it."""

    program: Program
    root: Path
    people: dict[str, str]          # role -> user name (ana, ben, t1, t2, t3, pat)
    load_trainees: list[str]
    outsider: str                   # a Unix account with a password, not in the program file

    def course(self, key: str) -> Path:
        return self.program.course_dir(self.program.courses[key == "south"].id) \
            if key in ("north", "south") else self.program.course_dir(key)


# --- set-up ----------------------------------------------------------------------------------

def _check_services() -> None:
    if os.geteuid() != 0:
        require_service("root (the hub test creates Unix accounts)")
    for tool in ("useradd", "runuser", "gpasswd", "configurable-http-proxy"):
        if shutil.which(tool) is None:
            require_service(tool)
    if not (BIN / "jupyterhub").exists():
        require_service("jupyterhub (pip install '.[hub]')")
    if not os.environ.get("PEERCERT_PG_URL"):
        require_service("PostgreSQL (PEERCERT_PG_URL is not set)")


def _program_text(root: Path, db_url: str, p: dict[str, str], load: list[str],
                  cids: dict[str, str]) -> str:
    return f"""
[program]
name = "Hub test program"
courses_root = "courses"
exchange_root = "exchange"
gradebook_url = "{db_url}"
staff = ["{p['pat']}"]

[[course]]
id = "{cids['north']}"
site = "North Clinic"
instructors = ["{p['ana']}"]
trainees = ["{p['t1']}", "{p['t2']}"]
quizzes = ["{QUIZ}"]

[[course]]
id = "{cids['south']}"
site = "South Recovery Center"
instructors = ["{p['ben']}"]
trainees = ["{p['t3']}"]
quizzes = ["{QUIZ}"]

[[course]]
id = "{cids['load']}"
site = "Load"
instructors = ["{p['ana']}"]
trainees = [{", ".join(f'"{t}"' for t in load)}]
quizzes = ["{QUIZ}"]
"""


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    _check_services()
    if not usable_by_others():
        require_service(f"{sys.executable} usable by other Unix users (chmod o+x its folders)")
    from hub_load import create_database, drop_database

    tag = secrets.token_hex(2)
    people = {k: f"h{k}{tag}" for k in ("ana", "ben", "t1", "t2", "t3", "pat")}
    load = [f"hl{i:03d}{tag}" for i in range(100)]
    cids = {"north": f"north-{tag}", "south": f"south-{tag}", "load": f"load-{tag}"}
    groups = [g for c in cids.values()
              for g in (names.os_course_group(c), names.os_instructor_group(c))]
    root = Path(tempfile.mkdtemp(prefix="peercert-hub-", dir="/tmp"))
    root.chmod(0o755)
    server_url = os.environ["PEERCERT_PG_URL"]
    db_name = f"peercert_hub_{tag}_{secrets.token_hex(3)}"
    env = {k: v for k, v in os.environ.items() if k not in COURSE_ENV}
    outsider = f"hout{tag}"  # a Unix account with a password, in no course
    with unix_accounts([*people.values(), *load, outsider], groups):
        try:
            db_url = create_database(server_url, db_name)
            (root / "program.toml").write_text(_program_text(root, db_url, people, load, cids),
                                               encoding="utf-8")
            program = load_program(root / "program.toml")
            apply_program(program, unix_users=True, release=True)
            # the deployment's own authenticator, PAM, checks the accounts' passwords
            subprocess.run(["useradd", "--no-create-home", outsider], check=True)
            subprocess.run(["chpasswd"], input="".join(f"{u}:{PASSWORD}\n" for u in
                                                       [*people.values(), outsider]),
                           text=True, check=True)
            with running_hub(root / "program.toml", root, None, env=env, tls=True,
                             extra_env={"PEERCERT_DASHBOARD_TTL": "5"}) as running:
                h = Hub(**{f.name: getattr(running, f.name) for f in fields(RunningHub)},
                        program=program, root=root, people=people, load_trainees=load,
                        outsider=outsider)
                apply_program(program, hub=HubClient(f"http://127.0.0.1:{h.api_port}",
                                                     h.apply_token), unix_users=True)
                yield h
        finally:
            for user in people.values():  # a process the hub could not stop (a kernel)
                subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True,
                               check=False)
            drop_database(server_url, db_name)
            shutil.rmtree(root, ignore_errors=True)


def runuser(user: str, *cmd: str, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``cmd`` as the Unix user ``user`` (their groups, their home), never raising."""
    home = pwd.getpwnam(user).pw_dir
    full = {**user_env(), "HOME": home, "USER": user, **(env or {})}
    args = ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in full.items()],
            *cmd]
    return subprocess.run(args, cwd=cwd or home, capture_output=True, text=True, check=False)


# --- part 3: the exchange, across real Unix accounts ----------------------------------------

def test_trainees_cannot_read_across_the_exchange(hub: Hub) -> None:
    p, prog = hub.people, hub.program
    north, south = prog.courses[0].id, prog.courses[1].id
    xc = prog.exchange_root
    trainee_cfg = {"PEERCERT_EXCHANGE": str(xc),
                   "JUPYTER_CONFIG_PATH": str(REPO / "deploy/hub/singleuser/trainee")}
    no_hub = "--Authenticator.plugin_class=nbgrader.auth.NoAuthPlugin"  # CLI outside a server
    for step in (["fetch_assignment", QUIZ], ["submit", QUIZ]):
        done = runuser(p["t2"], str(BIN / "nbgrader"), *step, f"--course={north}", no_hub,
                       env=trainee_cfg)
        assert done.returncode == 0, done.stderr
    inbound = xc / north / "inbound"
    submitted = [d for d in inbound.iterdir() if d.name.startswith(p["t2"] + "+")]
    assert len(submitted) == 1
    their_nb = submitted[0] / f"{QUIZ}.ipynb"
    assert their_nb.is_file()

    def denied(user: str, *cmd: str) -> None:
        done = runuser(user, *cmd)
        assert done.returncode != 0 and "Permission denied" in done.stderr, (user, cmd, done)

    # a trainee of the same course: cannot list inbound, nor read a submission by its name
    denied(p["t1"], "ls", str(inbound))
    denied(p["t1"], "cat", str(their_nb))
    denied(p["t1"], "ls", str(xc / north / "feedback"))
    denied(p["t1"], "ls", pwd.getpwnam(p["t2"]).pw_dir)  # nor their home (nbgrader's cache)
    # ... nor the instructor's course folder: source, configuration (the gradebook's URL)
    course = prog.course_dir(north)
    for path in (course, course / "source", course / "nbgrader_config.py", course / "submitted"):
        denied(p["t1"], "ls", str(path))
    # a trainee of the other course: nothing of this course at all
    denied(p["t3"], "ls", str(xc / north))
    denied(p["t3"], "cat", str(xc / north / "outbound" / QUIZ / f"{QUIZ}.ipynb"))
    denied(p["t3"], "cat", str(their_nb))
    # the other course's instructor neither
    denied(p["ben"], "ls", str(course))
    denied(p["ben"], "ls", str(inbound))
    # what each may do: fetch their own course, and its instructor reads the submission
    assert runuser(p["t3"], "ls", str(xc / south / "outbound" / QUIZ)).returncode == 0
    assert runuser(p["ana"], "cat", str(their_nb)).returncode == 0
    assert runuser(p["ana"], "ls", str(course / "source")).returncode == 0


# --- part 4: the browser flows ----------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(hub: Hub) -> Iterator[Browser]:
    if sync_playwright is None or not CHROMIUM.exists():
        require_service("chromium")
    expect.set_options(timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def session(browser: Browser, hub: Hub, user: str, name: str,
            next_url: str | None = None) -> Iterator[Page]:
    """A logged-in page for ``user``; on failure a screenshot and the console are kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  ignore_https_errors=True)  # the test's own certificate
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    try:
        login = f"{hub.public}/hub/login" + (f"?next={next_url}" if next_url else "")
        page.goto(login)
        page.fill("#username_input", user)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")
        yield page
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    except BaseException:
        with suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"{name}-FAILED.png"))
        print(f"--- browser console ({name}) ---\n" + "\n".join(console))
        print("--- hub log (last 40 lines) ---\n" + "".join(hub.log[-40:]))
        raise
    finally:
        context.close()


def fetch(page: Page, url: str) -> tuple[int, dict[str, str], str]:
    """GET ``url`` from the page itself (same origin, its cookies): status, headers, body.

    Not ``page.request``: Playwright's own client does not resolve ``*.localhost``."""
    got = page.evaluate("""async (url) => {
        const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
        const r = await fetch(url, {credentials: "same-origin", redirect: "manual",
                                    headers: {"X-XSRFToken": decodeURIComponent(xsrf)}});
        return [r.status, Object.fromEntries(r.headers.entries()), await r.text()];
    }""", url)
    return int(got[0]), dict(got[1]), str(got[2])


def open_assignment_list(page: Page) -> None:
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    expect(page.locator("#released_assignments_list")).to_be_visible()


def bank_keys() -> dict[str, tuple[str, float]]:
    bank = yaml.safe_load((REPO / "assignments" / f"{QUIZ}.yaml").read_text(encoding="utf-8"))
    return {i["id"]: (i.get("key"), float(i.get("points", 1))) for i in bank["items"]
            if i["type"] == "single"}


ANSWERED = 3  # the trainee answers the first three questions right and leaves the rest


@pytest.mark.browser
def test_trainee_fetches_answers_and_submits(hub: Hub, browser: Browser) -> None:
    t1 = hub.people["t1"]
    north = hub.program.courses[0].id
    keys = list(bank_keys().values())[:ANSWERED]
    with session(browser, hub, t1, "trainee-submits") as page:
        page.wait_for_url(f"{hub.user_host(t1)}/user/{t1}/lab**")
        expect(page.locator(".jp-LauncherCard").first).to_be_visible()
        # a trainee's JupyterLab: no news prompt, and nbgrader's instructor tools are absent
        expect(page.get_by_text("Would you like to get notified about official Jupyter news"))\
            .to_have_count(0)
        page.get_by_role("menuitem", name="Nbgrader").click()
        menu = page.locator("#jp-mainmenu-nbgrader")
        expect(menu.get_by_role("menuitem", name="Assignment List")).to_be_visible()
        for tool in ("Formgrader", "Course List", "Create Assignment"):
            expect(menu.get_by_role("menuitem", name=tool)).to_have_count(0)
        page.keyboard.press("Escape")
        status, _h, _b = fetch(page, f"{hub.user_host(t1)}/user/{t1}/formgrader")
        assert status == 404  # the server extension is not even loaded
        status, headers, _b = fetch(page, f"{hub.user_host(t1)}/user/{t1}/api/status")
        assert status == 200
        assert "frame-ancestors 'none'" in headers.get("content-security-policy", "")

        open_assignment_list(page)
        released = page.locator("#released_assignments_list")
        expect(released).to_contain_text(QUIZ)
        expect(released).to_contain_text(north)
        released.get_by_role("button", name="Fetch").click()
        expect(page.locator("#fetched_assignments_list")).to_contain_text(QUIZ)

        page.goto(f"{hub.user_host(t1)}/user/{t1}/lab/tree/{north}/{QUIZ}/{QUIZ}.ipynb")
        expect(page.locator(".jp-Notebook")).to_be_visible()
        for n, (key, _pts) in enumerate(keys, start=1):
            answer(page, n, key)
        page.keyboard.press("Control+s")
        expect(page.locator(".jp-mod-dirty")).to_have_count(0)

        open_assignment_list(page)
        fetched = page.locator("#fetched_assignments_list")
        fetched.get_by_role("button", name="Submit").click()
        expect(page.locator("#submitted_assignments_list")).to_contain_text(QUIZ)
    inbound = hub.program.exchange_root / north / "inbound"
    got = [d for d in inbound.iterdir() if d.name.startswith(f"{t1}+{QUIZ}+")]
    assert len(got) == 1
    nb = nbformat.read(got[0] / f"{QUIZ}.ipynb", as_version=4)
    typed = [c.source.splitlines()[-1] for c in nb.cells
             if c.metadata.get("peercert", {}).get("role") == "answer"][:ANSWERED + 1]
    assert typed == [f'answer_{n} = "{k}"' for n, (k, _p) in enumerate(keys, 1)] + \
        [f'answer_{ANSWERED + 1} = ""']


def answer(page: Page, n: int, key: str) -> None:
    """Answer question ``n`` with ``key`` as a trainee would: click the option when peercert's
    JupyterLab extension shows its answer controls, else type the letter between the quotes."""
    title = page.locator(".peercert-Answer-title", has_text=f"Your answer to question {n}:")
    line = page.locator(".jp-CodeCell .cm-line", has_text=f'answer_{n} = ""')
    expect(title.or_(line).first).to_be_attached()
    if title.count():
        fieldset = page.locator(".peercert-Answer-fieldset", has=title)
        fieldset.scroll_into_view_if_needed()
        option = fieldset.locator(".peercert-Answer-option").filter(
            has=page.locator(".peercert-Answer-letter", has_text=re.compile(rf"^{key}\b")))
        option.click()
        expect(option.locator("input")).to_be_checked()
        return
    line.scroll_into_view_if_needed()
    line.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.type(key)
    expect(page.locator(".jp-CodeCell .cm-line", has_text=f'answer_{n} = "{key}"'))\
        .to_have_count(1)


@pytest.mark.browser
def test_trainee_of_another_course_sees_neither_course_nor_files(hub: Hub,
                                                                 browser: Browser) -> None:
    t3 = hub.people["t3"]
    north, south = hub.program.courses[0].id, hub.program.courses[1].id
    with session(browser, hub, t3, "other-course-trainee") as page:
        page.wait_for_url(f"{hub.user_host(t3)}/user/{t3}/lab**")
        open_assignment_list(page)
        expect(page.locator("#released_assignments_list")).to_contain_text(south)
        options = page.locator("#course_list_dropdown option, .dropdown-menu li")
        texts = " ".join(options.all_inner_texts())
        assert north not in texts
        expect(page.locator("body")).not_to_contain_text(north)
        # their server's file API reaches their home only; the other course's folder and
        # exchange are not there, and its contents API refuses paths outside
        _s, _h, listing = fetch(page, f"{hub.user_host(t3)}/user/{t3}/api/contents/")
        assert '"content"' in listing and north not in listing
        outside, _h, _b = fetch(page, f"{hub.user_host(t3)}/user/{t3}/api/contents/"
                                f"%2E%2E/%2E%2E/{hub.program.exchange_root.relative_to('/')}"
                                f"/{north}")
        assert outside in (400, 403, 404)
        # nor can they open the other trainee's server
        other = page.goto(f"{hub.user_host(hub.people['t1'])}/user/{hub.people['t1']}/lab")
        assert other is not None and other.status == 403
        # nor start a course server, even of their own course: the spawn hook refuses
        page.goto(f"{hub.public}/hub/spawn/{t3}/{south}")
        deadline = time.monotonic() + 60
        while not any(f"{t3} is not an instructor of {south}" in line for line in hub.log):
            assert time.monotonic() < deadline, "the spawn hook did not refuse"
            time.sleep(0.5)
    server = hub.api("GET", f"/users/{t3}").json()["servers"].get(south, {})
    assert not server.get("ready")


@pytest.mark.browser
def test_instructor_grades_in_formgrader_inside_the_hub(hub: Hub, browser: Browser) -> None:
    ana, t1 = hub.people["ana"], hub.people["t1"]
    north = hub.program.courses[0].id
    course = hub.program.course_dir(north)
    expected = sum(pts for _key, pts in list(bank_keys().values())[:ANSWERED])
    with session(browser, hub, ana, "instructor-formgrader") as page:
        page.wait_for_url("**/lab**")  # their home server, a trainee's view
        page.goto(f"{hub.public}/hub/spawn/{ana}/{north}")  # the course server, by course id
        page.wait_for_url(f"{hub.user_host(ana)}/user/{ana}/{north}/lab**")
        base = f"{hub.user_host(ana)}/user/{ana}/{north}"
        status, headers, _b = fetch(page, f"{base}/formgrader/manage_assignments")
        assert status == 200
        assert "frame-ancestors 'self'" in headers.get("content-security-policy", "")
        expect(page.locator(".jp-LauncherCard").first).to_be_visible()
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        frame = page.frame_locator(".nbgrader-mainarea-widget iframe, iframe").first
        row = frame.locator("tr").filter(has=frame.locator(".name", has_text=QUIZ))
        expect(row).to_be_visible()  # nbgrader #1870: the framed formgrader renders

        # the instructor collects and grades, as themselves, from the course folder
        for cmd in ([str(BIN / "nbgrader"), "collect", QUIZ],
                    [str(BIN / "peercert"), "grade", QUIZ]):
            done = runuser(ana, *cmd, cwd=course)
            assert done.returncode == 0, f"{cmd}: {done.stdout[-1500:]}\n{done.stderr[-1500:]}"
        from nbgrader.api import Gradebook

        from peercert.course import Course

        with Gradebook(Course.open(course).db_url, north) as gb:
            score = gb.find_submission(QUIZ, t1).score
        assert score == expected

        page.reload()
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        frame = page.frame_locator("iframe").first
        row = frame.locator("tr").filter(has=frame.locator(".name", has_text=QUIZ))
        expect(row.locator(".num-submissions")).not_to_have_text("0")
        row.locator(".num-submissions a").click()
        sub = frame.locator("tr").filter(has=frame.locator(".student-id", has_text=t1))
        expect(sub.locator(".score")).to_contain_text(f"{expected:g} / ")


@pytest.mark.browser
def test_trainee_fetches_the_feedback_the_instructor_released(hub: Hub, browser: Browser) -> None:
    """After grading (the test above), the instructor releases peercert's feedback pages as
    themselves; the trainee fetches theirs from the Assignment List, through the course's
    feedback folder (root:pci 2771), and gets the very page peercert wrote."""
    ana, t1 = hub.people["ana"], hub.people["t1"]
    north = hub.program.courses[0].id
    course = hub.program.course_dir(north)
    done = runuser(ana, str(BIN / "peercert"), "feedback", QUIZ, "--all", "--release",
                   cwd=course)
    assert done.returncode == 0, f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    written = course / "feedback" / t1 / QUIZ / f"{QUIZ}.html"
    assert written.is_file()
    with session(browser, hub, t1, "trainee-fetches-feedback") as page:
        page.wait_for_url("**/lab**")
        open_assignment_list(page)
        submitted = page.locator("#submitted_assignments_list")
        expect(submitted).to_contain_text("feedback available to fetch")
        submitted.get_by_role("button", name="Fetch Feedback").click()
        expect(submitted).to_contain_text("view feedback")
    home = Path(pwd.getpwnam(t1).pw_dir)
    fetched = sorted(home.rglob(f"feedback/*/{QUIZ}.html"))
    assert fetched, sorted(p.relative_to(home) for p in home.rglob("*"))
    assert fetched[-1].read_bytes() == written.read_bytes()
    assert fetched[-1].stat().st_uid == pwd.getpwnam(t1).pw_uid  # theirs, in their home


@pytest.mark.browser
def test_only_the_program_s_people_log_in_with_their_password(hub: Hub,
                                                              browser: Browser) -> None:
    """PAM, as deployed: a Unix account outside the program file is refused even with its
    right password (only users apply created in the hub may log in), and so is a trainee's
    wrong password."""
    for user, password in ((hub.outsider, PASSWORD), (hub.people["t3"], PASSWORD + "x")):
        context = browser.new_context(ignore_https_errors=True)
        try:
            page = context.new_page()
            page.goto(f"{hub.public}/hub/login")
            page.fill("#username_input", user)
            page.fill("#password_input", password)
            page.click("#login_submit")
            expect(page.locator("p.login_error")).to_contain_text(
                "Invalid username or password")
            assert "/hub/login" in page.url
            assert not any(c["name"].startswith("jupyterhub-session")
                           for c in context.cookies())
        finally:
            context.close()
    assert hub.api("GET", f"/users/{hub.outsider}").status_code == 404  # never made a user
    # the right password: in, over TLS, with a session cookie browsers send only over TLS
    with session(browser, hub, hub.people["t3"], "trainee-logs-in-over-tls") as page:
        page.wait_for_url("**/lab**")
        assert page.url.startswith(f"https://{hub.people['t3']}.peercert.localhost:")
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["jupyterhub-session-id"]["secure"], cookies


@pytest.mark.browser
def test_program_staff_see_readiness_and_nothing_else(hub: Hub, browser: Browser) -> None:
    pat, ana, t1 = hub.people["pat"], hub.people["ana"], hub.people["t1"]
    service = f"{hub.scheme}://readiness--service.peercert.localhost:{hub.port}/services/readiness/"
    with session(browser, hub, pat, "staff-readiness", next_url="/services/readiness/") as page:
        page.goto(service)
        expect(page.locator("h1")).to_contain_text("who is ready")
        body = page.locator("body")
        for trainee in (t1, hub.people["t2"], hub.people["t3"]):  # both courses, one dashboard
            expect(body).to_contain_text(trainee)
        page.screenshot(path=str(ARTIFACTS / "staff-dashboard.png"))
        # no formgrader, no trainee's server
        north = hub.program.courses[0].id
        for url in (f"{hub.user_host(ana)}/user/{ana}/{north}/formgrader",
                    f"{hub.user_host(t1)}/user/{t1}/lab"):
            resp = page.goto(url)
            assert resp is not None and resp.status == 403, url
    # and a trainee cannot open the staff dashboard
    with session(browser, hub, hub.people["t3"], "trainee-no-readiness") as page:
        page.wait_for_url("**/lab**")
        resp = page.goto(service)
        assert resp is not None and resp.status == 403


# --- part 5: load ------------------------------------------------------------------------------

def test_100_trainees_submit_while_grading_and_formgrader_reads(hub: Hub) -> None:
    from hub_load import check, run_load

    ana = hub.people["ana"]
    load = hub.program.courses[2]
    assert hub.api("POST", f"/users/{ana}/servers/{load.id}").status_code in (201, 202)
    hub.wait_server(ana, load.id)
    token = hub.api("POST", f"/users/{ana}/tokens",
                    json={"scopes": [f"access:servers!server={ana}/{load.id}"],
                          "expires_in": 3600}).json()["token"]
    url = f"https://127.0.0.1:{hub.port}/user/{ana}/{load.id}/formgrader/api/submissions/{QUIZ}"
    headers = {"Authorization": f"token {token}",
               "Host": f"{ana}.peercert.localhost:{hub.port}"}

    def read() -> None:
        # through the proxy's TLS by address (Python does not resolve *.localhost): the
        # certificate names the host, not the address, so it is not checked here
        r = requests.get(url, headers=headers, timeout=60, allow_redirects=False,
                         verify=False)
        r.raise_for_status()
        assert isinstance(r.json(), list)

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # for this test
    read()
    course = hub.program.course_dir(load.id)
    work = Path(tempfile.mkdtemp(prefix="peercert-load-", dir="/tmp"))
    try:
        result = run_load(course, hub.program.exchange_root, load.id, QUIZ,
                          hub.load_trainees, work, window=50, read=read)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(result.lines()))
    assert check(result, course, QUIZ, hub.load_trainees) == []
    assert result.submit_seconds < 60 and len(result.reads) > 10


# --- part 2: apply is idempotent; leaving a course keeps one's files -------------------------

def test_apply_again_changes_nothing_and_removal_keeps_files(hub: Hub) -> None:
    client = HubClient(f"http://127.0.0.1:{hub.api_port}", hub.apply_token)
    path = hub.root / "program.toml"
    # files graded since the last run (as root, by the load test) are shared with the
    # course's instructors; then a run changes nothing
    first = apply_program(hub.program, hub=client, unix_users=True, release=True)
    assert all("file rights shared" in line for line in first), first
    assert apply_program(hub.program, hub=client, unix_users=True, release=True) == []

    t2 = hub.people["t2"]
    north = hub.program.courses[0].id
    original = path.read_text(encoding="utf-8")
    home = Path(pwd.getpwnam(t2).pw_dir)
    kept = sorted(p.relative_to(home) for p in home.rglob("*"))
    smaller = path.with_name("smaller.toml")
    smaller.write_text(original.replace(f', "{t2}"]', "]"), encoding="utf-8")
    changes = apply_program(load_program(smaller), hub=client, unix_users=True)
    assert f"hub: {t2} removed from {names.student_group(north)} (their files are kept)" \
        in changes
    assert t2 not in grp.getgrnam(names.os_course_group(north)).gr_mem
    assert t2 not in hub.api("GET", f"/groups/{names.student_group(north)}").json()["users"]
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == kept and kept
    # back in the file, back in the course
    changes = apply_program(hub.program, hub=client, unix_users=True)
    assert f"hub: {t2} added to {names.student_group(north)}" in changes
    assert apply_program(hub.program, hub=client, unix_users=True) == []



def test_apply_reads_every_page_of_a_large_hub(hub: Hub) -> None:
    """A state program has hundreds of trainees: the hub pages its user and group lists (at
    most 200 a page here), and apply must see all of them, or it would try to create users
    that exist and miss members to remove."""
    extra = [f"pg{i:03d}{hub.people['t1'][-4:]}" for i in range(250)]
    group = f"nbgrader-paging{hub.people['t1'][-4:]}"
    with unix_accounts(extra, []):
        # PAM's hub only takes users with a Unix account: made in one batch, no homes
        subprocess.run(["newusers"], input="".join(f"{u}:*::::/nonexistent:/usr/sbin/nologin\n"
                                                   for u in extra), text=True, check=True)
        r = hub.api("POST", "/users", json={"usernames": extra})
        assert r.status_code == 201, r.text
        assert hub.api("POST", f"/groups/{group}", json={"users": extra}).status_code == 201
        client = HubClient(f"http://127.0.0.1:{hub.api_port}", hub.apply_token)
        users = client.users()
        assert set(extra) <= set(users)
        assert set(hub.people.values()) <= set(users)
        assert len(users) > 350  # more than one page of 200
        assert client.groups()[group] == set(extra)
        # and a run over the program still changes nothing for them (not in its file)
        assert apply_program(hub.program, hub=client, unix_users=True) == []
        assert hub.api("DELETE", f"/groups/{group}").status_code == 204


def test_a_trainee_cannot_replace_another_trainee_s_submission(hub: Hub) -> None:
    """t1 submits their own answers as t2 (``nbgrader submit --student t2``, which nbgrader
    allows) after t2 submitted; the instructor's ``nbgrader collect --update`` keeps t2's own
    submission and names the refused folder, t2 and t1 (the course's config, written by
    apply --unix-users, sets peercert.exchange_collect.OwnerCheckedCollect)."""
    from nbgrader.utils import parse_utc

    p, prog = hub.people, hub.program
    north = prog.courses[0].id
    xc, course = prog.exchange_root, prog.course_dir(north)
    inbound = xc / north / "inbound"
    trainee_cfg = {"PEERCERT_EXCHANGE": str(xc),
                   "JUPYTER_CONFIG_PATH": str(REPO / "deploy/hub/singleuser/trainee")}
    no_hub = "--Authenticator.plugin_class=nbgrader.auth.NoAuthPlugin"
    for user in (p["t1"], p["t2"]):  # they may have it from the tests above
        done = runuser(user, str(BIN / "nbgrader"), "fetch_assignment", QUIZ,
                       f"--course={north}", no_hub, env=trainee_cfg)
        assert done.returncode == 0 or "already have a copy" in done.stderr, done.stderr
    done = runuser(p["t2"], str(BIN / "nbgrader"), "submit", QUIZ, f"--course={north}",
                   no_hub, env=trainee_cfg)
    assert done.returncode == 0, done.stderr
    t1_uid, t2_uid = (pwd.getpwnam(p[t]).pw_uid for t in ("t1", "t2"))
    [mine] = Path(pwd.getpwnam(p["t1"]).pw_dir).glob(f"{north}/{QUIZ}/{QUIZ}.ipynb")
    nb = nbformat.read(mine, as_version=4)
    nb.metadata["written_by"] = "t1"
    nbformat.write(nb, mine)
    os.chown(mine, t1_uid, -1)
    done = runuser(p["t1"], str(BIN / "nbgrader"), "submit", QUIZ, f"--course={north}",
                   f"--student={p['t2']}", no_hub, env=trainee_cfg)
    assert done.returncode == 0, done.stderr

    def when(folder: Path) -> str:
        return folder.name.rsplit("+", 2)[1]

    claimed_t2 = sorted(inbound.glob(f"{p['t2']}+{QUIZ}+*"), key=when)
    [forged] = [f for f in claimed_t2 if f.stat().st_uid == t1_uid]
    own = [f for f in claimed_t2 if f.stat().st_uid == t2_uid][-1]
    assert when(forged) > when(own)
    done = runuser(p["ana"], str(BIN / "nbgrader"), "collect", "--update", QUIZ, cwd=course)
    assert done.returncode == 0, f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    assert (f"refused {forged}: it claims to be {p['t2']}'s submission of {QUIZ}, but it "
            f"belongs to uid {t1_uid} ({p['t1']}), not to {p['t2']} (uid {t2_uid}): someone "
            f"else submitted under {p['t2']}'s name; it is not collected") in done.stderr
    submitted = course / "submitted" / p["t2"] / QUIZ
    assert parse_utc((submitted / "timestamp.txt").read_text(encoding="utf-8").strip()) == \
        parse_utc(when(own))
    assert "written_by" not in nbformat.read(submitted / f"{QUIZ}.ipynb",
                                             as_version=4).metadata

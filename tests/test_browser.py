"""Real user flows in Debian's Chromium, driven by Playwright.

A trainee answers a module's self-checks in JupyterLab; an instructor grades a reflection in
nbgrader's formgrader after ``peercert grade``; the ``peercert analyze`` and ``peercert
readiness`` reports open from disk, draw their figures and print. Servers run on a free
localhost port with a token, in temporary home and Jupyter directories, and every request
that would leave this machine is refused (and, for the reports, counted as a failure).
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import factory
import nbformat
import pytest
import yaml
from _net import follow_log, free_port, wait_answering
from conftest import COURSE_ENV, REPO, make_course, require_service
from nbgrader.api import Gradebook
from test_analyze_e2e import COHORT
from typer.testing import CliRunner

from peercert.cli import app
from peercert.course import load_settings
from peercert.grade import grade_quiz
from peercert.readiness import simulate_evidence

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # in the [test] extras; the browser fixture skips, or fails in CI
    expect = sync_playwright = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route

pytestmark = pytest.mark.browser

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless; the rest keep Chromium off the network it cannot reach here.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# JupyterLab fetches news, update checks and the PyPI extension list unless told not to.
LAB_OFFLINE = ["--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
TIMEOUT_MS = 60_000
# What Manage Submissions shows for COHORT after ``peercert grade``: auto-graded points of 11
# (s1 and s2 wrote reflections that wait for a grader; blank ones are scored 0 by nbgrader;
# s3's ordering answer earns pairs in order minus pairs reversed).
SCORES = {"s1": ("7 / 11", "needs manual grading"), "s2": ("6 / 11", "needs manual grading"),
          "s3": ("4.33 / 11", "graded"), "s4": ("2 / 11", "graded"), "s5": ("0 / 11", "graded")}
AS_OF = "2026-11-22"


# --- servers ---------------------------------------------------------------------------------

@dataclass
class Jupyter:
    """A running ``jupyter lab`` or ``jupyter server`` and what it logged."""

    base: str
    token: str
    log: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"


def _answering(server: Jupyter, proc: subprocess.Popen[str], command: str,
               timeout: float = 60) -> None:
    """Until the server answers its status API (its log names its URL just before it
    listens); RuntimeError with its log if it exits or never answers."""
    if not wait_answering(server.url("/api/status"), proc, timeout=timeout):
        raise RuntimeError(f"jupyter {command} did not start (exit {proc.poll()}):\n"
                           f"{''.join(server.log)}")


def isolated_env(home: Path) -> dict[str, str]:
    """The environment with home, Jupyter and IPython directories of its own, so that no
    setting, kernel or workspace of the developer is read and nothing is written to theirs."""
    dropped = ("JUPYTER", "IPYTHON", "XDG_", "MPLCONFIGDIR")
    env = {k: v for k, v in os.environ.items()
           if k not in COURSE_ENV and not k.startswith(dropped)}
    dirs = {"HOME": "", "JUPYTER_CONFIG_DIR": "jupyter-config", "JUPYTER_DATA_DIR": "jupyter-data",
            "JUPYTER_RUNTIME_DIR": "jupyter-runtime", "IPYTHONDIR": "ipython",
            "MPLCONFIGDIR": "matplotlib"}
    for name, sub in dirs.items():
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    return env


@contextmanager
def jupyter(command: str, root: Path, home: Path, *options: str,
            env: dict[str, str] | None = None) -> Iterator[Jupyter]:
    """``jupyter <command>`` serving ``root`` (also its working directory, where nbgrader
    finds the course's nbgrader_config.py); stopped with its kernels on exit. ``env`` adds to
    (or replaces) the isolated environment's variables."""
    port, token = free_port(), secrets.token_hex(16)
    server = Jupyter(f"http://127.0.0.1:{port}", token)
    # --allow-root: CI containers run as root; the server is bound to localhost either way
    cmd = [str(BIN / "jupyter"), command, "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", *options]
    proc = subprocess.Popen(cmd, cwd=root, env={**isolated_env(home), **(env or {})},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    # the log also keeps the pipe drained for as long as the server runs
    listening, reader = follow_log(proc, server.log, f"{server.base}/")
    try:
        listening.wait(timeout=120)
        _answering(server, proc, command)
        try:
            yield server
        except BaseException:
            if proc.poll() is not None:  # a test that failed on a dead server says why
                print(f"--- jupyter {command} exited {proc.returncode} ---\n"
                      f"{''.join(server.log)}")
            raise
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with suppress(ProcessLookupError):  # a kernel of its session it could not stop
            os.killpg(proc.pid, signal.SIGKILL)
        reader.join(timeout=10)


# --- browser -------------------------------------------------------------------------------

@dataclass
class Watch:
    """What a page did wrong: console errors, uncaught exceptions, requests off this machine."""

    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def refuse(self, route: Route) -> None:
        self.offsite.append(route.request.url)
        route.abort()


def offsite(url: str) -> bool:
    """A request that would leave this machine (file: and data: URLs never do)."""
    return url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(
        ("http://127.0.0.1:", "ws://127.0.0.1:"))


@pytest.fixture(scope="module", autouse=True)  # first, so a missing browser skips at once
def browser() -> Iterator[Browser]:
    if sync_playwright is None or not CHROMIUM.exists():
        require_service("chromium")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.route(offsite, watch.refuse)
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()


# --- data ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test course (one quiz of every item type) with COHORT's answers, ``peercert
    grade``-d. Shared by the module: tests that write to it work on a copy."""
    with pytest.MonkeyPatch.context() as mp:  # conftest's guard is function-scoped
        for name in COURSE_ENV:
            mp.delenv(name, raising=False)
        course = make_course(tmp_path_factory.mktemp("graded"))
        release = course / "release" / "quiz1" / "quiz1.ipynb"
        for trainee, answers in COHORT.items():
            factory.submit(course, "quiz1", trainee, factory.answer_notebook(release, answers))
        assert grade_quiz(course, "quiz1").ok
    return course


@pytest.fixture(scope="module")
def reports(graded_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``peercert analyze`` and ``peercert readiness`` run on the graded course."""
    out = tmp_path_factory.mktemp("reports")
    runner = CliRunner()
    done = runner.invoke(app, ["analyze", "quiz1", "--course", str(graded_course),
                               "--out", str(out / "analysis")])
    assert done.exit_code == 0, done.output
    logs = simulate_evidence(graded_course, out / "hours.csv", seed=1)
    done = runner.invoke(app, ["readiness", "--profile", "icrc-pr", "--course", str(graded_course),
                               "--evidence", str(logs), "--out", str(out / "readiness"),
                               "--as-of", AS_OF])
    assert done.exit_code == 0, done.output
    return out


def self_checks(notebook: Path) -> list[dict[str, Any]]:
    """The arguments of every ``SelfCheck(...)`` in a module, read from its code cells."""
    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "SelfCheck":
                args = [ast.literal_eval(a) for a in node.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
                names = ("question", "options", "answer", "feedback")
                found.append({**dict(zip(names, args, strict=False)), **kwargs})
    return found


# --- 1. a trainee's self-check in JupyterLab -----------------------------------------------

MODULE = sorted((REPO / "modules").glob("01-*.ipynb"))[0]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Jupyter]:
    work, home = tmp_path_factory.mktemp("lab"), tmp_path_factory.mktemp("lab-home")
    shutil.copy(MODULE, work / MODULE.name)
    # without this, a toast asking to fetch Jupyter news covers the notebook's corner
    settings = home / "jupyter-config/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    with jupyter("lab", work, home, *LAB_OFFLINE) as server:
        yield server


def test_trainee_runs_a_module_and_checks_answers_in_jupyterlab(lab: Jupyter, page: Page,
                                                                watch: Watch):
    checks = self_checks(MODULE)
    single = next(c for c in checks if isinstance(c["answer"], str))
    several = next(c for c in checks if not isinstance(c["answer"], str))
    page.goto(lab.url(f"/lab/tree/{MODULE.name}"))
    expect(page.locator(".jp-Notebook")).to_be_visible()
    # as a trainee waits for the kernel: cells run before it is connected are skipped
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Python 3 (ipykernel) | Idle")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    widget = self_check_widget(page, single["question"])
    right, options = single["answer"], single["options"]
    wrong = next(k for k in options if k != right)
    check = widget.get_by_role("button", name="Check my answer")
    check.click()
    expect(widget).to_contain_text("Pick an answer first.")
    widget.get_by_role("radio", name=f"{wrong}. {options[wrong]}").check()
    check.click()
    expect(widget).to_contain_text("Not quite. Read why, then try again.")
    expect(widget).to_contain_text(single["feedback"][wrong])  # why this choice is wrong
    widget.get_by_role("radio", name=f"{right}. {options[right]}").check()
    check.click()
    expect(widget).to_contain_text("That's right.")
    expect(widget).to_contain_text(single["feedback"][right])
    expect(widget).not_to_contain_text(single["feedback"][wrong])

    widget = self_check_widget(page, several["question"])
    labels = [f"{k}. {several['options'][k]}" for k in sorted(several["answer"])]
    widget.get_by_role("listbox").select_option(label=labels)
    widget.get_by_role("button", name="Check my answer").click()
    expect(widget).to_contain_text("That's right.")
    for key in several["answer"]:
        expect(widget).to_contain_text(several["feedback"][key])
    assert watch.offsite == []  # JupyterLab kept to this machine


def self_check_widget(page: Page, question: str) -> Locator:
    """The rendered SelfCheck asking ``question`` (waits for the kernel to build it).

    Found by text content, not role: JupyterLab skips rendering cells out of view
    (content-visibility), and Playwright counts their contents as hidden."""
    button = page.locator("button", has_text="Check my answer")
    widget = page.locator(".widget-vbox").filter(has_text=question).filter(has=button)
    expect(widget).to_have_count(1)
    widget.scroll_into_view_if_needed()
    return widget


# --- 2. the instructor grades a reflection in formgrader -----------------------------------

@pytest.fixture(scope="module")
def formgrader(graded_course: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Jupyter, Path]]:
    course = tmp_path_factory.mktemp("formgrader") / "course"
    shutil.copytree(graded_course, course)
    with jupyter("server", course, tmp_path_factory.mktemp("formgrader-home")) as server:
        yield server, course


def test_formgrader_shows_peercert_grades_and_takes_a_manual_score(
        formgrader: tuple[Jupyter, Path], page: Page, watch: Watch):
    server, course = formgrader
    settings = load_settings(course)
    bank = yaml.safe_load((course / "assignments" / "quiz1.yaml").read_text(encoding="utf-8"))
    rubric = next(item["rubric"] for item in bank["items"] if item["id"] == "t-06")
    page.goto(server.url("/formgrader"))  # redirects to Manage Assignments
    quiz = page.locator("tr").filter(has=page.locator(".name", has_text="quiz1"))
    expect(quiz.locator(".num-submissions")).to_have_text(str(len(SCORES)))
    quiz.locator(".num-submissions a").click()
    expect(page).to_have_url(server.base + "/formgrader/manage_submissions/quiz1")
    for trainee, (score, status) in SCORES.items():
        row = submission_row(page, trainee)
        expect(row.locator(".score")).to_have_text(score)
        expect(row.locator(".status")).to_have_text(status)

    submission_row(page, "s1").locator(".student-name a").click()
    page.get_by_role("link", name="quiz1", exact=True).click()
    expect(page.locator("#t-06")).to_be_visible()  # the grading page, with t-06's score box
    answer = page.locator(".nbgrader_cell").filter(has=page.locator("#t-06"))
    expect(answer).to_contain_text("Kindly say no and offer another way to help.")
    guide = page.locator(".text_cell_render").filter(has_text=rubric[0]["description"]).first
    expect(guide).to_be_visible()
    for level in rubric:
        expect(guide).to_contain_text(level["description"])
    assert guide.bounding_box()["y"] < answer.bounding_box()["y"]  # the guide comes first

    with Gradebook(settings.db_url, settings.course_id) as gb:
        before = gb.find_submission("quiz1", "s1").score
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url
                              and r.request.method == "PUT") as saved:
        page.locator("#t-06").fill("3")
        page.locator("#t-06").press("Tab")
    assert saved.value.ok
    with Gradebook(settings.db_url, settings.course_id) as gb:
        grade = gb.find_grade("t-06", "quiz1", "quiz1", "s1")
        assert (grade.auto_score, grade.manual_score, grade.needs_manual_grade) == (
            None, 3.0, False)
        assert gb.find_submission("quiz1", "s1").score == before + 3 == 10

    page.goto(server.url("/formgrader/manage_submissions/quiz1"))
    expect(submission_row(page, "s1").locator(".score")).to_have_text("10 / 11")
    expect(submission_row(page, "s1").locator(".status")).to_have_text("graded")
    # nbgrader's grading page asks a CDN for MathJax; nothing else leaves the machine
    assert all("mathjax" in url.lower() for url in watch.offsite), watch.offsite


def submission_row(page: Page, trainee: str) -> Locator:
    return page.locator("tr").filter(has=page.locator(".student-id", has_text=trainee))


# --- 3. the reports open, draw their figures and print -------------------------------------

def test_item_analysis_report_renders(reports: Path, page: Page, watch: Watch):
    page.goto((reports / "analysis" / "report.html").as_uri())
    expect(page.locator("h1")).to_contain_text("Item analysis")
    figures = page.locator("figure img")
    expect(figures.first).to_be_visible()
    assert figures.count() >= 3
    widths = figures.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths
    assert watch.errors == [] and watch.offsite == []


def test_readiness_dashboard_and_a_printable_trainee_page(reports: Path, page: Page,
                                                          watch: Watch):
    page.goto((reports / "readiness" / "index.html").as_uri())
    expect(page.locator("h1")).to_contain_text("who is ready")
    figures = page.locator("figure svg")  # the dashboard's figures are inline SVG
    expect(figures.first).to_be_visible()
    drawn = figures.evaluate_all("svgs => svgs.map(s => [s.getBoundingClientRect().width, "
                                 "s.getBoundingClientRect().height, s.querySelectorAll('path')"
                                 ".length])")
    assert len(drawn) >= 2 and all(w > 0 and h > 0 and n > 0 for w, h, n in drawn), drawn

    page.locator('a[href="trainees/s1.html"]').click()
    expect(page).to_have_url((reports / "readiness" / "trainees" / "s1.html").as_uri())
    expect(page.locator("h2", has_text="What remains")).to_be_visible()
    back = page.get_by_role("link", name="cohort dashboard")
    expect(back).to_be_visible()
    page.emulate_media(media="print")
    expect(back).to_be_hidden()  # the print stylesheet drops navigation
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    assert watch.errors == [] and watch.offsite == []

"""The whole trainee journey in Debian's Chromium, with two users on one machine.

An instructor (a Jupyter server in the course, with Formgrader) and a trainee (JupyterLab in a
home of their own, set up with ``peercert trainee-config``: the course's exchange, no
instructor tools, no news prompt) run separate Jupyter servers that share the course exchange.
The instructor generates and releases two quizzes in Formgrader; the trainee fetches them from
the Assignment List, answers every item type of one by clicking and the other by keyboard
alone, validates (a plain sentence for an answer that cannot be read yet), and submits; the
instructor runs ``nbgrader collect``, ``peercert grade`` and ``peercert feedback --release``;
the trainee fetches the feedback in the Assignment List and reads each item's points and
reasons. Screenshots of every step are saved under ``test-artifacts/browser/journey/``; a
failure prints both browsers' consoles and both servers' logs.

That stock ``nbgrader autograde`` and ``peercert grade`` score answers the extension wrote
alike is checked in test_quiz_browser.py, on the same clicks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import factory
import nbformat
import pytest
from test_browser import (  # noqa: F401  (browser: a fixture, used by name)
    LAB_OFFLINE,
    Jupyter,
    browser,
    isolated_env,
    jupyter,
    offsite,
)
from test_quiz_browser import ARTIFACTS, drag_step, label, tab_to
from typer.testing import CliRunner

from peercert.answers import read_answers, reflection_text
from peercert.cli import app
from peercert.course import init_course

try:
    from playwright.sync_api import expect
except ImportError:  # in the [test] extras; test_browser's browser fixture skips or fails
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Route

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader, pytest.mark.slow]

BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from the PATH
TRAINEE = "trainee1"  # the trainee's id on the roster (both users here log in as one)
REFLECTION = "I would say no kindly and offer to look for other help with her."
# quiz1 by clicking, every item type; question 2 wrong, so its feedback says why not A
CLICKED = {"t-01": "B", "t-02": "A", "t-03": "A,C", "t-04": "C,A,D,B", "t-05": "False"}
# quiz2 (quiz1's first five items, as k-01 to k-05) by keyboard alone, all right
KEYED = {"k-01": "B", "k-02": "D", "k-03": "A,C", "k-04": "C,A,D,B", "k-05": "False"}
# quiz1's feedback page, question by question: the points, and the reasons given
FEEDBACK = {
    1: ("1 of 1 point", ["B keeps the relationship focused on Maria"]),
    2: ("0 of 1 point", ["D keeps the relationship focused on Maria", "Why not A",
                         "A creates a problem."]),
    3: ("2 of 2 points", ["B keeps the relationship focused on Maria",
                          "You left it out: right."]),
    4: ("2 of 2 points", ["First listen, then explore, then plan, then follow up."]),
    5: ("1 of 1 point", ["False: money creates a dual relationship."]),
    6: ("not scored yet (out of 4 points)", [REFLECTION, "Clear, kind and specific."]),
}


# what the servers and commands add to their isolated environment
ENV = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


class Journey:
    """The two users' browser pages, servers, screenshots and consoles."""

    def __init__(self, browser: Browser, folder: Path) -> None:
        self.folder, self.steps = folder, 0
        self.console: list[str] = []
        self.offsite: list[str] = []
        self.pages: dict[str, Page] = {}
        self.servers: dict[str, Jupyter] = {}
        for who in ("instructor", "trainee"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(60_000)
            context.route(offsite, self._refuse)
            page = context.new_page()
            page.on("console", lambda m, who=who: self.console.append(
                f"{who} [{m.type}] {m.text}"))
            page.on("pageerror", lambda e, who=who: self.console.append(f"{who} [error] {e}"))
            self.pages[who] = page

    def _refuse(self, route: Route) -> None:
        self.offsite.append(route.request.url)
        route.abort()

    def shot(self, who: str, name: str, target: Locator | None = None) -> None:
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{who}-{name}.png"
        (target or self.pages[who]).screenshot(path=path)

    def report_failure(self) -> None:
        for who in self.pages:
            try:
                self.shot(who, "failure")
            except Exception as exc:  # a crashed page still lets the consoles print
                print(f"no screenshot of the {who}'s page: {exc}")
        print("\n--- browser consoles ---\n" + ("\n".join(self.console) or "(empty)"))
        for who, server in self.servers.items():
            print(f"\n--- the {who}'s server (last 60 lines) ---\n" + "".join(server.log[-60:]))


@pytest.fixture
def journey(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Journey]:
    folder = ARTIFACTS / "journey"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    trip = Journey(browser, folder)
    yield trip
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        trip.report_failure()
    for page in trip.pages.values():
        page.context.close()


def wait_for(what: str, check, timeout: float = 60) -> None:
    """Poll ``check()`` (a file the browser writes through the server) until it is true."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def answers_on_disk(path: Path) -> dict[str, str | None]:
    """A notebook's answers as ``peercert grade`` reads them."""
    return {a.item_id: a.answer for a in read_answers(path, {})}


# --- the instructor -----------------------------------------------------------------------

def formgrader_action(page: Page, quiz: str, column: str) -> None:
    """Click a quiz's action (Generate, Release) in Manage Assignments and close its log."""
    row = page.locator("#main-table tr").filter(
        has=page.locator(f'td.name[data-order="{quiz}"]'))
    row.locator(f"td.{column} a").click()
    modal = page.locator("#success-modal, #error-modal")
    expect(modal).to_be_visible()
    assert modal.get_attribute("id") == "success-modal", modal.inner_text()
    modal.locator(".modal-footer").get_by_role("button", name="OK").click()
    expect(modal).to_have_count(0)


def nbgrader(course: Path, home: Path, *args: str) -> str:
    """A stock nbgrader command, run by the instructor in the course."""
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, capture_output=True,
                          text=True, timeout=300, env={**isolated_env(home), **ENV})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def peercert(*args: str) -> str:
    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.output


# --- the trainee, in JupyterLab's Assignment List and the quiz ----------------------------

def assignments_tab(page: Page) -> Locator:
    """Bring the Assignment List to the front; return its panel."""
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Assignments").click()
    panel = page.locator("#nbgrader-assignment-list")
    expect(panel).to_be_visible()
    return panel


def fetch(page: Page, quiz: str) -> None:
    released = page.locator("#released_assignments_list .list_item").filter(has_text=quiz)
    released.get_by_role("button", name="Fetch").click()
    expect(fetched_row(page, quiz)).to_be_visible()


def fetched_row(page: Page, quiz: str) -> Locator:
    return page.locator("#fetched_assignments_list > .list_item").filter(
        has=page.locator(".assignment-notebooks-link", has_text=quiz))


def open_quiz(page: Page, quiz: str, items: int) -> Locator:
    """Open a fetched quiz's notebook from the Assignment List; return its notebook panel."""
    row = fetched_row(page, quiz)
    row.locator(".assignment-notebooks-link").click()  # shows the quiz's notebooks
    row.locator(".assignment-notebooks a", has_text=quiz).click()
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(notebook.locator(".peercert-Answer")).to_have_count(items)
    # the code behind the choices (answer lines and format checks) is out of sight
    expect(notebook.locator(".jp-Cell.peercert-mod-hidden")).to_have_count(items)
    expect(notebook.locator(".peercert-AnswerCell .jp-Cell-inputWrapper").first).to_be_hidden()
    return notebook


def question(notebook: Locator, n: int) -> Locator:
    """Question n's choices, scrolled into view (cells out of view are not rendered)."""
    widget = notebook.locator(f'.peercert-Answer[data-question="{n}"]')
    widget.scroll_into_view_if_needed()
    return widget


def validate(notebook: Locator) -> Locator:
    """Click the notebook's Validate (it saves first); return the results dialog."""
    notebook.locator(".jp-Toolbar").get_by_role("button", name="Validate").click()
    dialog = notebook.page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=120_000)
    return dialog


def close_dialog(dialog: Locator) -> None:
    dialog.get_by_role("button", name=re.compile(r"^ok$", re.I)).click()
    expect(dialog).to_have_count(0)


def submit(page: Page, quiz: str) -> None:
    assignments_tab(page)
    fetched_row(page, quiz).get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list > .list_item").filter(has_text=quiz)
    expect(submitted).to_have_count(1)


def answer_by_clicking(journey: Journey, notebook: Locator) -> None:
    """quiz1: radio buttons, check boxes, dragged steps, a written answer."""
    page = journey.pages["trainee"]
    question(notebook, 1).get_by_role("radio", name=label("B")).click()
    third = question(notebook, 3)
    third.get_by_role("checkbox", name=label("A")).check()
    third.get_by_role("checkbox", name=label("C")).check()
    expect(third).to_contain_text("Saved. Your answer: A, C.")
    fourth = question(notebook, 4)
    drag_step(page, fourth, "C", above="A")
    expect(fourth).to_contain_text("Saved. Your answer: C, A, B, D.")
    drag_step(page, fourth, "D", above="B")
    expect(fourth).to_contain_text("Saved. Your answer: C, A, D, B.")
    journey.shot("trainee", "quiz1-steps-dragged", fourth)
    question(notebook, 5).get_by_role("radio", name="False").click()
    expect(question(notebook, 5)).to_contain_text("Saved. Your answer: False.")
    question(notebook, 2).get_by_role("radio", name=label("A")).click()
    expect(question(notebook, 2)).to_contain_text("Saved. Your answer: A.")
    # a written answer is typed in the box under its question, as the quiz says: "double-click
    # it, click once more inside it so a blinking cursor shows, and write" (JupyterLab's
    # double-click shows the box's text without putting the cursor in it: keys typed then are
    # notebook commands, that turn the box into code or add cells)
    stub = notebook.locator(".jp-MarkdownCell").filter(has=page.locator(
        ".jp-RenderedMarkdown > p", has_text=re.compile(r"^YOUR ANSWER HERE$")))
    stub.scroll_into_view_if_needed()
    place = stub.get_attribute("data-windowed-list-index")  # the same cell, once edited
    box = notebook.locator(f'.jp-Cell[data-windowed-list-index="{place}"]')
    box.locator(".jp-RenderedMarkdown").dblclick()
    editor = box.locator(".cm-content")
    editor.click()
    expect(editor).to_be_focused()  # keys typed now are text
    page.keyboard.press("Control+a")
    page.keyboard.type(REFLECTION)
    expect(editor).to_have_text(REFLECTION)
    page.keyboard.press("Control+Enter")  # shows it as text again
    expect(box.locator(".jp-RenderedMarkdown")).to_have_text(REFLECTION)
    page.keyboard.press("Control+s")


def answer_by_keyboard(page: Page, notebook: Locator) -> None:
    """quiz2 by keyboard alone: Tab to a control, arrows, Space and Enter."""
    first = question(notebook, 1)
    tab_to(page, first.get_by_role("radio", name=label("A")))
    page.keyboard.press("ArrowDown")  # arrows move and choose within a one-answer question
    expect(first).to_contain_text("Saved. Your answer: B.")
    second = question(notebook, 2)
    tab_to(page, second.get_by_role("radio", name=label("A")))
    page.keyboard.press("ArrowUp")  # wraps round to D
    expect(second).to_contain_text("Saved. Your answer: D.")
    third = question(notebook, 3)
    for letter in "AC":
        tab_to(page, third.get_by_role("checkbox", name=label(letter)))
        page.keyboard.press("Space")
    expect(third).to_contain_text("Saved. Your answer: A, C.")
    fourth = question(notebook, 4)
    tab_to(page, fourth.get_by_role("button", name=f"Move up: {label('C')}"))
    page.keyboard.press("Enter")
    expect(fourth).to_contain_text("Saved. Your answer: A, C, B, D.")
    page.keyboard.press("Enter")  # the focus stays with the step that moved
    expect(fourth).to_contain_text("Saved. Your answer: C, A, B, D.")
    tab_to(page, fourth.get_by_role("button", name=f"Move up: {label('D')}"))
    page.keyboard.press("Enter")
    expect(fourth).to_contain_text("Saved. Your answer: C, A, D, B.")
    fifth = question(notebook, 5)
    tab_to(page, fifth.get_by_role("radio", name="True"))
    page.keyboard.press("ArrowDown")
    expect(fifth).to_contain_text("Saved. Your answer: False.")


def no_instructor_tools(page: Page, server: Jupyter) -> None:
    """The trainee's JupyterLab: the Assignment List, no Formgrader, no Create Assignment."""
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    menu = page.locator(".lm-Menu").last
    expect(menu.get_by_role("menuitem", name="Assignment List")).to_be_visible()
    for tool in ("Formgrader", "Create assignment", "Course List"):
        expect(menu.get_by_role("menuitem", name=re.compile(tool, re.I))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.get_by_text(re.compile("create assignment", re.I))).to_have_count(0)
    assert page.request.get(server.url("/formgrader")).status == 404  # nor behind the menu


def no_news_prompt(page: Page) -> None:
    """No "Would you like to receive official Jupyter news?" (without the trainee config it
    shows as soon as JupyterLab has started)."""
    expect(page.get_by_text(re.compile("Jupyter news", re.I))).to_have_count(0)


# --- the journey --------------------------------------------------------------------------

def test_instructor_releases_trainee_answers_submits_and_reads_feedback(
        journey: Journey, tmp_path: Path):
    root = factory.curriculum(tmp_path / "curriculum", [
        factory.bank("quiz1"), factory.bank("quiz2", factory.mixed_items("k")[:5])])
    course = init_course(tmp_path / "course", source_root=root)
    trainee_home, instructor_home = tmp_path / "trainee", tmp_path / "instructor"
    work = trainee_home / "work"
    work.mkdir(parents=True)
    peercert("trainee-config", "--exchange", str(course / "exchange"), "--student-id", TRAINEE,
             "--config-dir", str(trainee_home / "jupyter-config"))
    instructor, trainee = journey.pages["instructor"], journey.pages["trainee"]

    with jupyter("server", course, instructor_home, env=ENV) as teach, \
            jupyter("lab", work, trainee_home, *LAB_OFFLINE, env=ENV) as learn:
        journey.servers.update(instructor=teach, trainee=learn)

        # 1. the instructor generates and releases both quizzes in Formgrader
        instructor.goto(teach.url("/formgrader/manage_assignments"))
        for quiz in ("quiz1", "quiz2"):
            formgrader_action(instructor, quiz, "assign")
            formgrader_action(instructor, quiz, "release")
            row = instructor.locator("#main-table tr").filter(
                has=instructor.locator(f'td.name[data-order="{quiz}"]'))
            expect(row.locator("td.status")).to_have_text("released")
        journey.shot("instructor", "released")

        # 2. the trainee's JupyterLab: the Assignment List, no instructor tools, no news prompt
        trainee.goto(learn.url("/lab"))
        expect(trainee.get_by_role("menuitem", name="Nbgrader", exact=True)).to_be_visible()
        no_instructor_tools(trainee, learn)
        trainee.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        trainee.get_by_role("menuitem", name="Assignment List").click()
        released = trainee.locator("#released_assignments_list")
        expect(released.locator(".list_item")).to_have_count(2)
        journey.shot("trainee", "assignment-list")
        fetch(trainee, "quiz1")
        fetch(trainee, "quiz2")
        journey.shot("trainee", "fetched")

        # 3. quiz1, every item type by clicking; Validate says plainly what cannot be read
        quiz1 = work / "quiz1" / "quiz1.ipynb"
        notebook = open_quiz(trainee, "quiz1", items=5)
        question(notebook, 1).get_by_role("radio", name=label("B")).click()
        expect(question(notebook, 1)).to_contain_text("Saved. Your answer: B.")
        dialog = validate(notebook)
        expect(dialog).to_contain_text("Question 2 has no answer yet: choose one letter, A to D.")
        expect(dialog).not_to_contain_text("Traceback")
        expect(dialog).not_to_contain_text("Error")
        journey.shot("trainee", "validate-explains")
        close_dialog(dialog)
        answer_by_clicking(journey, notebook)
        journey.shot("trainee", "quiz1-answered")
        dialog = validate(notebook)  # it saves first: the written answer too
        expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
        journey.shot("trainee", "quiz1-validated")
        close_dialog(dialog)
        wait_for("quiz1's answers on disk", lambda: answers_on_disk(quiz1) == CLICKED
                 and reflection_text(quiz1).get("t-06", "").strip() == REFLECTION)
        submit(trainee, "quiz1")

        # 4. quiz2 by keyboard alone
        quiz2 = work / "quiz2" / "quiz2.ipynb"
        notebook = open_quiz(trainee, "quiz2", items=5)
        answer_by_keyboard(trainee, notebook)
        journey.shot("trainee", "quiz2-by-keyboard")
        dialog = validate(notebook)
        expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
        close_dialog(dialog)
        wait_for("quiz2's answers on disk", lambda: answers_on_disk(quiz2) == KEYED)
        # no notebook shortcut fired on the keys above: no cell added, moved or deleted
        assert len(nbformat.read(quiz2, as_version=4).cells) == 16
        submit(trainee, "quiz2")
        journey.shot("trainee", "submitted")

        # 5. the instructor collects (stock nbgrader), grades and releases feedback (peercert)
        for quiz, answers in (("quiz1", CLICKED), ("quiz2", KEYED)):
            nbgrader(course, instructor_home, "collect", quiz)
            collected = course / "submitted" / TRAINEE / quiz / f"{quiz}.ipynb"
            assert answers_on_disk(collected) == answers  # Submit sent the latest answers
            peercert("grade", quiz, "--course", str(course))
            assert "released 1 page(s)" in peercert("feedback", quiz, "--course", str(course),
                                                    "--release")
        for quiz, score in (("quiz2", "7 / 7"), ("quiz1", "6 / 11")):
            instructor.goto(teach.url(f"/formgrader/manage_submissions/{quiz}"))
            row = instructor.locator("tr").filter(
                has=instructor.locator(".student-id", has_text=TRAINEE))
            expect(row.locator(".score")).to_have_text(score)  # quiz1's reflection waits
        journey.shot("instructor", "graded")

        # 6. the trainee fetches quiz1's feedback and reads each item's points and reasons
        assignments_tab(trainee)
        trainee.locator("#refresh_assignments_list").click()
        submitted = trainee.locator("#submitted_assignments_list > .list_item").filter(
            has_text="quiz1")
        expect(submitted).to_contain_text("(feedback available to fetch)")
        submitted.get_by_role("button", name="Fetch Feedback").click()
        view = submitted.get_by_text("(view feedback)")
        expect(view).to_be_visible()
        journey.shot("trainee", "feedback-fetched")
        view.click()  # the file browser goes to quiz1/feedback/<time>/
        trainee.locator(".jp-DirListing-item", has_text="quiz1.html").dblclick()
        page = trainee.frame_locator(".jp-HTMLViewer:not(.lm-mod-hidden) iframe")
        expect(page.locator("h1")).to_contain_text("Your feedback: Test quiz quiz1")
        expect(page.locator("#score ~ p.big")).to_contain_text("6 of 11")
        for n, (points, reasons) in FEEDBACK.items():
            item = page.locator("article.item").filter(has=page.locator(f"#q{n}"))
            expect(item.locator("h3")).to_have_text(f"Question {n} ({points})")
            for reason in reasons:
                expect(item).to_contain_text(reason)
        journey.shot("trainee", "feedback")
        journey.shot("trainee", "feedback-question-2", page.locator("article.item").filter(
            has=page.locator("#q2")))
        no_news_prompt(trainee)
    assert journey.offsite == []

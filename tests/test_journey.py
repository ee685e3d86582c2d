"""The whole trainee journey in Debian's Chromium, with two users on one machine.

An instructor (JupyterLab in the course, with Formgrader) and a trainee (JupyterLab in a home
of their own, set up with ``peercert trainee-config``: the course's exchange, no instructor
tools, no news prompt) run separate Jupyter servers that share the course exchange. The
instructor releases two quizzes; the trainee fetches them from the Assignment List, answers
every item type of one by clicking and the other by keyboard alone, validates (a plain
sentence for an answer that cannot be read), and submits; the instructor collects, grades
with ``peercert grade`` and releases feedback; the trainee fetches it and reads each item's
points and the reasons. Screenshots of every step are saved under
``test-artifacts/browser/journey/``; a failure prints both browsers' consoles.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import factory
import pytest
from conftest import COURSE_ENV
from test_browser import LAB_OFFLINE, Jupyter, browser, isolated_env, jupyter  # noqa: F401
from test_quiz_browser import ARTIFACTS, drag_step, label, question, tab_to
from typer.testing import CliRunner

from peercert.cli import app
from peercert.course import init_course
from peercert_trainee.config import write_trainee_config

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader, pytest.mark.slow]

TRAINEE = "trainee1"
BIN = Path(os.sys.executable).parent  # nbgrader runs `alembic` from here


@contextmanager
def server_as(user: str, command: str, root: Path, home: Path) -> Iterator[Jupyter]:
    """A Jupyter server run as ``user`` (nbgrader knows the trainee by the login name)."""
    import test_browser

    def env(home: Path) -> dict[str, str]:
        out = isolated_env(home)
        out.update(USER=user, LOGNAME=user, PATH=f"{BIN}{os.pathsep}{out.get('PATH', '')}")
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(test_browser, "isolated_env", env)
        with jupyter(command, root, home, *LAB_OFFLINE) as server:
            yield server


class Journey:
    """Two browser pages, and the screenshots and console of the whole journey."""

    def __init__(self, browser: Browser, folder: Path) -> None:
        self.folder, self.steps, self.console = folder, 0, []
        self.pages = {}
        for who in ("instructor", "trainee"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(60_000)
            page = context.new_page()
            page.on("console", lambda m, who=who: self.console.append(f"{who} [{m.type}] {m.text}"))
            page.on("pageerror", lambda e, who=who: self.console.append(f"{who} [error] {e}"))
            self.pages[who] = page

    def shot(self, who: str, name: str, target: Locator | None = None) -> None:
        self.steps += 1
        (target or self.pages[who]).screenshot(path=self.folder / f"{self.steps:02d}-{who}-{name}.png")


@pytest.fixture
def journey(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Journey]:
    folder = ARTIFACTS / "journey"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    trip = Journey(browser, folder)
    yield trip
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for who in trip.pages:
            trip.shot(who, "failure")
        print("\n--- browser consoles ---\n" + "\n".join(trip.console))
    for page in trip.pages.values():
        page.context.close()


# --- the instructor, in Formgrader ---------------------------------------------------------

def formgrader_action(page: Page, quiz: str, column: str) -> None:
    """Click a quiz's action in Manage Assignments and close the log it shows."""
    row = page.locator("#main-table tr").filter(has=page.locator(f'td.name[data-order="{quiz}"]'))
    row.locator(f"td.{column} a").click()
    modal = page.locator("#success-modal")
    expect(modal).to_be_visible()
    modal.get_by_role("button", name="Close").first.click()
    expect(modal).to_have_count(0)


# --- the trainee, in the Assignment List ---------------------------------------------------

def assignment_list(page: Page) -> Locator:
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Assignment List").click()
    panel = page.locator("#assignments_list_info").locator("xpath=ancestor::div[contains("
                                                           "@class, 'lm-Widget')][1]")
    expect(page.locator("#released_assignments_list")).to_be_visible()
    return panel


def refresh(page: Page) -> None:
    page.locator("#refresh_assignments_list").click()


def fetch(page: Page, quiz: str) -> None:
    released = page.locator("#released_assignments_list .list_item").filter(has_text=quiz)
    released.get_by_role("button", name="Fetch").click()
    expect(page.locator("#fetched_assignments_list .list_item").filter(has_text=quiz).first
           ).to_be_visible()
    print(page.locator("#fetched_assignments_list").inner_html())


def open_quiz(page: Page, quiz: str) -> None:
    row = page.locator("#fetched_assignments_list .list_item").filter(has_text=quiz).first
    row.locator("a", has_text=quiz).first.click()  # shows the quiz's notebooks
    page.locator(f"#fetched_assignments_list a.item_link:text-is('{quiz}')").first.click()
    expect(page.locator(".peercert-Answer").first).to_be_attached()


def submit(page: Page, quiz: str) -> None:
    row = page.locator("#fetched_assignments_list .list_item").filter(has_text=quiz).first
    row.get_by_role("button", name="Submit").click()
    expect(page.locator("#submitted_assignments_list .list_item").filter(has_text=quiz)
           ).to_have_count(1)


def validate(page: Page) -> Locator:
    page.locator(".jp-NotebookPanel:visible").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results")
    return dialog


def test_instructor_releases_trainee_answers_submits_and_reads_feedback(
        journey: Journey, tmp_path: Path):
    with pytest.MonkeyPatch.context() as mp:
        for name in COURSE_ENV:
            mp.delenv(name, raising=False)
        root = factory.curriculum(tmp_path / "curriculum", [
            factory.bank("quiz1"), factory.bank("quiz2", factory.mixed_items("k")[:5])])
        course = init_course(tmp_path / "course", source_root=root)
    trainee_home = tmp_path / "trainee"
    (trainee_home / "work").mkdir(parents=True)
    write_trainee_config(trainee_home / "jupyter-config", course / "exchange", "peercert")
    instructor, trainee = journey.pages["instructor"], journey.pages["trainee"]

    with server_as("instructor", "lab", course, tmp_path / "instructor") as teach, \
            server_as(TRAINEE, "lab", trainee_home / "work", trainee_home) as learn:
        # 1. the instructor generates and releases both quizzes in Formgrader
        instructor.goto(teach.url("/formgrader"))
        for quiz in ("quiz1", "quiz2"):
            formgrader_action(instructor, quiz, "assign")
            formgrader_action(instructor, quiz, "release")
        journey.shot("instructor", "released")

        # 2. the trainee's JupyterLab: no instructor tools, no news prompt
        trainee.goto(learn.url("/lab"))
        expect(trainee.locator("#jp-main-statusbar")).to_be_visible()
        trainee.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        menu = trainee.locator(".lm-Menu").last
        expect(menu).to_contain_text("Assignment List")
        expect(menu).not_to_contain_text("Formgrader")
        trainee.keyboard.press("Escape")
        expect(trainee.get_by_text("Create Assignment")).to_have_count(0)
        expect(trainee.locator(".jp-Notification-Toast")).to_have_count(0)
        assignment_list(trainee)
        journey.shot("trainee", "assignment-list")
        fetch(trainee, "quiz1")
        fetch(trainee, "quiz2")
        journey.shot("trainee", "fetched")

        # 3. quiz1, every item type by clicking; Validate explains a missing answer plainly
        open_quiz(trainee, "quiz1")
        question(trainee, 1).get_by_role("radio", name=label("B")).click()
        question(trainee, 3).get_by_role("checkbox", name=label("A")).check()
        question(trainee, 3).get_by_role("checkbox", name=label("C")).check()
        dialog = validate(trainee)
        expect(dialog).to_contain_text("Question 2 has no answer yet: choose one letter, A to D.")
        expect(dialog).not_to_contain_text("Traceback")
        journey.shot("trainee", "validate-explains", dialog)
        dialog.get_by_role("button", name="Ok").click()
        question(trainee, 2).get_by_role("radio", name=label("D")).click()
        drag_step(trainee, question(trainee, 4), "C", above="A")
        drag_step(trainee, question(trainee, 4), "D", above="B")
        question(trainee, 5).get_by_role("radio", name="False").click()
        expect(question(trainee, 5)).to_contain_text("Saved. Your answer: False.")
        reflection = trainee.locator(".jp-MarkdownCell").filter(has_text="YOUR ANSWER HERE")
        reflection.scroll_into_view_if_needed()
        reflection.dblclick()
        trainee.keyboard.press("Control+a")
        trainee.keyboard.type("I would say no kindly and offer another way to help.")
        trainee.keyboard.press("Shift+Enter")
        trainee.keyboard.press("Control+s")
        journey.shot("trainee", "quiz1-answered")
        dialog = validate(trainee)
        expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
        journey.shot("trainee", "quiz1-validated", dialog)
        dialog.get_by_role("button", name="Ok").click()
        trainee.locator(".lm-TabBar-tab", has_text="Assignments").click()
        submit(trainee, "quiz1")

        # 4. quiz2 by keyboard alone
        open_quiz(trainee, "quiz2")
        keyboard_answers(trainee)
        journey.shot("trainee", "quiz2-by-keyboard")
        dialog = validate(trainee)
        expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
        dialog.get_by_role("button", name="Ok").click()
        trainee.locator(".lm-TabBar-tab", has_text="Assignments").click()
        submit(trainee, "quiz2")
        journey.shot("trainee", "submitted")

        # 5. the instructor collects, grades with peercert, releases feedback
        instructor.reload()
        for quiz in ("quiz1", "quiz2"):
            formgrader_action(instructor, quiz, "collect")
            done = CliRunner().invoke(app, ["grade", quiz, "--course", str(course)])
            assert done.exit_code == 0, done.output
            formgrader_action(instructor, quiz, "generate-feedback")
            formgrader_action(instructor, quiz, "release-feedback")
        instructor.goto(teach.url("/formgrader/manage_submissions/quiz2"))
        row = instructor.locator("tr").filter(has=instructor.locator(".student-id",
                                                                     has_text=TRAINEE))
        expect(row.locator(".score")).to_have_text("7 / 7")  # quiz2: every answer right
        instructor.goto(teach.url("/formgrader/manage_submissions/quiz1"))
        expect(row.locator(".score")).to_have_text("7 / 11")  # the reflection waits
        journey.shot("instructor", "graded")

        # 6. the trainee fetches feedback: each item's points and reasons
        trainee.locator(".lm-TabBar-tab", has_text="Assignments").click()
        refresh(trainee)
        submitted = trainee.locator("#submitted_assignments_list .list_item").filter(
            has_text="quiz1").first
        submitted.get_by_role("button", name="Fetch Feedback").click()
        link = submitted.get_by_role("link", name=re.compile("view feedback", re.I))
        with trainee.context.expect_page() as opened:
            link.first.click()
        feedback = opened.value
        feedback.wait_for_load_state()
        expect(feedback.locator("body")).to_contain_text("Points: 1 of 1")
        expect(feedback.locator("body")).to_contain_text(
            "Why: B keeps the relationship focused on Maria's goals.")
        expect(feedback.locator("body")).to_contain_text("Why not A: A creates a problem.")
        feedback.screenshot(path=journey.folder / f"{journey.steps + 1:02d}-trainee-feedback.png",
                            full_page=True)


def keyboard_answers(page: Page) -> None:
    """quiz2's right answers, by keyboard alone (quiz2's items are quiz1's first five)."""
    tab_to(page, question(page, 1).get_by_role("radio", name=label("A")))
    page.keyboard.press("ArrowDown")  # B
    tab_to(page, question(page, 2).get_by_role("radio", name=label("A")))
    page.keyboard.press("ArrowUp")  # D
    for letter in "AC":
        tab_to(page, question(page, 3).get_by_role("checkbox", name=label(letter)))
        page.keyboard.press("Space")
    up_c = question(page, 4).get_by_role("button", name=f"Move up: {label('C')}")
    tab_to(page, up_c)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    tab_to(page, question(page, 4).get_by_role("button", name=f"Move up: {label('D')}"))
    page.keyboard.press("Enter")
    tab_to(page, question(page, 5).get_by_role("radio", name="True"))
    page.keyboard.press("ArrowDown")  # False
    expect(question(page, 5)).to_contain_text("Saved. Your answer: False.")
    expect(question(page, 4)).to_contain_text("Saved. Your answer: C, A, D, B.")

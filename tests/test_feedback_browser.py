"""Feedback in a browser: a trainee submits in JupyterLab's Assignment List, ``peercert
watch`` runs, the trainee fetches feedback there and opens it; and the pages themselves are
accessible (axe-core), fit a phone and print.

Screenshots go to the test's temporary folder, and also to ``$PEERCERT_SCREENSHOTS`` when
that is set (for a person to look at).
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import factory
import pytest
import test_browser
from conftest import COURSE_ENV, require_service
from test_browser import LAB_OFFLINE, Jupyter, Watch, jupyter

from peercert import simulate
from peercert.course import init_course, nbgrader_api, release_quizzes
from peercert.feedback import write_feedback
from peercert.grade import grade_quiz
from peercert.watch import Watcher

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the browser fixture skips (or fails in CI) first
    Page = expect = None

pytestmark = pytest.mark.browser
QUIZ = "boundaries"
# test_browser's fixtures: one Chromium per module (skips when missing), a fresh page each,
# and the record of what a page did wrong
browser = test_browser.browser
page = test_browser.page
watch = test_browser.watch


def save_screenshot(page: Page, folder: Path, name: str, **options) -> Path:
    path = folder / name
    page.screenshot(path=str(path), **options)
    if os.environ.get("PEERCERT_SCREENSHOTS"):
        dest = Path(os.environ["PEERCERT_SCREENSHOTS"])
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest / name)
    assert path.stat().st_size > 10_000
    return path


# --- the pages themselves: accessible, phone-sized, printable ------------------------------

@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course from the shipped curriculum (its modules, for review links) with one real
    quiz released, a small simulated cohort graded and their pages written."""
    with pytest.MonkeyPatch.context() as mp:
        for name in COURSE_ENV:
            mp.delenv(name, raising=False)
        course = init_course(tmp_path_factory.mktemp("shipped") / "course")
        release_quizzes(nbgrader_api(course), [QUIZ])
        from peercert.bank import load_bank

        bank = load_bank(course / "assignments" / f"{QUIZ}.yaml")
        keys = {item.id: getattr(item, "key", None) for item in bank.items}
        simulate.submit_cohort(course, QUIZ, simulate.cohort(6, seed=3), keys, seed=3)
        assert grade_quiz(course, QUIZ).ok
        assert len(write_feedback(course, QUIZ).written) == 6
    return course


def axe_script() -> Path:
    try:
        import axe_playwright_python
    except ImportError:
        require_service("axe-core (pip install axe-playwright-python)")
    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


def serious(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the open page."""
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("trainee", ["t0001", "t0004"])
def test_feedback_pages_are_accessible_fit_a_phone_and_print(shipped: Path, page: Page,
                                                            watch: Watch, trainee: str,
                                                            tmp_path: Path):
    html = shipped / "feedback" / trainee / QUIZ / f"{QUIZ}.html"
    page.set_viewport_size({"width": 360, "height": 740})  # a small phone
    page.goto(html.as_uri())
    expect(page.locator("h1")).to_contain_text("Your feedback: Quiz 6: Boundaries")
    expect(page.locator("#review")).to_be_visible()
    assert serious(page) == []
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 360  # nothing runs off the side of the screen
    assert page.locator("pre, code, textarea").count() == 0  # prose, no code boxes
    save_screenshot(page, tmp_path, f"feedback-{trainee}-phone.png", full_page=False)
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert watch.errors == [] and watch.offsite == []


# --- the whole trainee flow in JupyterLab ----------------------------------------------------

@pytest.fixture
def trainee_lab(tmp_path: Path) -> Iterator[tuple[Jupyter, Path, Path]]:
    """A course with one quiz released, and a trainee's JupyterLab on its exchange."""
    from conftest import make_course

    course = make_course(tmp_path / "instructor")
    home = tmp_path / "trainee"
    work = home / "work"
    work.mkdir(parents=True)
    config = (f"c = get_config()\nc.CourseDirectory.course_id = 'peercert'\n"
              f"c.Exchange.root = {str(course / 'exchange')!r}\n")
    (work / "nbgrader_config.py").write_text(config, encoding="utf-8")
    (home / "jupyter-config").mkdir(parents=True)
    (home / "jupyter-config" / "nbgrader_config.py").write_text(config, encoding="utf-8")
    settings = home / "jupyter-config/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    with jupyter("lab", work, home, *LAB_OFFLINE) as server:
        yield server, course, work


def test_trainee_submits_watch_returns_feedback_in_the_assignment_list(
        trainee_lab: tuple[Jupyter, Path, Path], page: Page, tmp_path: Path):
    server, course, work = trainee_lab
    page.goto(server.url("/lab"))
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    released = page.locator("#released_assignments_list")
    released.get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list")
    expect(fetched).to_contain_text("quiz1")

    # the trainee answers (typed into the notebook's answer boxes; written here as a file)
    notebook = work / "quiz1" / "quiz1.ipynb"
    import nbformat

    nbformat.write(factory.answer_notebook(notebook, factory.PATTERNS["partial"]), notebook)
    fetched.get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list")
    expect(submitted).to_contain_text("quiz1")

    assert Watcher(course).look() == 1  # peercert watch, one look
    trainee = getpass.getuser()
    assert (course / "feedback" / trainee / "quiz1" / "quiz1.html").exists()

    page.locator("#refresh_assignments_list").click()
    expect(submitted).to_contain_text("feedback available to fetch")
    submitted.get_by_role("button", name="Fetch Feedback").click()
    view = submitted.get_by_text("(view feedback)")
    expect(view).to_be_visible()
    view.click()  # the file browser goes to quiz1/feedback/<time>/
    page.locator(".jp-DirListing-item", has_text="quiz1.html").dblclick()
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_contain_text("Your feedback: Test quiz quiz1")
    expect(frame.locator("#score")).to_be_visible()
    expect(frame.locator("body")).to_contain_text("3 of 11 points")
    expect(frame.locator("body")).to_contain_text("Partly right")
    shot = save_screenshot(page, tmp_path, "feedback-in-jupyterlab.png")
    print(f"screenshot: {shot}")

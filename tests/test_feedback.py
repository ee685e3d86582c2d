"""``peercert feedback``: plain-language pages from the gradebook, with no code and no key
of an item that has no score, matching the gradebook's scores."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import factory
import nbformat
import pytest
from conftest import make_course
from nbgrader.api import Gradebook
from typer.testing import CliRunner

from peercert.bank import Bank
from peercert.build import build_notebook
from peercert.cli import app
from peercert.course import load_settings
from peercert.feedback import write_feedback
from peercert.feedback.content import parse_question
from peercert.grade import grade_quiz

pytestmark = pytest.mark.nbgrader
PATTERNS = factory.PATTERNS
CODE = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "check(", "check_format", "answer_",
        "'key'", '"key"', "rationale", "import ", "peercert.scoring", "def ", "<pre", "<code")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test course with every answer pattern submitted and ``peercert grade``-d."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("PEERCERT_DB_URL", "PEERCERT_EXCHANGE", "PEERCERT_COURSE_ID"):
            mp.delenv(name, raising=False)
        course = make_course(tmp_path_factory.mktemp("feedback"))
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for trainee, answers in PATTERNS.items():
        factory.submit(course, "quiz1", trainee, factory.answer_notebook(release, answers))
    assert grade_quiz(course, "quiz1").ok
    return course


@pytest.fixture
def course(graded: Path, tmp_path: Path) -> Path:
    """A copy of the graded course that a test may change."""
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    return copy


def page(course: Path, trainee: str) -> str:
    return (course / "feedback" / trainee / "quiz1" / "quiz1.html").read_text(encoding="utf-8")


def articles(text: str) -> dict[str, str]:
    """Item id -> the HTML of its question on a page."""
    return dict(re.findall(r'<article class="item" data-item="([^"]+)".*?>(.*?)</article>', text,
                           re.DOTALL))


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def gradebook(course: Path) -> dict[str, tuple[float, dict[str, tuple]]]:
    """Trainee -> (nbgrader's submission score, item -> (score, auto, manual, comment))."""
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        out = {}
        for sub in gb.find_assignment("quiz1").submissions:
            nb = sub.notebooks[0]
            comments = {c.name: c.manual_comment for c in nb.comments}
            out[sub.student.id] = (sub.score, {g.name: (g.score, g.auto_score, g.manual_score,
                                                        comments.get(g.name)) for g in nb.grades})
        return out


def test_question_cells_parse_back_to_the_bank():
    bank = Bank.model_validate(factory.bank())
    cells = {c.metadata["nbgrader"]["grade_id"]: c.source for c in build_notebook(bank).cells
             if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-question")}
    for n, item in enumerate(bank.items, 1):
        number, scenario, prompt, options, rubric = parse_question(cells[f"{item.id}-question"])
        assert (number, scenario, prompt) == (n, [item.scenario], item.prompt)
        assert options == getattr(item, "options", {})
        if item.type == "reflection":
            assert [(lv.points, lv.description) for lv in rubric] == [
                (lv.points, lv.description) for lv in item.rubric]


def test_pages_explain_in_plain_words_and_hold_no_code(graded: Path, tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    report = write_feedback(course, "quiz1")
    assert sorted(report.written) == sorted(PATTERNS) and report.skipped == []
    for trainee in PATTERNS:
        text = page(course, trainee)
        for code in CODE:
            assert code not in text, (trainee, code)
        assert '<html lang="en">' in text and 'name="viewport"' in text
    wrong = articles(page(course, "wrong"))
    t01 = visible(wrong["t-01"])  # answered A; key B
    assert "Not the best answer" in t01 and "A. Lend the money once." in t01
    assert "B. Say no kindly and explore options." in t01
    assert "B keeps the relationship focused on Maria's goals." in t01  # why
    assert "Why not A" in t01 and "A creates a problem." in t01  # why not what they chose
    assert "C creates a problem." not in t01  # only the options the trainee chose
    t03 = visible(articles(page(course, "partial"))["t-03"])  # chose A, B, C; key A, C
    assert "You chose A, B and C." in t03 and "The best answers are A and C." in t03
    assert "You chose it, but it is not one of the best answers." in t03
    assert "Why not: B blurs roles." in t03 and "D. Ignore the request. ✓ You left it out" in t03
    t04 = visible(articles(page(course, "partial"))["t-04"])  # A, D, B, C against C, A, D, B
    assert "Step 1: C." in t04 and "You put it fourth." in t04
    assert "3 of the 6 pairs of steps were in the best order" in t04
    blank = visible(articles(page(course, "blank"))["t-01"])
    assert "You did not answer this question." in blank and "No answer was given" in blank
    odd = visible(articles(page(course, "malformed"))["t-02"])  # answer_2 = D: a name, not data
    assert "We could not read your answer" in odd


def test_pages_match_the_gradebook(course: Path):
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:  # a grader's score and comment on one item
        grade = gb.find_grade("t-06", "quiz1", "quiz1", "right")
        grade.manual_score = 2.0
        comment = gb.find_comment("t-06", "quiz1", "quiz1", "right")
        comment.manual_comment = "Kind and clear. Name one option you could offer."
        gb.db.commit()
    write_feedback(course, "quiz1")
    for trainee, (total, items) in gradebook(course).items():
        text = page(course, trainee)
        assert f"{total:g} of 11 points" in visible(text)
        for item, body in articles(text).items():
            score, auto, manual, _ = items[item]
            shown = re.search(r"\((.*?)\)</span></h3>", body).group(1)
            if auto is None and manual is None:
                assert shown == "not scored yet (out of 4 points)"
            else:
                assert shown.startswith(f"{round(score, 2):g} of ")
    right = articles(page(course, "right"))["t-06"]
    assert 'class="reached"><strong>2 points:</strong> Partly clear.' in right
    assert "(your answer’s level)" in right
    assert "Kind and clear. Name one option you could offer." in right
    assert "I would say no kindly and offer another way." in right  # their own words
    for other in set(PATTERNS) - {"right"}:  # never another trainee's reflection
        assert "I would say no kindly and offer another way." not in page(course, other)


def test_an_item_without_a_score_shows_no_key(course: Path):
    s = load_settings(course)
    with Gradebook(s.db_url, s.course_id) as gb:
        grade = gb.find_grade("t-01", "quiz1", "quiz1", "wrong")
        grade.auto_score = None
        gb.db.commit()
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    factory.submit(course, "quiz1", "late", factory.answer_notebook(release, PATTERNS["right"]))
    report = write_feedback(course, "quiz1", ["wrong", "late"])
    assert report.written == ["wrong"]
    assert report.skipped == [("late", "no grades for quiz1 yet: run 'peercert grade quiz1' "
                                       "first")]
    assert not (course / "feedback" / "late").exists()  # no page before grading
    t01 = visible(articles(page(course, "wrong"))["t-01"])
    assert "Waiting for your instructor" in t01 and "not scored yet" in t01
    for hidden in ("best answer", "Why", "B. Say no kindly", "B keeps the relationship"):
        assert hidden not in t01


def test_a_newer_submission_waits_for_its_grades(course: Path):
    stamp = course / "submitted" / "wrong" / "quiz1" / "timestamp.txt"
    stamp.write_text("2026-11-21 08:00:00.000000 UTC", encoding="utf-8")
    report = write_feedback(course, "quiz1", ["wrong"])
    assert report.written == [] and "newer submission" in report.skipped[0][1]


MODULE_SECTIONS = {
    "## Money, loans and gifts": "A participant may ask to borrow money or offer you a loan. "
                                 "Say no kindly: lending money creates a dual relationship.",
    "## Holding a boundary kindly": "A kind no keeps the relationship focused on their goals.",
    "## Sources": "money loans lend dollars",
}


def _module(course: Path) -> None:
    cells = [nbformat.v4.new_markdown_cell("# Module 6: Boundaries")]
    cells += [nbformat.v4.new_markdown_cell(f"{h}\n\n{body}") for h, body in
              MODULE_SECTIONS.items()]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["peercert"] = {"id": "06-boundaries", "title": "Boundaries"}
    nbformat.write(nb, course / "modules" / "06-boundaries.ipynb")


def test_what_to_review_points_to_module_sections(course: Path):
    _module(course)
    write_feedback(course, "quiz1", ["wrong", "right"])
    review = page(course, "wrong").split('id="review"')[1].split("</section>")[0]
    assert "Module 6: Boundaries" in review
    # each missed question goes to the section closest in words (the rationale's words here)
    assert '<a href="../../../modules/06-boundaries.ipynb#Money,-loans-and-gifts">' in review
    assert '<a href="../../../modules/06-boundaries.ipynb#Holding-a-boundary-kindly">' in review
    assert "“Money, loans and gifts” (questions 4 and 5)" in visible(review)
    assert "“Holding a boundary kindly” (questions 1, 2, 3 and 6)" in visible(review)
    assert "Sources" not in review
    assert "Nothing for now" in visible(page(course, "right"))  # the reflection waits

    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as cfg:
        cfg.write('\nc.Peercert.feedback_modules = ""\n')
    write_feedback(course, "quiz1", ["wrong"])
    review = page(course, "wrong").split('id="review"')[1].split("</section>")[0]
    assert "Module 6: Boundaries" in review and "<a " not in review


def test_pages_are_the_same_bytes_when_written_again(course: Path):
    write_feedback(course, "quiz1")
    before = {p: p.read_bytes() for p in (course / "feedback").rglob("*") if p.is_file()}
    write_feedback(course, "quiz1")
    assert {p: p.read_bytes() for p in (course / "feedback").rglob("*") if p.is_file()} == before


def test_cli(course: Path):
    runner = CliRunner()
    done = runner.invoke(app, ["feedback", "quiz1", "--course", str(course)])
    assert done.exit_code == 0, done.output
    assert f"quiz1: wrote 5 feedback page(s) in {course / 'feedback'}" in done.output
    assert "1 with written answers still to be scored" in done.output
    done = runner.invoke(app, ["feedback", "quiz1", "--course", str(course), "--student", "ghost"])
    assert done.exit_code == 0 and "ghost: skipped: no grades for quiz1 yet" in done.output
    done = runner.invoke(app, ["feedback", "nope", "--course", str(course)])
    assert done.exit_code == 1 and "quiz 'nope' is not in the gradebook" in done.output
    done = runner.invoke(app, ["feedback", "--all", "--course", str(course)])
    assert done.exit_code == 0 and "quiz1: wrote 5" in done.output

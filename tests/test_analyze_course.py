"""Reading a course: chosen options from notebooks (never executed) and scores from the gradebook.

The course here is built with peercert's own library (``init_course``) and nbgrader's
Gradebook API, without running any nbgrader command, so these tests stay fast.
``make_course`` is shared with the CLI tests.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import factory
import nbformat
import pandas as pd
import pytest
import yaml

from peercert.analyze import NoGradedSubmissions, UnknownQuiz, load_course, run_analyze
from peercert.analyze.answers import literal_answer, read_answers, read_cell
from peercert.scoring import AnswerError, score

# t-01 single B, t-02 single D, t-03 multiple A,C (2 pts), t-04 ordering C,A,D,B (2 pts),
# t-05 true/false False, t-06 reflection (4 pts) -- see tests/factory.py
ANSWERS = {
    "ana": {"t-01": '"B"', "t-02": '"D"', "t-03": '"A, C"', "t-04": '"C, A, D, B"',
            "t-05": '"False"', "t-06": "A kind and clear no, then another way to help."},
    "ben": {"t-01": '"A"', "t-02": '"d"', "t-03": '"A, B, C"', "t-04": '"A, C, D, B"',
            "t-05": "True", "t-06": "Say no."},
    "cruz": {"t-01": '"B"', "t-02": '"C"', "t-03": '["A"]', "t-04": '"C, A"',
             "t-05": '"maybe"'},
    "dee": {"t-01": '"C"', "t-02": '"D"', "t-03": '"B"', "t-04": '"C, A, D, B"',
            "t-05": '"F"', "t-06": "I would listen first and then explain the boundary."},
}
REFLECTION = {"ana": 4.0, "ben": 2.0, "dee": None}  # cruz left it blank; dee not graded yet


def _typed(literal: str | None):
    """The value the item's hidden test sees, read as the grader reads the answer cell."""
    try:
        return literal_answer(f"answer = {literal}") if literal is not None else None
    except AnswerError:
        return None  # code such as a bare name D: not read, scores 0


def _add_grades(gb, bank, trainee: str, typed: dict[str, str]) -> None:
    gb.add_student(trainee)
    gb.add_submission("quiz1", trainee)
    for item in bank.items:
        grade = gb.find_grade(item.id, "quiz1", "quiz1", trainee)
        if item.type == "reflection":
            blank = item.id not in typed
            grade.auto_score = 0.0 if blank else None  # nbgrader's rule for untouched cells
            grade.needs_manual_grade = not blank
            grade.manual_score = None if blank else REFLECTION.get(trainee)
            continue
        spec = {"type": item.type, "points": item.points, "key": getattr(item, "key", None),
                "letters": "".join(getattr(item, "options", {}))}
        grade.auto_score = score(spec, _typed(typed.get(item.id)))
        grade.needs_manual_grade = False


def make_course(tmp_path: Path, answers: dict[str, dict[str, str]] = ANSWERS) -> Path:
    """A course with quiz1 answered and graded by ``answers`` (gradebook written directly)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    from peercert.bank import load_bank
    from peercert.course import init_course, load_settings

    root = factory.curriculum(tmp_path / "curriculum")
    course = init_course(tmp_path / "course", source_root=root)
    bank = load_bank(course / "assignments" / "quiz1.yaml")
    settings = load_settings(course)
    with warnings.catch_warnings(), Gradebook(settings.db_url, settings.course_id) as gb:
        # nbgrader's add_submission trips SQLAlchemy autoflush warnings; not ours to fix
        warnings.simplefilter("ignore", SAWarning)
        gb.add_assignment("quiz1")
        gb.add_notebook("quiz1", "quiz1")
        for item in bank.items:
            kind = "markdown" if item.type == "reflection" else "code"
            gb.add_grade_cell(item.id, "quiz1", "quiz1", max_score=item.points, cell_type=kind)
        for trainee, typed in answers.items():
            _add_grades(gb, bank, trainee, typed)
        gb.db.commit()
    source = course / "source" / "quiz1" / "quiz1.ipynb"
    for trainee, typed in answers.items():
        factory.submit(course, "quiz1", trainee, factory.answer_notebook(source, typed))
    return course


@pytest.fixture(scope="session")
def graded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: creating an nbgrader gradebook costs seconds (alembic)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("PEERCERT_DB_URL", "PEERCERT_COURSE_ID"):  # keep the course's own SQLite
            mp.delenv(name, raising=False)
        return make_course(tmp_path_factory.mktemp("template"))


@pytest.fixture
def graded(graded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the graded course for each test (paths in its config are relative)."""
    monkeypatch.delenv("PEERCERT_DB_URL", raising=False)
    monkeypatch.delenv("PEERCERT_COURSE_ID", raising=False)
    return Path(shutil.copytree(graded_template, tmp_path / "course"))


@pytest.mark.parametrize(("source", "expected"), [
    ('answer_1 = "B"', "B"), ("answer_1 = ['A', 'C']", ["A", "C"]), ("x: str = 'A'", "A"),
    ('# note\nanswer_1 = ""\nanswer_1 = "C"', "C"), ("answer_1 = True", True),
])
def test_literal_answer(source, expected):
    assert literal_answer(source) == expected


@pytest.mark.parametrize("source", [
    "answer_1 = ", "answer_1 = D", "answer_1 = __import__('os').system('echo hi')",
    "print('hi')", "", "answer_1 = f'{x}'",
])
def test_unreadable_answers_are_never_executed(source):
    with pytest.raises(AnswerError):
        literal_answer(source)


@pytest.mark.parametrize(("source", "kind", "letters", "expected"), [
    ('a = "b"', "single", "ABCD", ("B", False)),
    ('a = "C, A"', "multiple", "ABCD", ("A,C", False)),
    ('a = "C A D B"', "ordering", "ABCD", ("C,A,D,B", False)),
    ('a = "no"', "truefalse", "", ("False", False)),
    ('a = ""', "single", "ABCD", (None, True)),
    ('a = "Z"', "single", "ABCD", (None, True)),
    ('a = "A, B"', "ordering", "ABCD", (None, True)),
])
def test_read_cell_normalizes_like_the_grader(source, kind, letters, expected):
    assert read_cell(source, kind, letters) == expected


def test_read_answers_from_a_notebook(tmp_path: Path):
    cells = [nbformat.v4.new_code_cell('answer_1 = "b"', metadata={"peercert": {
                 "item": "x1", "role": "answer", "type": "single", "letters": "ABCD"}}),
             nbformat.v4.new_code_cell("check(answer_1)", metadata={"peercert": {
                 "item": "x1", "role": "test"}}),
             nbformat.v4.new_markdown_cell("my reflection", metadata={"peercert": {
                 "item": "x2", "role": "answer", "type": "reflection"}})]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    found = read_answers(path, {})
    assert [(a.item_id, a.answer, a.omitted) for a in found] == [("x1", "B", False)]


def test_load_course_reads_scores_and_choices(graded: Path):
    data, quizzes = load_course(graded, ["quiz1"])
    assert quizzes == ["quiz1"] and data.warnings == ()
    r = data.responses.set_index(["trainee", "item_id"])
    assert r.loc[("ana", "t-03"), "answer"] == "A,C" and r.loc[("ana", "t-03"), "score"] == 2
    assert r.loc[("ben", "t-02"), "answer"] == "D"  # "d" normalized
    assert r.loc[("ben", "t-05"), "answer"] == "True"  # a bare True literal
    assert bool(r.loc[("cruz", "t-05"), "omitted"])  # "maybe" cannot be read
    assert bool(r.loc[("cruz", "t-04"), "omitted"])  # an incomplete order
    assert r.loc[("dee", "t-05"), "answer"] == "False"
    assert r.loc[("ana", "t-06"), "score"] == 4.0
    assert pd.isna(r.loc[("dee", "t-06"), "score"])  # not graded yet: not a zero
    assert bool(r.loc[("cruz", "t-06"), "omitted"]) and r.loc[("cruz", "t-06"), "score"] == 0


def test_run_analyze_writes_every_output(graded: Path, tmp_path: Path):
    result = run_analyze(graded, ["quiz1"], tmp_path / "out")
    names = sorted(p.name for p in result.files["quiz1"])
    assert names == ["competency-mastery.csv", "distractors.csv", "item-analysis.csv",
                     "quiz-summary.csv", "report.html", "score-distribution.csv"]
    items = pd.read_csv(tmp_path / "out" / "item-analysis.csv")
    assert list(items["item_id"]) == ["t-01", "t-02", "t-03", "t-04", "t-05", "t-06"]
    assert {"difficulty", "point_biserial"} <= set(items.columns)
    # t-01: ana B, ben A, cruz B, dee C -> 2 of 4
    assert items.set_index("item_id").loc["t-01", "difficulty"] == pytest.approx(0.5)
    mastery = pd.read_csv(tmp_path / "out" / "competency-mastery.csv")
    assert set(mastery["trainee"]) == {"ana", "ben", "cruz", "dee"}
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Test quiz quiz1" in html and "<img src=\"data:image/png;base64," in html


def test_default_output_folder_is_inside_the_course(graded: Path):
    result = run_analyze(graded, ["quiz1"])
    assert result.files["quiz1"][0].parent == graded / "reports" / "analysis" / "quiz1"


def test_unknown_quiz_and_ungraded_course(graded: Path, tmp_path: Path):
    with pytest.raises(UnknownQuiz, match="unknown quiz 'nope'; quizzes in this course: quiz1"):
        load_course(graded, ["nope"])
    from peercert.course import init_course

    empty = init_course(tmp_path / "empty", source_root=factory.curriculum(tmp_path / "c2"))
    with pytest.raises(NoGradedSubmissions, match="no graded submissions yet"):
        load_course(empty, ["quiz1"])
    assert not (empty / "gradebook.db").exists()  # looking must not create a gradebook


def test_unreadable_notebook_is_reported_not_fatal(graded: Path):
    nb = graded / "submitted" / "ben" / "quiz1" / "quiz1.ipynb"
    nb.write_text("{ not json", encoding="utf-8")
    data, _ = load_course(graded, ["quiz1"])
    assert any("ben/quiz1" in w for w in data.warnings)
    ben = data.responses[data.responses["trainee"] == "ben"]
    assert ben["score"].notna().any() and ben["answer"].isna().all()


def test_submitted_notebooks_are_not_modified(graded: Path):
    path = graded / "submitted" / "ana" / "quiz1" / "quiz1.ipynb"
    before = json.loads(path.read_text())
    run_analyze(graded, ["quiz1"], write=False)
    assert json.loads(path.read_text()) == before


def test_a_renamed_quiz_keeps_its_earlier_grades(graded: Path):
    # A bank renamed to the course's own words lists its old id in `formerly`: the gradebook's
    # rows (and submitted notebooks) under the old name are read as the new quiz.
    old = graded / "assignments" / "quiz1.yaml"
    data = yaml.safe_load(old.read_text(encoding="utf-8"))
    data.update(quiz="quiz-renamed", formerly=["quiz1"])
    old.unlink()
    factory.write_bank(graded / "assignments", data)
    loaded, quizzes = load_course(graded, ["quiz-renamed"])
    assert quizzes == ["quiz-renamed"] and set(loaded.responses["quiz"]) == {"quiz-renamed"}
    r = loaded.responses.set_index(["trainee", "item_id"])
    assert r.loc[("ana", "t-03"), "answer"] == "A,C" and r.loc[("ana", "t-03"), "score"] == 2

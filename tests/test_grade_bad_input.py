"""Bad submissions: each gets a clear reason; nothing is lost; the rest is graded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import factory
import nbformat
import pytest
from typer.testing import CliRunner

from peercert.cli import app
from peercert.grade import NotReleased, grade_quiz
from peercert.grade.status import load_status

pytestmark = pytest.mark.nbgrader
RIGHT = {"t-01": '"B"', "t-02": '"D"', "t-03": '"A, C"', "t-04": '"C, A, D, B"', "t-05": '"False"'}


def _release(course: Path) -> Path:
    return course / "release" / "quiz1" / "quiz1.ipynb"


def _good(course: Path, trainee: str = "good") -> None:
    factory.submit(course, "quiz1", trainee, factory.answer_notebook(_release(course), RIGHT))


def _digest(course: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((course / "submitted").rglob("*")) if p.is_file()}


def _by_trainee(report):
    return {r.trainee: r for r in report.results}


def test_broken_notebooks_fail_with_reasons_and_others_are_graded(course):
    _good(course)
    nb = factory.answer_notebook(_release(course), RIGHT)
    folder = factory.submit(course, "quiz1", "truncated", nb)
    text = (folder / "quiz1.ipynb").read_text()
    (folder / "quiz1.ipynb").write_text(text[: len(text) // 2])
    folder = factory.submit(course, "quiz1", "missing", nbformat.v4.new_notebook())
    (folder / "quiz1.ipynb").unlink()
    (folder / "extra.ipynb").write_text("{}")
    before = _digest(course)
    report = grade_quiz(course, "quiz1")
    res = _by_trainee(report)
    assert res["good"].status == "graded" and res["good"].score == 7.0
    assert res["truncated"].status == "failed"
    reason = res["truncated"].reasons[0]
    assert "quiz1.ipynb: not a valid notebook (truncated or not JSON)" in reason
    assert res["missing"].status == "failed" and "notebook is missing" in res["missing"].reasons[0]
    assert _digest(course) == before
    assert load_status(course, "quiz1")["truncated"]["score"] is None  # never a plain 0


def test_code_in_an_answer_cell_is_never_run(course, tmp_path):
    marker = tmp_path / "pwned.txt"
    code = f'import os\nopen({str(marker)!r}, "w").write("x")\nanswer_1 = "B"'
    nb = factory.answer_notebook(_release(course), {**RIGHT, "t-01:cell": code})
    factory.submit(course, "quiz1", "sneaky", nb)
    report = grade_quiz(course, "quiz1")
    [res] = report.results
    assert not marker.exists()
    assert res.status == "needs review" and res.items["t-01"].score == 0.0
    assert "answer cell for t-01 has code that peercert does not run" in res.reasons[0]
    assert res.items["t-02"].score == 1.0


def test_deleted_duplicated_and_edited_cells(course):
    nb = factory.answer_notebook(_release(course), RIGHT)
    test_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "t-02"]
    nb.cells.remove(test_cells[0])  # deleted grade cell
    t3 = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "t-03")
    t3.source = "print('all good')\n1.0"  # edited hidden-test cell
    dup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "t-04")
    nb.cells.append(nbformat.from_dict(json.loads(json.dumps(dup))))
    nb.cells[-1].id = "dup-cell"
    factory.submit(course, "quiz1", "editor", nb)
    [res] = grade_quiz(course, "quiz1").results
    text = "; ".join(res.reasons)
    assert "grade cell t-02 was deleted; restored from the source" in text
    assert "grade cell t-03 was edited; restored from the source" in text
    assert "duplicates grade cell t-04" in text and res.status == "needs review"
    # scored from the answer, as nbgrader's restored cell would
    assert res.items["t-02"].score == 1.0
    assert res.items["t-03"].score == 2.0


def test_huge_outputs_are_ignored(course):
    nb = factory.answer_notebook(_release(course), RIGHT)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="x" * 2_000_000)]
    factory.submit(course, "quiz1", "noisy", nb)
    [res] = grade_quiz(course, "quiz1").results
    assert res.status == "graded" and res.score == 7.0
    graded = (course / "autograded" / "noisy" / "quiz1" / "quiz1.ipynb").stat().st_size
    assert graded < 200_000


def test_bad_trainee_ids_and_unknown_trainee(course):
    _good(course)
    report = grade_quiz(course, "quiz1", students=["../x", "nobody", "good"])
    res = _by_trainee(report)
    assert "'../x' is not a valid trainee id" in res["../x"].reasons[0]
    assert "no submission in" in res["nobody"].reasons[0]
    assert res["good"].status == "graded"


def test_unreleased_quiz_is_a_clear_error(course):
    with pytest.raises(NotReleased, match="quiz 'quiz9' is not in the gradebook"):
        grade_quiz(course, "quiz9")
    out = CliRunner().invoke(app, ["grade", "quiz9", "--course", str(course)])
    assert out.exit_code == 1 and "not in the gradebook" in out.output


def test_cli_summary_and_exit_status(course):
    _good(course)
    folder = factory.submit(course, "quiz1", "broken", nbformat.v4.new_notebook())
    (folder / "quiz1.ipynb").write_text("not json")
    out = CliRunner().invoke(app, ["grade", "quiz1", "--course", str(course)])
    assert out.exit_code == 1
    assert "graded 1, needs review 0, failed 1" in out.output
    status = CliRunner().invoke(app, ["status", "quiz1", "--course", str(course)])
    assert status.exit_code == 0 and "failed" in status.output


def test_execute_unsafe_hands_review_cases_to_stock_autograde(course):
    nb = factory.answer_notebook(_release(course), {**RIGHT, "t-01:cell": 'answer_1 = "b".upper()'})
    factory.submit(course, "quiz1", "coder", nb)
    out = CliRunner().invoke(app, ["grade", "quiz1", "--course", str(course), "--execute-unsafe"])
    assert out.exit_code == 0, out.output
    st = load_status(course, "quiz1")["coder"]
    assert st["status"] == "graded" and "stock nbgrader autograde" in st["reasons"][-1]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "peercert") as gb:
        assert gb.find_submission("quiz1", "coder").score == 7.0
    assert st["score"] == 7.0  # the status shows stock autograde's score, not the static 0


def test_progress_reports_the_total_first_then_each_submission(course):
    _good(course, "a")
    _good(course, "b")
    calls: list[tuple[int, int]] = []
    grade_quiz(course, "quiz1", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 2), (1, 2), (2, 2)]


def test_cli_grades_every_quiz_with_submissions(course):
    out = CliRunner().invoke(app, ["grade", "--all", "--course", str(course)])
    assert out.exit_code == 1 and "no released quiz" in out.output
    out = CliRunner().invoke(app, ["grade", "--course", str(course)])
    assert out.exit_code == 1 and "name a quiz to grade, or pass --all" in out.output
    _good(course)
    out = CliRunner().invoke(app, ["grade", "--all", "--course", str(course)])
    assert out.exit_code == 0, out.output
    assert "quiz1: graded 1, needs review 0, failed 0" in out.output
    assert load_status(course, "quiz1")["good"]["status"] == "graded"

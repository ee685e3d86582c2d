"""The one factory for test data: item banks, quiz notebooks and answered submissions.

Built from plain dicts and ``nbformat.v4`` helpers so every test describes only what it
changes. ``answers`` maps item ids to what a trainee typed (a literal's source text).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import nbformat
import yaml

from peercert.answers import typed_literal, with_answer

TAGS = {"competencies": ["C1"], "domain": "ethical-responsibility", "module": "06-boundaries"}


def single(item_id: str, key: str = "B", points: float = 1, **extra: Any) -> dict[str, Any]:
    options = {"A": "Lend the money once.", "B": "Say no kindly and explore options.",
               "C": "Ask the supervisor to lend it.", "D": "Ignore the request."}
    return {
        "id": item_id, "type": "single", "points": points,
        "scenario": "Maria asks her peer specialist for a loan of twenty dollars.",
        "prompt": "What fits the peer role best?", "options": options, "key": key,
        "rationale": {"key": f"{key} keeps the relationship focused on Maria's goals.",
                      "distractors": {x: f"{x} creates a problem." for x in options if x != key}},
        "tags": copy.deepcopy(TAGS), **extra,
    }


def multiple(item_id: str, key: list[str] | None = None, points: float = 2) -> dict[str, Any]:
    key = key or ["A", "C"]
    item = single(item_id, points=points)
    options = item["options"]
    item.update(type="multiple", key=key, prompt="Which of these keep a healthy boundary?")
    item["rationale"]["distractors"] = {x: f"{x} blurs roles." for x in options if x not in key}
    return item


def ordering(item_id: str, key: list[str] | None = None, points: float = 2) -> dict[str, Any]:
    item = single(item_id, points=points)
    item.update(type="ordering", key=key or ["C", "A", "D", "B"], prompt="Order the steps.")
    item["rationale"] = {"key": "First listen, then explore, then plan, then follow up."}
    return item


def truefalse(item_id: str, key: bool = False) -> dict[str, Any]:
    item = single(item_id)
    del item["options"]
    item.update(type="truefalse", key=key, prompt="A peer may lend money to a participant.")
    item["rationale"] = {"key": "False: money creates a dual relationship."}
    return item


def reflection(item_id: str, points: float = 4) -> dict[str, Any]:
    item = single(item_id, points=points)
    for k in ("options", "key", "rationale"):
        del item[k]
    item.update(type="reflection", prompt="How would you hold this boundary kindly?",
                rubric=[{"points": points, "description": "Clear, kind and specific."},
                        {"points": points / 2, "description": "Partly clear."},
                        {"points": 0, "description": "Missing or off topic."}],
                guidance="Names the boundary and offers an alternative.")
    return item


def mixed_items(prefix: str = "t") -> list[dict[str, Any]]:
    """One item of every type: the shape most tests need."""
    return [single(f"{prefix}-01", key="B"), single(f"{prefix}-02", key="D"),
            multiple(f"{prefix}-03"), ordering(f"{prefix}-04"), truefalse(f"{prefix}-05"),
            reflection(f"{prefix}-06")]


# Answers to mixed_items() in every pattern a cohort shows: right, wrong, partial, blank and
# malformed (for answer_notebook).
PATTERNS = {
    "right": {"t-01": '"B"', "t-02": '"d"', "t-03": '"A, C"', "t-04": '"C, A, D, B"',
              "t-05": '"False"', "t-06": "I would say no kindly and offer another way."},
    "wrong": {"t-01": '"A"', "t-02": '"B"', "t-03": '"B, D"', "t-04": '"B, D, A, C"',
              "t-05": '"True"'},
    "partial": {"t-01": '"B"', "t-03": '"A, B, C"', "t-04": '"A, D, B, C"', "t-05": "False"},
    "blank": {},
    "malformed": {"t-01": '"Z"', "t-02": "D", "t-03": '"A, A"', "t-04": '"C, A"', "t-05": '"maybe"',
                  "t-06": "YOUR ANSWER HERE"},
}


def bank(quiz: str = "quiz1", items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"quiz": quiz, "title": f"Test quiz {quiz}", "module": "06-boundaries",
            "intro": "A short test quiz.", "items": items if items is not None else mixed_items()}


def write_bank(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['quiz']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def curriculum(root: Path, banks: list[dict[str, Any]] | None = None) -> Path:
    """A minimal curriculum tree (assignments/ with the given banks) to init courses from."""
    for data in banks or [bank()]:
        write_bank(root / "assignments", data)
    (root / "modules").mkdir(parents=True, exist_ok=True)
    return root


def module(root: Path, module_id: str = "06-boundaries", quiz: str = "quiz1",
           domain_share: dict[str, float] | None = None, study_minutes: int = 60,
           words: int = 600) -> Path:
    """A learning module notebook (``modules/<id>.ipynb``) with its ``metadata.peercert``."""
    title = module_id.split("-", 1)[1].replace("-", " ").title()
    cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\nSelf-study time: about {study_minutes} "
                                      "minutes.\n\n" + " ".join(["word"] * words)),
        nbformat.v4.new_code_cell('SelfCheck("Which is best?", {"A": "this", "B": "that"}, '
                                  'key="A")'),
        nbformat.v4.new_code_cell('Reflection("What did you learn?", key="r1")'),
        nbformat.v4.new_markdown_cell("## Sources\n\n- A source: https://example.org/"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["peercert"] = {
        "id": module_id, "title": title, "quiz": quiz, "version": 2,
        "competencies": ["C1"], "study_minutes": study_minutes,
        "domain_share": domain_share or {"ethical-responsibility": 1.0},
    }
    path = root / "modules" / f"{module_id}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def typed(answers: dict[str, Any]) -> dict[str, str]:
    """Answers given as values ("B", ["A", "C"], False) as the literals a trainee types."""
    return {item: typed_literal(value) for item, value in answers.items()}


def answer_notebook(release_nb: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A released quiz notebook filled in like a trainee would: edit answer cells only.

    ``answers`` maps an item id to the source text of its literal (e.g. '"B"' or 'None'), or,
    for reflections, to the trainee's written text; the key ``<id>:cell`` replaces the whole
    answer cell source instead.
    """
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("peercert", {})
        if meta.get("role") != "answer":
            continue
        item = meta["item"]
        if f"{item}:cell" in answers:
            cell.source = answers[f"{item}:cell"]
        elif item in answers and cell.cell_type == "markdown":
            cell.source = answers[item]
        elif item in answers:
            cell.source = with_answer(cell.source, answers[item])
    return nb


def submit(course: Path, quiz: str, trainee: str, nb: nbformat.NotebookNode,
           timestamp: str = "2026-11-20 10:00:00.000000 UTC") -> Path:
    """Place a submission exactly as ``nbgrader collect`` leaves it."""
    folder = course / "submitted" / trainee / quiz
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{quiz}.ipynb")
    (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return folder


def release(course: Path, quiz: str = "quiz1", duedate: str | None = None) -> Path:
    """Release a built quiz without starting an nbgrader app; returns the released notebook.

    nbgrader's own ``generate_assignment`` preprocessors, in the order ``GenerateAssignment``
    lists them and with the course's config, run in-process on ``source/<quiz>/<quiz>.ipynb``:
    the gradebook gets the assignment (with ``duedate``), notebook and cell rows ``SaveCells``
    writes, and ``release/<quiz>/`` the notebook trainees fetch. A test in
    test_nbgrader_compat.py checks both against ``nbgrader generate_assignment``'s.
    """
    from nbgrader.api import Gradebook
    from nbgrader.converters.generate_assignment import GenerateAssignment

    from peercert.course import Course

    c = Course.open(course)
    c.create_gradebook()
    with Gradebook(c.db_url, c.course_id) as gb:
        gb.update_or_create_assignment(quiz, **({"duedate": duedate} if duedate else {}))
    nb = nbformat.read(c.folder("source") / quiz / f"{quiz}.ipynb", as_version=4)
    resources: dict[str, Any] = {
        "nbgrader": {"notebook": quiz, "assignment": quiz, "db_url": c.db_url},
        "metadata": {"path": str(c.folder("source") / quiz)}}
    for step in GenerateAssignment.class_traits()["preprocessors"].default():
        nb, resources = step(config=c.config).preprocess(nb, resources)
    out = c.folder("release") / quiz / f"{quiz}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def session_guide(root: Path, module: str = "06-boundaries", hours: float = 4,
                  domain_hours: dict[str, float] | None = None) -> Path:
    """A facilitator guide (``modules/facilitator/<module>.md``) whose agenda adds up.

    ``domain_hours`` defaults to all ``hours`` in ethical-responsibility. The agenda holds a
    welcome, the main activity, a closing and a break (not counted), so that its contact
    minutes equal ``hours`` exactly.
    """
    domain_hours = domain_hours or {"ethical-responsibility": hours}
    minutes = round(hours * 60)
    rows = [(15, "Welcome and check-in"), (minutes - 30, "Practice in pairs and groups"),
            (15, "Closing round")] if minutes > 30 else [(minutes, "Practice in pairs")]
    agenda = "\n".join(f"| {m} | {a} | The group works on the module's scenarios. |"
                       for m, a in [*rows[:2], (10, "Break (not counted)"), *rows[2:]])
    front = yaml.safe_dump({"module": module, "title": f"Session: {module}",
                            "contact_hours": hours, "domain_hours": domain_hours},
                           sort_keys=False)
    text = (f"---\n{front}---\n# Session: {module}\n\n## Agenda\n\n"
            f"| Minutes | Activity | What happens |\n|---|---|---|\n{agenda}\n\n"
            "## Notes\n\nA test guide.\n")
    path = root / "modules" / "facilitator" / f"{module}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- hostile submissions (issue 14) ------------------------------------------------------

def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.metadata.setdefault("nbgrader", {})


def _find(nb: nbformat.NotebookNode, grade_id: str | None = None,
          answer: str | None = None) -> Any:
    for cell in nb.cells:
        if grade_id and cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
        meta = cell.metadata.get("peercert", {})
        if answer and meta.get("role") == "answer" and meta.get("item") == answer:
            return cell
    raise LookupError(grade_id or answer)


def tamper(nb: nbformat.NotebookNode, how: str) -> nbformat.NotebookNode:
    """A notebook's nbgrader cells changed the way a trainee could (see TAMPERING)."""
    if how == "answer-as-grade":  # an answer cell made a 100-point grade cell
        cell = _find(nb, answer="t-01")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False,
                                     "grade_id": "my-answer", "points": 100,
                                     "schema_version": 3, "cell_type": "code"}
    elif how == "points":  # a grade cell's points raised
        _nbgrader(_find(nb, grade_id="t-02"))["points"] = 100
    elif how == "bonus":  # a new grade cell
        cell = nbformat.v4.new_code_cell("print('bonus points please')")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                     "grade_id": "bonus", "points": 10, "schema_version": 3,
                                     "cell_type": "code"}
        nb.cells.append(cell)
    elif how == "unlocked-question":  # a question unlocked and reworded
        cell = _find(nb, grade_id="t-01-question")
        _nbgrader(cell)["locked"] = False
        cell.source = "### Question 1 (1 point)\n\nThe answer is obviously B."
    elif how == "duplicated-answer":  # an answer cell copied
        cell = _find(nb, answer="t-03")
        copy_ = nbformat.from_dict(copy.deepcopy(dict(cell)))
        copy_.id = "copied-answer"
        nb.cells.insert(nb.cells.index(cell), copy_)
    elif how == "grade-cell-type":  # a grade cell turned into markdown
        cell = _find(nb, grade_id="t-05")
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]
    elif how == "grade-id-copied":  # a cell given a grade cell's id, without its flags
        cell = nbformat.v4.new_code_cell("answer_2 = 'D'")
        cell.metadata["nbgrader"] = {"grade_id": "t-02"}
        nb.cells.insert(1, cell)
    elif how == "reflection-points":  # a hand-graded answer's points raised
        _nbgrader(_find(nb, grade_id="t-06"))["points"] = 40
    else:
        raise ValueError(how)
    return nb


# tampering -> words every report of it contains
TAMPERING = {
    "answer-as-grade": "answer cell for t-01 is marked as grade cell 'my-answer' worth 100 "
                       "points, which is not in the source; its nbgrader metadata was removed",
    "points": "grade cell t-02 had its points changed from 1 to 100; restored from the source",
    "bonus": "cell 19 is marked as grade cell 'bonus' worth 10 points, which is not in the "
             "source; its nbgrader metadata was removed",
    "unlocked-question": "locked cell t-01-question was unlocked and was edited; restored",
    "duplicated-answer": "answer cell for t-03 appears 2 times",
    "grade-cell-type": "grade cell t-05 was changed from a code cell to a markdown cell",
    "reflection-points": "grade cell t-06 had its points changed from 4 to 40",
    "grade-id-copied": "cell 2 duplicates grade cell t-02",
}


def hostile(course: Path, quiz: str, trainee: str, how: str, nb: Any,
            outside: Path) -> str:
    """Submit ``nb`` for ``trainee``, then make one file hostile (see HOSTILE); ``outside`` is
    a folder outside the course. Returns the path the refusal must name."""
    import os

    folder = submit(course, quiz, trainee, nb)
    notebook, stamp = folder / f"{quiz}.ipynb", folder / "timestamp.txt"
    rel = f"submitted/{trainee}/{quiz}"
    if how == "notebook-folder":
        notebook.unlink()
        notebook.mkdir()
        return f"{rel}/{quiz}.ipynb is a folder"
    if how == "notebook-link-to-other":
        notebook.unlink()
        notebook.symlink_to(course / "submitted" / "good" / quiz / f"{quiz}.ipynb")
        return f"{rel}/{quiz}.ipynb is a symbolic link: refused, not followed"
    if how == "notebook-link-outside":
        notebook.unlink()
        notebook.symlink_to("/etc/passwd")
        return f"{rel}/{quiz}.ipynb is a symbolic link: refused, not followed"
    if how == "notebook-fifo":
        notebook.unlink()
        os.mkfifo(notebook)
        return f"{rel}/{quiz}.ipynb is not a regular file"
    if how == "notebook-too-big":
        with notebook.open("r+b") as fh:
            fh.truncate(26_000_000)  # sparse: no disk, no time
        return f"{rel}/{quiz}.ipynb is larger than 25,000,000 bytes"
    if how == "trainee-folder-link":
        target = outside / trainee
        (course / "submitted" / trainee).rename(target)
        (course / "submitted" / trainee).symlink_to(target)
        return f"submitted/{trainee} (the trainee's folder) is a symbolic link"
    if how == "quiz-folder-link":
        target = outside / f"{trainee}-{quiz}"
        folder.rename(target)
        folder.symlink_to(target)
        return f"{rel} is a symbolic link"
    if how == "extra-file-link":
        (folder / "notes.txt").symlink_to("/etc/passwd")
        return f"{rel}/notes.txt is a symbolic link: refused, not followed"
    if how == "stamp-not-a-date":
        stamp.write_text("sometime on tuesday", encoding="utf-8")
        return f"{rel}/timestamp.txt is not a date and time: 'sometime on tuesday'"
    if how == "stamp-not-utf8":
        stamp.write_bytes(b"\xff\xfe2\x000\x002\x006\x00")
        return f"{rel}/timestamp.txt is not UTF-8 text"
    if how == "stamp-folder":
        stamp.unlink()
        stamp.mkdir()
        return f"{rel}/timestamp.txt is a folder"
    if how == "stamp-link":
        stamp.unlink()
        stamp.symlink_to("/etc/passwd")
        return f"{rel}/timestamp.txt is a symbolic link: refused, not followed"
    if how == "stamp-zone-is-a-path":
        stamp.write_text("2026-11-20 10:00:00 ../zones/UTC", encoding="utf-8")
        return f"{rel}/timestamp.txt is not a date and time"
    raise ValueError(how)


HOSTILE = ("notebook-folder", "notebook-link-to-other", "notebook-link-outside", "notebook-fifo",
           "notebook-too-big", "trainee-folder-link", "quiz-folder-link", "extra-file-link",
           "stamp-not-a-date", "stamp-not-utf8", "stamp-folder", "stamp-link",
           "stamp-zone-is-a-path")

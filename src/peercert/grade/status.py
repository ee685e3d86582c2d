"""Each submission's grading status, kept in the course where the instructor can see it.

``.peercert/status/<quiz>.json`` maps each trainee to their status. A grading run appends
each batch's statuses to ``<quiz>.json.journal`` as soon as the batch's grades are stored
(one line per batch: the cost of a batch, not of the cohort), and folds the journal into
the JSON file when it ends. A run killed halfway leaves a journal that every reader merges,
so a status is never lost for grades that were stored. Writers hold the course's grade lock
(:mod:`peercert.grade.lock`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from peercert import output
from peercert.course import Course
from peercert.grade.read import Outcome


def status_path(course: Path | Course, quiz: str) -> Path:
    return Course.of(course).status_dir / f"{quiz}.json"


def _journal(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def _entry(res: Outcome) -> dict[str, Any]:
    return {"status": res.status, "reasons": res.reasons, "score": res.score,
            "max_score": res.max_score, "needs_manual": list(res.needs_manual)}


def load_status(course: Path | Course, quiz: str) -> dict[str, dict[str, Any]]:
    """trainee -> status, reasons, score, max_score, needs_manual; sorted by trainee."""
    path = status_path(course, quiz)
    status: dict[str, dict[str, Any]] = (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else {})
    journal = _journal(path)
    if journal.exists():
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                status.update(json.loads(line))
            except ValueError:
                continue  # empty, or cut short when a run was killed while appending
    return dict(sorted(status.items()))


def append_status(course: Path | Course, quiz: str, results: list[Outcome]) -> Path:
    """Record one batch's outcomes at once, in the quiz's status journal."""
    c = Course.of(course)
    path = _journal(status_path(c, quiz))
    output.make_dirs(path.parent, c.modes)
    # A leading newline: a line a killed run left unfinished stays a line of its own.
    line = "\n" + json.dumps({res.trainee: _entry(res) for res in results}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                 c.modes.file or 0o666)
    try:
        data = memoryview(line.encode("utf-8"))
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)
    return path


def save_status(course: Path | Course, quiz: str, results: list[Outcome]) -> Path:
    """Merge these outcomes (and the journal) into the quiz's status file, atomically."""
    c = Course.of(course)
    status = load_status(c, quiz)
    for res in results:
        status[res.trainee] = _entry(res)
    return _save(c, quiz, status)


def _save(c: Course, quiz: str, status: dict[str, dict[str, Any]]) -> Path:
    path = status_path(c, quiz)
    output.prepare_folder(path.parent, c.modes)
    output.write_text(path, json.dumps(dict(sorted(status.items())), indent=1), c.modes)
    _journal(path).unlink(missing_ok=True)
    return path


def forget_status(course: Path | Course, trainee: str) -> list[Path]:
    """Remove ``trainee`` from every quiz's status (file and journal); the files changed.

    The caller holds the course's grade lock, as every status writer does.
    """
    c = Course.of(course)
    changed = []
    found = c.status_dir.iterdir() if c.status_dir.is_dir() else iter(())
    names = {p.name.removesuffix(".journal").removesuffix(".json") for p in found
             if p.name.endswith((".json", ".json.journal")) and not p.name.startswith(".")}
    for quiz in sorted(names):
        status = load_status(c, quiz)
        journal = _journal(status_path(c, quiz))
        if status.pop(trainee, None) is not None or journal.exists():
            changed.append(_save(c, quiz, status))
    return changed

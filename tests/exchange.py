"""A trainee's side of nbgrader's real filesystem exchange, run in-process (fast).

``fetch`` and ``submit`` run nbgrader's own ``ExchangeFetchAssignment`` and ``ExchangeSubmit``
as the given trainee, with a home folder (assignment dir and nbgrader cache) of their own,
so the exchange holds exactly what ``nbgrader submit`` leaves: the notebook,
``timestamp.txt`` and ``submission_secret.txt`` in ``inbound/<trainee>+<quiz>+<time>+<rnd>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from peercert.course import load_config


def _app(course: Path, home: Path, trainee: str, quiz: str, cls: Any) -> Any:
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course)
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(home / ".nbgrader_cache")
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = quiz
    coursedir.student_id = trainee
    return cls(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


def home_of(root: Path, trainee: str) -> Path:
    home = root / "homes" / trainee
    home.mkdir(parents=True, exist_ok=True)
    return home


def fetch(course: Path, home: Path, trainee: str, quiz: str) -> Path:
    """``nbgrader fetch_assignment`` as ``trainee``; returns the fetched notebook."""
    from nbgrader.exchange.default import ExchangeFetchAssignment

    nb = home / quiz / f"{quiz}.ipynb"
    if not nb.exists():
        _app(course, home, trainee, quiz, ExchangeFetchAssignment).start()
    return nb


def submit(course: Path, home: Path, trainee: str, quiz: str,
           nb: nbformat.NotebookNode) -> Path:
    """Write ``nb`` as the trainee's work and ``nbgrader submit`` it; returns the inbound
    folder."""
    from nbgrader.exchange.default import ExchangeSubmit

    fetch(course, home, trainee, quiz)
    nbformat.write(nb, home / quiz / f"{quiz}.ipynb")
    app = _app(course, home, trainee, quiz, ExchangeSubmit)
    app.start()
    return Path(app.inbound_path) / app.assignment_filename


def fetch_feedback(course: Path, home: Path, trainee: str, quiz: str) -> list[Path]:
    """``nbgrader fetch_feedback`` as ``trainee``; returns the fetched pages."""
    from nbgrader.exchange.default import ExchangeFetchFeedback

    _app(course, home, trainee, quiz, ExchangeFetchFeedback).start()
    return sorted((home / quiz / "feedback").glob("*/*.html"))

"""A trainee's side of nbgrader's real filesystem exchange, run in-process (fast).

``fetch`` and ``submit`` run nbgrader's own ``ExchangeFetchAssignment`` and ``ExchangeSubmit``
as the given trainee, with a home folder (assignment dir and nbgrader cache) of their own,
so the exchange holds exactly what ``nbgrader submit`` leaves: the notebook,
``timestamp.txt`` and ``submission_secret.txt`` in ``inbound/<trainee>+<quiz>+<time>+<rnd>``.
"""

from __future__ import annotations

import datetime
import os
import shutil
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


def give_to_pods(inbound: Path) -> None:
    """Give each inbound folder (and all in it) to the uid its trainee's pods run as
    (``peercert.deploy.names.user_uid``), as their own submits on Kubernetes leave it; needs
    root."""
    for folder in inbound.iterdir():
        _give(folder, folder.name.split("+")[0])


def forge(inbound: Path, victim: str, forger: str, quiz: str) -> tuple[Path, Path, Path]:
    """``forger`` hands in their own work again as ``victim``'s submission of ``quiz``, a
    minute newer than the victim's own (folders given to the pods' uids first, by
    :func:`give_to_pods`). Returns (victim's own folder, forger's own, the forged one)."""
    from nbgrader.utils import parse_utc

    [own] = inbound.glob(f"{victim}+{quiz}+*")
    [theirs] = inbound.glob(f"{forger}+{quiz}+*")
    later = parse_utc(own.name.split("+")[2]) + datetime.timedelta(minutes=1)
    stamp = f"{later:%Y-%m-%d %H:%M:%S.%f} UTC"
    forged = inbound / f"{victim}+{quiz}+{stamp}+forged"
    shutil.copytree(theirs, forged)
    (forged / "timestamp.txt").write_text(stamp, encoding="utf-8")
    _give(forged, forger)
    return own, theirs, forged


def _give(folder: Path, trainee: str) -> None:
    from peercert.deploy import names

    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, names.user_uid(trainee), -1)

"""Each submission's grading status, kept in the course where the instructor can see it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peercert import output
from peercert.course import Course
from peercert.grade.read import Outcome


def status_path(course: Path | Course, quiz: str) -> Path:
    c = course if isinstance(course, Course) else Course.open(course)
    return c.status_dir / f"{quiz}.json"


def load_status(course: Path | Course, quiz: str) -> dict[str, dict[str, Any]]:
    path = status_path(course, quiz)
    if not path.exists():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def save_status(course: Path | Course, quiz: str, results: list[Outcome]) -> Path:
    """Merge these outcomes into the quiz's status file (atomically)."""
    status = load_status(course, quiz)
    for res in results:
        status[res.trainee] = {
            "status": res.status,
            "reasons": res.reasons,
            "score": res.score,
            "max_score": res.max_score,
            "needs_manual": list(res.needs_manual),
        }
    return output.write_text(status_path(course, quiz),
                             json.dumps(dict(sorted(status.items())), indent=1))

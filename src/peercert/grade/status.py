"""Each submission's grading status, kept in the course where the instructor can see it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from peercert.grade.read import Outcome


def status_path(course: Path, quiz: str) -> Path:
    return course / ".peercert" / "status" / f"{quiz}.json"


def load_status(course: Path, quiz: str) -> dict[str, dict[str, Any]]:
    path = status_path(course, quiz)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def save_status(course: Path, quiz: str, results: list[Outcome]) -> Path:
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
    path = status_path(course, quiz)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(sorted(status.items())), indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path

"""Certification readiness: who is ready for a credential, and what is missing for everyone else.

Grades (nbgrader gradebooks of one or many courses) and hour logs (CSV evidence files) are
checked against a credential profile (``profiles/<id>.toml``)::

    from peercert.readiness import run_readiness
    result = run_readiness("icrc-pr", [Path("course")], [Path("hours.csv")], Path("reports"))
    print(result.ready, "of", result.trainees, "ready;", result.dashboard)

Training hours come only from evidence, each record labelled with its source
(``sources``): attendance of facilitator-led sessions (``attendance``: the course's sign-in
file, written by ``peercert attendance``), measured self-study of completed modules, and
hours a provider declares as board-approved (``approvals``); plus hour logs. A profile says
which of these its board accepts; the rest are reported as "ask the board", never counted.

Stages, one module each: ``profile`` (schema and loader), ``evidence`` (CSV import),
``attendance`` and ``approvals`` (the course's sign-ins and declarations), ``course_evidence``
(what a course contributes), ``evaluate`` (the pure evaluator), ``report`` and ``figures``
(CSV, HTML), ``simulate`` (synthetic sessions and hour logs for the demo), ``api`` (the
functions below). Names are imported on first use, so that importing one
stage (as the figure-drawing process does) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "ApprovalError": "peercert.readiness.approvals",
    "AttendanceError": "peercert.readiness.attendance",
    "CourseError": "peercert.readiness.course_evidence",
    "Evidence": "peercert.readiness.records",
    "EvidenceError": "peercert.readiness.evidence",
    "Profile": "peercert.readiness.profile",
    "ProfileError": "peercert.readiness.profile",
    "Readiness": "peercert.readiness.evaluate",
    "ReadinessResult": "peercert.readiness.api",
    "TraineeProgress": "peercert.readiness.api",
    "evaluate": "peercert.readiness.evaluate",
    "gather_evidence": "peercert.readiness.api",
    "import_attendance": "peercert.readiness.attendance",
    "list_profiles": "peercert.readiness.profile",
    "load_evidence": "peercert.readiness.evidence",
    "load_profile": "peercert.readiness.profile",
    "progress": "peercert.readiness.api",
    "record_session": "peercert.readiness.attendance",
    "run_readiness": "peercert.readiness.api",
    "simulate_evidence": "peercert.readiness.simulate",
}

__all__ = list(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'peercert.readiness' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])

"""Certification readiness: who is ready for a credential, and what is missing for everyone else.

Grades (nbgrader gradebooks of one or many courses) and hour logs (CSV evidence files) are
checked against a credential profile (``profiles/<id>.toml``)::

    from peercert.readiness import run_readiness
    result = run_readiness("icrc-pr", [Path("course")], [Path("hours.csv")], Path("reports"))
    print(result.ready, "of", result.trainees, "ready;", result.dashboard)

Stages, one module each: ``profile`` (schema and loader), ``evidence`` (CSV import),
``course_evidence`` (what a course contributes), ``evaluate`` (the pure evaluator),
``report`` and ``figures`` (CSV, HTML), ``simulate`` (synthetic hour logs for the demo),
``api`` (the functions below). Names are imported on first use, so that importing one
stage (as the figure-drawing process does) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
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
    "list_profiles": "peercert.readiness.profile",
    "load_evidence": "peercert.readiness.evidence",
    "load_profile": "peercert.readiness.profile",
    "progress": "peercert.readiness.api",
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

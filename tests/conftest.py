"""Shared fixtures: temporary courses built through peercert's own library API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import factory  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course with one quiz of every item type, generated and released through nbgrader."""
    from peercert.course import init_course, nbgrader_api

    root = factory.curriculum(tmp_path / "curriculum")
    course = init_course(tmp_path / "course", source_root=root)
    api = nbgrader_api(course)
    assert api.generate_assignment("quiz1")["success"]
    assert api.release_assignment("quiz1")["success"]
    return course


def require_service(name: str) -> None:
    """Skip when a service is missing, except in CI where it must be there."""
    if os.environ.get("PEERCERT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is required in CI but is not available")
    pytest.skip(f"{name} is not available")

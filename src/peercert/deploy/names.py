"""The names a program's courses get in JupyterHub and in the operating system.

Hub groups follow nbgrader's convention, so that its ``JupyterHubAuthPlugin`` shows each user
their courses: ``nbgrader-<course>`` for students and ``formgrade-<course>`` for graders.
Unix group names are limited to 32 characters, and a course id may have 63: a long id is cut
and given a short hash of the whole id, so two courses never share a group.
"""

from __future__ import annotations

import hashlib

STAFF_GROUP = "program-staff"   # hub group: the readiness dashboard's role is granted to it
UNIX_NAME_MAX = 32


def student_group(course_id: str) -> str:
    return f"nbgrader-{course_id}"


def grader_group(course_id: str) -> str:
    return f"formgrade-{course_id}"


def _unix(prefix: str, course_id: str) -> str:
    name = prefix + course_id
    if len(name) <= UNIX_NAME_MAX:
        return name
    digest = hashlib.sha256(course_id.encode()).hexdigest()[:8]
    return f"{name[:UNIX_NAME_MAX - 9]}-{digest}"


def os_course_group(course_id: str) -> str:
    """Everyone in the course (trainees and instructors): may enter its exchange folder."""
    return _unix("pc-", course_id)


def os_instructor_group(course_id: str) -> str:
    """The course's instructors: own its course folder, read its inbound submissions."""
    return _unix("pci-", course_id)

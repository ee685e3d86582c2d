"""The names a program's people and courses get in JupyterHub and in the operating system.

Hub groups follow nbgrader's convention, so that its ``JupyterHubAuthPlugin`` shows each user
their courses: ``nbgrader-<course>`` for students and ``formgrade-<course>`` for graders.
Unix group names are limited to 32 characters, and a course id may have 63: a long id is cut
and given a short hash of the whole id, so two courses never share a group.

On Kubernetes no pod runs as a machine account: each user's pod gets a numeric uid and each
course two numeric gids, derived from the name alone (:func:`user_uid`, :func:`course_gid`,
:func:`instructor_gid`), so that every spawn, every node and ``peercert program apply
--numeric-ids`` agree on them without a directory of accounts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

STAFF_GROUP = "program-staff"   # hub group: the readiness dashboard's role is granted to it
UNIX_NAME_MAX = 32
# Numeric ids start above what Linux images and directory services hand out, so a pod's uid
# or gid never means an account of the image; 7 hex digits keep them below 2**31.
ID_BASE = 1_000_000
POD_GID = 100   # "users": a pod's primary group, the one owning its home volume (z2jh fsGid)


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


# --- numeric ids (Kubernetes pods) -------------------------------------------------------------

def _stable_id(kind: str, name: str) -> int:
    digest = hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()
    return ID_BASE + int(digest[:7], 16)


def user_uid(user: str) -> int:
    """The uid ``user``'s pods run as."""
    return _stable_id("user", user)


def course_gid(course_id: str) -> int:
    """Everyone in the course: may enter its exchange folder (``pc-<course>`` on one machine)."""
    return _stable_id("course", course_id)


def instructor_gid(course_id: str) -> int:
    """The course's instructors: own its folder, read its submissions (``pci-<course>``)."""
    return _stable_id("instructors", course_id)


def supplemental_gids(courses: Mapping[str, str]) -> tuple[int, ...]:
    """A user's extra gids from ``{course_id: "instructor"|"trainee"}``
    (:meth:`peercert.program.Program.courses_of`): every course's, and the instructors' gid
    of each course they teach."""
    return tuple(sorted({course_gid(c) for c in courses}
                        | {instructor_gid(c) for c, role in courses.items()
                           if role == "instructor"}))


def hub_gids(course_ids: Iterable[str]) -> tuple[int, ...]:
    """The hub pod's extra gids: every course's instructors' gid, because the readiness
    service in it reads every course folder (mounted read-only there)."""
    return tuple(sorted({instructor_gid(c) for c in course_ids}))


def id_collisions(users: Iterable[str], course_ids: Iterable[str]) -> list[str]:
    """Pairs of people, or of course groups, that hash to the same numeric id, one line each.

    28 bits: about 1 chance in 2,000 for a program of 500 people, 1 in 5 for 10,000. A pair
    would read each other's files, so apply and the spawn hook refuse it rather than hope.
    """
    seen: dict[tuple[str, int], str] = {}
    found: list[str] = []
    entries = [("uid", user_uid(u), f"user {u}") for u in sorted(set(users))]
    for c in sorted(set(course_ids)):
        entries += [("gid", course_gid(c), f"the members of {c}"),
                    ("gid", instructor_gid(c), f"the instructors of {c}")]
    for kind, number, who in entries:
        other = seen.setdefault((kind, number), who)
        if other != who:
            found.append(f"{other} and {who} get the same {kind} {number}: rename one")
    return found

"""Which server a hub user gets: the hub's ``pre_spawn_hook`` (deploy/hub/jupyterhub_config.py).

Everyone's default server is a trainee's JupyterLab in their home: the Assignment List of
every course they are in (nbgrader's ``JupyterHubAuthPlugin`` reads their hub groups), no
formgrader, no Create Assignment, no course list. An instructor grades in a *named* server
per course, ``/user/<name>/<course-id>/``, allowed only to members of ``formgrade-<course>``:
JupyterLab rooted in the course folder, nbgrader reading that course's configuration, the
formgrader inside it. Adding a course therefore needs no change to the hub's configuration
and no restart (nbgrader #1354): the program file is read again at every spawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peercert.deploy import names
from peercert.deploy.names import grader_group
from peercert.errors import PeercertError
from peercert.program import Program, load_program

SINGLEUSER = Path(__file__).resolve().parents[3] / "deploy" / "hub" / "singleuser"


class SpawnRefused(PeercertError, PermissionError):
    """The user may not start this server."""


@dataclass(frozen=True)
class SpawnPlan:
    role: str                      # "trainee" (home server) or "instructor" (a course server)
    notebook_dir: str
    config_dir: Path               # put first on JUPYTER_CONFIG_PATH
    env: dict[str, str] = field(default_factory=dict)
    disable_user_config: bool = True


def plan_spawn(program_file: Path, user: str, groups: set[str], server_name: str,
               singleuser: Path = SINGLEUSER) -> SpawnPlan:
    """The server ``user`` (in hub ``groups``) gets for ``server_name`` ("" = default)."""
    program = load_program(program_file)
    exchange = str(program.exchange_root)
    if not server_name:
        return SpawnPlan("trainee", "~", singleuser / "trainee",
                         {"PEERCERT_EXCHANGE": exchange})
    try:
        course = program.course(server_name)
    except PeercertError as exc:
        raise SpawnRefused(f"{user}: there is no course {server_name!r}; name a course "
                           "server after a course you teach") from exc
    if grader_group(course.id) not in groups:
        raise SpawnRefused(f"{user} is not an instructor of {course.id}")
    root = program.course_dir(course.id)
    return SpawnPlan("instructor", str(root), singleuser / "instructor",
                     {"PEERCERT_EXCHANGE": exchange, "PEERCERT_COURSE_DIR": str(root)})


@dataclass(frozen=True)
class PodIds:
    """The numeric ids a user's pods run with on Kubernetes (deploy/k8s/values.yaml)."""

    uid: int
    gid: int
    supplemental_gids: tuple[int, ...]


def pod_ids(program: Program, user: str) -> PodIds:
    """``user``'s uid, primary gid and the gids of their courses (:mod:`peercert.deploy.names`):
    the same at every spawn, and the ones ``peercert program apply --numeric-ids`` gives the
    exchange and course folders. SpawnRefused when another person of the program hashes to
    the same uid (they would read each other's submissions)."""
    uid = names.user_uid(user)
    clash = [u for u in program.people if u != user and names.user_uid(u) == uid]
    if clash:
        raise SpawnRefused(f"{user} and {clash[0]} get the same uid {uid}: rename one in "
                           f"{program.path}")
    return PodIds(uid, names.POD_GID, names.supplemental_gids(program.courses_of(user)))

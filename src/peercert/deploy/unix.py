"""Operating-system accounts, groups and folder rights for a program (run as root).

Each person is a Unix user (the hub's LocalProcessSpawner starts their server as them); each
course has two groups: every member (``pc-<course>``: may enter the course's exchange folder)
and its instructors (``pci-<course>``: own the course folder and read inbound submissions).
The rights below are what nbgrader's filesystem exchange expects with
``CourseDirectory.groupshared = True``, narrowed so that nobody outside a course can enter it:

=================================  ============  ======  ==========================================
path                               owner:group   mode    who
=================================  ============  ======  ==========================================
<courses_root>                     root:root     0755
<courses_root>/<course>            root:pci      2770    instructors only: source, gradebook config
<exchange_root>                    root:root     1777    nbgrader checks it is world-writable
<exchange_root>/<course>           root:pc       2750    members of the course only
<exchange_root>/<course>/outbound  root:pci      2775    instructors release, trainees fetch
<exchange_root>/<course>/inbound   root:pci      2773    trainees drop in, cannot list; graders read
<exchange_root>/<course>/feedback  root:pci      2771    trainees read their own file by its hash
=================================  ============  ======  ==========================================

On Kubernetes (``apply --numeric-ids``) the same table holds with numeric gids in place of the
two groups, the ones the spawn hook gives each pod (:mod:`peercert.deploy.names`): no account
or group is created, the folders alone carry the rule. Every function taking a ``group``
takes a name or a gid.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path

from peercert import output
from peercert.errors import PeercertError


class UnixError(PeercertError):
    """An account command failed (not root, or the name is taken by something else)."""


def _run(*cmd: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise UnixError(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.returncode}")


def ensure_user(name: str) -> bool:
    """Create ``name`` with a private home (0700) unless it exists; True when created."""
    try:
        pwd.getpwnam(name)
        return False
    except KeyError:
        pass
    _run("useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0700", name)
    return True


def ensure_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return False
    except KeyError:
        pass
    _run("groupadd", name)
    return True


def set_members(group: str, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """Make ``group``'s supplementary members exactly ``wanted``: (added, removed)."""
    wanted = set(wanted)
    current = set(grp.getgrnam(group).gr_mem)
    added, removed = sorted(wanted - current), sorted(current - wanted)
    for user in added:
        _run("gpasswd", "--add", user, group)
    for user in removed:
        _run("gpasswd", "--delete", user, group)
    return added, removed


def gid_of(group: str | int | None) -> int:
    """A group's number: ``group`` itself when numeric, root's (0) when None."""
    if group is None:
        return 0
    try:
        return output.group_id(group)
    except LookupError as exc:
        raise UnixError(str(exc)) from None


def ensure_dir(path: Path, mode: int, group: str | int | None = None) -> bool:
    """``path`` exists, owned by root and ``group`` (root when None), with ``mode``."""
    changed = False
    if not path.is_dir():
        path.mkdir(parents=True)
        changed = True
    gid = gid_of(group)
    st = path.stat()
    if (st.st_uid, st.st_gid) != (0, gid):
        os.chown(path, 0, gid)
        changed = True
    if stat.S_IMODE(path.stat().st_mode) != mode:
        path.chmod(mode)  # after chown, which clears the setgid bit
        changed = True
    return changed


def share_tree(root: Path, group: str | int) -> int:
    """Give ``group`` read and write on everything under ``root`` (folders setgid), so that
    every instructor of a course can work on what another one (or ``apply``) created.

    Symbolic links are never followed. Returns how many entries changed.
    """
    gid = gid_of(group)
    changed = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                continue
            want = stat.S_IMODE(st.st_mode) | stat.S_IRGRP | stat.S_IWGRP
            if stat.S_ISDIR(st.st_mode):
                want |= stat.S_IXGRP | stat.S_ISGID
            elif st.st_mode & stat.S_IXUSR:
                want |= stat.S_IXGRP
            if st.st_gid != gid:
                os.lchown(p, -1, gid)
                changed += 1
            if stat.S_IMODE(os.lstat(p).st_mode) != want:
                os.chmod(p, want)
                changed += 1
    return changed

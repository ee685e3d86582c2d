"""Kubernetes without a cluster: the exchange rule by numeric ids (deploy/k8s/README.md).

On Kubernetes no pod runs as a machine account: the spawn hook of deploy/k8s/values.yaml
gives each user a uid and each course two gids (peercert.deploy.spawn.pod_ids), and
``peercert program apply --numeric-ids`` gives the exchange and course folders those gids
with the single machine's modes. Here, as root: apply a two-course program into a temporary
folder, then run nbgrader and peercert as processes with exactly a pod's ids (``user=``,
``group=``, ``extra_groups=``; no /etc/passwd or /etc/group entry for any of them) and check
who can read what. No cluster, no volume driver: the test proves the ids and the modes, not
that a given storage class honours them (NFS does; some SMB-backed classes do not).
"""

from __future__ import annotations

import asyncio
import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from conftest import REPO, require_service
from typer.testing import CliRunner

from peercert.cli import app
from peercert.course import Course
from peercert.deploy import ApplyError, apply_program, names
from peercert.deploy.spawn import SpawnRefused, pod_ids
from peercert.program import Program, load_program

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

BIN = Path(sys.executable).parent
QUIZ = "boundaries"
NO_HUB = "--Authenticator.plugin_class=nbgrader.auth.NoAuthPlugin"  # CLI outside a server

PROGRAM = f"""
[program]
name = "K8s ids test"
courses_root = "courses"
exchange_root = "exchange"
staff = ["pat"]

[[course]]
id = "north"
site = "North"
instructors = ["ana", "amy"]
trainees = ["t01", "t02"]
quizzes = ["{QUIZ}"]

[[course]]
id = "south"
site = "South"
instructors = ["ben"]
trainees = ["t03"]
quizzes = []
"""


@dataclass
class Volumes:
    """The two volumes as a Job that ran ``apply --numeric-ids`` left them."""

    program: Program
    root: Path
    first: str      # what the first apply printed
    second: str     # ... and the second

    @property
    def exchange(self) -> Path:
        return self.program.exchange_root

    def course(self, course_id: str) -> Path:
        return self.program.course_dir(course_id)


def _user_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "PYTHONPATH")
    return {k: os.environ[k] for k in keep if k in os.environ}


def _reachable_by_other_uids() -> bool:
    """A uid with no account can run this interpreter and import what the pods run."""
    done = subprocess.run([sys.executable, "-c", "import peercert, peercert_trainee, nbgrader"],
                          user=names.ID_BASE - 1, group=names.POD_GID, extra_groups=[],
                          env={**_user_env(), "HOME": "/nonexistent"}, cwd="/",
                          capture_output=True, text=True, check=False)
    return done.returncode == 0


@pytest.fixture(scope="module")
def volumes() -> Iterator[Volumes]:
    if os.geteuid() != 0:
        require_service("root (apply --numeric-ids sets owners; the pods are other uids)")
    if not _reachable_by_other_uids():
        require_service(f"{sys.executable} and this checkout usable by other uids "
                        "(chmod o+x their folders, as .ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="peercert-k8s-", dir="/tmp"))
    try:
        root.chmod(0o755)  # as a volume's mount point: the folders inside carry the rule
        (root / "program.toml").write_text(PROGRAM, encoding="utf-8")
        runner = CliRunner()
        args = ["program", "apply", str(root / "program.toml"), "--numeric-ids", "--release"]
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        second = runner.invoke(app, args)
        assert second.exit_code == 0, second.output
        yield Volumes(load_program(root / "program.toml"), root, first.output, second.output)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _owner(path: Path) -> tuple[int, int, int]:
    st = os.lstat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def test_apply_sets_the_table_by_numeric_gids_and_a_second_run_changes_nothing(
        volumes: Volumes) -> None:
    xc = volumes.exchange
    assert "unix: created" not in volumes.first  # no account, no group
    assert "course north: released boundaries" in volumes.first
    assert volumes.second.strip().endswith("nothing to change, everything already matches")
    for cid in ("north", "south"):
        members, instr = names.course_gid(cid), names.instructor_gid(cid)
        assert min(members, instr) > names.ID_BASE and members != instr
        with pytest.raises(KeyError):  # nothing in /etc/group: the gid alone is the rule
            grp.getgrgid(instr)
        expected = {volumes.course(cid): (0, instr, 0o2770),
                    xc / cid: (0, members, 0o2750),
                    xc / cid / "outbound": (0, instr, 0o2775),
                    xc / cid / "inbound": (0, instr, 0o2773),
                    xc / cid / "feedback": (0, instr, 0o2771)}
        assert {p: _owner(p) for p in expected} == expected
        assert f"unix: {volumes.course(cid)} set to gid {instr} 2770" in volumes.first
        config = (volumes.course(cid) / "nbgrader_config.py").read_text(encoding="utf-8")
        assert f"c.Peercert.share_group = '{instr}'" in config
        # collect refuses a submission whose owner is not the pods' uid of the trainee it names
        assert "c.OwnerCheckedCollect.owners = 'numeric_ids'" in config
        assert Course.open(volumes.course(cid)).modes.gid == instr
        # the gradebook apply created: the instructors' group may write it, nobody else read
        assert _owner(volumes.course(cid) / "gradebook.db") == (0, instr, 0o660)
    assert _owner(volumes.program.courses_root) == (0, 0, 0o755)
    assert _owner(xc) == (0, 0, 0o1777)
    released = xc / "north" / "outbound" / QUIZ / f"{QUIZ}.ipynb"
    assert _owner(released)[1] == names.instructor_gid("north")


def test_the_values_hook_gives_each_pod_the_ids_apply_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/k8s/values.yaml's spawn hook, run as the hub would (its code exec'd with a
    config object and called with a spawner), sets the ids these tests run the pods with."""
    from traitlets.config import Config

    values = yaml.safe_load((REPO / "deploy/k8s/values.yaml").read_text(encoding="utf-8"))
    code = values["hub"]["extraConfig"]["30-peercert-spawn"]
    (tmp_path / "program.toml").write_text(PROGRAM, encoding="utf-8")
    program = load_program(tmp_path / "program.toml")
    monkeypatch.setenv("PEERCERT_PROGRAM", str(program.path))
    c = Config()
    exec(compile(code, "values.yaml:30-peercert-spawn", "exec"), {"c": c})
    hook = c.KubeSpawner.pre_spawn_hook

    def spawn(user: str, groups: list[str], server: str = "") -> Any:
        spawner = SimpleNamespace(
            user=SimpleNamespace(name=user, groups=[SimpleNamespace(name=g) for g in groups]),
            name=server, environment={}, volumes=[], volume_mounts=[], extra_labels={},
            uid=None, gid=None, supplemental_gids=[], image="trainee", notebook_dir="~")
        asyncio.run(hook(spawner))
        return spawner

    for user, groups, server in (("t01", ["nbgrader-north"], ""),
                                 ("ana", ["nbgrader-north", "formgrade-north"], "north"),
                                 ("pat", [], "")):
        ids = pod_ids(program, user)
        s = spawn(user, groups, server)
        assert (s.uid, s.gid, s.supplemental_gids) == \
            (ids.uid, ids.gid, list(ids.supplemental_gids)), user
    assert s.image == "trainee"  # pat: a staff member's default server
    assert pod_ids(program, "t01").supplemental_gids == (names.course_gid("north"),)
    assert set(pod_ids(program, "ana").supplemental_gids) == {
        names.course_gid("north"), names.instructor_gid("north")}
    assert pod_ids(program, "pat").supplemental_gids == ()
    # an instructor's course server: their image and the course folder, ids unchanged
    s = spawn("ana", ["formgrade-north"], "north")
    assert s.notebook_dir == str(program.course_dir("north")) and "instructor" in s.image


# --- pods: processes with a pod's ids and no account ------------------------------------------

def pod(volumes: Volumes, user: str, *cmd: str, cwd: Path | None = None,
        env: dict[str, str] | None = None, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    """``cmd`` with the ids the spawn hook gives ``user``'s pod, in a home of their own."""
    ids = pod_ids(volumes.program, user)
    home = volumes.root / "homes" / user
    if not home.exists():
        home.mkdir(parents=True)
        os.chown(home, ids.uid, ids.gid)
        home.chmod(0o700)
    full = {**_user_env(), "HOME": str(home), "JUPYTERHUB_USER": user,
            "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run(list(cmd), user=ids.uid, group=ids.gid,
                          extra_groups=list(ids.supplemental_gids), env=full, cwd=cwd or home,
                          umask=umask, capture_output=True, text=True, check=False, timeout=600)


def test_pods_without_accounts_keep_a_submission_to_its_trainee_and_instructors(
        volumes: Volumes) -> None:
    xc, course = volumes.exchange, volumes.course("north")
    for user in ("t01", "ana", "ben"):
        with pytest.raises(KeyError):  # as in a pod: no account behind the uid
            pwd.getpwuid(pod_ids(volumes.program, user).uid)
    trainee = {"PEERCERT_EXCHANGE": str(xc),
               "JUPYTER_CONFIG_PATH": str(REPO / "deploy/hub/singleuser/trainee")}
    for step in (["fetch_assignment", QUIZ], ["submit", QUIZ]):
        done = pod(volumes, "t01", str(BIN / "nbgrader"), *step, "--course=north", NO_HUB,
                   env=trainee)
        assert done.returncode == 0, f"{step}: {done.stderr[-3000:]}"
    inbound = xc / "north" / "inbound"
    [sub] = [d for d in inbound.iterdir() if d.name.startswith("t01+")]  # root may list it
    their_nb = sub / f"{QUIZ}.ipynb"
    t01, instr = pod_ids(volumes.program, "t01").uid, names.instructor_gid("north")
    # PrivateSubmit rebuilt it in the setgid inbound: the instructors' gid, nobody else
    # (a trainee outside that group cannot keep the setgid bit; nothing needs it inside)
    assert _owner(sub)[:2] == (t01, instr) and _owner(sub)[2] & 0o777 == 0o770
    assert _owner(their_nb) == (t01, instr, 0o640)

    def denied(user: str, *cmd: str) -> None:
        done = pod(volumes, user, *cmd)
        assert done.returncode != 0 and "Permission denied" in done.stderr, (user, cmd, done)

    def allowed(user: str, *cmd: str) -> None:
        done = pod(volumes, user, *cmd)
        assert done.returncode == 0, (user, cmd, done)

    # a trainee of the same course fetches too, but cannot list inbound nor read the submission
    allowed("t02", "ls", str(xc / "north" / "outbound" / QUIZ))
    denied("t02", "ls", str(inbound))
    denied("t02", "cat", str(their_nb))
    denied("t02", "ls", str(xc / "north" / "feedback"))
    denied("t02", "ls", str(volumes.root / "homes" / "t01"))
    for path in (course, course / "source", course / "nbgrader_config.py"):
        denied("t02", "ls", str(path))
    # a trainee of the other course cannot enter this course's exchange at all
    allowed("t03", "ls", str(xc / "south" / "outbound"))
    denied("t03", "ls", str(xc / "north"))
    denied("t03", "cat", str(xc / "north" / "outbound" / QUIZ / f"{QUIZ}.ipynb"))
    denied("t03", "cat", str(their_nb))
    # the other course's instructor neither, nor its course folder
    allowed("ben", "ls", str(volumes.course("south") / "source"))
    denied("ben", "ls", str(course))
    denied("ben", "ls", str(inbound))
    denied("ben", "cat", str(their_nb))
    # ... and cannot claim the course's group for their own records
    done = pod(volumes, "ben", sys.executable, "-c",
               f"from peercert.output import Modes; Modes.shared('{instr}')")
    assert f"you are not a member of the group '{instr}'" in done.stderr, done

    # the course's instructor reads the submission, collects and grades it, in the course
    # folder, as their instructor server would (its config, umask 007)
    allowed("ana", "cat", str(their_nb))
    allowed("ana", "ls", str(course / "source"))
    server = {"JUPYTER_CONFIG_PATH": str(REPO / "deploy/hub/singleuser/instructor"),
              "PEERCERT_COURSE_DIR": str(course)}
    for cmd in ([str(BIN / "nbgrader"), "collect", QUIZ],
                [sys.executable, "-m", "peercert", "grade", QUIZ]):
        done = pod(volumes, "ana", *cmd, cwd=course, env=server, umask=0o007)
        assert done.returncode == 0, f"{cmd}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    with Course.open(course).nbgrader_gradebook() as gb:
        assert gb.find_submission(QUIZ, "t01").score is not None
    graded = course / "autograded" / "t01" / QUIZ / f"{QUIZ}.ipynb"
    ana = pod_ids(volumes.program, "ana").uid
    assert _owner(graded)[:2] == (ana, instr) and not _owner(graded)[2] & 0o007
    # a second instructor of the course reads what the first one graded (the numeric share
    # group); the trainee does not
    allowed("amy", "cat", str(graded))
    denied("t01", "cat", str(graded))
    # what the pods wrote already has the rights apply would give: a re-run changes nothing
    again = CliRunner().invoke(app, ["program", "apply", str(volumes.program.path),
                                     "--numeric-ids"])
    assert again.exit_code == 0 and "nothing to change" in again.output, again.output


def _inbound_by_owner(inbound: Path, claimed: str) -> dict[int, list[Path]]:
    found: dict[int, list[Path]] = {}
    for folder in sorted(inbound.glob(f"{claimed}+{QUIZ}+*")):
        found.setdefault(folder.stat().st_uid, []).append(folder)
    return found


def test_a_trainee_cannot_replace_another_trainee_s_submission(volumes: Volumes) -> None:
    """t02's pod submits its own answers as t01 (``--student t01``), after t01 submitted;
    the instructor's ``peercert watch`` and ``nbgrader collect --update`` (formgrader's
    collect) keep t01's own submission and report the refusal. Stock nbgrader would collect
    t02's, the newer one (tests/test_exchange_collect.py shows it)."""
    import nbformat
    from nbgrader.utils import parse_utc

    xc, course = volumes.exchange, volumes.course("north")
    inbound = xc / "north" / "inbound"
    t01, t02 = (pod_ids(volumes.program, t).uid for t in ("t01", "t02"))
    trainee = {"PEERCERT_EXCHANGE": str(xc),
               "JUPYTER_CONFIG_PATH": str(REPO / "deploy/hub/singleuser/trainee")}
    for user in ("t01", "t02"):  # t01 already has it when the test above ran
        done = pod(volumes, user, str(BIN / "nbgrader"), "fetch_assignment", QUIZ,
                   "--course=north", NO_HUB, env=trainee)
        assert done.returncode == 0 or "already have a copy" in done.stderr, done.stderr[-3000:]
    done = pod(volumes, "t01", str(BIN / "nbgrader"), "submit", QUIZ, "--course=north",
               NO_HUB, env=trainee)
    assert done.returncode == 0, done.stderr[-3000:]
    # t02 writes their own answers, then submits them under t01's name
    [mine] = (volumes.root / "homes" / "t02").glob(f"**/{QUIZ}/{QUIZ}.ipynb")
    nb = nbformat.read(mine, as_version=4)
    nb.metadata["written_by"] = "t02"
    nbformat.write(nb, mine)
    os.chown(mine, t02, names.POD_GID)
    done = pod(volumes, "t02", str(BIN / "nbgrader"), "submit", QUIZ, "--course=north",
               "--student=t01", NO_HUB, env=trainee)
    assert done.returncode == 0, done.stderr[-3000:]  # nbgrader lets anyone claim any id
    owned = _inbound_by_owner(inbound, "t01")
    [forged] = owned[t02]
    own = max(owned[t01], key=lambda p: p.name.rsplit("+", 2)[1])
    assert forged.name.rsplit("+", 2)[1] > own.name.rsplit("+", 2)[1]  # the newer one

    submitted = course / "submitted" / "t01" / QUIZ
    refusal = (f"refused {forged}: it claims to be t01's submission of {QUIZ}, but it belongs "
               f"to uid {t02} (the pods' uid of t02), not to t01 (their pods' uid {t01}): "
               "someone else submitted under t01's name; it is not collected")
    server = {"JUPYTER_CONFIG_PATH": str(REPO / "deploy/hub/singleuser/instructor"),
              "PEERCERT_COURSE_DIR": str(course)}
    for cmd in ([sys.executable, "-m", "peercert", "watch", "--once", "--course", str(course)],
                [str(BIN / "nbgrader"), "collect", "--update", QUIZ]):
        done = pod(volumes, "ana", *cmd, cwd=course, env=server, umask=0o007)
        assert done.returncode == 0, f"{cmd}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert refusal in done.stderr, (cmd, done.stderr[-3000:])
        # t01's own submission is the one collected and graded
        assert (submitted / "timestamp.txt").read_text(encoding="utf-8").strip() == \
            own.name.rsplit("+", 2)[1]
        collected = nbformat.read(submitted / f"{QUIZ}.ipynb", as_version=4)
        assert "written_by" not in collected.metadata
        if "watch" in cmd:
            assert f"{QUIZ} t01: feedback available" in done.stderr, done.stderr[-3000:]
    with Course.open(course).nbgrader_gradebook() as gb:
        sub = gb.find_submission(QUIZ, "t01")
        assert sub.score is not None and sub.timestamp == parse_utc(own.name.rsplit("+", 2)[1])
    assert forged.is_dir()  # left in the exchange for the instructors to look at


def test_the_hub_pod_reads_every_course_only_with_the_hub_values(volumes: Volumes) -> None:
    """The readiness service runs in the hub pod (the chart's uid and gid 1000) and reads
    every course folder: with `peercert program ids --hub-values` it does, without it the
    course folders are closed to it."""
    from peercert.deploy.dashboard import readiness_command

    out = volumes.root / "hub-state"
    out.mkdir(exist_ok=True)
    os.chown(out, 1000, 1000)
    done = CliRunner().invoke(app, ["program", "ids", str(volumes.program.path),
                                    "--hub-values"])
    assert done.exit_code == 0, done.output
    gids = yaml.safe_load(done.output)["hub"]["podSecurityContext"]["supplementalGroups"]
    assert gids == sorted(names.instructor_gid(c) for c in ("north", "south"))
    cmd = readiness_command(volumes.program.path, out / "r", "icrc-pr", [])
    assert cmd.count("--course") == 2
    env = {**_user_env(), "HOME": str(out), "PYTHONDONTWRITEBYTECODE": "1"}
    for groups, ok in (([], False), (gids, True)):
        done = subprocess.run(cmd, user=1000, group=1000, extra_groups=groups, env=env,
                              cwd=out, capture_output=True, text=True, check=False,
                              timeout=600)
        assert (done.returncode == 0) is ok, (groups, done.stdout[-2000:], done.stderr[-2000:])
        if not ok:
            assert "is not readable" in done.stderr
    assert "of 3 trainees ready" in done.stdout


# --- refusals ------------------------------------------------------------------------------

def test_cli_refuses_both_kinds_of_ids_and_a_non_root_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "program.toml"
    f.write_text(PROGRAM, encoding="utf-8")
    runner = CliRunner()
    both = runner.invoke(app, ["program", "apply", str(f), "--numeric-ids", "--unix-users"])
    assert both.exit_code == 1 and "exclude each other" in both.output
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    user = runner.invoke(app, ["program", "apply", str(f), "--numeric-ids"])
    assert user.exit_code == 1 and "--numeric-ids sets folder owners" in user.output
    assert "run it as root" in user.output and "Traceback" not in user.output
    assert not (tmp_path / "courses").exists()
    with pytest.raises(ApplyError, match="choose one"):
        apply_program(load_program(f), unix_users=True, numeric_ids=True)


def test_two_people_with_one_uid_are_refused_before_anything_is_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "program.toml"
    f.write_text(PROGRAM, encoding="utf-8")
    program = load_program(f)
    real = names._stable_id
    monkeypatch.setattr(names, "_stable_id",
                        lambda kind, name: real(kind, "t01" if name == "t02" else name))
    with pytest.raises(ApplyError, match="user t01 and user t02 get the same uid") as err:
        apply_program(program, numeric_ids=True)
    assert err.value.problems and not (tmp_path / "courses").exists()
    with pytest.raises(SpawnRefused, match="t02 and t01 get the same uid"):
        pod_ids(program, "t02")
    assert pod_ids(program, "ana").uid == real("user", "ana")  # the others still spawn

"""Issue 14 part 7: private by default, and nbgrader's exchange still works for trainees.

Before: the gradebook, evidence, reports, the board export, the reflections sheet and the
notebooks holding reflections were 0644 and the exchange 0777. Now every record peercert
writes is 0600 in 0700 folders (0640 and 0750 in the group a course names), whatever the
umask, and the exchange has nbgrader's own modes, with a sticky root.
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import factory
import pytest
from conftest import copy_cohort, make_course
from typer.testing import CliRunner

from peercert import nbgrader_compat as nbc
from peercert.cli import app
from peercert.course import check_step, nbgrader_api
from peercert.export import export_grades
from peercert.feedback import release_feedback, write_feedback
from peercert.grade import grade_quiz

pytestmark = pytest.mark.nbgrader
HERE = Path(__file__).parent
PUBLIC = ("modules", "source", "release", "assignments", "profiles", "nbgrader_config.py",
          "exchange")  # curriculum trainees read, the config, and nbgrader's exchange
PRIVATE = ("reports", ".peercert", "autograded", "feedback", "submitted", "attendance.csv",
           "gradebook.db", "forget-log.csv")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _walk(top: Path) -> Iterator[Path]:
    yield top
    if top.is_dir() and not top.is_symlink():
        for base, dirs, files in os.walk(top):
            for name in [*dirs, *files]:
                yield Path(base) / name


def _others_can_read(path: Path, course: Path) -> bool:
    """Whether a user outside the owner and group could read ``path`` (from the course on)."""
    folder = path.parent
    while folder != course.parent:
        if not _mode(folder) & stat.S_IXOTH:
            return False
        folder = folder.parent
    return bool(_mode(path) & stat.S_IROTH)


def _written_by_peercert(course: Path, path: Path) -> bool:
    """Everything in the private places except what nbgrader's collect copied in."""
    return not path.is_relative_to(course / "submitted") or path == course / "submitted"


def test_every_record_is_owner_only(cohort_root: Path) -> None:
    course = cohort_root / "course"
    assert sorted(p.name for p in course.iterdir() if p.name not in PUBLIC + PRIVATE) == []
    checked = 0
    for top in [*(course / name for name in PRIVATE), cohort_root / "board"]:
        for path in _walk(top) if top.exists() else ():
            assert not _others_can_read(path, course), path
            if not _written_by_peercert(course, path):
                continue
            page = path.parent.parent.parent == course / "feedback" and path.suffix == ".html"
            want = 0o700 if path.is_dir() else 0o644 if page else 0o600
            assert _mode(path) == want, (path, oct(_mode(path)))
            checked += 1
    assert checked > 60


def test_the_exchange_has_nbgrader_modes(cohort_root: Path, tmp_path: Path) -> None:
    """The exchange peercert makes, beside the one nbgrader makes on its own."""
    ours = cohort_root / "course" / "exchange"
    course = copy_cohort(cohort_root, tmp_path / "c")
    shutil.rmtree(course / "exchange")
    api = nbgrader_api(course)
    check_step(api.release_assignment("quiz1"), "release")
    check_step(api.release_feedback("quiz1", "ana"), "release_feedback")
    theirs = course / "exchange"
    assert _mode(ours) == 0o1777 and _mode(theirs) == 0o777  # the sticky bit is ours
    for sub in ("peercert", "peercert/outbound", "peercert/inbound", "peercert/feedback"):
        assert _mode(ours / sub) == _mode(theirs / sub), sub
    assert {name: _mode(ours / "peercert" / name) if name else _mode(ours / "peercert")
            for name in ("", "outbound", "inbound", "feedback")} == nbc.exchange_modes()
    # feedback pages are readable where nbgrader puts them for the trainee (by hash)
    pages = sorted((ours / "peercert" / "feedback").glob("*.html"))
    assert len(pages) == 5 and {_mode(p) for p in pages} == {0o644}


def test_nbgrader_release_keeps_the_sticky_root(course: Path) -> None:
    """nbgrader's release resets a root that is not 0777, looking at the 0777 bits only."""
    shutil.rmtree(course / "exchange" / "peercert" / "outbound" / "quiz1")
    check_step(nbgrader_api(course).release_assignment("quiz1"), "release again")
    assert _mode(course / "exchange") == 0o1777


def _pipeline(course: Path) -> None:
    """Every writing stage on a course with two submissions."""
    from peercert.readiness import run_readiness
    from peercert.readiness.attendance import record_session

    release = course / "release" / "quiz1" / "quiz1.ipynb"
    for trainee in ("t1", "t2"):
        factory.submit(course, "quiz1", trainee,
                       factory.answer_notebook(release, factory.PATTERNS["right"]))
    grade_quiz(course, "quiz1")
    write_feedback(course, "quiz1")
    export_grades(course, course / "reports")
    out = CliRunner().invoke(app, ["analyze", "quiz1", "--course", str(course)])
    assert out.exit_code == 0, out.output
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"],
                   minutes=60, domain="ethical-responsibility", as_of=date(2026, 11, 22))
    run_readiness("icrc-pr", [course], [], course / "reports" / "readiness",
                  as_of=date(2026, 11, 22))


def _outputs(course: Path) -> list[Path]:
    tops = [course / "reports", course / ".peercert", course / "autograded",
            course / "feedback", course / "attendance.csv", course / "gradebook.db"]
    return [p for top in tops for p in _walk(top)]


def test_modes_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)  # the worst case: everything would be world-writable
    try:
        course = make_course(tmp_path)
        _pipeline(course)
    finally:
        os.umask(old)
    outputs = _outputs(course)
    assert len(outputs) > 25
    for path in outputs:
        page = path.suffix == ".html" and path.is_relative_to(course / "feedback")
        want = 0o700 if path.is_dir() else 0o644 if page else 0o600
        assert _mode(path) == want, (path, oct(_mode(path)))


def _other_group() -> grp.struct_group:
    """A group to share with: any group when root (CI), else this user's own."""
    if os.geteuid() == 0:
        return next(g for g in grp.getgrall() if g.gr_gid != os.getegid())
    return grp.getgrgid(os.getegid())


@pytest.mark.parametrize("groupshared", [False, True])
def test_a_course_can_share_its_records_with_a_group(tmp_path: Path, groupshared: bool) -> None:
    """Readable by the group; with nbgrader's groupshared (several instructors on one
    course, as ``peercert program apply`` sets up) writable by it too."""
    group = _other_group()
    course = make_course(tmp_path, f'c.Peercert.share_group = "{group.gr_name}"\n'
                         f"c.CourseDirectory.groupshared = {groupshared}\n")
    _pipeline(course)
    outputs = _outputs(course)
    folder, record = (0o2770, 0o660) if groupshared else (0o2750, 0o640)
    page_mode = 0o664 if groupshared else 0o644  # as nbgrader's feedback pages
    for path in outputs:
        page = path.suffix == ".html" and path.is_relative_to(course / "feedback")
        want = folder if path.is_dir() else page_mode if page else record
        assert (_mode(path), os.lstat(path).st_gid) == (want, group.gr_gid), path
        assert not _others_can_read(path, course) or page


def test_an_unknown_group_is_a_clear_error(course: Path) -> None:
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write('\nc.Peercert.share_group = "no-such-group-14"\n')
    out = CliRunner().invoke(app, ["export", "--course", str(course)])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert "c.Peercert.share_group = 'no-such-group-14': there is no group" in out.output


def test_folders_other_programs_opened_are_tightened(course: Path) -> None:
    """A gradebook nbgrader created and a submitted/ folder made with a loose umask."""
    release = course / "release" / "quiz1" / "quiz1.ipynb"
    factory.submit(course, "quiz1", "t1", factory.answer_notebook(release, {}))
    for path, mode in ((course / "submitted", 0o755), (course / "gradebook.db", 0o644),
                       (course / "feedback", 0o777)):
        os.chmod(path, mode)
    grade_quiz(course, "quiz1")
    assert (_mode(course / "submitted"), _mode(course / "gradebook.db"),
            _mode(course / "feedback")) == (0o700, 0o600, 0o700)


# --- a trainee who is another user on the machine ------------------------------------------

def _as_nobody(args: list[str], home: Path) -> str:
    nobody = 65534

    def drop() -> None:
        os.setgroups([])
        os.setgid(nobody)
        os.setuid(nobody)

    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""),
           "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, str(HERE / "as_trainee.py"), *args], env=env,
                          preexec_fn=drop, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another user needs root")
def test_a_trainee_of_another_uid_submits_fetches_feedback_and_reads_nothing_else() -> None:
    """The multi-user case: trainees are other OS users (a hub). nbgrader's fetch, submit
    and fetch_feedback work for them; the gradebook, reports, evidence, other trainees'
    submissions and feedback folders are closed to them."""
    base = Path(tempfile.mkdtemp(prefix="peercert-multiuser-"))
    try:
        os.chmod(base, 0o755)  # the course folder is reachable, as on a shared machine
        course = make_course(base)
        home = base / "homes" / "nobody"
        home.mkdir(parents=True)
        os.chown(home, 65534, 65534)
        release = course / "release" / "quiz1" / "quiz1.ipynb"
        factory.submit(course, "quiz1", "other", factory.answer_notebook(
            release, dict(factory.PATTERNS["right"], **{"t-06": "another's reflection"})))
        assert _as_nobody([str(course), str(home), "nobody", "submit"], home) == "submitted"
        api = nbgrader_api(course)
        check_step(api.collect("quiz1"), "collect")
        grade_quiz(course, "quiz1")
        written = write_feedback(course, "quiz1").written
        assert release_feedback(course, "quiz1", written, api) == ["nobody"]  # other: no secret
        export_grades(course, course / "reports")
        sizes = json.loads(_as_nobody([str(course), str(home), "nobody", "feedback"], home))
        assert len(sizes) == 1 and sizes[0] > 1000  # their page arrived, whole
        closed = [course / "gradebook.db", course / "reports" / "grades.csv",
                  course / "submitted" / "other" / "quiz1" / "quiz1.ipynb",
                  course / "submitted", course / "autograded", course / "feedback",
                  course / ".peercert" / "status" / "quiz1.json",
                  course / "exchange" / "peercert" / "inbound",
                  course / "exchange" / "peercert" / "feedback"]
        got = json.loads(_as_nobody([str(course), str(home), "nobody", "read",
                                     *map(str, closed)], home))
        assert got == {str(p): "denied" for p in closed}
    finally:
        shutil.rmtree(base)


def test_a_trainees_reflection_note_is_theirs_alone(tmp_path: Path) -> None:
    from peercert_trainee import Reflection

    old = os.umask(0)
    try:
        box = Reflection("What did you learn?", "r1", folder=tmp_path / "journal")
        box.text.value = "Something I have told nobody."
        path = box.save()
    finally:
        os.umask(old)
    assert path.read_text(encoding="utf-8") == "Something I have told nobody."
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)
    assert [p.name for p in path.parent.iterdir()] == ["r1.md"]

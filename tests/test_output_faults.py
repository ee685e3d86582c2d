"""Issue 14 part 5: analyze, readiness, export and feedback killed anywhere leave whole files.

Before: ``analyze`` and ``readiness`` killed mid-write left truncated or empty files over
good ones (competency-mastery.csv 24 of 40 kB, readiness.csv half, an empty trainee page).
Each command here runs in a child process on a course whose grades and attendance changed
since its outputs were written, and is killed (SIGKILL, no cleanup) at a file's rename, in
the middle of writing a file's bytes, or from outside at a random moment. After each kill
every output is the previous complete version or the new complete version, and a rerun
writes exactly what one uninterrupted run writes. (See grade_faults.py for ``grade``.)
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import copy_cohort

from peercert import nbgrader_compat as nbc
from peercert import output
from peercert.course import Course

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]
HERE = Path(__file__).parent
Stage = Callable[[Path], tuple[list[str], Path]]


def _export(course: Path) -> tuple[list[str], Path]:
    return ["export", "--course", str(course)], course / "reports"


def _analyze(course: Path) -> tuple[list[str], Path]:
    return ["analyze", "quiz1", "--course", str(course)], course / "reports" / "analysis"


def _readiness(course: Path) -> tuple[list[str], Path]:
    out = course / "reports" / "readiness"
    return (["readiness", "-p", "icrc-pr", "-c", str(course), "-o", str(out),
             "--as-of", "2026-11-22"], out)


def _feedback(course: Path) -> tuple[list[str], Path]:
    return ["feedback", "quiz1", "--course", str(course)], course / "feedback"


STAGES: dict[str, Stage] = {"export": _export, "analyze": _analyze, "readiness": _readiness,
                            "feedback": _feedback}


def _run(args: list[str], mode: str = "none", n: int = 0) -> int:
    return subprocess.run([sys.executable, str(HERE / "output_faults.py"), mode, str(n), *args],
                          capture_output=True, timeout=300).returncode


def _outputs(top: Path) -> dict[str, bytes]:
    """Every file under ``top`` but the temporary files a killed write leaves behind."""
    return {str(p.relative_to(top)): p.read_bytes() for p in sorted(top.rglob("*"))
            if p.is_file() and not output.is_temporary(p.name)}


def _change(course: Path) -> None:
    """New facts: a grader scores every reflection, and a second session is attended."""
    from peercert.readiness.attendance import record_session

    g, bc = nbc.grade, nbc.base_cell
    c = Course.open(course)
    with c.connect(write=True) as conn:
        conn.execute(g.update().where(g.c.cell_id.in_(
            sa.select(bc.c.id).where(bc.c.name == "t-06"))).values(manual_score=3.0))
    c.close()
    record_session(course, "07-advocacy", date(2026, 11, 16), "R. Diaz", ["ana", "ben"],
                   minutes=60, domain="advocacy", as_of=date(2026, 11, 22))


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_killed_command_leaves_whole_files(cohort_root: Path, tmp_path: Path,
                                             stage: str) -> None:
    root = tmp_path / "r"
    course = copy_cohort(cohort_root, root)
    args, top = STAGES[stage](course)
    assert _run(args) == 0
    old = _outputs(top)
    _change(course)
    # the new outputs, written once without a fault, in the same place (paths are in them)
    shutil.copytree(root, tmp_path / "kept", symlinks=True)
    started = time.monotonic()
    assert _run(args) == 0
    took = time.monotonic() - started
    new = _outputs(top)
    shutil.rmtree(root)
    shutil.move(tmp_path / "kept", root)
    changed = [name for name in new if old.get(name) != new[name]]
    assert changed, "the new facts change no output: the test would prove nothing"

    rng = random.Random(f"14:{stage}")
    faults = [("rename", rng.randint(1, len(changed))), ("cut", rng.randint(1, len(changed))),
              ("outside", 0), ("outside", 0)]
    for mode, n in faults:
        if mode == "outside":
            run = subprocess.Popen([sys.executable, str(HERE / "output_faults.py"), "none",
                                    "0", *args], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.4, 1.0) * took)
            run.kill()
            run.wait()
        else:
            assert _run(args, mode, n) == -signal.SIGKILL, (mode, n)
        now = _outputs(top)
        for name, data in now.items():
            assert data in (old.get(name), new.get(name)), (mode, n, name)
        assert set(old) & set(new) <= set(now), (mode, n)  # nothing whole was lost
    assert _run(args) == 0
    assert _outputs(top) == new
    # and the temporaries the killed runs left are gone (their writers are)
    assert [p for p in top.rglob("*") if output.is_temporary(p.name)] == []

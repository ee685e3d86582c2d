"""Run ``grade_quiz`` in a child process with a fault injected (for test_grade_trust.py).

    python grade_faults.py MODE N COURSE QUIZ

MODE says where the process kills itself (SIGKILL: no cleanup, like a power cut):

* ``none``: no fault (a normal run);
* ``slow``: no fault, but each submission takes N/100 s in a worker process, which writes its
  process id to ``COURSE/.workers`` first, so the test can kill the run from outside;
* ``rename``: at the N-th file rename, after the temporary file is written (autograded
  notebooks, status);
* ``commit``: in the N-th gradebook batch, after its rows are written, before the commit;
* ``status``: at the N-th batch's status record, after its batch was committed;
* ``cut``: in the N-th batch's status record, halfway through writing its line.

Batches hold 7 submissions, so a cohort of 30 writes several.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

SLOW: dict[str, Any] = {}


def _slow(*args: Any) -> Any:
    """``_grade_one`` that says which process runs it, then takes its time."""
    with open(os.path.join(SLOW["course"], ".workers"), "a", encoding="ascii") as fh:
        fh.write(f"{os.getpid()}\n")
    time.sleep(SLOW["seconds"])
    return SLOW["original"](*args)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _at(n: int, before: Any) -> Any:
    """``before`` wrapped to kill the process on its n-th call (calls made, then die)."""
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == n:
            _die()
        return before(*args, **kwargs)

    return wrapped


def main(mode: str, n: int, course: str, quiz: str) -> None:
    import peercert.grade as grade
    from peercert.grade import record, status

    grade.BATCH = 7
    workers = 1
    if mode == "slow":
        workers = 2
        SLOW.update(original=grade._grade_one, course=course, seconds=n / 100)
        grade._grade_one = _slow  # type: ignore[assignment]  # forked workers inherit it
    elif mode == "rename":
        os.replace = _at(n, os.replace)  # peercert.output renames with os.replace
    elif mode == "commit":
        late = record.GradebookWriter._late
        record.GradebookWriter._late = _wrap_after(late, n)  # type: ignore[method-assign]
    elif mode == "status":
        status.append_status = _at(n, status.append_status)  # type: ignore[assignment]
    elif mode == "cut":
        os.write = _cut_at(n, os.write)
    elif mode != "none":
        raise SystemExit(f"unknown mode {mode}")
    grade.grade_quiz(course, quiz, workers=workers)  # type: ignore[arg-type]


def _cut_at(n: int, write: Any) -> Any:
    """``os.write`` that writes half of the n-th status line, then kills the process."""
    calls = [0]

    def wrapped(fd: int, data: Any) -> int:
        if bytes(data[:3]) == b'\n{"':
            calls[0] += 1
            if calls[0] == n:
                write(fd, data[: len(data) // 2])
                _die()
        return int(write(fd, data))

    return wrapped


def _wrap_after(method: Any, n: int) -> Any:
    """``method`` that kills the process after its n-th call (its rows written, uncommitted)."""
    calls = [0]

    def wrapped(self: Any, *args: Any) -> Any:
        out = method(self, *args)
        calls[0] += 1
        if calls[0] == n:
            _die()
        return out

    return wrapped


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])

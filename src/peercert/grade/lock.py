"""One gradebook writer per course at a time, across processes.

``peercert grade`` holds ``<course>/.peercert/grade.lock`` (an ``flock``) while it writes a
batch of grades and the status file, so two runs on one course (two quizzes, or the same quiz
twice) take turns batch by batch: both finish, every grade stored. A run that has to wait
says so once; one that waits longer than ``c.Peercert.lock_timeout`` stops with a clear
message instead of hanging. The lock is released by the kernel when its process dies, so a
killed run never leaves the course locked.

The gradebook itself is protected as well, for writers that do not know this file
(nbgrader's formgrader, stock ``nbgrader autograde``): see :class:`GradebookWriter`.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from peercert import output
from peercert.errors import PeercertError


class CourseBusy(PeercertError):
    """Another peercert run kept the course's gradebook lock for longer than we may wait."""


class CourseLock:
    """``with lock.held():`` while writing grades; ``on_wait`` hears once that we wait."""

    def __init__(self, path: Path, timeout: float,
                 on_wait: Callable[[str], None] | None = None,
                 modes: output.Modes = output.PRIVATE):
        self.path = path
        self.modes = modes
        self.timeout = timeout
        self.on_wait = on_wait
        self._told = False

    def _holder(self, fd: int) -> str:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return f"process {text}" if text.isdigit() else "another process"

    def _wait(self, fd: int) -> None:
        holder = self._holder(fd)
        if not self._told and self.on_wait is not None:
            self.on_wait(f"waiting for another peercert run ({holder}) to finish writing "
                         f"grades to this course (lock {self.path})")
            self._told = True
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            time.sleep(delay)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CourseBusy(
                        f"another peercert run ({holder}) has been writing grades to this "
                        f"course for over {self.timeout:g} s; try again when it has finished",
                        path=self.path) from None
                delay = min(delay * 2, 0.25)

    @contextmanager
    def held(self) -> Iterator[None]:
        output.make_dirs(self.path.parent, self.modes)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     self.modes.file or 0o666)
        try:
            self.modes.tighten(self.path)  # open's mode passes through the umask
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._wait(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

"""Run a ``peercert`` command with a fault injected (for test_output_faults.py).

    python output_faults.py MODE N ARGS...

ARGS are the command line (``export --course C``). MODE says where the process kills itself
(SIGKILL: no cleanup, like a power cut):

* ``none``: no fault (a normal run; the test may kill it from outside);
* ``rename``: at the N-th rename of a file ``peercert.output`` wrote, after its temporary
  file is complete;
* ``cut``: in the N-th file ``peercert.output`` writes, halfway through writing its bytes.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _ours(path: Any) -> bool:
    """A temporary file of ``peercert.output`` (``.<name>.<random>.tmp``)."""
    name = os.path.basename(str(path))
    return name.startswith(".") and name.endswith(".tmp")


def _rename_at(n: int, replace: Any) -> Any:
    calls = [0]

    def wrapped(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
        if _ours(src):
            calls[0] += 1
            if calls[0] == n:
                _die()
        return replace(src, dst, *args, **kwargs)

    return wrapped


class _Half:
    """A file whose first ``write`` writes half its bytes to disk, then kills the process."""

    def __init__(self, fh: Any):
        self._fh = fh

    def write(self, data: bytes) -> int:
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        os.fsync(self._fh.fileno())
        _die()
        return 0

    def __enter__(self) -> _Half:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def _cut_at(n: int, fdopen: Any) -> Any:
    calls = [0]

    def wrapped(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = fdopen(fd, mode, *args, **kwargs)
        if mode == "wb":  # peercert.output.write_bytes
            calls[0] += 1
            if calls[0] == n:
                return _Half(fh)
        return fh

    return wrapped


def main(mode: str, n: int, args: list[str]) -> None:
    if mode == "rename":
        os.replace = _rename_at(n, os.replace)
    elif mode == "cut":
        os.fdopen = _cut_at(n, os.fdopen)
    elif mode != "none":
        raise SystemExit(f"unknown mode {mode}")
    from peercert.cli import main as cli

    sys.argv = ["peercert", *args]
    cli()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])

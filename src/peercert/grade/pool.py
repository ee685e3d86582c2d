"""Worker processes that read and score submissions, and die with the run that started them.

A killed ``peercert grade`` must not leave workers behind: each worker asks Linux to kill it
when its parent dies (``PR_SET_PDEATHSIG``), and elsewhere watches its parent process id.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker as soon as process ``parent`` is gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:  # pragma: no cover - peercert's CI runs on Linux
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _chunk(work: Callable[[T], R], items: list[T]) -> list[R]:
    return [work(item) for item in items]


def in_order(work: Callable[[T], R], items: list[T], workers: int) -> Iterator[R]:
    """``work(item)`` for each item, in order; in worker processes when that pays.

    At most a few chunks per worker are in flight at once, so memory does not grow with the
    number of items. ``work`` must be picklable (a module-level function or a partial of one).
    """
    if workers <= 1 or len(items) < 8:
        yield from (work(item) for item in items)
        return
    size = max(1, min(64, len(items) // (workers * 8)))
    chunks = iter([items[i:i + size] for i in range(0, len(items), size)])
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        pending = deque(pool.submit(_chunk, work, c) for c in islice(chunks, workers * 4))
        while pending:
            done = pending.popleft().result()
            for chunk in islice(chunks, 1):
                pending.append(pool.submit(_chunk, work, chunk))
            yield from done

"""Loopback servers for tests and benches: a free port, and waiting until a server answers."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_answering(url: str, proc: subprocess.Popen[Any] | None = None, *,
                   headers: Mapping[str, str] | None = None, timeout: float = 60,
                   interval: float = 0.2) -> bool:
    """Until ``url`` answers with a success status: True; False when ``proc`` (the server)
    exits first or ``timeout`` seconds pass. A refused connection counts as not yet."""
    import requests

    deadline = time.monotonic() + timeout
    while (proc is None or proc.poll() is None) and time.monotonic() < deadline:
        try:
            if requests.get(url, headers=dict(headers or {}), timeout=5).ok:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(interval)
    return False


def follow_log(proc: subprocess.Popen[str], log: list[str],
               marker: str) -> tuple[threading.Event, threading.Thread]:
    """Read the server's stderr into ``log`` in a thread (which also keeps the pipe drained
    for as long as it runs). The event is set at the first line holding ``marker``, or when
    the server's stderr ends; join the thread after stopping the server."""
    seen = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line)
            if marker in line:
                seen.set()
        seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return seen, reader

"""The program staff's readiness dashboard: a JupyterHub service behind the hub's login.

Runs ``peercert readiness`` over every course of the program (one ``--course`` per course
folder) and serves its dashboard, trainee pages and board export to users whose role grants
``access:services!service=<this service>`` (the ``program-staff`` group: see
deploy/hub/jupyterhub_config.py). The reports are rebuilt when older than
``PEERCERT_DASHBOARD_TTL`` seconds (default 300) or on ``?refresh=1``; a rebuild is written
to a new folder and swapped in, so a reader never sees half a report. Readiness reports hold
statuses, hours and dates, never reflection text.

Started by the hub (``python -m peercert.deploy.dashboard``) with its environment:
``PEERCERT_PROGRAM`` (program.toml), ``PEERCERT_PROFILE`` (default ``icrc-pr``),
optional ``PEERCERT_EVIDENCE`` (evidence CSVs, separated by ``os.pathsep``), and the
``JUPYTERHUB_*`` variables every hub service gets.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

from peercert.program import load_program


def readiness_command(program_file: Path, out: Path, profile: str,
                      evidence: list[str]) -> list[str]:
    """``peercert readiness`` with one ``--course`` per course of the program."""
    program = load_program(program_file)
    cmd = [sys.executable, "-c", "from peercert.cli import main; main()", "readiness",
           "--profile", profile, "--out", str(out)]
    for course in program.courses:
        if (program.course_dir(course.id) / "nbgrader_config.py").is_file():
            cmd += ["--course", str(program.course_dir(course.id))]
    for path in evidence:
        cmd += ["--evidence", path]
    return cmd


class Reports:
    """The current report folder, rebuilt on demand by one task at a time."""

    def __init__(self, program_file: Path, work: Path, profile: str, evidence: list[str],
                 ttl: float):
        self.program_file, self.work, self.profile = program_file, work, profile
        self.evidence, self.ttl = evidence, ttl
        self.current = work / "current"
        self.built = 0.0
        self.lock = asyncio.Lock()
        self.last_error = ""

    async def fresh(self, force: bool = False) -> Path:
        async with self.lock:
            if force or not self.current.is_dir() or time.monotonic() - self.built > self.ttl:
                await self._build()
        return self.current

    async def _build(self) -> None:
        new, old = self.work / "new", self.work / "old"
        for p in (new, old):
            shutil.rmtree(p, ignore_errors=True)
        cmd = readiness_command(self.program_file, new, self.profile, self.evidence)
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        if proc.returncode:
            self.last_error = out.decode(errors="replace")[-2000:]
            raise web.HTTPError(500, "peercert readiness failed: " + self.last_error)
        if self.current.exists():
            self.current.rename(old)
        new.rename(self.current)
        shutil.rmtree(old, ignore_errors=True)
        self.built = time.monotonic()


class ReportHandler(HubOAuthenticated, web.StaticFileHandler):
    """A file of the current reports, for users the hub grants access to this service."""

    reports: Reports

    def initialize(self, path: str, default_filename: str | None = None,  # type: ignore[override]
                   reports: Reports | None = None) -> None:
        super().initialize(path, default_filename)
        assert reports is not None
        self.reports = reports

    @web.authenticated
    async def get(self, path: str, include_body: bool = True) -> None:  # type: ignore[override]
        await self.reports.fresh(force=self.get_argument("refresh", "") == "1")
        self.root = str(self.reports.current)
        await super().get(path, include_body)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", "frame-ancestors 'none'")


def make_app(reports: Reports, prefix: str) -> web.Application:
    handlers: list[Any] = [
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        (url_path_join(prefix, "(.*)"), ReportHandler,
         {"path": str(reports.current), "default_filename": "index.html", "reports": reports}),
    ]
    return web.Application(handlers, cookie_secret=os.urandom(32))


def main() -> None:
    from urllib.parse import urlparse

    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    work = Path(os.environ.get("PEERCERT_DASHBOARD_DIR", Path.cwd() / "readiness-dashboard"))
    work.mkdir(parents=True, exist_ok=True)
    evidence = [p for p in os.environ.get("PEERCERT_EVIDENCE", "").split(os.pathsep) if p]
    reports = Reports(Path(os.environ["PEERCERT_PROGRAM"]), work,
                      os.environ.get("PEERCERT_PROFILE", "icrc-pr"), evidence,
                      float(os.environ.get("PEERCERT_DASHBOARD_TTL", "300")))
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    # PEERCERT_DASHBOARD_BIND: the address to listen on when it is not the service URL's host
    # (in a Kubernetes pod the hub reaches the service by its pod address: 0.0.0.0)
    bind = os.environ.get("PEERCERT_DASHBOARD_BIND") or url.hostname or "127.0.0.1"
    HTTPServer(make_app(reports, prefix)).listen(url.port or 80, bind)
    IOLoop.current().start()


if __name__ == "__main__":
    main()

"""A real JupyterHub on loopback: deploy/hub/jupyterhub_config.py, configurable-http-proxy, a
test password (or the deployment's PAM), and an admin service token; stopped with everything
it started.

Shared by ``tests/test_hub.py`` (the program end to end) and ``bench/hub_throughput.py``
(logins, apply, the proxy, spawns). The hub listens on ``127.0.0.1``; its public address is
``http://peercert.localhost:<port>`` and every user's server is on
``<user>.peercert.localhost``, as in deploy/hub/jupyterhub_config.py.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from _net import follow_log, free_port

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HUB_CONFIG = REPO / "deploy" / "hub" / "jupyterhub_config.py"
PUBLIC_HOST = "peercert.localhost"
# What the admin service of a test or bench may do: users, groups, servers, tokens, and read
# the proxy's routes (where each server really listens).
ADMIN_SCOPES = ("admin:users", "admin:servers", "admin:server_state", "tokens",
                "admin:groups", "access:servers", "proxy")


def user_env() -> dict[str, str]:
    """What another Unix user's command keeps from ours: the interpreter's PATH and imports."""
    keep = ("PATH", "LANG", "LC_ALL", "PYTHONPATH")
    return {k: os.environ[k] for k in keep if k in os.environ}


def usable_by_others() -> bool:
    """Unix users other than root can run this interpreter and import peercert."""
    done = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c",
                           "import peercert, peercert_trainee, jupyterhub"],
                          env=user_env(), capture_output=True, text=True, check=False)
    return done.returncode == 0


@contextmanager
def unix_accounts(users: list[str], groups: list[str]) -> Iterator[None]:
    """Delete these Unix accounts and groups afterwards (homes included), however it ends."""
    try:
        yield
    finally:
        for user in users:
            with suppress(KeyError):
                pwd.getpwnam(user)
                subprocess.run(["userdel", "--remove", user], capture_output=True, check=False)
        for group in groups:
            with suppress(KeyError):
                grp.getgrnam(group)
                subprocess.run(["groupdel", group], capture_output=True, check=False)


@dataclass
class RunningHub:
    """A started hub: its ports, the admin and apply tokens, and its log so far."""

    proc: subprocess.Popen[str]
    port: int                       # the proxy's public port (what users reach)
    api_port: int                   # the hub itself, behind the proxy
    admin_token: str
    apply_token: str                # the peercert-apply service (peercert program apply)
    log: list[str]
    state: Path                     # the hub's database, cookie secret, proxy pid file
    scheme: str                     # "https" when the proxy serves TLS (running_hub tls=True)

    @property
    def public(self) -> str:
        return f"{self.scheme}://{PUBLIC_HOST}:{self.port}"

    def user_host(self, user: str) -> str:
        return f"{self.scheme}://{user}.{PUBLIC_HOST}:{self.port}"

    def proxy_pid(self) -> int:
        """configurable-http-proxy's process id (the hub writes it when it starts it)."""
        return int((self.state / "jupyterhub-proxy.pid").read_text().strip())

    def server_pid(self, user: str, server: str = "") -> int:
        """The process id of ``user``'s running server (LocalProcessSpawner's state)."""
        info = self.api("GET", f"/users/{user}").json()
        return int(info["servers"][server]["state"]["pid"])

    def api(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, f"http://127.0.0.1:{self.api_port}/hub/api{path}",
                                headers={"Authorization": f"token {self.admin_token}"},
                                timeout=60, **kw)

    def wait_server(self, user: str, server: str = "", timeout: float = 180) -> None:
        """Until the hub reports ``user``'s server ready (spawned through the API or a page)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.api("GET", f"/users/{user}").json()
            s = info.get("servers", {}).get(server)
            if s and s.get("ready"):
                return
            time.sleep(1)
        raise AssertionError(f"{user}/{server} did not start:\n{''.join(self.log[-40:])}")


def hub_config(password: str | None, admin_token: str,
               scopes: tuple[str, ...] = ADMIN_SCOPES) -> str:
    """The deployment's configuration and an admin service; with ``password`` one test
    password for every user (JupyterHub's DummyAuthenticator) instead of the deployment's
    PAM (``None``: the caller sets the accounts' passwords). Nothing else differs from what
    a program runs."""
    dummy = ("" if password is None else
             f'c.JupyterHub.authenticator_class = "dummy"\n'
             f"c.DummyAuthenticator.password = {password!r}\n")
    return f"""
c = get_config()
load_subconfig({str(HUB_CONFIG)!r})
{dummy}c.Spawner.env_keep = c.Spawner.env_keep + ["PYTHONPATH"]
# the caller's own admin service: users, servers and tokens
c.JupyterHub.services.append({{"name": "hub-admin", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "hub-admin", "services": ["hub-admin"],
                                 "scopes": {list(scopes)!r}}})
"""


def wildcard_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the hub's host and every user's subdomain (what a
    program buys as a wildcard certificate): (certificate, key) files in ``folder``."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC_HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(PUBLIC_HOST), x509.DNSName(f"*.{PUBLIC_HOST}")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "hub.crt", folder / "hub.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


@contextmanager
def running_hub(program_file: Path, work: Path, password: str | None, *,
                env: Mapping[str, str] | None = None,
                extra_env: Mapping[str, str] | None = None,
                scopes: tuple[str, ...] = ADMIN_SCOPES,
                tls: bool = False,
                start_timeout: float = 120) -> Iterator[RunningHub]:
    """The hub of ``program_file``, its state in ``work/state``, until the block ends.

    ``env`` replaces ``os.environ`` as the hub's base environment (a caller drops a
    developer's course settings from it); ``extra_env`` adds to the hub's own variables.
    ``tls``: the proxy serves HTTPS with a self-signed wildcard certificate
    (PEERCERT_SSL_CERT/KEY, as a program sets them).
    On the way out every server is stopped, then the hub, its proxy and its services, and any
    server process the hub left behind (by its pid, from the hub's server state)."""
    state = work / "state"
    state.mkdir(parents=True, exist_ok=True)
    config = work / "hub_config.py"
    port, api_port, proxy_port = free_port(), free_port(), free_port()
    admin_token, apply_token = secrets.token_hex(24), secrets.token_hex(24)
    config.write_text(hub_config(password, admin_token, scopes), encoding="utf-8")
    scheme = "https" if tls else "http"
    full = dict(os.environ if env is None else env)
    if tls:
        cert, key = wildcard_certificate(state)
        full.update(PEERCERT_SSL_CERT=str(cert), PEERCERT_SSL_KEY=str(key))
    full.update(PEERCERT_PROGRAM=str(program_file), PEERCERT_STATE_DIR=str(state),
                PEERCERT_PUBLIC_URL=f"{scheme}://{PUBLIC_HOST}:{port}",
                PEERCERT_HUB_IP="127.0.0.1", PEERCERT_HUB_PORT=str(port),
                PEERCERT_HUB_API_PORT=str(api_port), PEERCERT_PROXY_API_PORT=str(proxy_port),
                PEERCERT_DASHBOARD_PORT=str(free_port()), PEERCERT_HUB_TOKEN=apply_token,
                **(extra_env or {}))
    proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=state, env=full,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    hub = RunningHub(proc, port, api_port, admin_token, apply_token, [], state, scheme)
    running, reader = follow_log(proc, hub.log, "JupyterHub is now running")
    try:
        running.wait(timeout=start_timeout)
        if proc.poll() is not None or not any("now running" in x for x in hub.log):
            raise RuntimeError("jupyterhub did not start:\n" + "".join(hub.log[-60:]))
        yield hub
    finally:
        stop_hub(hub)
        reader.join(timeout=10)


def server_pids(hub: RunningHub) -> list[int]:
    """The process ids of every active server, from the hub's spawner state."""
    pids = []
    with suppress(Exception):
        r = hub.api("GET", "/users?state=active&limit=10000")
        for user in r.json():
            for server in (user.get("servers") or {}).values():
                pid = (server.get("state") or {}).get("pid")
                if pid:
                    pids.append(int(pid))
    return pids


def stop_hub(hub: RunningHub) -> None:
    """Every server, then the hub and what it started (proxy, services), then any server
    process still there."""
    pids = server_pids(hub)
    with suppress(Exception):  # stop every server first: the hub's own cleanup is slow
        for user in hub.api("GET", "/users?state=active&limit=10000").json():
            for name in user.get("servers", {}):
                path = f"/users/{user['name']}/servers/{name}" if name else \
                    f"/users/{user['name']}/server"
                hub.api("DELETE", path)
    proc = hub.proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in pids:  # a server the hub could not stop (each runs in its own session)
        if _is_singleuser(pid):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def _is_singleuser(pid: int) -> bool:
    """``pid`` is still a single-user server (not a number reused since)."""
    try:
        return b"jupyterhub-singleuser" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False

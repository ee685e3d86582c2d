"""The few JupyterHub REST API calls ``peercert program apply`` makes, with a service token.

The token belongs to the ``peercert-apply`` service that ``deploy/hub/jupyterhub_config.py``
declares, with a role limited to users, groups and servers (see that file).
"""

from __future__ import annotations

from typing import Any

import requests

from peercert.errors import PeercertError


class HubError(PeercertError):
    """The hub refused or failed a request (wrong URL, token or role)."""


class HubClient:
    """``/hub/api`` of one hub, authenticated by an API token."""

    def __init__(self, url: str, token: str, timeout: float = 30.0):
        base = url.rstrip("/")
        self.api = base if base.endswith("/hub/api") else base + "/hub/api"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        self.timeout = timeout

    def _call(self, method: str, path: str, json: Any = None, ok: tuple[int, ...] = ()) -> Any:
        url = self.api + path
        try:
            r = self.session.request(method, url, json=json, timeout=self.timeout)
        except requests.RequestException as exc:
            raise HubError(f"cannot reach the hub at {self.api}: {exc.__class__.__name__}: "
                           f"{exc}") from exc
        if r.status_code in ok:
            return None
        if r.status_code >= 400:
            try:
                detail = r.json().get("message", r.text)
            except ValueError:
                detail = r.text[:200]
            raise HubError(f"hub API {method} {path}: HTTP {r.status_code}: {detail}")
        return r.json() if r.content else None

    def _paged(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paginated list (JupyterHub 3+ pagination)."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            sep = "&" if "?" in path else "?"
            self.session.headers["Accept"] = "application/jupyterhub-pagination+json"
            try:
                page = self._call("GET", f"{path}{sep}offset={offset}&limit=200")
            finally:
                del self.session.headers["Accept"]
            if isinstance(page, list):  # a hub without pagination
                return page
            items.extend(page["items"])
            nxt = page.get("_pagination", {}).get("next")
            if not nxt:
                return items
            offset = nxt["offset"]

    def users(self) -> dict[str, dict[str, Any]]:
        return {u["name"]: u for u in self._paged("/users")}

    def groups(self) -> dict[str, set[str]]:
        return {g["name"]: set(g["users"]) for g in self._paged("/groups")}

    def create_users(self, names: list[str]) -> None:
        if names:
            self._call("POST", "/users", json={"usernames": names})

    def create_group(self, name: str) -> None:
        self._call("POST", f"/groups/{name}", json={"users": []})

    def add_to_group(self, group: str, users: list[str]) -> None:
        if users:
            self._call("POST", f"/groups/{group}/users", json={"users": users})

    def remove_from_group(self, group: str, users: list[str]) -> None:
        if users:
            self._call("DELETE", f"/groups/{group}/users", json={"users": users})

    def stop_servers(self, user: dict[str, Any]) -> list[str]:
        """Stop every running server of ``user`` (so a new group list applies at its start)."""
        stopped = []
        for name, server in (user.get("servers") or {}).items():
            if server.get("ready") or server.get("pending") == "spawn":
                path = f"/users/{user['name']}/servers/{name}" if name else \
                    f"/users/{user['name']}/server"
                self._call("DELETE", path, ok=(202, 204))
                stopped.append(name or "(default)")
        return stopped

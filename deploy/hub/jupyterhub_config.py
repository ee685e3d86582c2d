"""JupyterHub 5 configuration for a peercert state program (see deploy/README.md).

Static: it names no course, no trainee and no instructor. Courses, rosters and staff come from
the program file (PEERCERT_PROGRAM), which ``peercert program apply`` turns into hub users
and groups through the REST API, and which the spawn hook reads again at every spawn: adding
a course or a trainee never needs this file edited or the hub restarted. Only the first
deployment of the services and roles below does.

- Trainees: their default server, JupyterLab with nbgrader's Assignment List of every course
  they are in (hub group ``nbgrader-<course>``); no instructor tools.
- Instructors: a named server per course they teach (hub group ``formgrade-<course>``),
  ``/user/<name>/<course>/``, rooted in the course folder, with the formgrader.
- Program staff (hub group ``program-staff``): the ``readiness`` service, nothing else.

Every user's server runs on its own subdomain (``<user>.<hub host>``), so that the
formgrader, which JupyterLab shows in an iframe, can be allowed to be framed by its own
origin (``frame-ancestors 'self'``) without letting another user's server frame it
(nbgrader #1870; JupyterHub's "mitigating same-origin deployments").

Environment (all but the first have defaults):
  PEERCERT_PROGRAM      program.toml
  PEERCERT_PUBLIC_URL   the hub's public address, e.g. https://peercert.example.org; users'
                        servers are at https://<user>.peercert.example.org (wildcard DNS and
                        a wildcard TLS certificate)
  PEERCERT_HUB_IP / PEERCERT_HUB_PORT   where the proxy listens (default all interfaces, 8000)
  PEERCERT_SSL_CERT / PEERCERT_SSL_KEY  the (wildcard) certificate and key: the proxy serves
                        HTTPS; unset, it serves HTTP for a TLS server in front of it
  PEERCERT_HUB_API_PORT the hub's own API port on 127.0.0.1 (default 8081)
  PEERCERT_PROXY_API_PORT  the proxy's API port on 127.0.0.1 (default 8001)
  PEERCERT_STATE_DIR    the hub's database, cookie secret and proxy token (default the cwd)
  PEERCERT_HUB_TOKEN    the API token of the peercert-apply service (peercert program apply)
  PEERCERT_PROFILE      the credential profile of the readiness dashboard (default icrc-pr)
"""

import os
import sys
from pathlib import Path

from peercert.deploy.spawn import SpawnRefused, plan_spawn
from peercert.program import load_program

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (traitlets provides it)

HERE = Path(__file__).resolve().parent
PROGRAM = Path(os.environ["PEERCERT_PROGRAM"]).resolve()
load_program(PROGRAM)  # a broken program file stops the hub at start, with the reason
STATE = Path(os.environ.get("PEERCERT_STATE_DIR", os.getcwd()))
PUBLIC = os.environ.get("PEERCERT_PUBLIC_URL", "https://peercert.example.org").rstrip("/")
BIN = Path(sys.executable).parent

# --- where it listens -------------------------------------------------------------------
# TLS at the proxy when a certificate is given (a wildcard one: users' servers are on
# subdomains); otherwise plain HTTP for a TLS-terminating server in front (nginx, Caddy).
CERT, KEY = os.environ.get("PEERCERT_SSL_CERT", ""), os.environ.get("PEERCERT_SSL_KEY", "")
if bool(CERT) != bool(KEY):
    sys.exit("jupyterhub_config.py: set both PEERCERT_SSL_CERT and PEERCERT_SSL_KEY, or neither")
if CERT:
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = CERT, KEY
c.JupyterHub.bind_url = "{}://{}:{}".format("https" if CERT else "http",
                                           os.environ.get("PEERCERT_HUB_IP", ""),
                                           os.environ.get("PEERCERT_HUB_PORT", "8000"))
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{}".format(
    os.environ.get("PEERCERT_HUB_API_PORT", "8081"))
c.JupyterHub.subdomain_host = PUBLIC
c.JupyterHub.db_url = "sqlite:///" + str(STATE / "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]  # from npm
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{}".format(
    os.environ.get("PEERCERT_PROXY_API_PORT", "8001"))

# --- who may log in ---------------------------------------------------------------------
# PAM (the machine's accounts, which `peercert program apply --unix-users` creates); replace
# with the program's single sign-on (OAuthenticator, LTI) as needed. Users the program file
# lists exist in the hub (apply creates them), and only they may log in.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allow_existing_users = True
c.Authenticator.admin_users = set()

# --- servers ----------------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"  # each server runs as its user's Unix account
c.JupyterHub.allow_named_servers = True       # instructors: one server per course
c.JupyterHub.named_server_limit_per_user = 0
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = c.Spawner.http_timeout = 120  # a busy machine starts Lab slowly
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV"]


# The gradebook's URL when program.toml says gradebook_url = "env:PEERCERT_DB_URL": given to
# instructors' course servers and the readiness service only.
GRADEBOOK_ENV = "PEERCERT_DB_URL"


def _pre_spawn(spawner):
    groups = {g.name for g in spawner.user.groups}
    try:
        plan = plan_spawn(PROGRAM, spawner.user.name, groups, spawner.name, HERE / "singleuser")
    except SpawnRefused as exc:
        from tornado import web

        raise web.HTTPError(403, str(exc)) from exc
    spawner.notebook_dir = plan.notebook_dir
    spawner.disable_user_config = plan.disable_user_config
    env = {**plan.env, "JUPYTER_CONFIG_PATH": str(plan.config_dir)}
    if plan.role == "instructor" and GRADEBOOK_ENV in os.environ:
        env[GRADEBOOK_ENV] = os.environ[GRADEBOOK_ENV]  # never to a trainee's server
    spawner.environment = {**spawner.environment, **env}


c.Spawner.pre_spawn_hook = _pre_spawn

# --- services and roles (first deployment: a restart) ------------------------------------
c.JupyterHub.services = [
    {   # `peercert program apply` creates users and groups with this service's token
        "name": "peercert-apply",
        "api_token": os.environ.get("PEERCERT_HUB_TOKEN") or None,
    },
    {   # the program staff's cross-course readiness dashboard
        "name": "readiness",
        "url": "http://127.0.0.1:{}".format(os.environ.get("PEERCERT_DASHBOARD_PORT", "10101")),
        "command": [sys.executable, "-m", "peercert.deploy.dashboard"],
        "cwd": str(STATE),
        "oauth_no_confirm": True,
        "environment": {
            "PEERCERT_PROGRAM": str(PROGRAM),
            "PEERCERT_PROFILE": os.environ.get("PEERCERT_PROFILE", "icrc-pr"),
            "PEERCERT_DASHBOARD_DIR": str(STATE / "readiness-dashboard"),
            **{k: os.environ[k] for k in ("PEERCERT_EVIDENCE", "PEERCERT_DASHBOARD_TTL",
                                          "PATH", GRADEBOOK_ENV) if k in os.environ},
        },
    },
]
c.JupyterHub.load_roles = [
    {   # users and groups, and stopping a removed trainee's server; nothing else
        "name": "peercert-apply",
        "services": ["peercert-apply"],
        "scopes": ["list:users", "read:users", "admin:users", "list:groups", "read:groups",
                   "admin:groups", "read:servers", "delete:servers"],
    },
    {   # program staff open the readiness dashboard; they get no access to any server
        "name": "program-staff",
        "groups": ["program-staff"],
        "scopes": ["access:services!service=readiness", "self"],
    },
    {   # a server's own token may read its user's groups: nbgrader's JupyterHubAuthPlugin
        # lists a trainee's courses from them
        "name": "server",
        "scopes": ["users:activity!user", "access:servers!server", "read:users:groups!user",
                   "read:users:name!user"],
    },
]
c.JupyterHub.load_groups = {"program-staff": {"users": []}}  # created once; apply fills it

"""An instructor's course server on the program's hub: JupyterLab in the course folder, with
nbgrader's formgrader and Create Assignment."""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821

# nbgrader #1870: JupyterHub >= 4.1 sends `frame-ancestors 'none'`, so JupyterLab's
# formgrader panel (an iframe of this same server) stays blank. Every server of this hub has
# its own subdomain (JupyterHub.subdomain_host), so 'self' lets this server frame its own
# pages and nothing else: no other user's server, on another origin, can frame it.
c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": "frame-ancestors 'self'"},
}
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"

# Several instructors work in one course folder through its Unix group: what this server (and
# its terminals and kernels) creates is group-writable, never world-readable.
os.umask(0o007)

"""nbgrader for a trainee: the program's exchange, the courses the hub says they are in."""

import os
import pwd

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # type: ignore[name-defined]  # noqa: F821

c.Exchange.root = os.environ["PEERCERT_EXCHANGE"]
c.Exchange.path_includes_course = True  # ~/<course>/<quiz>/: two courses never collide
c.Authenticator.plugin_class = JupyterHubAuthPlugin  # courses from hub groups nbgrader-<course>
# A submission readable only by its trainee and the course's instructors (nbgrader #1225).
c.ExchangeFactory.submit = "peercert_trainee.exchange.PrivateSubmit"
# On Kubernetes a pod's uid has no account (deploy/k8s/values.yaml gives each user a numeric
# uid): nbgrader's submit and fetch_feedback would look the trainee's name up in /etc/passwd
# and fail. Their name is the hub's, which the hub gives every server.
try:
    pwd.getpwuid(os.getuid())
except KeyError:
    if os.environ.get("JUPYTERHUB_USER"):
        c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]

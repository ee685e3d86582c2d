"""nbgrader for a trainee: the program's exchange, the courses the hub says they are in."""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # type: ignore[name-defined]  # noqa: F821

c.Exchange.root = os.environ["PEERCERT_EXCHANGE"]
c.Exchange.path_includes_course = True  # ~/<course>/<quiz>/: two courses never collide
c.Authenticator.plugin_class = JupyterHubAuthPlugin  # courses from hub groups nbgrader-<course>
# A submission readable only by its trainee and the course's instructors (nbgrader #1225).
c.ExchangeFactory.submit = "peercert_trainee.exchange.PrivateSubmit"

"""nbgrader in an instructor's course server: the course's own configuration.

The server runs in its user's home; the formgrader and the exchange read the course named by
the spawn hook (PEERCERT_COURSE_DIR), whose nbgrader_config.py `peercert program apply` wrote.
"""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821

load_subconfig(os.path.join(os.environ["PEERCERT_COURSE_DIR"], "nbgrader_config.py"))  # type: ignore[name-defined]  # noqa: F821

"""A trainee's Jupyter configuration: the course's exchange, no instructor tools, no news prompt.

``python -m peercert_trainee.config --exchange DIR --course-id ID`` (or, on an instructor's
machine, ``peercert trainee-config``) writes it into a Jupyter configuration directory (a trainee's
``~/.jupyter``, ``$JUPYTER_CONFIG_DIR``, or a JupyterHub single-user image's), for JupyterLab
and Notebook 7 alike:

- ``nbgrader_config.json``: the course id and the exchange the instructor releases into, so
  the Assignment List fetches, submits and fetches feedback there (and, if given, the
  trainee's id on the course roster; nbgrader otherwise submits under the login name);
- ``labconfig/page_config.json``: nbgrader's Formgrader, Create Assignment and Course List
  plugins off;
- ``jupyter_server_config.json``: nbgrader's formgrader and course list server extensions off;
- ``lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings``: no
  "fetch Jupyter news?" prompt and no update checks (nothing leaves the machine).

peercert's quiz-answers extension, the Assignment List and Validate stay on. Existing
settings in these files are kept; only the keys above are set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from peercert_trainee.files import write_private

# nbgrader's instructor tools (each can be turned off on its own, nbgrader's installation
# guide says); the Course List lists only the formgraders of the courses one teaches
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list")
NOTIFICATIONS = Path("lab/user-settings/@jupyterlab/apputils-extension/"
                     "notification.jupyterlab-settings")


def _update(path: Path, change: dict[str, Any]) -> Path:
    """Merge ``change`` (two levels deep) into the JSON object at ``path``."""
    data: dict[str, Any] = {}
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        data = json.loads(text) if text else {}
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_private(path, json.dumps(data, indent=2) + "\n")  # never half-written


def write_trainee_config(config_dir: Path, exchange: Path, course_id: str,
                         student_id: str | None = None) -> list[Path]:
    """Write a trainee's configuration into ``config_dir``; return the files written.

    ``student_id`` is the trainee's id on the course roster, when it is not their login name
    (nbgrader submits under the login name otherwise, or under JUPYTERHUB_USER on a hub).
    """
    course: dict[str, str] = {"course_id": course_id}
    if student_id is not None:
        if not student_id.strip() or any(c in student_id for c in "*+/\\"):
            raise ValueError(f"student id {student_id!r} cannot be used: nbgrader needs an id "
                             "that is not blank and holds no '*', '+' or slash")
        course["student_id"] = student_id.strip()
    return [
        _update(config_dir / "nbgrader_config.json", {
            "CourseDirectory": course,
            "Exchange": {"root": str(Path(exchange).resolve())},
        }),
        _update(config_dir / "labconfig" / "page_config.json", {
            "disabledExtensions": dict.fromkeys(INSTRUCTOR_PLUGINS, True),
        }),
        _update(config_dir / "jupyter_server_config.json", {
            "ServerApp": {"jpserver_extensions": dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS,
                                                                False)},
        }),
        _update(config_dir / NOTIFICATIONS, {"fetchNews": "false", "checkForUpdates": False}),
    ]


def default_config_dir() -> Path:
    """Where Jupyter reads this user's configuration: ``$JUPYTER_CONFIG_DIR`` or
    ``~/.jupyter``, by jupyter_core's own rule."""
    from jupyter_core.paths import jupyter_config_dir

    return Path(jupyter_config_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m peercert_trainee.config",
        description="Set up a trainee's Jupyter: the course exchange, no instructor tools, "
                    "no news prompt.")
    parser.add_argument("--exchange", required=True, type=Path,
                        help="the course's nbgrader exchange directory")
    parser.add_argument("--course-id", default="peercert", help="nbgrader course id")
    parser.add_argument("--student-id", default=None,
                        help="the trainee's id on the course roster (default: the login name)")
    parser.add_argument("--config-dir", type=Path, default=None,
                        help="Jupyter configuration directory (default: $JUPYTER_CONFIG_DIR "
                             "or ~/.jupyter)")
    args = parser.parse_args(argv)
    target = args.config_dir or default_config_dir()
    try:
        written = write_trainee_config(target, args.exchange, args.course_id, args.student_id)
    except ValueError as exc:
        parser.error(str(exc))
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

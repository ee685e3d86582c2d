"""A state program's deployment: course folders, hub groups, OS accounts and exchange rights.

``peercert program apply PROGRAM.toml`` (:func:`apply_program`) makes a machine and a running
JupyterHub match ``program.toml``; ``deploy/hub/`` holds the hub's configuration, which calls
:mod:`peercert.deploy.spawn` to start each user's server and runs the readiness dashboard
(:mod:`peercert.deploy.dashboard`) as a hub service. See ``deploy/README.md``.
"""

from peercert.deploy.apply import ApplyError, apply_program
from peercert.deploy.names import (
    STAFF_GROUP,
    grader_group,
    os_course_group,
    os_instructor_group,
    student_group,
)

__all__ = ["STAFF_GROUP", "ApplyError", "apply_program", "grader_group", "os_course_group",
           "os_instructor_group", "student_group"]

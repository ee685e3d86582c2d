"""nbgrader's submit, keeping a submission private to its trainee and the course's graders.

nbgrader's filesystem exchange leaves a submission world-readable (files 0644, folder 0777)
in an inbound folder others can write to but not list: it is hidden only by the random part
of its name (nbgrader #1225). On a program's hub every course's inbound folder is setgid to
the course's instructors' group (``peercert program apply --unix-users``), so this class
narrows each new submission to its owner and that group: folder 2770, files 0640. Another
trainee cannot read it even knowing its name. Configured in the trainee's
``nbgrader_config.py`` as ``c.ExchangeFactory.submit``.
"""

from __future__ import annotations

import os
import stat

from nbgrader.exchange.default.submit import ExchangeSubmit

DIR_MODE = stat.S_ISGID | stat.S_IRWXU | stat.S_IRWXG   # 2770
FILE_MODE = stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP  # 0640


class PrivateSubmit(ExchangeSubmit):  # type: ignore[misc]  # nbgrader is untyped
    """``nbgrader submit`` whose inbound copy only its trainee and the graders can read."""

    def copy_files(self) -> None:
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        for dirpath, _dirs, files in os.walk(dest):
            for name in files:
                os.chmod(os.path.join(dirpath, name), FILE_MODE)
            os.chmod(dirpath, DIR_MODE)

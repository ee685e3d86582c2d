"""nbgrader's submit, keeping a submission private to its trainee and the course's graders.

nbgrader's filesystem exchange leaves a submission world-readable (files 0644, folder 0777)
in an inbound folder others can write to but not list: it is hidden only by the random part
of its name (nbgrader #1225). On a program's hub every course's inbound folder belongs to the
course's instructors' group and is setgid (``peercert program apply --unix-users``), so a
folder made directly in it belongs to that group too. This class lets nbgrader submit as
usual, then rebuilds the submission in such a folder, files 0640 and folders 0770: only the
trainee and the course's instructors can read it, even knowing its name. (nbgrader's own copy
cannot keep the group: ``copytree`` copies the trainee's folder mode, which drops setgid, and
a trainee outside the group cannot set it back.) Configured in the trainee's
``nbgrader_config.py`` as ``c.ExchangeFactory.submit``.
"""

from __future__ import annotations

import os
import shutil
import stat

from nbgrader.exchange.default.submit import ExchangeSubmit

DIR_MODE = stat.S_ISGID | stat.S_IRWXU | stat.S_IRWXG   # 2770
FILE_MODE = stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP  # 0640


def rebuild_private(dest: str) -> None:
    """Replace the folder ``dest`` by a copy made in its (setgid) parent, owner and group only.

    The copy is built under a hidden name nbgrader's collect never matches, then swapped in.
    """
    parent, name = os.path.split(dest)
    fresh = os.path.join(parent, f".{name}.private")
    old = os.path.join(parent, f".{name}.old")
    os.mkdir(fresh)  # inherits the parent's group and setgid bit
    for dirpath, dirnames, filenames in os.walk(dest):
        rel = os.path.relpath(dirpath, dest)
        target = fresh if rel == "." else os.path.join(fresh, rel)
        for d in dirnames:
            os.mkdir(os.path.join(target, d))
        for f in filenames:
            out = os.path.join(target, f)
            shutil.copyfile(os.path.join(dirpath, f), out, follow_symlinks=False)
            os.chmod(out, FILE_MODE)
    for dirpath, _dirs, _files in os.walk(fresh, topdown=False):
        os.chmod(dirpath, DIR_MODE)
    os.rename(dest, old)
    os.rename(fresh, dest)
    shutil.rmtree(old)


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose inbound copy only its trainee and the graders can read."""

    def copy_files(self) -> None:
        super().copy_files()
        rebuild_private(os.path.join(self.inbound_path, self.assignment_filename))

"""The trainee side's one way to write a file: whole or not at all, for this user only.

(The instructor side writes through :mod:`peercert.output`, which also sets a course's
group and modes; the trainee side does not depend on it.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder (created 0600,
    so only this user can read it), renamed over ``path`` once complete."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

"""After install, JupyterLab shows nbgrader's extensions (Assignment List, Formgrader,
Create Assignment, Validate), enabled."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(*args: str) -> str:
    out = subprocess.run([str(BIN / "jupyter"), *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return ANSI.sub("", out.stdout + out.stderr)


def test_lab_extension_enabled():
    text = _run("labextension", "list")
    assert re.search(r"@jupyter/nbgrader v0\.9\.\d+ enabled\s+OK", text), text
    disabled = text.split("Disabled extensions:")[1] if "Disabled extensions:" in text else ""
    assert "nbgrader" not in disabled


def test_server_extensions_enabled():
    text = _run("server", "extension", "list")
    for ext in ("formgrader", "assignment_list", "validate_assignment", "course_list"):
        assert re.search(rf"nbgrader\.server_extensions\.{ext} enabled", text), ext
        assert re.search(rf"nbgrader\.server_extensions\.{ext}\s+OK", text), ext

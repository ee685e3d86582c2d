"""The quiz-answers JupyterLab extension: its committed build matches its sources, and
``pip install`` puts it where JupyterLab (and Notebook 7) find it, enabled.

The extension is part of the trainee side: its sources are in ``trainee/labextension/``; its
prebuilt output is committed in ``trainee/src/peercert_trainee/labextension/`` so installing
peercert (or only peercert-trainee) needs no node. Rebuild after changing a source:
``cd trainee/labextension && jlpm install && jlpm build`` (then ``pip install -e .``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import peercert_trainee

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "trainee" / "labextension"
BUILT = REPO / "trainee" / "src" / "peercert_trainee" / "labextension"
BIN = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _build_hash():
    spec = importlib.util.spec_from_file_location("build_hash", SOURCE / "build_hash.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_build_matches_the_sources():
    recorded = (BUILT / "build-hash.txt").read_text(encoding="utf-8").strip()
    assert recorded == _build_hash().compute(), (
        "trainee/labextension/ changed since its build was committed: run "
        "`cd trainee/labextension && jlpm install && jlpm build` and commit the output")


def test_build_output_is_complete_and_names_the_python_package():
    meta = json.loads((BUILT / "package.json").read_text(encoding="utf-8"))
    source = json.loads((SOURCE / "package.json").read_text(encoding="utf-8"))
    assert meta["name"] == source["name"] == "peercert"
    assert meta["version"] == source["version"] == peercert_trainee.__version__
    build = meta["jupyterlab"]["_build"]
    assert (BUILT / build["load"]).is_file()  # the entry point JupyterLab loads
    assert build["extension"] == "./extension" and build["style"] == "./style"
    assert (BUILT / "static" / "style.js").is_file()
    install = json.loads((SOURCE / "install.json").read_text(encoding="utf-8"))
    assert install["packageName"] == "peercert-trainee"
    # Both installs put it in share/jupyter/labextensions/peercert (editable installs too): the
    # trainee's peercert-trainee and the instructor's peercert, which carries the trainee side.
    dest = "share/jupyter/labextensions/peercert"
    for project, prefix in ((REPO / "trainee", ""), (REPO, "trainee/")):
        shared = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))[
            "tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
        assert shared[f"{prefix}src/peercert_trainee/labextension"] == dest
        assert shared[f"{prefix}labextension/install.json"] == f"{dest}/install.json"
    [path] = peercert_trainee._jupyter_labextension_paths()
    assert (Path(peercert_trainee.__file__).parent / path["src"]).resolve() == BUILT.resolve()


def test_the_build_shares_jupyterlab_instead_of_bundling_it():
    meta = json.loads((BUILT / "package.json").read_text(encoding="utf-8"))
    shared = meta["jupyterlab"]["sharedPackages"]
    for package in ("@jupyterlab/application", "@jupyterlab/notebook", "@lumino/widgets"):
        assert shared[package]["bundled"] is False and shared[package]["singleton"] is True
        assert shared[package]["requiredVersion"].startswith("^")  # JupyterLab 4.2 and later
    code = "".join(p.read_text(encoding="utf-8") for p in (BUILT / "static").glob("*.js"))
    assert "peercert:answers" in code and "data-lm-suppress-shortcuts" in code


def test_jupyter_labextension_list_shows_it_enabled():
    out = subprocess.run([str(BIN / "jupyter"), "labextension", "list"], capture_output=True,
                         text=True, timeout=120)
    text = ANSI.sub("", out.stdout + out.stderr)
    assert out.returncode == 0, text
    assert re.search(rf"peercert v{re.escape(peercert_trainee.__version__)} enabled\s+OK\s+"
                     r"\(python, peercert-trainee\)", text), (
        f"{text}\nthe peercert extension is not installed here: run `pip install -e .`")
    disabled = text.split("Disabled extensions:")[1] if "Disabled extensions:" in text else ""
    assert "peercert" not in disabled

"""The quiz-answers JupyterLab extension: its committed build matches its sources, and
``pip install`` puts it where JupyterLab (and Notebook 7) find it, enabled.

The extension's sources are in ``labextension/``; its prebuilt output is committed in
``src/peercert/labextension/`` so installing peercert needs no node. Rebuild after changing a
source: ``cd labextension && jlpm install && jlpm build`` (then ``pip install -e .``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import peercert

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "labextension"
BUILT = REPO / "src" / "peercert" / "labextension"
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
        "labextension/ changed since src/peercert/labextension/ was built: run "
        "`cd labextension && jlpm install && jlpm build` and commit the output")


def test_build_output_is_complete_and_names_the_python_package():
    meta = json.loads((BUILT / "package.json").read_text(encoding="utf-8"))
    source = json.loads((SOURCE / "package.json").read_text(encoding="utf-8"))
    assert meta["name"] == source["name"] == "peercert"
    assert meta["version"] == source["version"] == peercert.__version__
    build = meta["jupyterlab"]["_build"]
    assert (BUILT / build["load"]).is_file()  # the entry point JupyterLab loads
    assert build["extension"] == "./extension" and build["style"] == "./style"
    assert (BUILT / "static" / "style.js").is_file()
    install = json.loads((SOURCE / "install.json").read_text(encoding="utf-8"))
    assert install["packageName"] == "peercert"
    # pip installs both into share/jupyter/labextensions/peercert (editable installs too)
    shared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared["src/peercert/labextension"] == "share/jupyter/labextensions/peercert"
    assert shared["labextension/install.json"] == (
        "share/jupyter/labextensions/peercert/install.json")
    [path] = peercert._jupyter_labextension_paths()
    assert (Path(peercert.__file__).parent / path["src"]).resolve() == BUILT.resolve()


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
    assert re.search(rf"peercert v{re.escape(peercert.__version__)} enabled\s+OK\s+"
                     r"\(python, peercert\)", text), (
        f"{text}\nthe peercert extension is not installed here: run `pip install -e .`")
    disabled = text.split("Disabled extensions:")[1] if "Disabled extensions:" in text else ""
    assert "peercert" not in disabled

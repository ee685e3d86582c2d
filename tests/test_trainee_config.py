"""A trainee's Jupyter configuration (``peercert trainee-config``): what it writes, what it
keeps, and that what it turns off exists in the installed nbgrader. The configuration at work,
in JupyterLab, is tested in test_journey.py."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peercert.cli import app
from peercert_trainee.config import (
    INSTRUCTOR_PLUGINS,
    INSTRUCTOR_SERVER_EXTENSIONS,
    NOTIFICATIONS,
    main,
    write_trainee_config,
)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_writes_the_exchange_no_instructor_tools_and_no_news(tmp_path: Path):
    written = write_trainee_config(tmp_path / "cfg", tmp_path / "exchange", "peercert",
                                   student_id="t0001")
    assert len(written) == 4 and all(p.is_file() for p in written)
    nbgrader = read(tmp_path / "cfg" / "nbgrader_config.json")
    assert nbgrader == {
        "CourseDirectory": {"course_id": "peercert", "student_id": "t0001"},
        "Exchange": {"root": str((tmp_path / "exchange").resolve())}}
    disabled = read(tmp_path / "cfg" / "labconfig" / "page_config.json")["disabledExtensions"]
    assert disabled == dict.fromkeys(INSTRUCTOR_PLUGINS, True)
    server = read(tmp_path / "cfg" / "jupyter_server_config.json")
    assert server["ServerApp"]["jpserver_extensions"] == dict.fromkeys(
        INSTRUCTOR_SERVER_EXTENSIONS, False)
    assert read(tmp_path / "cfg" / NOTIFICATIONS) == {"fetchNews": "false",
                                                      "checkForUpdates": False}


def test_keeps_the_settings_already_there(tmp_path: Path):
    cfg = tmp_path / "cfg"
    (cfg / "labconfig").mkdir(parents=True)
    (cfg / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"some-extension": True}, "other": 1}), encoding="utf-8")
    (cfg / "nbgrader_config.json").write_text(json.dumps(
        {"CourseDirectory": {"root": "/somewhere"}, "Execute": {"timeout": 30}}),
        encoding="utf-8")
    write_trainee_config(cfg, tmp_path / "exchange", "course-b")
    page = read(cfg / "labconfig" / "page_config.json")
    assert page["other"] == 1 and page["disabledExtensions"]["some-extension"] is True
    assert all(page["disabledExtensions"][p] for p in INSTRUCTOR_PLUGINS)
    nbgrader = read(cfg / "nbgrader_config.json")
    assert nbgrader["CourseDirectory"] == {"root": "/somewhere", "course_id": "course-b"}
    assert nbgrader["Execute"] == {"timeout": 30}  # no student id: the login name is used
    assert [p.name for p in cfg.rglob("*.tmp")] == []


@pytest.mark.parametrize("bad", ["", "  ", "t+1", "*", "a/b"])
def test_refuses_a_student_id_nbgrader_cannot_use(tmp_path: Path, bad: str):
    with pytest.raises(ValueError, match="cannot be used"):
        write_trainee_config(tmp_path, tmp_path / "exchange", "peercert", student_id=bad)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    done = CliRunner().invoke(app, ["trainee-config", "--exchange", str(tmp_path / "x"),
                                    "--student-id", bad, "--config-dir", str(tmp_path)])
    assert done.exit_code != 0 and "cannot be used" in done.output
    with pytest.raises(SystemExit):
        main(["--exchange", "x", "--student-id", bad, "--config-dir", str(tmp_path)])


def test_what_it_turns_off_exists_in_the_installed_nbgrader():
    """A plugin id or module name misspelt would leave that tool on, silently."""
    static = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter/nbgrader/static"
    code = "".join(p.read_text(encoding="utf-8") for p in static.glob("*.js"))
    for plugin in INSTRUCTOR_PLUGINS:
        assert f'"{plugin}"' in code, plugin
    for module in INSTRUCTOR_SERVER_EXTENSIONS:
        assert importlib.util.find_spec(module) is not None, module


def test_both_commands_default_to_the_directory_jupyter_reads(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """``python -m peercert_trainee.config`` (trainee side) and ``peercert trainee-config``
    (instructor side) write where Jupyter will read: $JUPYTER_CONFIG_DIR when set."""
    for n, run in enumerate((
            lambda ex: main(["--exchange", str(ex)]),
            lambda ex: CliRunner().invoke(app, ["trainee-config", "--exchange", str(ex)]))):
        target = tmp_path / f"jupyter-{n}"
        monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(target))
        run(tmp_path / "exchange")
        assert read(target / "nbgrader_config.json")["Exchange"]["root"] == \
            str((tmp_path / "exchange").resolve())

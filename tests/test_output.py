"""The one output layer: formula-safe CSV cells, one dialect, atomic writes."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from peercert import output


@pytest.mark.parametrize("name", ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_start_like_a_formula_are_neutralised(tmp_path: Path, name: str) -> None:
    path = output.write_csv(tmp_path / "a.csv", ["name", "score"], [[name, -1.5], ["Ana", 3]])
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[1][0] == "'" + name.replace("\r", "\n")
    assert rows[1][1] == "-1.5"  # numbers stay numbers, negative ones included
    assert rows[2] == ["Ana", "3"]
    assert b"\r\n" not in path.read_bytes()  # one dialect: LF line ends


def test_frames_are_neutralised_the_same_way(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "Bo"], "hours": [-2.0, 4.5]})
    text = output.write_frame(tmp_path / "f.csv", frame).read_text(encoding="utf-8")
    assert "'=cmd" in text and "-2.0" in text and "'-2.0" not in text


def test_a_failed_write_keeps_the_good_file_and_leaves_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = output.write_text(tmp_path / "report.html", "good")

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        output.write_text(target, "half")
    assert target.read_text(encoding="utf-8") == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_killed_writers_temporary_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    target = output.write_text(tmp_path / "quiz1.ipynb", "good")
    # a real writer, killed -9 between making its temporary and renaming it
    script = ("import os, sys; from pathlib import Path; from peercert import output\n"
              "os.replace = lambda *a: (print('made', flush=True), sys.stdin.read())\n"
              f"output.write_text(Path({str(target)!r}), 'half')\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "made\n"
    [left] = [p for p in tmp_path.iterdir() if p.name != "quiz1.ipynb"]
    assert output.remove_stale_temporaries(tmp_path) == []  # its writer still runs
    proc.send_signal(signal.SIGKILL)  # not waited for yet: a zombie, as a killed pool's are
    deadline = time.monotonic() + 30
    while left.exists() and time.monotonic() < deadline:
        assert output.remove_stale_temporaries(tmp_path) in ([], [left])
    assert not left.exists() and proc.poll() is not None
    ours = output._temporary(tmp_path / "other.txt", output.PRIVATE)  # this process: live
    os.close(ours[0])
    foreign = tmp_path / ".x.json.otherhost-1-0.tmp"  # another machine's: only by its age
    foreign.write_text("")
    unnamed = tmp_path / ".y.json.1234-0.tmp"  # named before names carried the host
    unnamed.write_text("")
    theirs = tmp_path / ".editor-swap.tmp"  # not peercert's: never removed
    theirs.write_text("")
    old = time.time() - output.STALE_AFTER - 5
    for path in (unnamed, theirs):
        os.utime(path, (old, old))

    assert output.remove_stale_temporaries(tmp_path) == [unnamed]
    assert target.read_text(encoding="utf-8") == "good"  # the target was never touched
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["quiz1.ipynb", Path(ours[1]).name, foreign.name, theirs.name])
    os.utime(foreign, (old, old))
    assert output.remove_stale_temporaries(tmp_path) == [foreign]
    assert output.remove_stale_temporaries(tmp_path / "missing") == []


def test_writes_make_folders_and_give_files_their_modes(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = output.write_bytes(tmp_path / "a" / "b" / "x.json", b"{}")  # private
        again = output.write_bytes(path, b"[]")  # over an existing file, folder there
        public = output.write_bytes(tmp_path / "a" / "p.txt", b"x", output.PUBLIC)
        odd = output.write_bytes(tmp_path / "a" / "o.txt", b"x", output.Modes(0o604, None))
    finally:
        os.umask(old)
    assert again == path and path.read_bytes() == b"[]"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o700
    assert public.stat().st_mode & 0o777 == 0o640  # what open gives under the umask
    assert odd.stat().st_mode & 0o777 == 0o604  # exactly, whatever the umask
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.json"]


def test_notebook_json_is_json_dumps_with_indent_1() -> None:
    import json

    class Text(str):
        """A str subclass: a type marshal does not write."""

    cells = [{"cell_type": "code", "source": "answer_1 = \"B\"\n# é \u2028", "metadata": {
        "nbgrader": {"points": 1.5, "grade": True}}, "outputs": [], "execution_count": None}]
    for nb in ({}, {"cells": []}, {"cells": cells * 3, "metadata": {"x": [1, {}, []]},
                                   "nbformat": 4}, {1: "not a string key", "cells": cells}):
        assert output.notebook_json(nb) == json.dumps(nb, indent=1)
    # Values that compare equal in Python but are written differently, and one value at two
    # depths, are each written as json.dumps writes them, whichever came first.
    lookalikes: list[dict] = [{"metadata": {"points": v}} for v in
                              (1, 1.0, True, "1", None, float("nan"), float("inf"), -0.0, 0)]
    lookalikes += [{"a": 1, "b": [2]}, {"b": [2], "a": 1}, {"a": (2,)}, {1: "x"}, {"1": "x"},
                   {"a": "\ud800"}, {"a": Text("x")}, {"a": "x"}, {"a": 10**40}]
    for cell in lookalikes * 2:
        for nb in ({"cells": [cell]}, {"cells": [cell], "metadata": cell}, {"metadata": cell}):
            assert output.notebook_json(nb) == json.dumps(nb, indent=1)

"""Every file peercert writes goes through here: atomic, one CSV dialect, one template set.

* Atomic: written to a temporary file in the same folder, then renamed over the target, so a
  reader (or a crash) never sees half a file.
* One CSV dialect: UTF-8, comma, LF line ends, minimal quoting.
* Formula-safe CSV cells (OWASP's rule): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, tab or CR gets a leading ``'`` so a spreadsheet shows it as text; numbers stay
  numbers. On by default (:data:`FORMULA_SAFE`).
* Private by default: every file is created 0600 and every folder 0700 (:data:`PRIVATE`),
  or group-readable (0640, folders 0750 with set-group-id, in the group) where a course
  shares its records with a group of instructors (``c.Peercert.share_group``, read through
  :attr:`peercert.course.Course.modes`). Callers pass the course's :class:`Modes`; curriculum
  files that trainees read (modules, built sources) pass :data:`PUBLIC` (the umask's choice).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import marshal
import math
import os
import re
import socket
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

FORMULA_SAFE = True
NOT_COMPUTABLE = "not computable"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# peercert/<stage>/templates, named "<stage>/name"
TEMPLATE_STAGES = ("analyze", "feedback", "readiness")


@dataclass(frozen=True)
class Modes:
    """Who may read what peercert writes: new files' and folders' modes, and their group.

    ``file``/``dir`` None keep the process umask's choice. ``gid``: files and folders are
    given this group (the course's ``share_group``).
    """

    file: int | None = 0o600
    dir: int | None = 0o700
    gid: int | None = None

    @classmethod
    def shared(cls, group: str, *, writable: bool = False) -> Modes:
        """Readable by ``group`` (0640; folders 0750 plus set-group-id, so that files other
        programs such as nbgrader add inside keep the group); with ``writable`` the group may
        also change them (0660, folders 2770: what nbgrader's ``groupshared`` gives a course
        shared by several instructors). ``group`` is a name, or a numeric gid ("1234567"):
        a Kubernetes pod has the gid without any /etc/group entry. LookupError names the
        problem."""
        gid = group_id(group)
        if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
            raise LookupError(f"you are not a member of the group {group!r}")
        return cls(0o660, 0o2770, gid) if writable else cls(0o640, 0o2750, gid)

    def apply(self, path: Path | str, *, folder: bool = False) -> None:
        """Give ``path`` these modes (and group)."""
        mode = self.dir if folder else self.file
        if mode is not None:
            os.chmod(path, mode)
        if self.gid is not None:
            os.chown(path, -1, self.gid)

    def tighten(self, path: Path) -> bool:
        """Give an existing file or folder these modes if it differs and this user owns it.

        For what other programs may have created first (nbgrader's gradebook, a stage folder).
        Returns whether it changed anything. Links are never followed.
        """
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return False
        folder = stat.S_ISDIR(st.st_mode)
        if not (folder or stat.S_ISREG(st.st_mode)) or st.st_uid != os.geteuid():
            return False
        mode = self.dir if folder else self.file
        if (mode is None or stat.S_IMODE(st.st_mode) == mode) and self.gid in (None, st.st_gid):
            return False
        self.apply(path, folder=folder)
        return True


def group_id(group: str | int) -> int:
    """A group's number: ``group`` itself when a number (or its digits: a Kubernetes pod's
    gid has no /etc/group entry), else the machine's group of that name (LookupError)."""
    if isinstance(group, int):
        return group
    if group.isdecimal():
        return int(group)
    import grp

    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise LookupError(f"there is no group {group!r} on this machine") from None


PRIVATE = Modes()  # owner-only: every course record, report and export
PUBLIC = Modes(None, None)  # the umask's choice: curriculum files trainees read


def tighten_tree(path: Path, modes: Modes = PRIVATE) -> None:
    """:meth:`Modes.tighten` a folder and everything in it (links are left alone)."""
    for base, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            modes.tighten(Path(base) / name)
    modes.tighten(Path(path))


def make_dirs(path: Path, modes: Modes = PRIVATE) -> None:
    """Create ``path`` and its missing parents, each with ``modes`` (existing ones untouched)."""
    path = Path(path)
    try:  # the parent usually exists: look for missing ones only when it does not
        _make_dir(path, modes)
    except FileNotFoundError:
        if path.parent == path:
            raise
        make_dirs(path.parent, modes)
        _make_dir(path, modes)


def _make_dir(folder: Path, modes: Modes) -> None:
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return  # there already, or another process made it (with the same modes)
    if modes.dir is None:
        os.chmod(folder, 0o777 & ~_umask())
    modes.apply(folder, folder=True)


def write_bytes(path: Path, data: bytes, modes: Modes = PRIVATE) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename).

    A writer killed before the rename leaves its temporary file (the target is untouched):
    stages call :func:`prepare_folder` on each folder they write into, once per run, to
    remove those.
    """
    path = Path(path)
    try:  # the folder usually exists: look for it only when it does not
        fd, tmp = _temporary(path, modes)
    except FileNotFoundError:
        make_dirs(path.parent, modes)
        fd, tmp = _temporary(path, modes)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        modes.apply(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def prepare_folder(folder: Path, modes: Modes = PRIVATE) -> Path:
    """Make ``folder`` (and its parents) as :func:`make_dirs` does, and remove the temporary
    files that killed writers left in it (:func:`remove_stale_temporaries`). A stage calls
    it once per run for each folder it writes into."""
    make_dirs(folder, modes)
    remove_stale_temporaries(folder)
    return folder


def _temporary(path: Path, modes: Modes) -> tuple[int, str]:
    """A new temporary file beside ``path``: with ``modes.file`` when set (applied exactly
    afterwards), else with the mode a plain ``open`` gives (0666 less the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    mode = 0o666 if modes.file is None else modes.file
    for _ in range(100):
        tmp = f"{path.parent}/.{path.name}.{_host()}-{os.getpid()}-{next(_SERIAL)}.tmp"
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


_SERIAL = itertools.count()  # with the host and process id: a name no other writer is using
# .<target name>.<host>-<pid>-<serial>.tmp (before 2026-11-24 without <host>-)
_TEMPORARY = re.compile(
    r"^\.(?P<target>.+?)\.(?:(?P<host>[A-Za-z0-9_]*)-)?(?P<pid>\d+)-\d+\.tmp$")
STALE_AFTER = 3600.0  # seconds: a temporary from another machine older than this is stale


@cache
def _host() -> str:
    """This machine's name as a temporary file's name carries it (letters, digits and _):
    pods and hosts sharing a course folder then never take a live writer's file for a dead
    one's."""
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40]


def is_temporary(name: str) -> bool:
    """Whether a file name is one of :func:`write_bytes`'s temporary files (another
    program's ``.name.tmp`` is not)."""
    return _TEMPORARY.match(name) is not None


def remove_stale_temporaries(folder: Path, *, stale_after: float = STALE_AFTER) -> list[Path]:
    """Remove the temporary files that killed writers left in ``folder`` (not below it).

    A killed ``write_bytes`` leaves its temporary behind; the target it was writing is
    untouched. A temporary is stale when its writer ran on this machine and no longer runs,
    or else when it is older than ``stale_after`` seconds (no write takes that long).
    Returns the files removed; a missing folder has none.
    """
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    removed = []
    for entry in entries:
        if not is_temporary(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        if not _writer_gone(entry.name):
            try:
                age = time.time() - entry.stat(follow_symlinks=False).st_mtime
            except FileNotFoundError:
                continue
            if age < stale_after:
                continue
        try:
            os.unlink(entry.path)
        except FileNotFoundError:
            continue  # its writer finished (renamed it) or another sweep took it
        removed.append(Path(entry.path))
    return removed


def _writer_gone(name: str) -> bool:
    """Whether the process that made temporary ``name`` ran on this machine and has ended."""
    match = _TEMPORARY.match(name)
    if match is None or match["host"] != _host():
        return False  # not known here (or named before names carried the host)
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OverflowError:
        return False  # not a pid: leave it to the age rule
    except PermissionError:
        pass  # there, as another user
    return _zombie(pid)  # killed, not yet reaped (a killed pool's workers, orphaned)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat_line = fh.read()
    except OSError:
        return False  # no /proc here: it counts as running
    # "pid (command) state ...": the command may hold spaces and parentheses
    return stat_line[stat_line.rfind(b")") + 2:][:1] in (b"Z", b"X")


@cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str, modes: Modes = PRIVATE) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"), modes)


def write_json(path: Path, data: Any, indent: int | None = 1, modes: Modes = PRIVATE) -> Path:
    return write_text(path, json.dumps(data, indent=indent) + "\n", modes)


def notebook_json(nb: Mapping[str, Any]) -> str:
    """``json.dumps(nb, indent=1)``, the same text, made faster for a cohort's notebooks.

    Most cells of a cohort's notebooks are the same (the released questions, and the few
    answers trainees give), and so is their metadata, but json's indented encoder runs in
    Python: each distinct cell (and value of the notebook's other keys) is indented once per
    process, found again by its :mod:`marshal` bytes (written in C, much faster than any text
    form), and nested as json.dumps would nest it.
    """
    if not all(isinstance(key, str) for key in nb):
        return json.dumps(nb, indent=1)
    parts = []
    for key, value in nb.items():
        if key == "cells" and isinstance(value, list) and value:
            text = "[\n  " + ",\n  ".join([_nested(cell, 2) for cell in value]) + "\n ]"
        else:
            text = _nested(value, 1)
        parts.append(f"{json.dumps(key)}: {text}")
    return "{\n " + ",\n ".join(parts) + "\n}" if parts else "{}"


_NESTED: dict[tuple[int, bytes], str] = {}  # (depth, marshal bytes) -> text at that depth
_NESTED_MAX = 4096  # values kept; the oldest leave first


def _nested(value: Any, depth: int) -> str:
    """``json.dumps(value, indent=1)`` as it reads ``depth`` levels deep in a document."""
    # marshal writes each value with its exact type and in order (1, 1.0 and True, or the
    # same keys in another order, give other bytes), so equal bytes are an equal value for
    # json.dumps too. Version 0: no references nor interned strings, which depend on objects'
    # identity rather than their values.
    try:
        key: tuple[int, bytes] | None = (depth, marshal.dumps(value, 0))
    except ValueError:  # a type marshal does not write (a subclass): not kept
        key = None
    if key is not None and (text := _NESTED.get(key)) is not None:
        return text
    # json escapes every newline inside strings, so each line break is the encoder's own
    text = json.dumps(value, indent=1).replace("\n", "\n" + " " * depth)
    if key is not None:
        if len(_NESTED) >= _NESTED_MAX:
            _NESTED.pop(next(iter(_NESTED)), None)
        _NESTED[key] = text
    return text


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet cannot run: text starting like a formula gets a ``'``.

    A carriage return inside text becomes a newline: the writer quotes newlines, but a bare CR
    would end the row for most readers.
    """
    if isinstance(value, str):
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            if FORMULA_SAFE and value.startswith("\n"):
                return "'" + value
        if FORMULA_SAFE and value.startswith(_FORMULA_START):
            return "'" + value
    return value


def unquote_cell(value: Any) -> Any:
    """The inverse of :func:`safe_cell`, for CSV files peercert writes and reads back."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] and value[1] in _FORMULA_START:
        return value[1:]
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> str:
    """Rows (dicts keyed by column, or sequences) as CSV text in peercert's one dialect."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = [row.get(c, "") for c in columns] if isinstance(row, Mapping) else row
        writer.writerow([safe_cell(v) for v in values])
    return buf.getvalue()


def write_csv(path: Path, columns: Sequence[str],
              rows: Iterable[Mapping[str, Any] | Sequence[Any]], modes: Modes = PRIVATE) -> Path:
    """Write a CSV atomically in peercert's dialect (UTF-8, LF, formula-safe text)."""
    return write_text(path, csv_text(columns, rows), modes)


def drop_csv_rows(path: Path, drop: Callable[[dict[str, str]], bool],
                  modes: Modes = PRIVATE) -> int:
    """Rewrite a CSV without the rows ``drop`` picks; the other rows keep their cells as the
    file holds them (already formula-safe: nothing is neutralised twice). Returns how many
    rows went; the file is left untouched when none did."""
    rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"),
                                       newline="")))
    if not rows:
        return 0
    header, body = rows[0], rows[1:]
    kept = [r for r in body if not drop(dict(zip(header, (unquote_cell(v) for v in r),
                                                  strict=False)))]
    if len(kept) == len(body):
        return 0
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *kept])
    write_text(path, buf.getvalue(), modes)
    return len(body) - len(kept)


def write_frame(path: Path, frame: pd.DataFrame, float_format: str | None = None,
                modes: Modes = PRIVATE) -> Path:
    """Write a pandas table as CSV, same dialect and safety as :func:`write_csv`."""
    import pandas as pd

    frame = frame.copy()
    for col in frame.columns:
        # Text columns: object dtype, or pandas 3's string dtype.
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = frame[col].map(safe_cell)
    text = frame.to_csv(index=False, lineterminator="\n", float_format=float_format)
    return write_text(path, text, modes)


def fmt_number(value: Any, spec: str = ".2f") -> str:
    """A number for people; ``not computable`` for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_COMPUTABLE
    return format(value, spec)


@cache
def templates() -> jinja2.Environment:
    """The one jinja environment: every ``templates/`` folder of peercert's stages."""
    import jinja2

    # Folders found by path, not by PackageLoader: that imports the package, and importing
    # peercert.analyze (pandas, matplotlib) costs seconds that a feedback page never needs.
    here = Path(__file__).parent
    env = jinja2.Environment(
        loader=jinja2.PrefixLoader({
            stage: jinja2.FileSystemLoader(here / stage / "templates")
            for stage in TEMPLATE_STAGES
        }),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda value, digits=2: fmt_number(value, f".{digits}f")
    env.filters["pct"] = lambda value: fmt_number(value, ".0%")
    return env

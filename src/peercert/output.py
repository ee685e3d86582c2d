"""Every file peercert writes goes through here: atomic, one CSV dialect, one template set.

* Atomic: written to a temporary file in the same folder, then renamed over the target, so a
  reader (or a crash) never sees half a file.
* One CSV dialect: UTF-8, comma, LF line ends, minimal quoting.
* Formula-safe CSV cells (OWASP's rule): a text cell starting with ``=``, ``+``, ``-``,
  ``@``, tab or CR gets a leading ``'`` so a spreadsheet shows it as text; numbers stay
  numbers. On by default (:data:`FORMULA_SAFE`).
* File modes: ``FILE_MODE``/``DIR_MODE`` are the one place where owner-only output
  (0600/0700) can be switched on; ``None`` keeps the umask's choice (today's behaviour).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

FILE_MODE: int | None = None  # e.g. 0o600 for owner-only files (issue 14)
DIR_MODE: int | None = None  # e.g. 0o700
FORMULA_SAFE = True
NOT_COMPUTABLE = "not computable"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# peercert/<stage>/templates, named "<stage>/name"
TEMPLATE_STAGES = ("analyze", "feedback", "readiness")


def make_dirs(path: Path) -> None:
    """Create ``path`` and its parents (with ``DIR_MODE`` when set)."""
    if DIR_MODE is None:
        path.mkdir(parents=True, exist_ok=True)
    else:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    try:  # the folder usually exists: look for it only when it does not
        fd, tmp = _temporary(path)
    except FileNotFoundError:
        make_dirs(path.parent)
        fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if FILE_MODE is not None:
            os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path``, with the mode a plain ``open`` would give it
    (0666 less the umask; ``mkstemp`` alone gives 0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for _ in range(100):
        tmp = f"{path.parent}/.{path.name}.{os.getpid()}-{next(_SERIAL)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


_SERIAL = itertools.count()  # with the process id: a name no other writer is using


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any, indent: int | None = 1) -> Path:
    return write_text(path, json.dumps(data, indent=indent) + "\n")


def notebook_json(nb: Mapping[str, Any]) -> str:
    """``json.dumps(nb, indent=1)``, the same text, made faster for a cohort's notebooks.

    Most cells of a cohort's notebooks are the same (the released questions, and the few
    answers trainees give), and json's indented encoder runs in Python: each distinct cell is
    indented once per process (keyed by its compact encoding, which runs in C) and nested
    as json.dumps would nest it.
    """
    if not all(isinstance(key, str) for key in nb):
        return json.dumps(nb, indent=1)
    parts = []
    for key, value in nb.items():
        if key == "cells" and isinstance(value, list) and value:
            text = "[\n  " + ",\n  ".join(
                _nested_cell(json.dumps(cell)) for cell in value) + "\n ]"
        else:
            text = json.dumps(value, indent=1).replace("\n", "\n ")
        parts.append(f"{json.dumps(key)}: {text}")
    return "{\n " + ",\n ".join(parts) + "\n}" if parts else "{}"


@lru_cache(maxsize=4096)
def _nested_cell(compact: str) -> str:
    # json escapes every newline inside strings, so each line break is the encoder's own
    return json.dumps(json.loads(compact), indent=1).replace("\n", "\n  ")


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
              rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> Path:
    """Write a CSV atomically in peercert's dialect (UTF-8, LF, formula-safe text)."""
    return write_text(path, csv_text(columns, rows))


def write_frame(path: Path, frame: pd.DataFrame, float_format: str | None = None) -> Path:
    """Write a pandas table as CSV, same dialect and safety as :func:`write_csv`."""
    import pandas as pd

    frame = frame.copy()
    for col in frame.columns:
        # Text columns: object dtype, or pandas 3's string dtype.
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = frame[col].map(safe_cell)
    text = frame.to_csv(index=False, lineterminator="\n", float_format=float_format)
    return write_text(path, text)


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

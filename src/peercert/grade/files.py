"""Read one submission's files without trusting them.

A submission folder is written by whoever controls the trainee's side of the exchange, so
every name under ``submitted/<trainee>/<quiz>/`` (the trainee's folder included) is opened
relative to its parent folder's descriptor with ``O_NOFOLLOW``:

* a symbolic link is refused, never followed: its target is never read nor printed;
* only regular files are read (no folders, pipes or devices), each up to its limit in
  :mod:`peercert.defaults`, checked before a byte is read;
* a folder cannot be swapped for a link between the check and the read.

Every refusal is a :class:`Refused` with one plain sentence naming the file; the caller turns
it into that trainee's *failed* status, and the rest of the cohort is graded.
"""

from __future__ import annotations

import datetime
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from peercert import defaults
from peercert import nbgrader_compat as nbc

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_MAX_DEPTH = 20
# A timestamp's time zone: an offset or a zone name, never a path (dateutil would open it).
_ZONE = re.compile(r"^(?:[+-]?\d{1,4}|[A-Za-z][A-Za-z0-9_+-]{0,30}(?:/[A-Za-z0-9_+-]{1,30}){0,2})$")


class Refused(ValueError):
    """A submission file peercert does not read; the message names the file and why."""


@dataclass(frozen=True)
class SubmissionFiles:
    notebook: bytes | None  # None: the notebook is missing
    stamp_text: str  # timestamp.txt as written ('' when there is none)
    stamp: datetime.datetime | None  # its value as nbgrader reads it (naive UTC)


def printable(name: str, limit: int = 80) -> str:
    """A file name safe to print: control characters shown as '?', long names cut."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    return text if len(text) <= limit else text[:limit] + "..."


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link: refused, not followed"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    return "not a regular file (a pipe, socket or device)"


def _open_dir(parent: int, name: str, shown: str) -> int:
    """A descriptor on the real folder ``name`` in ``parent``; Refused for anything else."""
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except FileNotFoundError:
        raise Refused(f"{shown} is missing") from None
    if stat.S_ISLNK(mode):
        raise Refused(f"{shown} is a symbolic link: refused, not followed")
    if not stat.S_ISDIR(mode):
        raise Refused(f"{shown} is not a folder")
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except OSError:  # swapped for a link or a file since the check
        raise Refused(f"{shown} changed while it was read: refused") from None


def _check_tree(folder: int, shown: str) -> None:
    """Refuse a submission folder holding links, special files, or too many entries."""
    seen = 0
    try:
        for path, _dirs, files, fd in os.fwalk(".", dir_fd=folder, follow_symlinks=False):
            rel = "" if path == "." else path.removeprefix("./") + "/"
            if rel.count("/") > _MAX_DEPTH:
                raise Refused(f"{shown} has folders nested more than {_MAX_DEPTH} deep")
            seen += len(files) + len(_dirs)
            if seen > defaults.MAX_SUBMISSION_FILES:
                raise Refused(f"{shown} holds more than {defaults.MAX_SUBMISSION_FILES:,} files "
                              "(limit peercert.defaults.MAX_SUBMISSION_FILES)")
            for name in files:
                try:
                    mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
                except FileNotFoundError:
                    continue
                what = _kind(mode)
                if what:
                    raise Refused(f"{shown}/{printable(rel + name)} is {what}")
    except OSError as exc:
        raise Refused(f"{shown} cannot be listed ({exc.strerror})") from None


def _read_file(folder: int, name: str, shown: str, limit: int, limit_name: str) -> bytes | None:
    """A regular file's bytes (None when missing); Refused when it is anything else or too big."""
    try:
        before = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    too_big = (f"{shown} is larger than {limit:,} bytes "
               f"(limit peercert.defaults.{limit_name}): refused before reading")
    what = _kind(before.st_mode)
    if what:
        raise Refused(f"{shown} is {what}")
    if before.st_size > limit:
        raise Refused(too_big)
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=folder)
    except OSError:
        raise Refused(f"{shown} changed while it was read: refused") from None
    with open(fd, "rb", closefd=True) as fh:
        if _kind(os.fstat(fd).st_mode):
            raise Refused(f"{shown} changed while it was read: refused")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise Refused(too_big)
    return data


def parse_stamp(text: str, shown: str) -> datetime.datetime | None:
    """A timestamp.txt value as nbgrader's ``parse_utc`` reads it; Refused when it is none."""
    if not text:
        return None
    parts = text.split(" ")
    bad = Refused(f"{shown} is not a date and time: {printable(text, 60)!r}")
    if len(parts) == 3 and not _ZONE.match(parts[2]):
        raise bad
    try:
        return nbc.parse_utc(text)
    except (ValueError, OverflowError, TypeError, LookupError, AssertionError):
        raise bad from None


def read_submission(submitted: Path, trainee: str, quiz: str) -> SubmissionFiles:
    """The notebook and timestamp of ``submitted/<trainee>/<quiz>/``, read safely."""
    base = f"{printable(submitted.name)}/{trainee}"
    top = os.open(submitted, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        person = _open_dir(top, trainee, f"{base} (the trainee's folder)")
    finally:
        os.close(top)
    try:
        folder = _open_dir(person, quiz, f"{base}/{quiz}")
    finally:
        os.close(person)
    shown = f"{base}/{quiz}"
    try:
        _check_tree(folder, shown)
        notebook = _read_file(folder, f"{quiz}.ipynb", f"{shown}/{quiz}.ipynb",
                              defaults.MAX_NOTEBOOK_BYTES, "MAX_NOTEBOOK_BYTES")
        raw = _read_file(folder, "timestamp.txt", f"{shown}/timestamp.txt",
                         defaults.MAX_TIMESTAMP_BYTES, "MAX_TIMESTAMP_BYTES")
    finally:
        os.close(folder)
    try:
        text = (raw or b"").decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Refused(f"{shown}/timestamp.txt is not UTF-8 text") from None
    return SubmissionFiles(notebook, text, parse_stamp(text, f"{shown}/timestamp.txt"))

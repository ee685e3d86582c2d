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


_HEX = re.compile(r"^[0-9a-f]{16,512}\s*$")


class Refused(ValueError):
    """A submission file peercert does not read; the message names the file and why."""


@dataclass(frozen=True)
class SubmissionFiles:
    notebook: bytes | None  # None: the notebook is missing
    stamp_text: str  # timestamp.txt as written ('' when there is none)
    stamp: datetime.datetime | None  # its value as nbgrader reads it (naive UTC)
    # submission_secret.txt ('' when there is none or it is not a hex secret): nbgrader's
    # release_feedback names the feedback file from it, so it goes to autograded/ as stock
    # autograde copies it
    secret_text: str = ""


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


def _refuse(parent: int, name: str, shown: str, otherwise: str) -> Refused:
    """Why ``name`` could not be opened as wanted: what it is (looked up only on failure)."""
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError as exc:
        return Refused(f"{shown} cannot be read ({exc.strerror})")
    return Refused(f"{shown} is {_kind(mode) or otherwise}")


def _open_dir(parent: int, name: str, shown: str) -> int:
    """A descriptor on the real folder ``name`` in ``parent``; Refused for anything else."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        raise Refused(f"{shown} is missing") from None
    except OSError:  # a link (never followed), a file, or a folder we may not read
        raise _refuse(parent, name, shown, "not a folder") from None


def _check_tree(folder: int, shown: str, rel: str = "", seen: int = 0) -> int:
    """Refuse a submission folder holding links, special files, or too many entries.

    Depth first, one descriptor per level (at most ``_MAX_DEPTH`` open at once); returns
    the number of entries seen so far.
    """
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                seen += 1
                if seen > defaults.MAX_SUBMISSION_FILES:
                    raise Refused(f"{shown} holds more than {defaults.MAX_SUBMISSION_FILES:,} "
                                  "files (limit peercert.defaults.MAX_SUBMISSION_FILES)")
                name = rel + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if name.count("/") >= _MAX_DEPTH:
                        raise Refused(f"{shown} has folders nested more than {_MAX_DEPTH} deep")
                    sub = _open_dir(folder, entry.name, f"{shown}/{printable(name)}")
                    try:
                        seen = _check_tree(sub, shown, name + "/", seen)
                    finally:
                        os.close(sub)
                elif not entry.is_file(follow_symlinks=False):
                    what = ("a symbolic link: refused, not followed" if entry.is_symlink()
                            else "not a regular file (a pipe, socket or device)")
                    raise Refused(f"{shown}/{printable(name)} is {what}")
    except OSError as exc:
        raise Refused(f"{shown} cannot be listed ({exc.strerror})") from None
    return seen


def _read_file(folder: int, name: str, shown: str, limit: int, limit_name: str) -> bytes | None:
    """A regular file's bytes (None when missing); Refused when it is anything else or too big.

    Opened without following a link and without blocking on a pipe; what it is comes from
    the open descriptor, so nothing can be swapped in between.
    """
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=folder)
    except FileNotFoundError:
        return None
    except OSError:
        raise _refuse(folder, name, shown, "not readable") from None
    try:
        found = os.fstat(fd)
        what = _kind(found.st_mode)
        if what:
            raise Refused(f"{shown} is {what}")
        too_big = Refused(f"{shown} is larger than {limit:,} bytes "
                          f"(limit peercert.defaults.{limit_name}): refused before reading")
        if found.st_size > limit:
            raise too_big
        with open(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise too_big
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
    return _read_folder(folder, quiz, f"{base}/{quiz}")


def read_inbound(inbound: Path, name: str, quiz: str) -> SubmissionFiles:
    """The notebook and timestamp of the exchange's ``inbound/<name>/`` (a submission of
    ``quiz`` as nbgrader's submit left it), read as safely: whoever made it controls it."""
    top = os.open(inbound, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    shown = f"{printable(inbound.name)}/{printable(name)}"
    try:
        folder = _open_dir(top, name, shown)
    finally:
        os.close(top)
    return _read_folder(folder, quiz, shown)


def _read_folder(folder: int, quiz: str, shown: str) -> SubmissionFiles:
    """Read (and close) the open submission folder ``folder``."""
    try:
        _check_tree(folder, shown)
        notebook = _read_file(folder, f"{quiz}.ipynb", f"{shown}/{quiz}.ipynb",
                              defaults.MAX_NOTEBOOK_BYTES, "MAX_NOTEBOOK_BYTES")
        raw = _read_file(folder, "timestamp.txt", f"{shown}/timestamp.txt",
                         defaults.MAX_TIMESTAMP_BYTES, "MAX_TIMESTAMP_BYTES")
        secret = _read_file(folder, "submission_secret.txt", f"{shown}/submission_secret.txt",
                            defaults.MAX_SECRET_BYTES, "MAX_SECRET_BYTES")
    finally:
        os.close(folder)
    try:
        text = (raw or b"").decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Refused(f"{shown}/timestamp.txt is not UTF-8 text") from None
    return SubmissionFiles(notebook, text, parse_stamp(text, f"{shown}/timestamp.txt"),
                           _secret(secret))


def _secret(raw: bytes | None) -> str:
    """The submission secret as written, if it is one (hex digits); else '' (not copied)."""
    text = (raw or b"").decode("ascii", "replace")
    return text if _HEX.match(text) else ""

"""A state program's courses and rosters, from the one file the program edits.

A program runs one nbgrader course per cohort or training site. ``program.toml`` declares them
all, with who teaches and who trains in each, and the program staff who read readiness across
every course::

    [program]
    name = "Example State Peer Support Program"
    courses_root = "/srv/peercert/courses"     # one folder per course is created here
    exchange_root = "/srv/peercert/exchange"   # nbgrader's exchange (one per program)
    gradebook_url = "env:PEERCERT_DB_URL"      # one PostgreSQL gradebook for every course
    staff = ["pat"]                            # program staff: read-only readiness

    [[course]]
    id = "north-2026-spring"
    site = "North Clinic"
    instructors = ["ana"]
    trainees = ["t01", "t02"]
    quizzes = ["boundaries", "practice-exam"]  # optional; every shipped quiz if left out

Relative paths are read from the file's folder. ``gradebook_url`` may name an environment
variable (``env:NAME``) so no password sits in the file. :func:`load_program` validates it all
and names the file and the entry on any problem (:class:`ProgramError`).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from peercert.errors import InputError

# A user name that is safe as a JupyterHub user, a Unix account and a path component.
USERNAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
# A course id that is safe as an nbgrader course id, a hub group suffix and a folder name.
COURSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class ProgramError(InputError):
    """``program.toml`` cannot be read or does not describe a valid program."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_users(names: list[str], field: str) -> list[str]:
    bad = [n for n in names if not USERNAME.match(n)]
    if bad:
        raise ValueError(f"{field}: not a valid user name (lower-case letters, digits, _ . -; "
                         f"starts with a letter or _): {', '.join(repr(b) for b in bad)}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{field}: listed more than once: {', '.join(dup)}")
    return names


class CourseEntry(_Strict):
    """One nbgrader course: a cohort at a training site."""

    id: str
    site: str = Field(min_length=1)
    instructors: list[str] = Field(min_length=1)
    trainees: list[str] = Field(default_factory=list)
    quizzes: list[str] | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not COURSE_ID.match(v):
            raise ValueError(f"{v!r} is not a valid course id (lower-case letters, digits and "
                             "-, at most 63 characters)")
        return v

    @field_validator("instructors")
    @classmethod
    def _instructors(cls, v: list[str]) -> list[str]:
        return _check_users(v, "instructors")

    @field_validator("trainees")
    @classmethod
    def _trainees(cls, v: list[str]) -> list[str]:
        return _check_users(v, "trainees")

    @model_validator(mode="after")
    def _no_role_overlap(self) -> CourseEntry:
        both = sorted(set(self.instructors) & set(self.trainees))
        if both:
            raise ValueError(f"course {self.id}: both instructor and trainee: {', '.join(both)}")
        return self


class ProgramSettings(_Strict):
    name: str = Field(min_length=1)
    courses_root: Path
    exchange_root: Path
    gradebook_url: str | None = None
    staff: list[str] = Field(default_factory=list)

    @field_validator("staff")
    @classmethod
    def _staff(cls, v: list[str]) -> list[str]:
        return _check_users(v, "staff")


class _ProgramFile(_Strict):
    program: ProgramSettings
    course: list[CourseEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_courses(self) -> _ProgramFile:
        ids = [c.id for c in self.course]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"course id listed more than once: {', '.join(dup)}")
        staff = set(self.program.staff)
        for c in self.course:
            clash = sorted(staff & set(c.trainees))
            if clash:
                raise ValueError(f"course {c.id}: program staff listed as trainees: "
                                 f"{', '.join(clash)}")
        return self


class Program(_Strict):
    """A validated program: paths resolved, the gradebook URL read from the environment."""

    path: Path
    name: str
    courses_root: Path
    exchange_root: Path
    gradebook_url: str | None
    staff: tuple[str, ...]
    courses: tuple[CourseEntry, ...]

    def course(self, course_id: str) -> CourseEntry:
        for c in self.courses:
            if c.id == course_id:
                return c
        raise ProgramError(f"no course {course_id!r} in the program", path=self.path)

    def course_dir(self, course_id: str) -> Path:
        return self.courses_root / course_id

    @property
    def instructors(self) -> tuple[str, ...]:
        return tuple(sorted({u for c in self.courses for u in c.instructors}))

    @property
    def trainees(self) -> tuple[str, ...]:
        return tuple(sorted({u for c in self.courses for u in c.trainees}))

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone in the program: staff, instructors and trainees, each once, sorted."""
        return tuple(sorted({*self.staff, *self.instructors, *self.trainees}))

    def courses_of(self, user: str) -> dict[str, str]:
        """``{course_id: "instructor"|"trainee"}`` for one user."""
        out: dict[str, str] = {}
        for c in self.courses:
            if user in c.instructors:
                out[c.id] = "instructor"
            elif user in c.trainees:
                out[c.id] = "trainee"
        return out


def _label(raw: Any, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "course" and isinstance(loc[1], int):
        entries = raw.get("course") if isinstance(raw, dict) else None
        name = f"#{loc[1] + 1}"
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        if isinstance(entry, dict):
            cid = entry.get("id")
            if isinstance(cid, str):
                name = f"{cid!r} (#{loc[1] + 1})"
        rest = ".".join(str(x) for x in loc[2:])
        return f"course {name}" + (f": field {rest}" if rest else "")
    return "field " + (".".join(str(x) for x in loc) or "(program file)")


def _resolve_url(value: str | None, path: Path) -> str | None:
    if value is None or not value.startswith("env:"):
        return value
    name = value.removeprefix("env:")
    url = os.environ.get(name)
    if not url:
        raise ProgramError(f"gradebook_url names the environment variable {name}, which is "
                           "not set", path=path)
    return url


def load_program(path: Path | str) -> Program:
    """Read and validate ``program.toml``; raise :class:`ProgramError` naming file and entry."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramError(f"cannot read the program file: {exc.__class__.__name__}",
                           path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProgramError(f"not valid TOML: {exc}", path=path) from exc
    try:
        parsed = _ProgramFile.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{path}: {_label(raw, tuple(e['loc']))}: "
                    f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise ProgramError(f"{len(problems)} problem(s) in the program file", path=path,
                           problems=problems) from exc
    base = path.resolve().parent
    s = parsed.program
    return Program(
        path=path,
        name=s.name,
        courses_root=(base / s.courses_root).resolve(),
        exchange_root=(base / s.exchange_root).resolve(),
        gradebook_url=_resolve_url(s.gradebook_url, path),
        staff=tuple(s.staff),
        courses=tuple(parsed.course),
    )

"""Facilitator-led sessions: what each module's live session delivers, read from its guide.

Each module has a facilitator guide, ``modules/facilitator/NN-slug.md``: a markdown file with
a YAML front matter block that declares the session's contact hours and how they divide
across the IC&RC Peer Recovery domains, then the guide itself. Its ``## Agenda`` section is a
table whose first column is minutes; the minutes of every row that is not a break must add up
to the declared contact hours, so a session never claims time its agenda does not hold::

    ---
    module: 06-boundaries
    title: "Session 6: Boundaries"
    contact_hours: 4
    domain_hours: {ethical-responsibility: 4}
    ---
    # Session 6: Boundaries
    ## Agenda
    | Minutes | Activity | What happens |
    |---|---|---|
    | 15 | Welcome and check-in | ... |
    | 10 | Break (not counted) | ... |

A training provider credits these hours to a trainee only from an attendance record of the
session (``peercert attendance``), never from the guide alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peercert.tags import Domain

FOLDER = Path("modules") / "facilitator"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
_AGENDA = re.compile(r"^## Agenda\s*$(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([^|]*?)\s*\|")
BREAK = re.compile(r"\bbreak\b", re.IGNORECASE)


class SessionError(ValueError):
    """A facilitator guide that cannot be read; the message names the file and the reason."""


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    module: str = Field(pattern=r"^\d\d-[a-z0-9-]+$")
    title: str = Field(min_length=3)
    contact_hours: float = Field(gt=0, le=40)
    domain_hours: dict[Domain, float] = Field(min_length=1)

    @model_validator(mode="after")
    def _domains_add_up(self) -> _FrontMatter:
        total = sum(self.domain_hours.values())
        if abs(total - self.contact_hours) > 1e-6:
            raise ValueError(f"domain_hours add up to {total:g} h, not contact_hours "
                             f"{self.contact_hours:g} h")
        return self


@dataclass(frozen=True)
class AgendaRow:
    minutes: int
    activity: str

    @property
    def is_break(self) -> bool:
        return bool(BREAK.search(self.activity))


@dataclass(frozen=True)
class SessionPlan:
    """One module's facilitator-led session as its guide declares it."""

    path: Path
    module: str
    title: str
    contact_minutes: int
    domain_minutes: dict[str, int]
    agenda: tuple[AgendaRow, ...]

    @property
    def agenda_minutes(self) -> int:
        """Minutes of the agenda that count as contact time (breaks left out)."""
        return sum(row.minutes for row in self.agenda if not row.is_break)


def read_session(path: Path) -> SessionPlan:
    """Read one facilitator guide; SessionError names the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"{path}: cannot read: {exc}") from exc
    match = _FRONT.match(text.replace("\r\n", "\n"))
    if not match:
        raise SessionError(f"{path}: must start with a '---' YAML front matter block")
    try:
        front = _FrontMatter.model_validate(yaml.safe_load(match.group(1)))
    except yaml.YAMLError as exc:
        raise SessionError(f"{path}: front matter is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'front matter'}: "
                             f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise SessionError(f"{path}: {problems}") from exc
    agenda = _AGENDA.search(match.group(2))
    if not agenda:
        raise SessionError(f"{path}: no '## Agenda' section")
    rows = tuple(AgendaRow(int(m.group(1)), m.group(2))
                 for line in agenda.group(1).splitlines() if (m := _ROW.match(line.strip())))
    plan = SessionPlan(
        path=path, module=front.module, title=front.title,
        contact_minutes=round(front.contact_hours * 60),
        domain_minutes={str(d): round(h * 60) for d, h in front.domain_hours.items()},
        agenda=rows,
    )
    if plan.agenda_minutes != plan.contact_minutes:
        raise SessionError(
            f"{path}: the agenda holds {plan.agenda_minutes} minutes of contact time (breaks "
            f"left out), but the guide declares {plan.contact_minutes} ({front.contact_hours:g} h)")
    return plan


def load_sessions(root: Path) -> list[SessionPlan]:
    """Every facilitator guide under ``root/modules/facilitator``, in module order."""
    folder = root / FOLDER
    return [read_session(p) for p in sorted(folder.glob("[0-9][0-9]-*.md"))]


def session_for(root: Path, module: str) -> SessionPlan:
    """The session of one module; SessionError when it has no guide."""
    for plan in load_sessions(root):
        if plan.module == module:
            return plan
    raise SessionError(f"{root / FOLDER}: no facilitator guide for module {module!r}")

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

``python -m peercert.sessions`` regenerates the hours table in
``modules/facilitator/README.md`` (self-study minutes and session hours by domain, per module,
with totals); ``--check`` only reports whether it is up to date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peercert.tags import Domain

FOLDER = Path("modules") / "facilitator"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
_AGENDA = re.compile(r"^## Agenda\s*$(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([^|]*?)\s*\|")
_TABLE_LINE = re.compile(r"^\|")
_SEPARATOR = re.compile(r"^\|[\s:|-]+\|?$")
BREAK = re.compile(r"\bbreak\b", re.IGNORECASE)


class SessionError(ValueError):
    """A facilitator guide that cannot be read; the message names the file and the reason."""


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    module: str = Field(pattern=r"^\d\d-[a-z0-9-]+$")
    title: str = Field(min_length=3)
    contact_hours: float = Field(gt=0, le=40)
    domain_hours: dict[Domain, Annotated[float, Field(gt=0)]] = Field(min_length=1)

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
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Notepad) is not content
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
    rows = _agenda_rows(path, agenda.group(1))
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


def _agenda_rows(path: Path, section: str) -> tuple[AgendaRow, ...]:
    """The agenda table's rows; a row whose first cell is not whole minutes is an error.

    A table's header (the line above its ``|---|`` separator) and the separator are skipped;
    every other table line must start with a number of minutes, so a row written as
    ``| 15 min |`` or ``| ~20 |`` is reported instead of silently left out of the sum.
    """
    lines = [line.strip() for line in section.splitlines()]
    rows = []
    for i, line in enumerate(lines):
        if not _TABLE_LINE.match(line) or _SEPARATOR.match(line):
            continue
        if i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
            continue  # the table's header row
        m = _ROW.match(line)
        if not m:
            raise SessionError(f"{path}: agenda row {line!r}: the first column must be whole "
                               "minutes (a number only)")
        rows.append(AgendaRow(int(m.group(1)), m.group(2)))
    return tuple(rows)


def load_sessions(root: Path) -> list[SessionPlan]:
    """Every facilitator guide under ``root/modules/facilitator``, in module order.

    A guide's file name must be its module id (``06-boundaries.md`` declares
    ``module: 06-boundaries``), so one module never has two guides.
    """
    folder = root / FOLDER
    plans = [read_session(p) for p in sorted(folder.glob("[0-9][0-9]-*.md"))]
    for plan in plans:
        if plan.path.stem != plan.module:
            raise SessionError(f"{plan.path}: declares module {plan.module!r}; the file must be "
                               f"named {plan.module}.md")
    return plans


def session_for(root: Path, module: str) -> SessionPlan:
    """The session of one module; SessionError when it has no guide."""
    for plan in load_sessions(root):
        if plan.module == module:
            return plan
    raise SessionError(f"{root / FOLDER}: no facilitator guide for module {module!r}")


# --- The course's hours, for modules/facilitator/README.md --------------------------------

README = FOLDER / "README.md"
TABLE_START = "<!-- hours-table: generated by `python -m peercert.sessions`; do not edit -->"
TABLE_END = "<!-- /hours-table -->"


def _h(minutes: float) -> str:
    """Minutes as hours for the table: 240 -> ``4``, 90 -> ``1.5``."""
    return f"{round(minutes / 60, 2):g}"


def hours_table(root: Path) -> str:
    """The README's table: each module's self-study and session hours by domain, with totals.

    Self-study minutes come from each module's ``metadata.peercert.study_minutes``, contact
    hours from its facilitator guide; a module without a guide yet shows "no guide yet" and
    the closing line says which guides are missing and how far the totals are from IC&RC's.
    """
    from peercert.curriculum import list_modules
    from peercert.tags import DOMAINS, ICRC_DOMAIN_HOURS

    plans = {plan.module: plan for plan in load_sessions(root)}
    modules = list_modules(root)
    head = ["Module", "Self-study", "Session", *DOMAINS.values()]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    study = 0
    contact = 0
    by_domain = dict.fromkeys(DOMAINS, 0)
    study_by_domain = dict.fromkeys(DOMAINS, 0.0)
    missing = []
    for info in modules:
        study += info.study_minutes
        for domain, minutes in info.domain_study_minutes().items():
            study_by_domain[domain] += minutes
        plan = plans.get(info.id)
        if plan is None:
            missing.append(info.id[:2])
            cells = [f"{info.id[:2]} {info.title}", f"{info.study_minutes} min",
                     "no guide yet", *["-"] * len(DOMAINS)]
        else:
            contact += plan.contact_minutes
            for domain, minutes in plan.domain_minutes.items():
                by_domain[domain] += minutes
            cells = [f"[{info.id[:2]} {info.title}]({plan.path.name})",
                     f"{info.study_minutes} min", f"{_h(plan.contact_minutes)} h",
                     *[_h(plan.domain_minutes[d]) if d in plan.domain_minutes else "-"
                       for d in DOMAINS]]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| " + " | ".join(
        ["**Total**", f"**{study} min** ({_h(study)} h)", f"**{_h(contact)} h**",
         *[f"**{_h(by_domain[d])}**" for d in DOMAINS]]) + " |")
    lines.append("| " + " | ".join(
        ["IC&RC Peer Recovery asks for", "", f"{sum(ICRC_DOMAIN_HOURS.values())} h",
         *[f"{ICRC_DOMAIN_HOURS[d]}" for d in DOMAINS]]) + " |")
    lines.append("")
    gaps = [f"{DOMAINS[d]} {_h(by_domain[d])} of {ICRC_DOMAIN_HOURS[d]} h"
            for d in DOMAINS if by_domain[d] != ICRC_DOMAIN_HOURS[d] * 60]
    # IC&RC's hours are a floor: state programs ask for more (for example PA 75 h, CA 80 h), so a
    # course may hold more in any domain, but never less.
    short = [f"{DOMAINS[d]} {_h(by_domain[d])} of {ICRC_DOMAIN_HOURS[d]} h"
             for d in DOMAINS if by_domain[d] < ICRC_DOMAIN_HOURS[d] * 60]
    if missing:
        lines.append(f"Not complete yet: no facilitator guide for module"
                     f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}, so the sessions "
                     f"hold {_h(contact)} of the {sum(ICRC_DOMAIN_HOURS.values())} contact hours "
                     f"({'; '.join(gaps)}).")
    elif short:
        lines.append(f"The sessions fall short of the IC&RC hours: {'; '.join(short)}.")
    elif gaps:
        met = "; ".join(f"{DOMAINS[d]} {_h(by_domain[d])} of {ICRC_DOMAIN_HOURS[d]} h"
                        for d in DOMAINS)
        lines.append(f"The sessions hold {_h(contact)} contact hours and meet the IC&RC Peer "
                     f"Recovery training hours in every domain ({met}).")
    else:
        lines.append(f"The sessions hold {_h(contact)} contact hours, exactly the IC&RC Peer "
                     "Recovery training hours in every domain.")
    lines.append("")
    lines.append("Self-study by domain (each module's minutes split by its `domain_share`): "
                 + ", ".join(f"{DOMAINS[d]} {_h(study_by_domain[d])} h" for d in DOMAINS)
                 + ".")
    return "\n".join(lines)


def write_readme_table(root: Path) -> bool:
    """Put ``hours_table(root)`` between the README's markers; True when the file changed."""
    path = root / README
    text = path.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise SessionError(f"{path}: needs the lines {TABLE_START!r} and {TABLE_END!r}")
    new = (text[:start + len(TABLE_START)] + "\n" + hours_table(root) + "\n"
           + text[end:])
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m peercert.sessions [--check] [ROOT]``: refresh (or check) the README table."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    root = Path(args[0]) if args else Path.cwd()
    if check:
        path = root / README
        text = path.read_text(encoding="utf-8")
        stale = f"{TABLE_START}\n{hours_table(root)}\n{TABLE_END}" not in text
        print(f"{path}: {'out of date' if stale else 'up to date'}")
        return 1 if stale else 0
    print(f"{root / README}: {'updated' if write_readme_table(root) else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

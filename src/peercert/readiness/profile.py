"""Credential profiles: what a credential requires, each threshold with its source.

One TOML file per credential, ``profiles/<id>.toml``. Errors name the file, the requirement
and the field, so a program officer who is not a programmer can fix a profile from the
message alone. The format is documented in ``profiles/README.md``.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peercert.tags import Competency, Domain

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=60)]
URL = r"^https?://\S+$"
# Which evidence rows count toward each hours requirement (see evidence.py).
HOURS_RECORD = {
    "training_hours": "training",
    "supervised_work_hours": "supervised_work",
    "supervision_hours": "supervision",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Requirement(_Strict):
    id: Slug
    title: str = Field(min_length=3, max_length=120)
    source: str = Field(pattern=URL, description="where the threshold was read")
    verified: date = Field(description="when the source was last checked")
    citation: str = Field(default="", description="rule or statute, e.g. 'RCW 18.420.050'")
    note: str = ""

    @property
    def unit(self) -> str:
        return ""


class _Hours(_Requirement):
    threshold: float = Field(gt=0, le=100_000, description="hours needed")
    topics: list[Slug] = Field(default=[], description="count only rows with these topics")
    within_months: int | None = Field(default=None, ge=1, le=600)
    window: Literal["months", "cycle"] = Field(
        default="months", description="'months': the within_months before the as-of date; "
        "'cycle': each person's certification cycle (default when the profile sets cycle_months)")

    @property
    def unit(self) -> str:
        return "h"


class TrainingHours(_Hours):
    kind: Literal["training_hours"]


class SupervisedWorkHours(_Hours):
    kind: Literal["supervised_work_hours"]


class SupervisionHours(_Hours):
    kind: Literal["supervision_hours"]


class QuizMastery(_Requirement):
    """Share of points earned on one quiz, one competency or one domain (course grades)."""

    kind: Literal["quiz_mastery"]
    threshold: float = Field(gt=0, le=100, description="percent of points")
    quiz: Slug | None = None
    competency: Competency | None = None
    domain: Domain | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> QuizMastery:
        given = [x for x in ("quiz", "competency", "domain") if getattr(self, x) is not None]
        if len(given) != 1:
            raise ValueError(f"set exactly one of quiz, competency, domain (got {given or 'none'})")
        return self

    @property
    def scope(self) -> tuple[str, str]:
        for name in ("quiz", "competency", "domain"):
            value = getattr(self, name)
            if value is not None:
                return name, value
        raise AssertionError("validated to have one scope")

    @property
    def unit(self) -> str:
        return "%"


class PracticeExam(_Requirement):
    kind: Literal["practice_exam"]
    threshold: float = Field(gt=0, le=100, description="percent of points")
    quiz: Slug = "practice-exam"

    @property
    def unit(self) -> str:
        return "%"


class ExamPassed(_Requirement):
    kind: Literal["exam_passed"]
    exam: Slug = Field(description="the exam id used in evidence rows (topic column)")
    valid_months: int | None = Field(default=None, ge=1, le=600)
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    attempt_window_months: int | None = Field(default=None, ge=1, le=600)

    @model_validator(mode="after")
    def _attempts_pair(self) -> ExamPassed:
        if (self.max_attempts is None) != (self.attempt_window_months is None):
            raise ValueError("set max_attempts and attempt_window_months together")
        return self


class Attestation(_Requirement):
    """A signed statement: 'yes' (education, age, lived experience) or a number (years)."""

    kind: Literal["attestation"]
    attestation: Slug = Field(description="the attestation id used in evidence rows")
    threshold: float | None = Field(default=None, ge=0, description="number needed; none = 'yes'")
    within_months: int | None = Field(default=None, ge=1, le=600)


Simple = Annotated[
    TrainingHours | SupervisedWorkHours | SupervisionHours | QuizMastery | PracticeExam
    | ExamPassed | Attestation,
    Field(discriminator="kind"),
]


class AnyOf(_Requirement):
    """Met when any one option is met (e.g. 12 months' work or 24 college credits)."""

    kind: Literal["any_of"]
    options: list[Simple] = Field(min_length=2)


Requirement = Annotated[Simple | AnyOf, Field(discriminator="kind")]
KINDS = ("training_hours", "supervised_work_hours", "supervision_hours", "quiz_mastery",
         "practice_exam", "exam_passed", "attestation", "any_of")


SourceStatus = Literal["accepted", "ask-the-board", "not-accepted"]
UNSTATED = "The profile does not say whether the board accepts these hours: ask the board."


class SourceRule(_Strict):
    """Whether a board accepts one source of training hours, and on what basis."""

    status: SourceStatus = Field(description="accepted: counted; ask-the-board or not-accepted: "
                                 "not counted, listed for the program")
    source: str = Field(default="", pattern=r"^$|" + URL[1:],
                        description="where the board says so (required when accepted)")
    verified: date | None = None
    note: str = ""
    bodies: list[str] = Field(default=[], description="provider-approved only: the approval "
                              "bodies whose approvals count (empty: any body)")

    @model_validator(mode="after")
    def _accepted_is_sourced(self) -> SourceRule:
        if self.status == "accepted" and not (self.source and self.verified):
            raise ValueError("status 'accepted' needs a source URL and a verified date: only "
                             "what the board's own page supports is counted")
        return self

    @property
    def counted(self) -> bool:
        return self.status == "accepted"


_ASK = SourceRule(status="ask-the-board", note=UNSTATED)


class TrainingSources(_Strict):
    """Which sources of training hours a credential's board accepts (unknown: not counted)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    attendance: SourceRule = _ASK
    self_study: SourceRule = Field(default=_ASK, alias="self-study")
    provider_approved: SourceRule = Field(default=_ASK, alias="provider-approved")

    @model_validator(mode="after")
    def _bodies_only_for_approvals(self) -> TrainingSources:
        if self.attendance.bodies or self.self_study.bodies:
            raise ValueError("bodies is for provider-approved only")
        return self

    def rule(self, category: str) -> SourceRule:
        return {"attendance": self.attendance, "self-study": self.self_study,
                "provider-approved": self.provider_approved}[category]

    def counts(self, label: str) -> bool:
        """Whether an hour with this source label counts toward this profile's requirements."""
        from peercert.readiness.sources import GOVERNED, PROVIDER, category

        cat = category(label)
        if cat not in GOVERNED:
            return True  # evidence files: the program's own logs
        rule = self.rule(cat)
        if not rule.counted:
            return False
        if cat == PROVIDER and rule.bodies:
            approval = label.partition(":")[2].lower()
            return any(approval.startswith(b.lower() + " ") for b in rule.bodies)
        return True


class NotTracked(_Strict):
    """A requirement peercert does not check, and why (never invented, never silent)."""

    requirement: str = Field(min_length=3)
    reason: str = Field(min_length=5)
    marker: Literal["check", "unknown", "unmarked", "optional", "not-evidence"]


class Profile(_Strict):
    version: Literal[1] = 1
    id: Slug
    title: str = Field(min_length=3)
    authority: str = Field(min_length=3)
    stage: Literal["initial", "renewal", "program"]
    summary: str = ""
    facts_from: str = Field(default="", description="where the thresholds were taken from")
    credential: Slug | None = Field(default=None, description="the credential a renewal renews: "
                                    "'certified' evidence rows may name it as their topic")
    cycle_months: int | None = Field(default=None, ge=1, le=600,
                                     description="length of a certification period")
    requirements: list[Requirement] = Field(min_length=1)
    not_tracked: list[NotTracked] = []
    training_sources: TrainingSources = TrainingSources()

    @model_validator(mode="before")
    @classmethod
    def _cycle_defaults(cls, data: Any) -> Any:
        """With ``cycle_months``, hour requirements count over the cycle unless they say not.

        Filled in here, before validation, so that every requirement carries its own window
        and length (``within_months``) and reads the same wherever it is shown.
        """
        if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
            return data
        months = data.get("cycle_months")
        if not isinstance(months, int) or not 1 <= months <= 600:
            return data  # no cycle, or a bad one that the field check reports
        return {**data, "requirements": [_with_cycle(r, months) for r in data["requirements"]]}

    @model_validator(mode="after")
    def _cycle_consistent(self) -> Profile:
        if self.cycle_months is not None and self.stage == "initial":
            raise ValueError("cycle_months is for renewal and program profiles: an initial "
                             "credential has no certification cycle yet")
        for req in self.hour_requirements():
            if req.window != "cycle":
                continue
            if self.cycle_months is None:
                raise ValueError(f"requirement {req.id}: window = 'cycle' needs cycle_months "
                                 "(the length of a certification period) at the top of the "
                                 "profile")
            if req.within_months != self.cycle_months:
                raise ValueError(f"requirement {req.id}: within_months ({req.within_months}) "
                                 f"must equal cycle_months ({self.cycle_months}) or be left out "
                                 "when hours count over the certification cycle")
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Profile:
        seen: set[str] = set()
        for req in self.requirements:
            ids = [req.id, *(o.id for o in req.options)] if isinstance(req, AnyOf) else [req.id]
            for rid in ids:
                if rid in seen:
                    raise ValueError(f"requirement id {rid!r} is used twice")
                seen.add(rid)
        return self

    def requirement(self, rid: str) -> Any:
        return next(r for r in self.requirements if r.id == rid)

    def hour_requirements(self) -> list[Any]:
        """Every hours requirement, including the options of ``any_of`` requirements."""
        flat = [o for r in self.requirements
                for o in (r.options if isinstance(r, AnyOf) else [r])]
        return [r for r in flat if r.kind in HOURS_RECORD]

    @property
    def counts_cycle(self) -> bool:
        """Whether some hours count over each person's certification cycle."""
        return any(r.window == "cycle" for r in self.hour_requirements())

    @property
    def certified_topics(self) -> tuple[str, ...]:
        """The ``certified`` rows that start this profile's cycle: no topic, or one naming it."""
        return ("", self.id) + ((self.credential,) if self.credential else ())


def _with_cycle(entry: Any, months: int) -> Any:
    """An hours requirement (or an any_of's options) with the cycle window filled in."""
    if not isinstance(entry, dict):
        return entry
    if entry.get("kind") == "any_of" and isinstance(entry.get("options"), list):
        return {**entry, "options": [_with_cycle(o, months) for o in entry["options"]]}
    if entry.get("kind") not in HOURS_RECORD:
        return entry
    out = {"window": "cycle", **entry}
    if out["window"] == "cycle":
        out.setdefault("within_months", months)
    return out


class ProfileError(Exception):
    """All problems found in a profile, one line each, naming file, requirement and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _label(raw: Any, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] in ("requirements", "not_tracked") and isinstance(loc[1], int):
        try:
            entry = raw[loc[0]][loc[1]]
            name = entry.get("id") or entry.get("requirement") or f"#{loc[1] + 1}"
        except (KeyError, IndexError, TypeError, AttributeError):
            name = f"#{loc[1] + 1}"
        rest = [str(x) for x in loc[2:] if x not in KINDS]
        kind = "requirement" if loc[0] == "requirements" else "not_tracked"
        return f"{kind} {name}: field {'.'.join(rest) or '(entry)'}"
    return "field " + (".".join(str(x) for x in loc) or "(profile)")


def _problems(path: Path, raw: Any, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        if e["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc += ("kind",)  # pydantic reports a bad or missing kind on the whole entry
        out.append(f"{path}: {_label(raw, loc)}: {e['msg'].removeprefix('Value error, ')}")
    return out


def load_profile_file(path: Path) -> Profile:
    """Read and validate one profile file; raise ProfileError naming file and field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError([f"{path}: cannot read: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([f"{path}: not valid TOML: {exc}"]) from exc
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(_problems(path, raw, exc)) from exc
    if profile.id != path.stem:
        raise ProfileError([f"{path}: field id: {profile.id!r} must match the file name "
                            f"{path.stem!r}"])
    return profile


def default_profiles_dir() -> Path:
    """The profiles that ship with peercert."""
    from peercert.curriculum import curriculum_root

    return curriculum_root() / "profiles"


def load_profile(name: str, profiles_dir: Path | None = None) -> Profile:
    """A profile by id (``icrc-pr``) from ``profiles_dir``, or by path to a ``.toml`` file."""
    if name.endswith(".toml") or "/" in name:
        return load_profile_file(Path(name))
    folder = profiles_dir or default_profiles_dir()
    path = folder / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.toml"))) or "none"
        raise ProfileError([f"{path}: no profile {name!r} in {folder} (available: {known})"])
    return load_profile_file(path)


def list_profiles(profiles_dir: Path | None = None) -> list[Profile]:
    """Every profile in a folder, validated; all problems are collected before raising."""
    folder = profiles_dir or default_profiles_dir()
    profiles, problems = [], []
    for path in sorted(folder.glob("*.toml")):
        try:
            profiles.append(load_profile_file(path))
        except ProfileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProfileError(problems)
    return profiles

"""Scenario item banks: the YAML authoring format and its schema.

One file per graded quiz, ``assignments/<quiz>.yaml``. Errors name the file, the item id and
the field, so an instructor who is not a programmer can fix a bank from the message alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peercert.defaults import MAX_BANK_BYTES
from peercert.tags import Competency, Domain, Principle

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
LETTERS = "ABCDEFGH"
# Words that make a scenario need a content note pointing to the 988 Lifeline.
SENSITIVE_WORDS = re.compile(
    r"\b(suicid\w*|self-harm\w*|kill (?:my|him|her|them)sel\w*|overdos\w*"
    r"|end (?:my|his|her|their) life)\b",
    re.IGNORECASE,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tags(_Strict):
    competencies: list[Competency] = Field(min_length=1)
    domain: Domain
    principles: list[Principle] = []
    module: str = Field(pattern=r"^\d\d-[a-z0-9-]+$")


class Rationale(_Strict):
    key: str = Field(min_length=10, description="why the key is the best answer")
    distractors: dict[str, str] = {}


class RubricLevel(_Strict):
    points: float = Field(ge=0)
    description: str = Field(min_length=5)
    example: str = Field(
        default="", description="a short example answer at this level, for graders only; "
        "stays in the bank (peercert rubrics), never shown to trainees")


class _Item(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=40)
    points: float = Field(default=1, gt=0, le=100)
    scenario: str = Field(min_length=10)
    prompt: str = Field(min_length=5)
    tags: Tags
    content_note: bool = False

    @model_validator(mode="after")
    def _needs_content_note(self) -> _Item:
        hit = SENSITIVE_WORDS.search(f"{self.scenario} {self.prompt}")
        if hit and not self.content_note:
            raise ValueError(
                f"mentions {hit.group(0)!r}: set content_note: true so the quiz carries a "
                "content note pointing to the 988 Suicide & Crisis Lifeline"
            )
        return self


class _Choice(_Item):
    options: dict[str, str]
    rationale: Rationale

    @model_validator(mode="after")
    def _check_options(self) -> _Choice:
        letters = list(self.options)
        if letters != list(LETTERS[: len(letters)]) or len(letters) < 2:
            raise ValueError(f"options must be lettered A, B, C... in order; got {letters}")
        return self

    def keyed(self) -> set[str]:
        raise NotImplementedError

    def _check_rationale(self, need: Iterable[str]) -> None:
        missing = [x for x in need if not self.rationale.distractors.get(x, "").strip()]
        if missing:
            raise ValueError(f"rationale.distractors is missing an explanation for {missing}")
        extra = sorted(set(self.rationale.distractors) - set(need))
        if extra:
            raise ValueError(
                f"rationale.distractors explains options that are not distractors: {extra}")


class SingleItem(_Choice):
    type: Literal["single"]
    key: str

    @model_validator(mode="after")
    def _check_key(self) -> SingleItem:
        if self.key not in self.options:
            raise ValueError(f"key {self.key!r} is not one of the options {list(self.options)}")
        self._check_rationale([x for x in self.options if x != self.key])
        return self


class MultipleItem(_Choice):
    type: Literal["multiple"]
    key: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_key(self) -> MultipleItem:
        bad = [k for k in self.key if k not in self.options]
        if bad or len(set(self.key)) != len(self.key):
            raise ValueError(f"key {self.key} must be distinct letters among {list(self.options)}")
        if len(self.key) == len(self.options):
            raise ValueError("key selects every option: leave at least one distractor")
        self._check_rationale([x for x in self.options if x not in self.key])
        return self


class OrderingItem(_Choice):
    type: Literal["ordering"]
    key: list[str]

    @model_validator(mode="after")
    def _check_key(self) -> OrderingItem:
        if sorted(self.key) != sorted(self.options) or len(set(self.key)) != len(self.key):
            raise ValueError(f"key {self.key} must list every option exactly once")
        if self.rationale.distractors:
            raise ValueError("ordering items explain the order in rationale.key only")
        return self


class TrueFalseItem(_Item):
    type: Literal["truefalse"]
    key: bool
    rationale: Rationale

    @model_validator(mode="after")
    def _check_rationale(self) -> TrueFalseItem:
        if self.rationale.distractors:
            raise ValueError("true/false items explain both answers in rationale.key only")
        return self


class ReflectionItem(_Item):
    type: Literal["reflection"]
    rubric: list[RubricLevel] = Field(min_length=2)
    guidance: str = Field(
        default="", description="notes for graders; stays in the bank, never shown to trainees")

    @model_validator(mode="after")
    def _check_rubric(self) -> ReflectionItem:
        top = max(level.points for level in self.rubric)
        if top != self.points:
            raise ValueError(f"the highest rubric level ({top}) must equal points ({self.points})")
        return self


Item = Annotated[
    SingleItem | MultipleItem | OrderingItem | TrueFalseItem | ReflectionItem,
    Field(discriminator="type"),
]
AUTO_TYPES = ("single", "multiple", "ordering", "truefalse")


class Bank(_Strict):
    quiz: str = Field(pattern=ID_PATTERN, max_length=40)
    title: str = Field(min_length=3)
    module: str = Field(pattern=r"^(\d\d-[a-z0-9-]+|practice-exam)$")
    intro: str = ""
    #: Former quiz ids of this bank: their gradebook rows are read as this quiz, so a rename
    #: (e.g. to the course's own words) keeps earlier cohorts' grades readable.
    formerly: list[Annotated[str, Field(pattern=ID_PATTERN, max_length=40)]] = []
    #: The whole quiz opens with the 988 content note even when no item needs one (topics
    #: such as recovery stories or self-disclosure can stir up hard memories).
    content_note: bool = False
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Bank:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"item id {item.id!r} is used twice in this bank")
            seen.add(item.id)
        return self

    @property
    def needs_content_note(self) -> bool:
        return self.content_note or any(item.content_note for item in self.items)

    @property
    def max_points(self) -> float:
        return sum(item.points for item in self.items)


def quiz_renames(banks: Iterable[Bank]) -> dict[str, str]:
    """Former quiz id -> current quiz id, from every bank's ``formerly``."""
    return {old: bank.quiz for bank in banks for old in bank.formerly}


class BankError(Exception):
    """All problems found in one or more banks, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _item_label(raw: Any, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            item_id = raw["items"][loc[1]].get("id") or f"#{loc[1] + 1}"
        except (KeyError, IndexError, TypeError, AttributeError):
            item_id = f"#{loc[1] + 1}"
        rest = [str(x) for x in loc[2:] if x not in AUTO_TYPES + ("reflection",)]
        field = ".".join(rest) or "(item)"
        return f"item {item_id}: field {field}"
    return "field " + (".".join(str(x) for x in loc) or "(bank)")


def _format_errors(path: Path, raw: Any, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{path}: {_item_label(raw, tuple(e['loc']))}: {msg}")
    return out


def load_bank(path: Path) -> Bank:
    """Read and validate one bank; raise BankError naming file, item and field.

    A bank larger than :data:`peercert.defaults.MAX_BANK_BYTES` is refused before parsing.
    """
    limit = MAX_BANK_BYTES
    too_big = BankError([f"{path}: the bank is larger than {limit:,} bytes, the limit for one "
                         "bank (peercert.defaults.MAX_BANK_BYTES); split it into smaller "
                         "quizzes"])
    try:
        if path.stat().st_size > limit:
            raise too_big
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise too_big
        raw = yaml.safe_load(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError([f"{path}: cannot read: {exc}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise BankError([f"{path}:{where}: not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise BankError([f"{path}: a bank must be a mapping with quiz, title, module, items"])
    try:
        bank = Bank.model_validate(raw)
    except ValidationError as exc:
        raise BankError(_format_errors(path, raw, exc)) from exc
    if bank.quiz != path.stem:
        raise BankError(
            [f"{path}: field quiz: {bank.quiz!r} must match the file name {path.stem!r}"])
    return bank


def load_banks(directory: Path) -> list[Bank]:
    """Load every ``*.yaml`` bank in a directory; check item ids are unique across banks.

    Collects the problems of all banks before raising, so one run lists everything to fix.
    """
    banks: list[Bank] = []
    problems: list[str] = []
    owner: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            bank = load_bank(path)
        except BankError as exc:
            problems.extend(exc.problems)
            continue
        for item in bank.items:
            if item.id in owner:
                problems.append(
                    f"{path}: item {item.id}: field id: duplicate id, "
                    f"already used in {owner[item.id]}"
                )
            owner.setdefault(item.id, path)
        banks.append(bank)
    if problems:
        raise BankError(problems)
    return banks

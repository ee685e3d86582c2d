"""What ``peercert lint`` finds: flags with plain reasons, and the figures behind them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One flag. ``item`` is empty for a bank- or course-level finding; ``bank`` is empty for
    a course-level one."""

    level: Level
    rule: str
    message: str
    bank: str = ""
    item: str = ""

    def where(self) -> str:
        return "/".join(x for x in (self.bank, self.item) if x) or "course"


@dataclass
class LintReport:
    banks: list[str]
    findings: list[Finding] = field(default_factory=list)
    #: figures per bank and for the course ("course" key): name -> value
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the cue model: accuracy, chance, per-bank figures and the words that give keys away
    cues: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "banks": self.banks,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [asdict(f) for f in self.findings],
            "figures": self.figures,
            "cue_model": self.cues,
        }

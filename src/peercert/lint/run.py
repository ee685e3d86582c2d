"""``lint``: the item-writing review of one or more banks, against the whole course."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from peercert.bank import Bank, BankError, load_bank, load_banks
from peercert.lint.cues import cue_model
from peercert.lint.model import LintReport
from peercert.lint.rules import course_findings, item_findings, key_balance, ordering_findings
from peercert.lint.similar import bank_texts, near_duplicates, self_check_texts
from peercert.lint.thresholds import DEFAULT, Thresholds


def _select(banks: list[Bank], wanted: Sequence[str]) -> set[str]:
    known = {b.quiz for b in banks}
    chosen = set()
    for name in wanted:
        quiz = Path(name).stem if name.endswith((".yaml", ".yml")) else name
        if quiz not in known:
            raise BankError([f"{name}: no bank {quiz!r} among {', '.join(sorted(known))}"])
        chosen.add(quiz)
    return chosen


def lint(assignments: Path, banks: Sequence[str] = (), modules: Path | None = None,
         thresholds: Thresholds = DEFAULT) -> LintReport:
    """Review the banks named in ``banks`` (quiz ids or file names; all when empty).

    Every bank in ``assignments`` is context: the cue model learns from the others, and
    near-duplicates are looked for across all of them and against the self-checks of the
    modules in ``modules``. Course-wide balance figures are computed over the selected banks.
    Raises BankError when a bank does not load.
    """
    extra = [Path(b) for b in banks if b.endswith((".yaml", ".yml")) and Path(b).is_file()
             and Path(b).resolve().parent != assignments.resolve()]
    everything = load_banks(assignments) + [load_bank(p) for p in extra]
    selected = _select(everything, banks) if banks else {b.quiz for b in everything}
    chosen = [b for b in everything if b.quiz in selected]
    report = LintReport(banks=sorted(selected))
    for bank in chosen:
        report.findings += item_findings(bank)
        report.findings += key_balance(bank, thresholds, report.figures)
        report.findings += ordering_findings(bank, thresholds, report.figures)
    report.findings += course_findings(chosen, thresholds, report.figures)
    dupes, pairs = near_duplicates(bank_texts(everything), self_check_texts(modules),
                                   selected, thresholds)
    report.findings += dupes
    report.figures.setdefault("course", {})["similar_pairs"] = pairs
    cue_findings, report.cues = cue_model(everything, selected, thresholds)
    report.findings += cue_findings
    return report

"""Plain-text rendering of a lint report for authors."""

from __future__ import annotations

from peercert.lint.model import LintReport


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def render_text(report: LintReport, verbose: bool = False) -> str:
    lines: list[str] = []
    for f in sorted(report.findings, key=lambda f: (f.level != "error", f.bank, f.item, f.rule)):
        if f.level == "warning" and not verbose:
            continue
        lines.append(f"{f.level.upper():7} {f.where()}: [{f.rule}] {f.message}")
        picked = report.cues.get("per_bank", {}).get(f.bank, {}).get("picked_items")
        if f.rule == "cue-model" and f.bank and picked:
            lines.append(f"        items whose key the model found: {', '.join(picked)}")
    course = report.figures.get("course", {})
    lines.append("")
    lines.append("Figures (single-answer items unless noted):")
    cues = report.cues
    if "accuracy" in cues:
        lines.append(f"  cue model, leave-one-bank-out: {_pct(cues['accuracy'])} of "
                     f"{cues['items']} items (chance {_pct(cues['chance'])}, limit "
                     f"{_pct(cues['limit'])})")
        lines.append("    words toward keys:        " + ", ".join(cues["key_words"]))
        lines.append("    words toward distractors: " + ", ".join(cues["distractor_words"]))
    if "key_longest_rate" in course:
        lines.append(f"  key is the longest option: {_pct(course['key_longest_rate'])}")
        lines.append(f"  key letters: {course['key_letters']}")
    if "truefalse_true_rate" in course:
        lines.append(f"  true/false keyed True: {_pct(course['truefalse_true_rate'])} of "
                     f"{course['truefalse_items']}")
    if "multiple_key_counts" in course:
        lines.append(f"  multiple-select keyed options (count: items): "
                     f"{course['multiple_key_counts']}")
    if "justification_rate" in course:
        j = course["justification_rate"]
        lines.append(f"  justification clauses: keys {_pct(j['keys'])}, distractors "
                     f"{_pct(j['distractors'])}")
    lines.append(f"  near-duplicate pairs and self-check replays: "
                 f"{len(course.get('similar_pairs', []))}")
    lines.append("")
    lines.append("  bank                        items  keys A/B/C/D..  longest  cue model")
    for quiz in report.banks:
        fig = report.figures.get(quiz, {})
        letters = "/".join(str(v) for v in fig.get("key_letters", {}).values()) or "-"
        longest = _pct(fig["key_longest_rate"]) if "key_longest_rate" in fig else "-"
        cue = cues.get("per_bank", {}).get(quiz)
        cue_text = f"{cue['picked_key']}/{cue['items']} (chance {_pct(cue['chance'])})" \
            if cue else "-"
        lines.append(f"  {quiz:28} {fig.get('single_items', 0):5}  {letters:14}  "
                     f"{longest:>7}  {cue_text}")
    lines.append("")
    verdict = "OK" if report.ok else "FAILED"
    lines.append(f"{verdict}: {len(report.errors)} error(s), {len(report.warnings)} warning(s) "
                 f"in {len(report.banks)} bank(s)"
                 + ("" if verbose or not report.warnings else " (--verbose lists warnings)"))
    return "\n".join(lines)

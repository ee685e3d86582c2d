"""How long a module takes a trainee to study on their own, measured from its content.

A module's self-study time is what a board may credit as self-paced hours (where its
credential accepts them), so it must be what the module holds, never a round number someone
hoped for. One function measures it: the words a trainee reads (prose, practice questions and
their choices, reflection prompts) at a reading speed chosen for this audience, plus a stated
allowance for each activity. Every module states the result in its header and in its
``metadata.peercert.study_minutes``; ``tests/test_studytime.py`` fails when a stated time
drifts from the measure by more than ``TOLERANCE``.

The allowances are deliberately modest and stated here so a reviewer can check the arithmetic:

- reading at ``READING_WPM`` words a minute: adult readers average about 200-250 words a
  minute on plain text; 150 allows for a reader who is new to the ideas and rereads;
- ``SELF_CHECK_MINUTES`` per practice question, for choosing, checking and reading the
  explanations of each choice;
- ``REFLECTION_MINUTES`` per private reflection box, for thinking and writing a few sentences;
- ``QUIZ_ITEM_MINUTES`` per auto-graded quiz item and ``QUIZ_REFLECTION_MINUTES`` per written
  quiz answer, for the module's graded quiz (``assignments/<quiz>.yaml``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from peercert.curriculum import module_prose, module_widgets
from peercert.output import PUBLIC, write_text

READING_WPM = 150
SELF_CHECK_MINUTES = 3.0
REFLECTION_MINUTES = 10.0
QUIZ_ITEM_MINUTES = 1.5
QUIZ_REFLECTION_MINUTES = 10.0
TOLERANCE = 0.10  # a stated time may differ from the measure by at most 10 %
ROUND_TO = 5  # stated times are rounded to the nearest 5 minutes

HEADER = re.compile(r"^.*(?:Reading time|Self-study time|Study time).*$", re.MULTILINE)


@dataclass(frozen=True)
class StudyTime:
    """What a module holds for self-study, and the minutes it takes."""

    words: int
    self_checks: int
    reflections: int
    quiz_items: int
    quiz_reflections: int

    @property
    def reading_minutes(self) -> float:
        return self.words / READING_WPM

    @property
    def minutes(self) -> float:
        return (self.reading_minutes
                + self.self_checks * SELF_CHECK_MINUTES
                + self.reflections * REFLECTION_MINUTES
                + self.quiz_items * QUIZ_ITEM_MINUTES
                + self.quiz_reflections * QUIZ_REFLECTION_MINUTES)

    @property
    def stated_minutes(self) -> int:
        """The measure rounded to the nearest ``ROUND_TO`` minutes: what the module states."""
        return max(ROUND_TO, ROUND_TO * round(self.minutes / ROUND_TO))


def measure(nb: nbformat.NotebookNode, quiz_items: int = 0,
            quiz_reflections: int = 0) -> StudyTime:
    """Measure a module notebook (and its quiz's item counts) as a trainee studies it."""
    widgets = module_widgets(nb)
    words = len(module_prose(nb).split()) + sum(w.words() for w in widgets)
    return StudyTime(
        words=words,
        self_checks=sum(1 for w in widgets if w.kind == "SelfCheck"),
        reflections=sum(1 for w in widgets if w.kind == "Reflection"),
        quiz_items=quiz_items,
        quiz_reflections=quiz_reflections,
    )


def measure_module(path: Path, banks_dir: Path | None = None) -> StudyTime:
    """Measure ``modules/NN-slug.ipynb`` with its quiz from ``assignments/`` beside it."""
    from peercert.bank import load_bank

    nb = nbformat.read(path, as_version=4)
    quiz = nb.metadata.get("peercert", {}).get("quiz")
    banks_dir = banks_dir or path.parent.parent / "assignments"
    auto = written = 0
    if quiz and (banks_dir / f"{quiz}.yaml").is_file():
        bank = load_bank(banks_dir / f"{quiz}.yaml")
        written = sum(1 for item in bank.items if item.type == "reflection")
        auto = len(bank.items) - written
    return measure(nb, auto, written)


def format_minutes(minutes: float) -> str:
    """``95`` -> ``1 hour 35 minutes``; ``40`` -> ``40 minutes``."""
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours > 1 else ""))
    if rest or not hours:
        parts.append(f"{rest} minutes")
    return " ".join(parts)


def header_line(time: StudyTime) -> str:
    """The sentence a module's first cell states about its self-study time."""
    return (f"Self-study time: about {format_minutes(time.stated_minutes)} "
            f"(reading about {format_minutes(math.ceil(time.reading_minutes))}, plus "
            f"{time.self_checks} practice questions, {time.reflections} private reflection"
            f"{'s' if time.reflections != 1 else ''} and the module quiz). The live group "
            "session for this module is separate: your trainer will tell you when it is.")


def update_module(path: Path, banks_dir: Path | None = None) -> bool:
    """Write the measured time into a module's header and metadata; True when it changed."""
    time = measure_module(path, banks_dir)
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    line = header_line(time)
    if HEADER.search(first.source):
        source = HEADER.sub(line, first.source, count=1)
    else:
        title, _, rest = first.source.partition("\n")
        source = f"{title}\n\n{line}\n{rest}"
    meta = nb.metadata.setdefault("peercert", {})
    if source == first.source and meta.get("study_minutes") == time.stated_minutes:
        return False
    first.source = source
    meta["study_minutes"] = time.stated_minutes
    write_text(path, nbformat.writes(nb) + "\n", PUBLIC)  # a module: trainees read it
    return True

"""``peercert lint``: an item-writing review that keeps quizzes measuring knowledge.

A quiz that a test-wise trainee can pass from the wording of its options tells a board
nothing. The review flags items (negative stems, options that argue for themselves, absolute
words, keys much longer than the rest, ordering keys shown in order), checks balance per bank
and course (key positions, key-is-longest rate, true/false and multiple-select key counts),
finds near-duplicate items and replays of module self-checks, and runs a cue model that tries
to pick keys from words alone. Thresholds: ``peercert.lint.thresholds``.
"""

from peercert.lint.model import Finding, LintReport
from peercert.lint.render import render_text
from peercert.lint.run import lint
from peercert.lint.thresholds import DEFAULT, Thresholds, load_thresholds

__all__ = ["DEFAULT", "Finding", "LintReport", "Thresholds", "lint", "load_thresholds",
           "render_text"]

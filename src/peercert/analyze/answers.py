"""Read the options trainees chose from their notebooks: :mod:`peercert.answers`, re-exported.

The same reader the grader uses, so "b", "B " and ["B"] count as the same choice, and an
answer cell the grader cannot read counts as omitted here too.
"""

from __future__ import annotations

from peercert.answers import (
    ReadAnswer,
    answer_cells,
    literal_answer,
    read_answers,
    read_cell,
    reflection_text,
)

__all__ = ["ReadAnswer", "answer_cells", "literal_answer", "read_answers", "read_cell",
           "reflection_text"]

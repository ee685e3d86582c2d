"""The one answer reader and writer (peercert.answers): what simulate and the factory write
is exactly what grade and analyze read back."""

from __future__ import annotations

import pytest

from peercert.answers import literal_answer, read_cell, typed_literal, with_answer
from peercert.scoring import normalize

RELEASED = '# Question 3: type one letter between the quote marks\nanswer_3 = ""'


@pytest.mark.parametrize(("value", "kind", "literal", "canonical"), [
    ("B", "single", '"B"', "B"),
    (["A", "C"], "multiple", '"A, C"', ["A", "C"]),
    (["C", "A", "D", "B"], "ordering", '"C, A, D, B"', ["C", "A", "D", "B"]),
    (False, "truefalse", '"False"', False),
    (True, "truefalse", '"True"', True),
])
def test_typed_literal_reads_back_as_the_answer(value, kind, literal, canonical):
    assert typed_literal(value) == literal
    source = with_answer(RELEASED, literal)
    assert source == f"# Question 3: type one letter between the quote marks\nanswer_3 = {literal}"
    assert normalize(literal_answer(source), kind, "ABCD") == canonical


def test_typed_literal_escapes_what_a_trainee_could_type():
    text = 'a "quoted" \\ back\nslash é'
    assert literal_answer(with_answer(RELEASED, typed_literal(text))) == text


def test_with_answer_keeps_the_variable_and_the_lines_above():
    assert with_answer('answer_1 = ""', '"B"') == 'answer_1 = "B"'
    two = '# hint\n# more\nanswer_7: str = ""'
    assert with_answer(two, '"D"') == '# hint\n# more\nanswer_7 = "D"'
    # raw text (not a literal) is written as given: the reader then reports it as code
    assert read_cell(with_answer(RELEASED, "D"), "single", "ABCD") == (None, True)

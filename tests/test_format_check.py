"""Plain messages, and both graders reading answers alike.

The format check in a trainee's kernel (``check_readable``) and the static grader
(``peercert.answers``) must accept the same spellings: an answer cell that validates is an
answer that is scored, and one that does not is explained in one plain sentence, never a
traceback. What Python itself cannot run (curly quotes as delimiters, ``""B""``, a bare
letter) no grader can read, since stock ``nbgrader autograde`` runs Python: both reject it,
and the trainee is told how to type it.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pytest

from peercert.answers import read_cell
from peercert.scoring import AnswerError, check_format, check_readable, plain_message, score

SPECS = {
    "single": {"type": "single", "key": "B", "points": 1.0, "letters": "ABCD"},
    "multiple": {"type": "multiple", "key": ["A", "C"], "points": 2.0, "letters": "ABCDE"},
    "ordering": {"type": "ordering", "key": ["C", "A", "D", "B"], "points": 2.0,
                 "letters": "ABCD"},
    "truefalse": {"type": "truefalse", "key": False, "points": 1.0, "letters": ""},
}

HINT = '# Question 3: Type ONE letter between the quotes, for example "B".\n'

# (kind, what the trainee typed after "answer_3 = ", readable by both)
SPELLINGS = [
    ("single", '"B"', True), ("single", '"b"', True), ("single", '" B "', True),
    ("single", "'B'", True), ("single", '"B."', True), ("single", '"(b)"', True),
    ("single", '"\u201cB\u201d"', True),  # curly quotes inside straight ones
    ("single", '["B"]', True), ("single", '"B"  # my answer', True),
    ("single", '""', False), ("single", '"Z"', False), ("single", '"A, B"', False),
    ("single", "B", False),  # a bare letter is a name, not a literal
    ("single", '""B""', False),  # typed between the quotes, with quotes: Python cannot read it
    ("single", "\u201cB\u201d", False),  # curly quotes as delimiters: a syntax error
    ("single", '"B', False),
    ("multiple", '"A, C"', True), ("multiple", '"c and a"', True), ("multiple", '"AC"', True),
    ("multiple", '["A", "C"]', True), ("multiple", '("a", "c")', True),
    ("multiple", '{"A", "C"}', True), ("multiple", '"A; C"', True),
    ("multiple", '"A, A"', False), ("multiple", "A, C", False),
    ("ordering", '"C, A, D, B"', True), ("ordering", '"cadb"', True),
    ("ordering", '"C A D B"', True), ("ordering", '"C, A"', False),
    ("truefalse", '"True"', True), ("truefalse", '"false"', True), ("truefalse", "False", True),
    ("truefalse", '"F"', True), ("truefalse", '"yes"', True), ("truefalse", '"True."', True),
    ("truefalse", '"\u201cfalse\u201d"', True), ("truefalse", '"maybe"', False),
    ("truefalse", "true", False),  # a name: Python's True is capitalized
]


def kernel(source: str, kind: str) -> tuple[bool, str, float]:
    """Run an answer cell and its format check as a kernel does: (readable, output, score).

    The score is what the hidden test gives under stock autograde: 0 when the answer cell
    does not run (its variable is then undefined and the test cell fails)."""
    spec = SPECS[kind]
    namespace: dict[str, Any] = {"check_readable": check_readable}
    with suppress(SyntaxError, NameError):  # the cell fails; answer_3 stays undefined
        exec(compile(source, "<answer cell>", "exec"), namespace)
    try:
        exec(f"check_readable('answer_3', {kind!r}, {spec['letters']!r})", namespace)
    except AnswerError as exc:
        return False, str(exc), 0.0
    return True, "", score(spec, namespace["answer_3"])


@pytest.mark.parametrize(("kind", "typed", "readable"), SPELLINGS)
def test_format_check_and_static_grader_agree(kind, typed, readable):
    source = f"{HINT}answer_3 = {typed}"
    spec = SPECS[kind]
    ok, message, kernel_score = kernel(source, kind)
    canonical, omitted = read_cell(source, kind, spec["letters"])
    assert ok is readable and (not omitted) is readable, (message, canonical)
    if readable:
        assert score(spec, canonical) == kernel_score  # same points on both paths
    else:
        assert message.startswith("Question 3") and "\n" not in message
        assert "Error" not in message and "Traceback" not in message


@pytest.mark.parametrize(("kind", "typed", "message"), [
    ("single", '"Z"', 'Question 3: choose one letter, A to D, like "B".'),
    ("single", '""', "Question 3 has no answer yet: choose one letter, A to D."),
    ("single", '""B""', "Question 3 cannot be read: choose one letter, A to D, and type it "
                        'between the two straight quote marks, like answer_3 = "B".'),
    ("multiple", '"A, A"', "Question 3: choose every letter that applies, A to E, with commas "
                           'between them, like "A, C, E".'),
    ("ordering", '"C, A"', "Question 3: put all the letters A to D in order, each once, with "
                           'commas between them, like "B, C, D, A".'),
    ("truefalse", "true", "Question 3 cannot be read: choose True or False, and type it between "
                          'the two straight quote marks, like answer_3 = "True".'),
])
def test_one_plain_sentence_per_item_type(kind, typed, message):
    assert kernel(f"{HINT}answer_3 = {typed}", kind)[1] == message


def test_ipython_shows_the_sentence_instead_of_a_traceback():
    with pytest.raises(AnswerError) as caught:
        check_format("Z", "single", "ABCD")  # notebooks built before check_readable
    assert caught.value._render_traceback_() == ['Check this answer: choose one letter, A to D, '
                                                 'like "B".']


def test_letters_that_are_not_a_run_are_listed():
    assert plain_message("2", "single", "ABE", "value") == (
        'Question 2: choose one letter, A, B or E, like "B".')


def test_a_readable_answer_is_confirmed(capsys):
    namespace = {"answer_3": "b", "check_readable": check_readable}
    exec("check_readable('answer_3', 'single', 'ABCD')", namespace)
    assert capsys.readouterr().out == ("Question 3: your answer can be read. It will be scored "
                                       "when your quiz is graded.\n")


@pytest.mark.nbgrader
def test_validate_explains_each_unreadable_answer_in_one_sentence(course):
    """nbgrader's Validate (what the trainee's Validate button runs) on a released quiz."""
    import factory
    import nbformat
    from nbgrader.validator import Validator

    release = course / "release" / "quiz1" / "quiz1.ipynb"
    answers = {"t-01": '""B""', "t-02": "D", "t-03": '"A, A"', "t-04": '"C, A, D, B"',
               "t-05": "\u201cFalse\u201d", "t-06": "I would say no kindly."}
    path = course / "trainee.ipynb"
    nbformat.write(factory.answer_notebook(release, answers), path)
    failed = Validator().validate(str(path))["failed"]
    errors = [cell["raw_error"].strip() for cell in failed]
    assert errors == [
        "Question 1 cannot be read: choose one letter, A to D, and type it between the two "
        'straight quote marks, like answer_1 = "B".',
        "Question 2 cannot be read: choose one letter, A to D, and type it between the two "
        'straight quote marks, like answer_2 = "B".',
        "Question 3: choose every letter that applies, A to D, with commas between them, like "
        '"A, C".',
        "Question 5 cannot be read: choose True or False, and type it between the two straight "
        'quote marks, like answer_5 = "True".',
    ]

"""The program file: courses, rosters and staff a state program declares in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from peercert.program import ProgramError, load_program

REPO = Path(__file__).resolve().parents[1]


def test_example_program_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERCERT_DB_URL", "postgresql://u@localhost/pc")
    p = load_program(REPO / "deploy" / "program.example.toml")
    assert [c.id for c in p.courses] == ["north-2026-spring", "south-2026-spring"]
    assert p.gradebook_url == "postgresql://u@localhost/pc"
    assert p.instructors == ("ana", "ben", "cy")
    assert p.courses_of("t04") == {"south-2026-spring": "trainee"}
    assert p.courses_of("ana") == {"north-2026-spring": "instructor"}
    assert p.course("south-2026-spring").quizzes == ["boundaries", "practice-exam"]
    assert p.course("north-2026-spring").quizzes is None
    assert p.course_dir("north-2026-spring") == Path("/srv/peercert/courses/north-2026-spring")


def _write(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "program.toml"
    f.write_text(body, encoding="utf-8")
    return f


HEAD = """
[program]
name = "P"
courses_root = "courses"
exchange_root = "exchange"
staff = ["pat"]
"""


def test_relative_paths_from_the_file(tmp_path: Path) -> None:
    f = _write(tmp_path, HEAD + '[[course]]\nid = "a"\nsite = "S"\ninstructors = ["ana"]\n')
    p = load_program(f)
    assert p.courses_root == (tmp_path / "courses").resolve()
    assert p.gradebook_url is None


@pytest.mark.parametrize(("body", "needle"), [
    ('[[course]]\nid = "A B"\nsite = "S"\ninstructors = ["ana"]\n', "not a valid course id"),
    ('[[course]]\nid = "a"\nsite = "S"\ninstructors = ["Ana!"]\n', "not a valid user name"),
    ('[[course]]\nid = "a"\nsite = "S"\ninstructors = ["ana"]\ntrainees = ["ana"]\n',
     "both instructor and trainee"),
    ('[[course]]\nid = "a"\nsite = "S"\ninstructors = ["ana"]\n'
     '[[course]]\nid = "a"\nsite = "T"\ninstructors = ["ben"]\n', "more than once"),
    ('[[course]]\nid = "a"\nsite = "S"\ninstructors = ["ana"]\ntrainees = ["pat"]\n',
     "program staff listed as trainees"),
    ('[[course]]\nid = "a"\nsite = "S"\ninstructors = ["ana"]\ncolor = 1\n',
     "course 'a' (#1): field color"),
])
def test_bad_program_named(tmp_path: Path, body: str, needle: str) -> None:
    f = _write(tmp_path, HEAD + body)
    with pytest.raises(ProgramError) as info:
        load_program(f)
    text = str(info.value) + "\n".join(info.value.problems)
    assert str(f) in text and needle in text


def test_env_url_must_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_URL", raising=False)
    f = _write(tmp_path, HEAD.replace('staff', 'gradebook_url = "env:NOPE_URL"\nstaff')
               + '[[course]]\nid = "a"\nsite = "S"\ninstructors = ["ana"]\n')
    with pytest.raises(ProgramError, match="NOPE_URL"):
        load_program(f)


def test_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="not valid TOML"):
        load_program(_write(tmp_path, "[program\n"))

"""Nothing a trainee's environment holds reveals a graded key (issue 14).

The trainee side is the ``peercert-trainee`` package (``trainee/``), the released quizzes (in
``release/`` and the exchange) and the learning modules. Each is scanned for every secret of
every shipped bank: the rationale of every key and distractor, graders' guidance and example
answers, and every key written as the hidden tests hold it. Texts are compared as words
(lower case, punctuation, quotes and escapes dropped), so a rationale is found whether it
sits in YAML, JSON, a Python literal or a notebook, wrapped over lines or not.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import factory
import nbformat
import pytest

import peercert_trainee
from peercert import nbgrader_compat as nbc
from peercert import scoring
from peercert.bank import Bank, MultipleItem, ReflectionItem, load_banks
from peercert.build import build_notebook, item_spec
from peercert.curriculum import curriculum_root
from peercert.lint.similar import bank_texts, near_duplicates, self_check_texts
from peercert.lint.thresholds import DEFAULT

REPO = Path(__file__).resolve().parents[1]
TRAINEE = REPO / "trainee"
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)")
_WORD = re.compile(r"[^\W_]+")
MAX_BYTES = 20_000_000


def words(text: str) -> list[str]:
    """Lower-case words, with backslash escapes (JSON, Python literals) read as spaces."""
    text = unicodedata.normalize("NFKC", _ESCAPE.sub(" ", text)).lower()
    return _WORD.findall(text)


def _key_words(key: object) -> str:
    return " ".join(key) if isinstance(key, list) else str(key)


def secrets(banks: Iterable[Bank]) -> dict[str, list[str]]:
    """Every text that reveals a graded key, as words, mapped to labels naming its sources."""
    out: dict[str, list[str]] = {}

    def add(text: str, label: str) -> None:
        if len(words(text)) >= 2:
            out.setdefault(" ".join(words(text)), []).append(label)

    for bank in banks:
        for item in bank.items:
            where = f"{bank.quiz}/{item.id}"
            if isinstance(item, ReflectionItem):
                add(item.guidance, f"{where} guidance")
                for level in item.rubric:
                    add(level.example, f"{where} rubric example")
                continue
            spec = item_spec(item)
            rationale = spec["rationale"]
            add(rationale["key"], f"{where} rationale of the key")
            for letter, why in rationale.get("distractors", {}).items():
                add(why, f"{where} rationale of {letter}")
            # The key as the hidden test holds it (pprint or JSON alike), and as a key list.
            add(f"'id': {item.id!r}, 'type': {item.type!r}, 'points': {spec['points']!r}, "
                f"'key': {spec['key']!r}", f"{where} key in a scoring spec")
            key = sorted(item.key) if isinstance(item, MultipleItem) else item.key
            add(f"{item.id} {_key_words(key)}", f"{where} key next to its id")
    return out


class Scanner:
    """Finds any of many word sequences in a text in one pass (anchored on word pairs)."""

    def __init__(self, needles: dict[str, list[str]]):
        self.by_pair: dict[tuple[str, str], list[tuple[list[str], list[str]]]] = \
            defaultdict(list)
        for needle, labels in needles.items():
            w = needle.split()
            self.by_pair[(w[0], w[1])].append((w, labels))

    def find(self, text: str) -> set[str]:
        """Labels of every secret in ``text``."""
        w = words(text)
        found: set[str] = set()
        for i, pair in enumerate(zip(w, w[1:], strict=False)):
            for needle, labels in self.by_pair.get(pair, ()):
                if w[i:i + len(needle)] == needle:
                    found.update(labels)
        return found

    def scan(self, files: Iterable[Path], root: Path) -> list[str]:
        """``file: label`` for every secret found in any of ``files``."""
        hits = []
        for path in files:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
            hits += [f"{path.relative_to(root)}: {label}" for label in sorted(self.find(text))]
        return hits


@pytest.fixture(scope="module")
def shipped() -> list[Bank]:
    banks = load_banks(curriculum_root() / "assignments")
    assert banks, "no shipped banks"
    return banks


@pytest.fixture(scope="module")
def scanner(shipped: list[Bank]) -> Scanner:
    return Scanner(secrets(shipped))


_IMPORT = re.compile(r"^\s*(?:from|import)\s+(peercert(?:\.[\w.]+)?)(?![\w.])", re.MULTILINE)


def peercert_imports(source: str) -> list[str]:
    """Modules of the instructor package (``peercert``, ``peercert.*``) a cell imports."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell that does not parse (a magic, a typo): read its lines
        return _IMPORT.findall(source)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return [n for n in names if n == "peercert" or n.startswith("peercert.")]


def notebooks_under(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        yield from sorted(folder.rglob("*.ipynb"))


# --- the scanner itself ----------------------------------------------------------------


def test_the_scanner_finds_secrets_in_every_form(tmp_path):
    bank_file = factory.write_bank(tmp_path / "assignments", factory.bank())
    [bank] = load_banks(tmp_path / "assignments")
    scan = Scanner(secrets([bank]))
    nb = nbformat.writes(build_notebook(bank))
    in_nb, in_yaml = scan.find(nb), scan.find(bank_file.read_text())
    assert {"quiz1/t-01 key in a scoring spec", "quiz1/t-03 rationale of the key",
            "quiz1/t-04 rationale of the key", "quiz1/t-02 rationale of C"} <= in_nb
    assert {"quiz1/t-01 rationale of the key", "quiz1/t-06 guidance"} <= in_yaml
    assert scan.find("t-05: False") == {"quiz1/t-05 key next to its id"}
    assert scan.find(repr({"t-03": ["A", "C"]})) == {"quiz1/t-03 key next to its id"}
    escaped = "Ma\\u00efa: B keeps\\nthe RELATIONSHIP focused\non Maria\\u2019s goals."
    assert "quiz1/t-01 rationale of the key" in scan.find(escaped)
    assert not scan.find("B keeps the relationship focused on Maria, and her goals.")
    released = "".join(nbc.released_source(c.source) for c in build_notebook(bank).cells)
    assert not scan.find(released)


# --- what the trainee package is made of -----------------------------------------------


def test_one_answer_reader_for_trainees_and_graders():
    assert scoring.normalize is peercert_trainee.normalize
    assert scoring.AnswerError is peercert_trainee.AnswerError
    assert scoring.check_format is peercert_trainee.check_format


def test_the_trainee_package_imports_nothing_of_the_instructor_side():
    sources = sorted((TRAINEE / "src" / "peercert_trainee").rglob("*.py"))
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not peercert_imports(text), f"{path} imports the instructor package"
        assert "curriculum" not in text and "assignments" not in text, path
    assert not hasattr(peercert_trainee, "curriculum_root")
    package = TRAINEE / "src" / "peercert_trainee"
    files = {p.suffix for p in package.rglob("*") if p.is_file()
             and "__pycache__" not in p.parts and "labextension" not in p.parts}
    assert files <= {".py", ".typed"}, files
    # the prebuilt quiz-answers extension: code, its manifest, licences and build hash only
    built = {p.suffix for p in (package / "labextension").rglob("*") if p.is_file()}
    assert built <= {".js", ".json", ".txt"}, built


def test_a_released_grade_cell_imports_only_the_trainee_package(tmp_path):
    factory.write_bank(tmp_path, factory.bank())
    nb = build_notebook(load_banks(tmp_path)[0])
    tests = [c for c in nb.cells if c.metadata.get("peercert", {}).get("role") == "test"]
    assert tests
    for cell in tests:
        assert peercert_imports(cell.source) == ["peercert.scoring"]  # hidden test only
        released = nbc.released_source(cell.source)
        assert "check(" not in released and not peercert_imports(released)
        assert "from peercert_trainee import check_readable" in released


# --- (1) the trainee install, in a fresh virtual environment -----------------------------


def _run(*args: str | Path, **kw: Any) -> str:
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600,
                         **kw)
    assert out.returncode == 0, f"{args}\n{out.stdout}\n{out.stderr}"
    return out.stdout


def _build_wheel(dest: Path) -> Path:
    isolation = []
    try:
        import hatchling  # noqa: F401  (in the test extra: build without the network)

        isolation = ["--no-build-isolation"]
    except ImportError:
        pass
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation,
         "-w", dest, TRAINEE)
    [wheel] = dest.glob("peercert_trainee-*.whl")
    return wheel


@pytest.fixture(scope="module")
def trainee_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bool]:
    """A fresh venv (no system site-packages) holding the trainee install: (venv, wheel,
    with_deps). With PEERCERT_WHEELHOUSE (a folder of wheels, as .ci/run makes) the trainee
    package is installed with its dependencies, offline; without it, alone (--no-deps)."""
    tmp = tmp_path_factory.mktemp("trainee-install")
    wheel = _build_wheel(tmp / "dist")
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    wheelhouse = os.environ.get("PEERCERT_WHEELHOUSE")
    deps = ["--find-links", wheelhouse] if wheelhouse else ["--no-deps"]
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-index",
         "--no-cache-dir", *deps, wheel)
    return venv, wheel, bool(wheelhouse)


@pytest.mark.slow
def test_the_trainee_install_holds_no_key_or_rationale(trainee_venv, scanner):
    venv, wheel, _ = trainee_venv
    everything = [p for p in venv.rglob("*") if p.is_file()]
    assert any(p.name == "answer_format.py" for p in everything)
    hits = scanner.scan(everything, venv)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        hits += [f"{wheel.name}/{n}: {label}" for n in names
                 for label in sorted(scanner.find(zf.read(n).decode("utf-8", "replace")))]
    assert not hits, "the trainee install reveals graded keys:\n" + "\n".join(hits)
    assert not [p for p in everything if p.suffix in (".yaml", ".yml", ".ipynb")
                or "_curriculum" in p.parts or "assignments" in p.parts]
    assert not any(n.startswith("peercert/") for n in names)


@pytest.mark.slow
def test_the_trainee_install_checks_formats_and_cannot_reach_the_curriculum(trainee_venv):
    venv, _, with_deps = trainee_venv
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    probe = """
import importlib.util, sys
import peercert_trainee as t
t.check_format("a, c", "multiple", "ABCD")
try:
    t.check_format("Z", "single", "ABCD")
except t.AnswerError as exc:
    print(exc)
print("peercert:", importlib.util.find_spec("peercert"))
print("widgets loaded:", "ipywidgets" in sys.modules)
if sys.argv[1] == "deps":
    box = t.SelfCheck("Which?", {"A": "this", "B": "that"}, answer="A", feedback={"A": "Yes."})
    print("self-check:", type(box).__name__)
"""
    out = _run(python, "-I", "-c", probe, "deps" if with_deps else "alone", env=env,
               cwd=venv)
    assert "Your answer can be read." in out
    assert 'Check this answer: choose one letter, A to D, like "B".' in out
    assert "peercert: None" in out  # no instructor package: no banks, no curriculum_root()
    assert "widgets loaded: False" in out  # a quiz kernel needs no ipywidgets
    assert ("self-check: SelfCheck" in out) == with_deps


# --- (2) every shipped quiz, released through nbgrader; every module -------------------


@pytest.fixture(scope="module")
def released_course(tmp_path_factory: pytest.TempPathFactory, shipped: list[Bank]) -> Path:
    from peercert.course import init_course, nbgrader_api, release_quizzes

    course = init_course(tmp_path_factory.mktemp("released") / "course",
                         source_root=curriculum_root())
    release_quizzes(nbgrader_api(course), [b.quiz for b in shipped])
    return course


@pytest.mark.nbgrader
@pytest.mark.slow
def test_released_quizzes_exchange_and_modules_hold_no_key_or_rationale(
        released_course, shipped, scanner):
    course = released_course
    release, exchange, modules = course / "release", course / "exchange", course / "modules"
    released = sorted(release.rglob("*.ipynb"))
    outbound = sorted(exchange.rglob("*.ipynb"))
    assert {p.parent.name for p in released} == {b.quiz for b in shipped}
    assert {p.parent.name for p in outbound} == {b.quiz for b in shipped}
    trainee_side = [p for folder in (release, exchange, modules)
                    for p in sorted(folder.rglob("*")) if p.is_file()]
    hits = scanner.scan(trainee_side, course)
    assert not hits, "the trainee side reveals graded keys:\n" + "\n".join(hits)
    graded_cells = 0
    # What a trainee's kernel runs: the quizzes and the numbered learning modules (the
    # instructor's dashboard in modules/instructor/ needs the instructor package by design).
    learning = sorted(modules.glob("[0-9][0-9]-*.ipynb"))
    assert learning
    for path in [*notebooks_under(release, exchange), *learning]:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            assert "BEGIN HIDDEN TESTS" not in cell.source, path
            if cell.cell_type != "code":
                continue
            assert not peercert_imports(cell.source), \
                f"{path.relative_to(course)}: a trainee's kernel would import " \
                f"{peercert_imports(cell.source)}, which ships keys; use peercert_trainee"
            graded_cells += "from peercert_trainee import check_readable" in cell.source
    auto = sum(1 for b in shipped for i in b.items if not isinstance(i, ReflectionItem))
    assert graded_cells == 2 * auto  # every item's check, in release/ and in the exchange


# --- (3) module self-checks never repeat a graded item ---------------------------------


def test_no_module_self_check_repeats_a_graded_item(shipped):
    checks = self_check_texts(curriculum_root() / "modules")
    assert len(checks) >= 12
    findings, _ = near_duplicates(bank_texts(shipped), checks, {b.quiz for b in shipped},
                                  DEFAULT)
    repeats = [f"{f.where()}: {f.message}" for f in findings if f.rule == "repeats-self-check"]
    assert not repeats, "\n".join(repeats)

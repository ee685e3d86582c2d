"""End to end: simulated hour logs, ``peercert readiness``, ``progress`` and ``profiles``."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_readiness_course import ALL_RIGHT, build_course, empty_gradebook
from typer.testing import CliRunner

from peercert.cli import app
from peercert.readiness import EvidenceError, load_evidence, progress, run_readiness
from peercert.readiness.simulate import simulate_evidence

AS_OF = "2026-11-22"
SECRET = "SECRET-DISCLOSURE-4711"
runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_gradebook(tmp_path_factory.mktemp("gradebook-template"))


@pytest.fixture
def course(tmp_path: Path, template: Path) -> Path:
    scores = {f"t{i}": (ALL_RIGHT if i % 2 else {"bnd-1": 1, "bnd-2": 0}) for i in range(8)}
    root = build_course(tmp_path / "course", scores, template=template,
                        names={"t1": ("Ana", "Diaz")})
    # what a trainee wrote in a reflection lives in the course; it must never leave it
    sub = root / "submitted" / "t1" / "boundaries"
    sub.mkdir(parents=True)
    (sub / "boundaries.ipynb").write_text(f'{{"note": "{SECRET}"}}', encoding="utf-8")
    return root


def invoke(*args: str) -> object:
    return runner.invoke(app, [str(a) for a in args])


def test_simulated_logs_are_reproducible_and_valid(course: Path, tmp_path: Path) -> None:
    one = simulate_evidence(course, tmp_path / "one.csv", seed=5, end=date(2026, 10, 1))
    two = simulate_evidence(course, tmp_path / "two.csv", seed=5, end=date(2026, 10, 1))
    assert one.read_bytes() == two.read_bytes()
    records = load_evidence([one], {f"t{i}" for i in range(8)}, date(2026, 10, 1))
    assert set(records["kind"]) >= {"supervised_work", "supervision", "attestation", "training"}
    assert records["date"].max() <= pd.Timestamp("2026-10-01")


def test_run_readiness_on_a_course(course: Path, tmp_path: Path) -> None:
    logs = simulate_evidence(course, tmp_path / "logs.csv", seed=1, end=date(2026, 10, 1))
    result = run_readiness("icrc-pr", [course], [logs], tmp_path / "out",
                           as_of=date.fromisoformat(AS_OF))
    assert result.trainees == 8
    assert result.dashboard.exists() and len(result.files) == 3 + 8
    assert "trainees ready for IC&RC Peer Recovery (PR)" in result.summary()
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8"), path


def test_cli_readiness_writes_reports(course: Path, tmp_path: Path) -> None:
    logs = simulate_evidence(course, tmp_path / "logs.csv", seed=1, end=date(2026, 10, 1))
    out = invoke("readiness", "--profile", "icrc-pr", "--course", course, "--evidence", logs,
                 "--out", tmp_path / "r", "--as-of", AS_OF)
    assert out.exit_code == 0, out.output
    assert "of 8 trainees ready" in out.output
    with (tmp_path / "r" / "board-export.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 8 * 8


def test_cli_bad_evidence_exits_non_zero_and_imports_nothing(course: Path,
                                                             tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("trainee_id,kind,date,hours,topic,result\n"
                   "t1,supervision,2026-03-02,-2,advocacy,\n"
                   "nobody,training,2026-03-02,2,advocacy,\n", encoding="utf-8")
    out = invoke("readiness", "-p", "icrc-pr", "-c", course, "-e", bad, "-o", tmp_path / "r",
                 "--as-of", AS_OF)
    assert out.exit_code == 1
    assert f"{bad}:2: hours is negative" in out.stderr
    assert f"{bad}:3: unknown trainee 'nobody'" in out.stderr
    assert "2 problem(s); nothing was imported" in out.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["-p", "no-such-profile"], "no profile 'no-such-profile'"),
    (["-p", "icrc-pr", "--as-of", "22/11/2026"], "is not a date"),
])
def test_cli_bad_profile_or_date(course: Path, args: list[str], message: str) -> None:
    out = invoke("readiness", "-c", course, *args)
    assert out.exit_code == 1 and message in out.stderr


def test_cli_needs_a_course_or_roster(tmp_path: Path) -> None:
    out = invoke("readiness", "-p", "icrc-pr", "-o", tmp_path / "r")
    assert out.exit_code == 1 and "give at least one --course" in out.stderr
    out = invoke("readiness", "-p", "icrc-pr", "-c", tmp_path / "missing")
    assert out.exit_code == 1 and "no nbgrader_config.py" in out.stderr


def test_roster_only_renewal(tmp_path: Path) -> None:
    roster = tmp_path / "peers.csv"
    roster.write_text("trainee_id,name,site\np1,Rosa Reyes,east\np2,Sam Ito,west\n",
                      encoding="utf-8")
    ce = tmp_path / "ce.csv"
    ce.write_text("trainee_id,kind,date,hours,topic,result\n"
                  "p1,training,2026-02-02,6,ethics,\np1,training,2026-03-02,7,peer-specific,\n"
                  "p1,training,2026-04-02,7,peer-specific,\np2,training,2023-04-02,20,ethics,\n",
                  encoding="utf-8")
    out = invoke("readiness", "-p", "tx-renewal", "--roster", roster, "-e", ce,
                 "-o", tmp_path / "r", "--as-of", AS_OF)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("1 of 2 trainees ready")


def test_progress_command_and_notebook_view(course: Path, tmp_path: Path) -> None:
    out = invoke("progress", "t1", "-p", "icrc-pr", "-c", course, "--as-of", AS_OF,
                 "--html", tmp_path / "me.html")
    assert out.exit_code == 0, out.output
    assert "Ana Diaz (t1)" in out.output and "Ethical Responsibility training" in out.output
    assert "requirements met" in out.output
    page = (tmp_path / "me.html").read_text(encoding="utf-8")
    assert "Ana Diaz" in page and "cohort dashboard" not in page
    view = progress("t1", "icrc-pr", [course], as_of=date.fromisoformat(AS_OF))
    assert view._repr_html_() == page and not view.ready
    unknown = invoke("progress", "zz", "-p", "icrc-pr", "-c", course)
    assert unknown.exit_code == 1 and "no trainee 'zz'" in unknown.stderr


def test_profiles_command() -> None:
    out = invoke("profiles")
    assert out.exit_code == 0
    for pid in ("icrc-pr", "pa-cps", "ca-pss", "wa-cps", "tx-renewal"):
        assert pid in out.output
    one = invoke("profiles", "ca-pss")
    assert "at most 3 attempts in 12 months" in one.output and "verified 2026-11-22" in one.output
    assert "certification cycle" not in one.output
    renewal = invoke("profiles", "tx-renewal")
    assert "certification cycle: 24 months" in renewal.output


def test_custom_profile_by_path(course: Path, tmp_path: Path) -> None:
    mine = tmp_path / "county.toml"
    mine.write_text("""
version = 1
id = "county"
title = "County readiness"
authority = "Example County"
stage = "program"
[[requirements]]
id = "c8"
kind = "quiz_mastery"
title = "Crisis competency"
competency = "C8"
threshold = 70
source = "https://county.example.org/standards"
verified = "2026-11-22"
""", encoding="utf-8")
    result = run_readiness(str(mine), [course], [], tmp_path / "r", as_of=date(2026, 11, 22))
    assert result.ready == 4  # the odd trainees answered every item right
    details = set(result.readiness.results["detail"])
    assert "competency C8 at 0%, needs 70%" in details


def test_evidence_error_is_all_or_nothing_in_the_api(course: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("trainee_id,kind,date,hours,topic,result\nt1,training,2026-13-01,2,x,\n",
                   encoding="utf-8")
    with pytest.raises(EvidenceError, match="not a real date"):
        run_readiness("icrc-pr", [course], [bad], tmp_path / "r", as_of=date(2026, 11, 22))
    assert not (tmp_path / "r").exists()


@pytest.mark.nbgrader
@pytest.mark.slow
def test_demo_writes_icrc_readiness(tmp_path: Path) -> None:
    from peercert.demo import run_demo

    result = run_demo(tmp_path, trainees=4, workers=2)
    reports = result.reports / "readiness"
    assert (reports / "index.html").exists()
    with (reports / "board-export.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["trainee_id"] for r in rows} == {"t0001", "t0002", "t0003", "t0004"}
    assert {r["profile"] for r in rows} == {"icrc-pr"}
    attendance = result.course / "attendance.csv"
    assert attendance in result.files  # training hours come from sign-ins, never from quizzes
    total = [r for r in rows if r["requirement_id"] == "training-total"]
    assert all(r["hour_sources"].startswith("attendance ") for r in total)
    assert "self-study" not in "".join(r["hour_sources"] for r in rows)  # IC&RC: ask the board
    from peercert.simulate import REFLECTIONS

    submitted = (result.course / "submitted").rglob("*.ipynb")
    written = [p.read_text(encoding="utf-8") for p in submitted]
    assert any(REFLECTIONS[0][:40] in text for text in written)  # the course holds them...
    for path in [*reports.rglob("*.*"), result.reports / "evidence.csv"]:
        text = path.read_text(encoding="utf-8")
        assert not any(r[:40] in text for r in REFLECTIONS), path  # ...no report does
    out = invoke("progress", "t0001", "-p", "icrc-pr", "-c", result.course,
                 "-e", result.reports / "evidence.csv")
    assert out.exit_code == 0, out.output

"""Reports: CSV tables, dashboard, trainee pages; the board export holds nothing extra."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_readiness_evaluate import evidence, full_icrc, rec

from peercert.readiness.evaluate import Readiness, evaluate
from peercert.readiness.profile import load_profile
from peercert.readiness.report import BOARD_COLUMNS, page_names, write_reports
from peercert.readiness.simulate import simulate_records

AS_OF = date(2026, 11, 22)


@pytest.fixture
def readiness() -> Readiness:
    rows = full_icrc("ana") + full_icrc("ben", ethics=12) + [
        rec("cy", "training", "2026-01-05", 3, "advocacy")]
    ev = evidence(["ana", "ben", "cy"], rows,
                  scores=[("ana", "competency", "C1", 9, 10), ("ben", "competency", "C1", 4, 10)])
    return evaluate(load_profile("icrc-pr"), ev, AS_OF), ev.scores


def test_files_and_tables(tmp_path: Path, readiness: tuple) -> None:
    r, scores = readiness
    files = write_reports(r, tmp_path, scores)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in files)
    assert names == ["board-export.csv", "index.html", "readiness.csv", "trainees/ana.html",
                     "trainees/ben.html", "trainees/cy.html"]
    table = pd.read_csv(tmp_path / "readiness.csv", keep_default_na=False)
    assert len(table) == 3 * len(r.profile.requirements)
    ben = table[(table["trainee_id"] == "ben") &
                (table["requirement_id"] == "training-ethical-responsibility")].iloc[0]
    assert ben["detail"] == "12 of 16 h, 4 h to go" and ben["ready"] == "no"
    assert set(table.loc[table["trainee_id"] == "ana", "ready"]) == {"yes"}


def test_board_export_holds_only_ids_names_statuses_and_dates(tmp_path: Path,
                                                              readiness: tuple) -> None:
    r, scores = readiness
    write_reports(r, tmp_path, scores)
    with (tmp_path / "board-export.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == BOARD_COLUMNS
    assert {row["status"] for row in rows} <= {"met", "not_met", "no_evidence"}
    text = (tmp_path / "board-export.csv").read_text(encoding="utf-8")
    assert "12 of 16" not in text and "north" not in text  # no details, no sites
    ben = next(row for row in rows if row["trainee_id"] == "ben"
               and row["requirement_id"] == "training-ethical-responsibility")
    assert (ben["hours_evidence"], ben["hour_sources"]) == ("12", "evidence test.csv 12 h")
    education = next(row for row in rows if row["requirement_id"] == "education")
    assert education["hour_sources"] == "" and education["hours_attendance"] == ""


def test_dashboard_and_pages_say_what_remains(tmp_path: Path, readiness: tuple) -> None:
    r, scores = readiness
    write_reports(r, tmp_path, scores)
    dash = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "1 / 3" in dash and "<svg" in dash and "What blocks most trainees" in dash
    assert 'href="trainees/ben.html"' in dash
    assert "IC&amp;RC PR examination" in dash  # not tracked, said out loud
    ben = (tmp_path / "trainees" / "ben.html").read_text(encoding="utf-8")
    assert "12 of 16 h, 4 h to go" in ben and "topic ethical-responsibility" in ben
    assert "What remains" in ben and "@media print" in ben
    assert "Ready: every requirement" in (tmp_path / "trainees" / "ana.html").read_text()


def test_reports_are_deterministic(tmp_path: Path, readiness: tuple) -> None:
    r, scores = readiness
    write_reports(r, tmp_path / "one", scores)
    write_reports(r, tmp_path / "two", scores)
    for name in ("readiness.csv", "board-export.csv", "index.html", "trainees/ben.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_names_are_escaped(tmp_path: Path) -> None:
    ev = evidence(["x"], [])
    ev.roster.loc[0, "name"] = "<script>alert(1)</script>"
    write_reports(evaluate(load_profile("icrc-pr"), ev, AS_OF), tmp_path)
    assert "<script>alert" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in (tmp_path / "trainees" / "x.html").read_text(encoding="utf-8")


def test_page_names_are_safe_and_unique() -> None:
    names = page_names(["t1", "a/b", "../etc", "Ana", "ana", "x y"])
    assert names["t1"] == "t1.html"
    assert len(set(names.values())) == 6
    assert all("/" not in n and not n.startswith(".") for n in names.values())


def test_many_sites_and_trainees(tmp_path: Path) -> None:
    ids = [f"s{i:03d}" for i in range(60)]
    rows = simulate_records(ids, AS_OF, seed=3)
    ev = evidence(ids, [dict(r, source="sim") for r in rows.to_dict("records")])
    sites = [f"site-{i % 4}" for i in range(60)]
    ev.roster["site"] = sites
    r = evaluate(load_profile("icrc-pr"), ev, AS_OF)
    write_reports(r, tmp_path)
    dash = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(f"<td>site-{i}</td>" in dash for i in range(4))
    assert len(list((tmp_path / "trainees").glob("*.html"))) == 60


def test_figures_drawn_in_a_second_process_are_the_same(tmp_path: Path,
                                                        readiness: tuple) -> None:
    r, scores = readiness
    write_reports(r, tmp_path / "inline", scores, parallel=False)
    write_reports(r, tmp_path / "spawned", scores, parallel=True)
    inline = (tmp_path / "inline" / "index.html").read_bytes()
    assert inline == (tmp_path / "spawned" / "index.html").read_bytes()


def test_a_rerun_removes_pages_of_trainees_no_longer_listed(tmp_path: Path,
                                                           readiness: tuple) -> None:
    r, scores = readiness
    write_reports(r, tmp_path, scores)
    (tmp_path / "trainees" / "gone.html").write_text("old", encoding="utf-8")
    write_reports(r, tmp_path, scores)
    assert sorted(p.name for p in (tmp_path / "trainees").iterdir()) == [
        "ana.html", "ben.html", "cy.html"]

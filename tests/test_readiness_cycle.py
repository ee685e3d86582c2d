"""Renewal hours over each person's certification cycle: from their latest certified date."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_readiness_cli import invoke
from test_readiness_evaluate import SRC, evidence, rec, row
from test_readiness_evidence import GOOD_ROWS, KNOWN, problems
from test_readiness_evidence import csv as csv_file
from test_readiness_profile import GOOD, write

from peercert.readiness.evaluate import evaluate, months_after
from peercert.readiness.evidence import load_evidence
from peercert.readiness.profile import Profile, ProfileError, load_profile, load_profile_file
from peercert.readiness.report import (
    BOARD_COLUMNS,
    READINESS_COLUMNS,
    cycle_texts,
    threshold_text,
    write_reports,
)

AS_OF = date(2026, 11, 22)
TX = load_profile("tx-renewal")


def cycle_profile(*reqs: dict[str, Any], months: int = 24) -> Profile:
    return Profile.model_validate({"id": "cycle-test", "title": "Cycle test", "authority": "Test",
                                   "stage": "renewal", "cycle_months": months,
                                   "requirements": [{**SRC, **r} for r in reqs]})


def certified(tid: str, day: str, topic: str = "") -> dict[str, Any]:
    return rec(tid, "certified", day, topic=topic)


def day(value: Any) -> str:
    return "" if pd.isna(value) else str(pd.Timestamp(value).date())


# -- the window ------------------------------------------------------------------------------

def test_cycle_counts_exactly_the_in_cycle_hours() -> None:
    rows = [certified("jo", "2025-03-01"),
            rec("jo", "training", "2025-02-28", 5, "ethics"),  # the day before: older
            rec("jo", "training", "2025-03-01", 4, "ethics"),  # the first day counts
            rec("jo", "training", "2026-06-10", 7, "peer-specific"),
            rec("jo", "training", "2026-11-22", 3, "peer-specific")]  # the as-of day counts
    r = evaluate(TX, evidence(["jo"], rows), AS_OF)
    total = row(r, "jo", "ce-total")
    assert total["value"] == 14 and total["status"] == "not_met"
    assert total["detail"] == ("14 of 20 h since 2025-03-01, 6 h to go (5 h are older and do "
                               "not count); renewal due 2027-03-01, in 99 days")
    assert day(total["cycle_start"]) == "2025-03-01"
    assert day(total["renewal_due"]) == "2027-03-01"
    assert day(total["evidence_date"]) == "2026-11-22"
    ethics = row(r, "jo", "ce-ethics")
    assert ethics["value"] == 4 and ethics["status"] == "met"
    assert ethics["detail"] == "4 of 3 h since 2025-03-01; renewal due 2027-03-01, in 99 days"
    t = r.trainees.iloc[0]
    assert day(t["cycle_start"]) == "2025-03-01" and day(t["renewal_due"]) == "2027-03-01"


def test_the_due_date_is_the_first_day_outside_the_cycle() -> None:
    rows = [certified("a", "2024-11-23"),
            rec("a", "training", "2026-11-22", 20, "ethics"),  # the cycle's last day
            certified("b", "2024-11-22"),
            rec("b", "training", "2026-11-21", 2, "ethics"),
            rec("b", "training", "2026-11-22", 20, "ethics")]  # = b's due date
    r = evaluate(TX, evidence(["a", "b"], rows), AS_OF)
    a, b = row(r, "a", "ce-total"), row(r, "b", "ce-total")
    assert a["status"] == "met"
    assert a["detail"].endswith("renewal due 2026-11-23, in 1 day")
    assert b["value"] == 2 and b["status"] == "not_met"
    assert b["detail"] == ("2 of 20 h in the cycle from 2024-11-22, 18 h short (20 h after it "
                           "do not count toward it); renewal was due 2026-11-22: the cycle has "
                           "ended")


def test_cycle_end_clamps_to_the_end_of_the_month() -> None:
    assert months_after(date(2024, 2, 29), 24) == date(2026, 2, 28)
    rows = [certified("leap", "2024-02-29"), rec("leap", "training", "2026-02-27", 20, "ethics")]
    r = evaluate(TX, evidence(["leap"], rows), date(2026, 2, 27))
    assert day(row(r, "leap", "ce-total")["renewal_due"]) == "2026-02-28"
    assert row(r, "leap", "ce-total")["detail"].endswith("renewal due 2026-02-28, in 1 day")


def test_no_certified_row_falls_back_to_the_last_cycle_months() -> None:
    rows = [rec("nd", "training", "2024-11-21", 6, "ethics"),  # one day too old
            rec("nd", "training", "2024-11-22", 5, "ethics"),
            rec("nd", "training", "2026-01-10", 9, "peer-specific")]
    r = evaluate(TX, evidence(["nd", "none"], rows), AS_OF)
    total = row(r, "nd", "ce-total")
    assert total["value"] == 14
    assert total["detail"] == ("no certification date on file; counting the last 24 months: "
                               "14 of 20 h, 6 h to go (6 h are older and do not count)")
    assert pd.isna(total["cycle_start"]) and pd.isna(total["renewal_due"])
    assert row(r, "none", "ce-total")["detail"] == (
        "no certification date on file; counting the last 24 months: no hours logged")
    assert row(r, "none", "ce-total")["status"] == "no_evidence"


def test_past_due_cycle_is_met_only_with_the_hours_inside_it() -> None:
    after = date(2027, 3, 15)
    rows = [certified("late", "2025-03-01"),
            rec("late", "training", "2026-05-01", 16, "ethics"),
            rec("late", "training", "2027-02-28", 2, "ethics"),  # the last day of the cycle
            rec("late", "training", "2027-03-01", 4, "ethics"),  # after it: does not count
            certified("done", "2025-03-01"),
            rec("done", "training", "2026-05-01", 20, "ethics"),
            certified("idle", "2025-03-01")]
    r = evaluate(TX, evidence(["late", "done", "idle"], rows), after)
    late = row(r, "late", "ce-total")
    assert late["value"] == 18 and late["status"] == "not_met"
    assert late["detail"] == ("18 of 20 h in the cycle from 2025-03-01, 2 h short (4 h after it "
                              "do not count toward it); renewal was due 2027-03-01: the cycle "
                              "has ended")
    done = row(r, "done", "ce-total")
    assert done["status"] == "met"
    assert done["detail"] == ("20 of 20 h in the cycle from 2025-03-01; renewal was due "
                              "2027-03-01: the cycle has ended")
    idle = row(r, "idle", "ce-total")
    assert idle["status"] == "no_evidence"
    assert idle["detail"] == ("no hours logged in the cycle from 2025-03-01; renewal was due "
                              "2027-03-01: the cycle has ended")
    assert list(r.trainees["ready"]) == [False, True, False]


def test_the_latest_certified_row_wins() -> None:
    rows = [certified("re", "2023-03-01"),
            certified("re", "2025-03-01"),  # the renewal starts a new cycle
            certified("re", "2024-01-01"),  # order in the file does not matter
            rec("re", "training", "2024-06-01", 12, "ethics"),  # previous cycle
            rec("re", "training", "2025-04-01", 8, "ethics")]
    r = evaluate(TX, evidence(["re"], rows), AS_OF)
    total = row(r, "re", "ce-total")
    assert total["value"] == 8 and day(total["cycle_start"]) == "2025-03-01"
    assert "(12 h are older and do not count)" in total["detail"]


def test_certified_rows_for_other_credentials_or_after_the_as_of_date_are_ignored() -> None:
    icrc = load_profile("icrc-pr-renewal")
    assert icrc.certified_topics == ("", "icrc-pr-renewal", "icrc-pr")
    rows = [certified("x", "2025-01-10", "icrc-pr"),
            certified("x", "2026-01-10", "pa-cps"),  # another credential
            certified("x", "2026-12-01"),  # after the as-of date: not known yet
            rec("x", "training", "2025-06-01", 10, "ethics")]
    r = evaluate(icrc, evidence(["x"], rows), AS_OF)
    assert day(row(r, "x", "ce-total")["cycle_start"]) == "2025-01-10"
    r = evaluate(TX, evidence(["x"], rows), AS_OF)  # tx-renewal: only untagged rows count
    assert row(r, "x", "ce-total")["detail"].startswith("no certification date on file")


def test_vectorised_cycle_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(7)
    ids = [f"p{i:03d}" for i in range(150)]
    base = date(2023, 1, 1)
    rows, starts = [], {}
    for tid in ids:
        if rng.random() < 0.8:
            for _ in range(rng.integers(1, 3)):
                start = base + timedelta(days=int(rng.integers(0, 1420)))
                starts[tid] = max(starts.get(tid, start), start)
                rows.append(certified(tid, start.isoformat()))
        for d in {int(x) for x in rng.integers(0, 1421, 12)}:
            rows.append(rec(tid, "training", (base + timedelta(days=d)).isoformat(),
                            float(rng.integers(1, 5)), "peer-specific"))
    rows = list({(r["trainee_id"], r["kind"], r["date"]): r for r in rows}.values())
    r = evaluate(TX, evidence(ids, rows), AS_OF)
    for tid in ids:
        lo = starts.get(tid, date(2024, 11, 22))
        hi = months_after(lo, 24) if tid in starts else date.max
        want = sum(x["hours"] for x in rows if x["trainee_id"] == tid and x["kind"] == "training"
                   and lo <= date.fromisoformat(x["date"]) < hi)
        assert row(r, tid, "ce-total")["value"] == pytest.approx(want), tid


# -- the profile -----------------------------------------------------------------------------

def test_shipped_renewal_profiles_count_over_a_24_month_cycle() -> None:
    from test_readiness_profile import PROFILES

    from peercert.readiness.profile import list_profiles

    for p in list_profiles(PROFILES):
        if p.stage == "renewal":
            assert p.cycle_months == 24 and p.counts_cycle, p.id
            assert {r.window for r in p.hour_requirements()} == {"cycle"}, p.id
        else:
            assert p.cycle_months is None and not p.counts_cycle, p.id
    assert threshold_text(TX.requirement("ce-total")) == "20 h per 24-month certification cycle"


def test_cycle_months_makes_cycle_the_default_and_months_opts_out(tmp_path: Path) -> None:
    text = GOOD.replace('stage = "program"', 'stage = "renewal"\ncycle_months = 12')
    text += ('\n[[requirements]]\nid = "recent"\nkind = "supervision_hours"\ntitle = "Recent"\n'
             'threshold = 2\nwithin_months = 3\nwindow = "months"\n'
             'source = "https://example.org/rule"\nverified = "2026-11-22"\n')
    p = load_profile_file(write(tmp_path, text))
    hours, recent = p.requirements
    assert (hours.window, hours.within_months) == ("cycle", 12)
    assert (recent.window, recent.within_months) == ("months", 3)
    assert threshold_text(recent) == "2 h within 3 months"
    assert Profile.model_validate(p.model_dump(mode="json")) == p  # round trip


@pytest.mark.parametrize(("change", "message"), [
    (('threshold = 10', 'threshold = 10\nwindow = "cycle"'),
     "requirement hours: window = 'cycle' needs cycle_months"),
    (('stage = "program"', 'stage = "program"\ncycle_months = 24\n'
      '[[requirements]]\nid = "x"\nkind = "training_hours"\ntitle = "Extra"\nthreshold = 1\n'
      'within_months = 12\nsource = "https://example.org/rule"\nverified = "2026-11-22"'),
     "requirement x: within_months (12) must equal cycle_months (24)"),
    (('stage = "program"', 'stage = "initial"\ncycle_months = 24'),
     "cycle_months is for renewal and program profiles"),
    (('stage = "program"', 'stage = "renewal"\ncycle_months = 0'),
     "field cycle_months: Input should be greater than or equal to 1"),
    (('threshold = 10', 'threshold = 10\nwindow = "yearly"'),
     "requirement hours: field window: Input should be 'months' or 'cycle'"),
    (('stage = "program"', 'stage = "renewal"\ncredential = "Texas PSS"'),
     "field credential: String should match pattern"),
])
def test_bad_cycle_settings_are_named(tmp_path: Path, change: tuple[str, str],
                                      message: str) -> None:
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert any(p.startswith(f"{path}: ") and message in p for p in err.value.problems), \
        err.value.problems


def test_any_of_options_count_over_the_cycle() -> None:
    p = cycle_profile({"id": "either", "kind": "any_of", "title": "Either", "options": [
        {**SRC, "id": "train", "kind": "training_hours", "title": "Training", "threshold": 10},
        {**SRC, "id": "sup", "kind": "supervision_hours", "title": "Supervision",
         "threshold": 5}]})
    assert [o.window for o in p.requirements[0].options] == ["cycle", "cycle"]
    rows = [certified("a", "2026-01-01"), rec("a", "supervision", "2025-12-31", 5, "advocacy"),
            rec("a", "supervision", "2026-02-01", 5, "advocacy")]
    r = evaluate(p, evidence(["a"], rows), AS_OF)
    either = row(r, "a", "either")
    assert either["status"] == "met" and day(either["cycle_start"]) == "2026-01-01"
    assert either["detail"].startswith("Supervision: 5 of 5 h since 2026-01-01")


# -- evidence --------------------------------------------------------------------------------

def test_certified_rows_import(tmp_path: Path) -> None:
    path = csv_file(tmp_path, *GOOD_ROWS, "t1,certified,2025-03-01,,,",
                    "t2,certified,2024-06-30,,icrc-pr,")
    records = load_evidence([path], KNOWN, AS_OF)
    cert = records[records["kind"] == "certified"]
    assert list(cert["topic"]) == ["", "icrc-pr"]
    assert cert["hours"].isna().all() and set(cert["result"]) == {""}
    assert [str(d.date()) for d in cert["date"]] == ["2025-03-01", "2024-06-30"]


@pytest.mark.parametrize(("bad", "message"), [
    ("t1,certified,2025-03-01,2,,", "hours must be empty on exam, attestation and certified rows"),
    ("t1,certified,2025-03-01,,,renewed early", "result must be empty on certified rows"),
    ("t1,certified,2025-03-01,,,yes", "result must be empty on certified rows"),
    ("t1,certified,2025-03-01,,Texas PSS,", "topic must be lowercase words"),
    ("t1,certified,2025-02-30,,,", "date '2025-02-30' is not a real date"),
    ("t1,certified,,,,", "date '' is not a real date"),
    ("t1,certified,2027-01-01,,,", "after the as-of date 2026-11-22"),
    ("t9,certified,2025-03-01,,,", "unknown trainee 't9'"),
    ("t1,certified,2025-03-01,,", "5 cells, expected 6"),
])
def test_bad_certified_rows_are_named_with_file_and_line(tmp_path: Path, bad: str,
                                                         message: str) -> None:
    path = csv_file(tmp_path, GOOD_ROWS[0], bad, GOOD_ROWS[1])
    found = problems([path])
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:3: ") and message in found[0], found
    assert "renewed early" not in found[0]  # what was typed is never echoed


def test_a_duplicated_certified_row_is_named(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "t1,certified,2025-03-01,,,", "t1,certified,2025-03-01,,,")
    assert problems([path]) == [f"{path}:3: duplicate of {path}:2 (same trainee, kind, date, "
                                "hours, topic and result)"]


# -- reports and the CLI ---------------------------------------------------------------------

@pytest.fixture
def renewal_run(tmp_path: Path) -> tuple[Any, Path]:
    roster = tmp_path / "peers.csv"
    roster.write_text("trainee_id,name,site\njordan,Jordan Lee,east\nsam,Sam Ito,west\n"
                      "ria,Ria Cole,west\n", encoding="utf-8")
    ce = tmp_path / "ce.csv"
    ce.write_text("trainee_id,kind,date,hours,topic,result\n"
                  "jordan,certified,2023-03-01,,,\n"
                  "jordan,certified,2025-03-01,,tx-renewal,\n"
                  "jordan,training,2025-01-15,6,ethics,\n"
                  "jordan,training,2025-04-02,8,peer-specific,\n"
                  "jordan,training,2026-02-02,6,ethics,\n"
                  "sam,certified,2024-09-01,,,\n"
                  "sam,training,2025-06-02,20,ethics,\n"
                  "ria,training,2026-06-02,5,ethics,\n", encoding="utf-8")
    out = tmp_path / "r"
    result = invoke("readiness", "-p", "tx-renewal", "--roster", roster, "-e", ce, "-o", out,
                    "--as-of", "2026-11-22")
    return result, out


def test_cli_readiness_shows_the_cycle(renewal_run: tuple[Any, Path]) -> None:
    result, out = renewal_run
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 of 3 trainees ready")
    table = pd.read_csv(out / "readiness.csv", keep_default_na=False, dtype=str)
    assert tuple(table.columns) == READINESS_COLUMNS
    jordan = table[(table["trainee_id"] == "jordan") & (table["requirement_id"] == "ce-total")]
    jordan = jordan.iloc[0]
    assert (jordan["cycle_start"], jordan["renewal_due"]) == ("2025-03-01", "2027-03-01")
    assert jordan["value"] == "14" and jordan["status"] == "not_met"
    assert jordan["detail"] == ("14 of 20 h since 2025-03-01, 6 h to go (6 h are older and do "
                                "not count); renewal due 2027-03-01, in 99 days")
    ria = table[table["trainee_id"] == "ria"].iloc[0]
    assert (ria["cycle_start"], ria["renewal_due"]) == ("", "")
    assert ria["detail"].startswith("no certification date on file; counting the last 24 months")
    page = (out / "trainees" / "jordan.html").read_text(encoding="utf-8")
    assert ("Certification cycle 2025-03-01 to 2027-02-28; renewal due 2027-03-01, in 99 days."
            in page)
    assert "6 h to go" in page
    assert "or log training hours before the renewal due date." in page  # the next step
    assert "No certification date on file" in (out / "trainees" / "ria.html").read_text()
    dash = (out / "index.html").read_text(encoding="utf-8")
    assert "Certification cycles" in dash and "Renewal due" in dash
    assert '<td class="num">2027-03-01</td>' in dash and "no date on file" in dash


def test_board_export_carries_cycle_dates_and_no_free_text(
        renewal_run: tuple[Any, Path]) -> None:
    _, out = renewal_run
    with (out / "board-export.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == BOARD_COLUMNS and len(rows) == 3 * 2
    iso = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")
    allowed = {"trainee_id": {"jordan", "sam", "ria"},
               "name": {"Jordan Lee", "Sam Ito", "Ria Cole"}, "profile": {"tx-renewal"},
               "ready": {"yes", "no"}, "requirement_id": {"ce-total", "ce-ethics"},
               "status": {"met", "not_met", "no_evidence"}}
    number = re.compile(r"^(\d+(\.\d+)?)?$")
    sources = re.compile(r"^((evidence ce\.csv|attendance|self-study) [\d.]+ h(; |$))*$")
    for r in rows:
        for col, value in r.items():
            if col in allowed:
                assert value in allowed[col], (col, value)
            elif col.startswith("hours_"):
                assert number.match(value), (col, value)  # counted hours by source
            elif col == "hour_sources":
                assert sources.match(value), (col, value)  # the sources, by name only
            else:
                assert iso.match(value), (col, value)  # every other column is a date
    jordan = next(r for r in rows if r["trainee_id"] == "jordan")
    assert (jordan["cycle_start"], jordan["renewal_due"]) == ("2025-03-01", "2027-03-01")
    text = (out / "board-export.csv").read_text(encoding="utf-8")
    assert "h to go" not in text and "certification date" not in text and "east" not in text


def test_progress_shows_the_cycle(renewal_run: tuple[Any, Path], tmp_path: Path) -> None:
    out = invoke("progress", "sam", "-p", "tx-renewal", "--roster", tmp_path / "peers.csv",
                 "-e", tmp_path / "ce.csv", "--as-of", "2026-11-22", "--html",
                 tmp_path / "sam.html")
    assert out.exit_code == 0, out.output
    assert "2024-09-01" in out.output and "2026-09-01" in out.output
    page = (tmp_path / "sam.html").read_text(encoding="utf-8")
    assert "Certification cycle 2024-09-01 to 2026-08-31; renewal was due 2026-09-01: this " \
           "cycle has ended." in page


def test_cycle_texts_are_empty_for_profiles_without_a_cycle(tmp_path: Path) -> None:
    r = evaluate(load_profile("icrc-pr"), evidence(["a"], [certified("a", "2025-03-01")]), AS_OF)
    assert cycle_texts(r) == [""]
    write_reports(r, tmp_path)
    assert "Certification cycle" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Renewal due" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    table = pd.read_csv(tmp_path / "readiness.csv", keep_default_na=False, dtype=str)
    assert set(table["cycle_start"]) == {""} and set(table["renewal_due"]) == {""}

"""Evidence CSV import: strict, all-or-nothing, every problem named with file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from peercert.readiness.evidence import EvidenceError, load_evidence, load_roster

AS_OF = date(2026, 11, 22)
KNOWN = {"t1", "t2"}
HEADER = "trainee_id,kind,date,hours,topic,result\n"
GOOD_ROWS = [
    "t1,training,2026-03-02,4,ethical-responsibility,",
    "t1,supervised_work,2026-03-03,8,,",
    "t1,supervision,2026-03-06,1.5,advocacy,",
    "t2,exam,2026-06-10,,calmhsa-pss,pass",
    "t2,attestation,2026-01-15,,education-high-school,yes",
    "t2,attestation,2026-01-15,,work-months,14",
]


def csv(tmp_path: Path, *rows: str, name: str = "hours.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def problems(paths: list[Path]) -> list[str]:
    with pytest.raises(EvidenceError) as err:
        load_evidence(paths, KNOWN, AS_OF)
    return err.value.problems


def test_good_file_imports(tmp_path: Path) -> None:
    rec = load_evidence([csv(tmp_path, *GOOD_ROWS)], KNOWN, AS_OF)
    assert list(rec["kind"]) == ["training", "supervised_work", "supervision", "exam",
                                 "attestation", "attestation"]
    assert rec["hours"].iloc[:3].tolist() == [4.0, 8.0, 1.5]
    assert rec["hours"].iloc[3:].isna().all()
    assert rec.loc[0, "date"] == pd.Timestamp("2026-03-02")
    assert set(rec["source"]) == {"evidence:hours.csv"}  # every hour names its source


def test_column_order_bom_case_and_blank_lines_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffResult,Topic,Hours,Date,Kind,Trainee_ID\r\n"
                    ",advocacy,2,2026-01-05,Training,t1\r\n\r\n,,,,,\r\n"
                    "PASS,state,,2026-02-01,exam,t2\r\n", encoding="utf-8")
    rec = load_evidence([path], KNOWN, AS_OF)
    assert list(rec["kind"]) == ["training", "exam"]
    assert list(rec["result"]) == ["", "pass"]


def test_no_files_no_records() -> None:
    assert load_evidence([], KNOWN, AS_OF).empty


CASES = [
    ("t9,training,2026-03-02,4,advocacy,", "unknown trainee 't9'"),
    (",training,2026-03-02,4,advocacy,", "trainee_id is empty"),
    ("t1,volunteering,2026-03-02,4,advocacy,", "kind 'volunteering' must be one of"),
    ("t1,training,2026-03-02,-3,advocacy,", "hours is negative"),
    ("t1,training,2026-03-02,0,advocacy,", "hours is 0"),
    ("t1,training,2026-03-02,30,advocacy,", "more than 24 hours in one day is impossible"),
    ("t1,training,2026-03-02,four,advocacy,", "hours 'four' is not a number"),
    ("t1,supervision,2026-03-02,,advocacy,", "hours is empty"),
    ("t1,exam,2026-03-02,2,state,pass", "hours must be empty on exam, attestation and"),
    ("t1,training,2026-02-30,4,advocacy,", "date '2026-02-30' is not a real date"),
    ("t1,training,03/02/2026,4,advocacy,", "date '03/02/2026' is not a real date"),
    ("t1,training,,4,advocacy,", "date '' is not a real date"),
    ("t1,training,2027-01-01,4,advocacy,", "after the as-of date 2026-11-22"),
    ("t1,training,1926-01-01,4,advocacy,", "before 1950-01-01"),
    ("t1,training,2026-03-02,4,,", "topic is empty; training rows need"),
    ("t1,training,2026-03-02,4,Ethics Training,", "topic must be lowercase words"),
    ("t1,exam,2026-03-02,,state,passed", "result must be pass or fail"),
    ("t1,attestation,2026-03-02,,lived-experience,maybe", "result must be yes, no or a number"),
    ("t1,training,2026-03-02,4,advocacy,yes", "result must be empty on training"),
    ("t1,training,2026-03-02,4,advocacy", "5 cells, expected 6"),
]


@pytest.mark.parametrize(("bad", "message"), CASES)
def test_each_bad_row_is_named_with_file_and_line(tmp_path: Path, bad: str, message: str) -> None:
    path = csv(tmp_path, GOOD_ROWS[0], bad, GOOD_ROWS[1])
    found = problems([path])
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:3: "), found
    assert message in found[0], found


def test_a_long_and_a_short_row_are_both_reported(tmp_path: Path) -> None:
    path = csv(tmp_path, "t1,training,2026-03-02,4,advocacy,,extra", GOOD_ROWS[1],
               "t1,training,2026-03-04,4,advocacy")
    assert problems([path]) == [f"{path}:2: 7 cells, expected 6", f"{path}:4: 5 cells, expected 6"]


def test_duplicate_rows_within_and_across_files(tmp_path: Path) -> None:
    a = csv(tmp_path, GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0], name="a.csv")
    b = csv(tmp_path, GOOD_ROWS[1], name="b.csv")
    found = problems([a, b])
    assert found == [f"{a}:4: duplicate of {a}:2 (same trainee, kind, date, hours, topic and "
                     "result)",
                     f"{b}:2: duplicate of {a}:3 (same trainee, kind, date, hours, topic and "
                     "result)"]


def test_more_than_a_day_across_rows_and_files(tmp_path: Path) -> None:
    a = csv(tmp_path, "t1,supervised_work,2026-03-03,16,,", name="a.csv")
    b = csv(tmp_path, "t1,training,2026-03-03,6,advocacy,", "t1,supervision,2026-03-03,3,,",
            name="b.csv")
    found = problems([a, b])
    assert len(found) == 1
    assert found[0].startswith(f"{a}:2: trainee 't1' logs 25 h on 2026-03-03")
    assert f"{b}:2" in found[0] and f"{b}:3" in found[0]


@pytest.mark.parametrize(("header", "message"), [
    ("trainee_id,kind,date,hours,topic\n", "missing column(s) result"),
    ("trainee_id,kind,date,hours,topic,result,notes\n", "unknown column(s) notes"),
    ("trainee,kind,date,hours,topic,result\n", "missing column(s) trainee_id"),
    ("trainee_id,kind,date,hours,topic,result,kind\n", "column(s) kind appear more than once"),
])
def test_wrong_columns(tmp_path: Path, header: str, message: str) -> None:
    path = csv(tmp_path, GOOD_ROWS[0], header=header)
    found = problems([path])
    assert any(p.startswith(f"{path}:1: ") and message in p for p in found), found


def test_unreadable_empty_and_multiline_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "t1,training,2026-03-02,4,señal,\n".encode("latin-1"))
    multi = csv(tmp_path, 't1,training,2026-03-02,4,advocacy,"yes\nno"', GOOD_ROWS[1],
                name="multi.csv")
    found = problems([empty, latin, multi, tmp_path / "missing.csv"])
    assert f"{empty}:1: empty file" in found[0]
    assert found[1].startswith(f"{latin}: cannot read as UTF-8 text")
    assert found[2] == f"{multi}:2: a quoted cell spans several lines"
    assert found[3].startswith(f"{tmp_path / 'missing.csv'}: cannot read")


def test_all_or_nothing_and_every_problem_listed(tmp_path: Path) -> None:
    good = csv(tmp_path, *GOOD_ROWS, name="good.csv")
    bad = csv(tmp_path, "t9,training,2026-03-02,4,advocacy,", "t1,training,2026-03-02,-1,x,",
              name="bad.csv")
    found = problems([good, bad])
    assert [p.split(": ")[0] for p in found] == [f"{bad}:2", f"{bad}:3"]


def test_messages_never_echo_what_was_typed_in_topic_or_result(tmp_path: Path) -> None:
    secret = "relapsed after my divorce"
    path = csv(tmp_path, f"t1,attestation,2026-03-02,,lived-experience,{secret}",
               f"t1,training,2026-03-02,4,{secret},")
    message = "\n".join(problems([path]))
    assert "divorce" not in message and "relapsed" not in message


def test_error_text_is_capped_but_problems_are_all_kept(tmp_path: Path) -> None:
    rows = [f"t9,training,2026-01-{d:02d},1,advocacy," for d in range(1, 29)] * 3
    rows = [r.replace("t9,", f"x{i},") for i, r in enumerate(rows)]
    with pytest.raises(EvidenceError) as err:
        load_evidence([csv(tmp_path, *rows)], KNOWN, AS_OF)
    assert len(err.value.problems) == 84
    assert str(err.value).endswith("... and 34 more problem(s)")


def test_roster_file(tmp_path: Path) -> None:
    path = tmp_path / "renewals.csv"
    path.write_text("trainee_id,name\np1,Rosa Reyes\np2,Sam Ito\n", encoding="utf-8")
    roster = load_roster(path)
    assert list(roster.columns) == ["trainee_id", "name", "site"]
    assert list(roster["site"]) == ["renewals", "renewals"]
    path.write_text("trainee_id,name,site\np1,Rosa,a\np1,Rosa again,b\n,Nobody,c\n",
                    encoding="utf-8")
    with pytest.raises(EvidenceError) as err:
        load_roster(path)
    assert err.value.problems == [f"{path}:3: trainee 'p1' is listed twice",
                                  f"{path}:4: trainee_id is empty"]

"""Hours by source: each source credited and labelled, or held for the board to decide.

The course (``test_readiness_course.build_course``) has two modules with guides and measured
self-study: 06-boundaries (session 4 h Ethical Responsibility; self-study 60 min, 3/4 Ethical
Responsibility and 1/4 Advocacy) and 07-advocacy (session 2 h Advocacy + 1 h
Mentoring/Education; self-study 90 min Advocacy). t1 and t2 complete both quizzes, t3 none.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from test_readiness_cli import invoke
from test_readiness_course import ALL_RIGHT, build_course, empty_gradebook

from peercert.readiness import run_readiness
from peercert.readiness.approvals import ApprovalError, approvals_path
from peercert.readiness.attendance import record_session
from peercert.readiness.course_evidence import read_course

AS_OF = date(2026, 11, 22)
APPROVAL_HEADER = "scope,domain,hours,approval_body,approval_number,approval_date\n"
SECRET = "SECRET-DISCLOSURE-4711"
# A program's own profile that accepts every source (thresholds are arbitrary).
ALL_SOURCES = """
version = 1
id = "all-sources"
title = "Every source counts"
authority = "Example County"
stage = "program"

[[requirements]]
id = "training"
kind = "training_hours"
title = "Training hours"
threshold = 10
source = "https://county.example.org/standards"
verified = "2026-11-22"

[[requirements]]
id = "ethics"
kind = "training_hours"
title = "Ethics training"
topics = ["ethical-responsibility"]
threshold = 4
source = "https://county.example.org/standards"
verified = "2026-11-22"

[training_sources.attendance]
status = "accepted"
source = "https://county.example.org/standards"
verified = "2026-11-22"

[training_sources.self-study]
status = "accepted"
source = "https://county.example.org/standards"
verified = "2026-11-22"
note = "The county accepts self-paced hours at their measured time."

[training_sources.provider-approved]
status = "accepted"
source = "https://county.example.org/standards"
verified = "2026-11-22"
bodies = ["Example Board"]
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_gradebook(tmp_path_factory.mktemp("gradebook-template"))


@pytest.fixture
def course(tmp_path: Path, template: Path) -> Path:
    root = build_course(tmp_path / "course", {"t1": ALL_RIGHT, "t2": ALL_RIGHT, "t3": {}},
                        template=template)
    sub = root / "submitted" / "t1" / "boundaries"  # what a trainee wrote stays in the course
    sub.mkdir(parents=True)
    (sub / "boundaries.ipynb").write_text(f'{{"note": "{SECRET}"}}', encoding="utf-8")
    return root


@pytest.fixture
def all_sources(tmp_path: Path) -> str:
    path = tmp_path / "all-sources.toml"
    path.write_text(ALL_SOURCES, encoding="utf-8")
    return str(path)


def approvals(course: Path, *rows: str) -> Path:
    path = approvals_path(course)
    path.write_text(APPROVAL_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def hour_log(tmp_path: Path) -> Path:
    path = tmp_path / "hours.csv"
    path.write_text("trainee_id,kind,date,hours,topic,result\n"
                    "t1,training,2026-10-05,2,ethical-responsibility,\n", encoding="utf-8")
    return path


def table(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return {(r["trainee_id"], r["requirement_id"]): r for r in csv.DictReader(f)}


def test_each_source_is_credited_and_labelled(course: Path, tmp_path: Path,
                                              all_sources: str) -> None:
    record_session(course, "07-advocacy", date(2026, 11, 2), "R. Diaz", ["t1", "t2"],
                   as_of=AS_OF)
    approvals(course, "06-boundaries,ethical-responsibility,4,Example Board,EB-0113,2026-01-15")
    out = tmp_path / "r"
    run_readiness(all_sources, [course], [hour_log(tmp_path)], out, as_of=AS_OF)
    rows = table(out / "readiness.csv")
    t1 = rows[("t1", "training")]
    # 06: 4 h approved (its self-study is covered by the approval); 07: 3 h attended + 1.5 h
    # self-study; 2 h from the hour log
    assert t1["value"] == "10.5" and t1["status"] == "met"
    assert (t1["hours_attendance"], t1["hours_self_study"], t1["hours_provider_approved"],
            t1["hours_evidence"], t1["hours_not_counted"]) == ("3", "1.5", "4", "2", "0")
    assert t1["hour_sources"] == ("attendance 3 h; evidence hours.csv 2 h; provider-approved "
                                  "Example Board EB-0113 (2026-01-15) 4 h; self-study 1.5 h")
    assert rows[("t1", "ethics")]["hour_sources"] == (
        "evidence hours.csv 2 h; provider-approved Example Board EB-0113 (2026-01-15) 4 h")
    assert rows[("t3", "training")]["status"] == "no_evidence"
    board = table(out / "board-export.csv")
    assert board[("t1", "training")]["hour_sources"] == t1["hour_sources"]
    assert board[("t1", "training")]["hours_provider_approved"] == "4"
    page = (out / "trainees" / "t1.html").read_text(encoding="utf-8")
    for text in ("Attended the 07-advocacy session (sign-in)",
                 "Self-study of module 07-advocacy (measured time, module completed)",
                 "Provider-declared, approved by Example Board EB-0113 (2026-01-15)",
                 "Hour log hours.csv", "covered by the approval"):
        assert text in page, text


def test_self_study_is_refused_by_a_profile_that_does_not_accept_it(course: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "r"
    result = run_readiness("icrc-pr", [course], [], out, as_of=AS_OF)
    assert result.readiness.profile.training_sources.self_study.status == "ask-the-board"
    rows = table(out / "readiness.csv")
    total = rows[("t1", "training-total")]
    assert total["value"] == "0" and total["status"] == "no_evidence"
    assert total["hours_self_study"] == "0" and total["hours_not_counted"] == "2.5"
    assert total["detail"] == ("no hours counted; self-study 2.5 h on file, not counted: "
                               "ask the board")
    board = (out / "board-export.csv").read_text(encoding="utf-8")
    assert "ask the board" not in board and "self-study 2.5" not in board
    page = (out / "trainees" / "t1.html").read_text(encoding="utf-8")
    assert "ask the board" in page and "Self-study of module 06-boundaries" in page
    dash = result.dashboard.read_text(encoding="utf-8")
    assert "Self-study (measured)" in dash and "not counted: ask the board" in dash


def test_a_covered_module_is_not_credited_twice(course: Path, tmp_path: Path,
                                                all_sources: str) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 2), "R. Diaz", ["t1", "t3"],
                   as_of=AS_OF)
    approvals(course, "06-boundaries,ethical-responsibility,4,Example Board,EB-0113,2026-01-15")
    result = run_readiness(all_sources, [course], [], tmp_path / "r", as_of=AS_OF)
    rows = table(tmp_path / "r" / "readiness.csv")
    ethics = rows[("t1", "ethics")]
    assert ethics["value"] == "4"  # not 4 approved + 4 attended + 0.75 self-study
    assert (ethics["hours_attendance"], ethics["hours_provider_approved"]) == ("0", "4")
    # t3 attended but did not complete the module: the approval is not credited, the session is
    assert rows[("t3", "ethics")]["hour_sources"] == "attendance 4 h"
    credits = result.readiness.credits
    t1 = credits[credits["trainee_id"] == "t1"].set_index("source")["state"].to_dict()
    assert t1["attendance:06-boundaries"] == "covered by an approval"


def test_a_course_approval_needs_every_module_and_the_right_body(course: Path,
                                                                 tmp_path: Path) -> None:
    approvals(course, "course,,9,Pennsylvania Certification Board,PCB-2026-0100,2026-01-15")
    rows = table(run_readiness("pa-cps", [course], [], tmp_path / "pa",
                               as_of=AS_OF).out / "readiness.csv")
    assert rows[("t1", "training-total")]["hour_sources"] == (
        "provider-approved Pennsylvania Certification Board PCB-2026-0100 (2026-01-15) 9 h")
    assert rows[("t3", "training-total")]["value"] == "0"  # no module completed
    approvals(course, "course,,9,Other Board,OB-1,2026-01-15")
    rows = table(run_readiness("pa-cps", [course], [], tmp_path / "other",
                               as_of=AS_OF).out / "readiness.csv")
    held = rows[("t1", "training-total")]
    assert held["value"] == "0" and held["hours_not_counted"] == "11.5"  # 9 h + self-study
    assert "self-study 2.5 h, provider-approved 9 h on file, not counted" in held["detail"]


@pytest.mark.parametrize(("row", "message"), [
    ("06-boundaries,ethical-responsibility,4,,EB-1,2026-01-15",
     "approval_body is empty: every declared hour needs the body that approved the training"),
    ("06-boundaries,ethical-responsibility,4,Example Board,,2026-01-15",
     "approval_number is empty: every declared hour needs the approval number"),
    ("06-boundaries,ethical-responsibility,4,Example Board,EB-1,",
     "approval_date is empty: every declared hour needs the date of the approval"),
    ("06-boundaries,ethical-responsibility,4,Example Board,EB-1,15/01/2026",
     "approval_date '15/01/2026' is not a real date"),
    ("06-boundaries,ethical-responsibility,4,Example Board,EB-1,2099-01-15",
     "approval_date is after 20"),
    ("06-boundaries,ethical-responsibility,six,Example Board,EB-1,2026-01-15",
     "hours 'six' is not a positive number"),
    ("06-boundaries,ethical-responsibility,8,Example Board,EB-1,2026-01-15",
     "06-boundaries is declared for 8 h in all (lines 3), more than the module holds: 5.00 h"),
    ("09-communication,advocacy,2,Example Board,EB-1,2026-01-15",
     "module '09-communication' is not one of this course's modules"),
    ("course,,2,Example Board,EB-1,2026-01-15", "declare hours per module or for the whole "
                                                "course, not both"),
    ("07-advocacy,advocacy,1,Example Board,EB-1,2026-01-15",
     "duplicate of line 2 (same scope and domain)"),
])
def test_a_bad_declaration_is_an_error_naming_file_and_line(course: Path, tmp_path: Path,
                                                            row: str, message: str) -> None:
    path = approvals(course, "07-advocacy,advocacy,2,Example Board,EB-1,2026-01-15", row)
    with pytest.raises(ApprovalError) as err:
        read_course(course, AS_OF)
    assert len(err.value.problems) == 1, err.value.problems
    assert err.value.problems[0].startswith(f"{path}:3: "), err.value.problems
    assert message in err.value.problems[0]


def test_cli_readiness_refuses_a_missing_approval_reference(course: Path, tmp_path: Path) -> None:
    path = approvals(course, "06-boundaries,ethical-responsibility,4,Example Board,,2026-01-15")
    out = invoke("readiness", "-p", "pa-cps", "-c", course, "-o", tmp_path / "r",
                 "--as-of", AS_OF.isoformat())
    assert out.exit_code == 1
    assert f"{path}:2: approval_number is empty" in out.stderr
    assert not (tmp_path / "r").exists()


def test_board_export_carries_sources_and_no_reflection_text(course: Path, tmp_path: Path,
                                                             all_sources: str) -> None:
    record_session(course, "07-advocacy", date(2026, 11, 2), "R. Diaz", ["t1"], as_of=AS_OF)
    approvals(course, "06-boundaries,ethical-responsibility,4,Example Board,EB-0113,2026-01-15")
    out = tmp_path / "r"
    run_readiness(all_sources, [course], [hour_log(tmp_path)], out, as_of=AS_OF)
    with (out / "board-export.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert {"hours_attendance", "hours_self_study", "hours_provider_approved", "hours_evidence",
            "hour_sources"} <= set(header)
    assert "detail" not in header and "hours_not_counted" not in header
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8"), path
    assert "R. Diaz" not in (out / "board-export.csv").read_text(encoding="utf-8")

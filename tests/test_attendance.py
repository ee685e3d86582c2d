"""Attendance of facilitator-led sessions: recorded, imported, checked strictly, credited.

Courses come from ``test_readiness_course.build_course``: two modules with facilitator
guides (06-boundaries: 4 h Ethical Responsibility; 07-advocacy: 2 h Advocacy and 1 h
Mentoring/Education) and a gradebook with trainees t1..t4.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from test_readiness_cli import invoke
from test_readiness_course import ALL_RIGHT, build_course, empty_gradebook

from peercert.readiness import run_readiness
from peercert.readiness.attendance import (
    AttendanceError,
    attendance_path,
    import_attendance,
    record_session,
    session_summary,
)
from peercert.readiness.course_evidence import course_evidence

AS_OF = date(2026, 11, 22)
HEADER = "date,module,domain,minutes,facilitator,trainee_id,present\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_gradebook(tmp_path_factory.mktemp("gradebook-template"))


@pytest.fixture
def course(tmp_path: Path, template: Path) -> Path:
    return build_course(tmp_path / "course", {f"t{i}": ALL_RIGHT for i in range(1, 5)},
                        template=template)


def sheet(tmp_path: Path, *rows: str, name: str = "sign-in.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def problems(call) -> list[str]:
    with pytest.raises(AttendanceError) as err:
        call()
    return err.value.problems


def hours(course: Path, trainee: str, as_of: date = AS_OF) -> dict[tuple[str, str], float]:
    rec = course_evidence([course], as_of=as_of).records
    rec = rec[(rec["trainee_id"] == trainee) & rec["source"].str.startswith("attendance:")]
    return rec.groupby(["source", "topic"])["hours"].sum().to_dict()


def test_a_recorded_session_credits_the_guide_minutes_by_domain(course: Path) -> None:
    done = record_session(course, "07-advocacy", date(2026, 11, 2), "R. Diaz", ["t1", "t2"],
                          absent=["t3"], as_of=AS_OF)
    assert (done.present, done.absent, done.rows) == (2, 1, 5)
    assert done.minutes == {"advocacy": 240, "mentoring-education": 120}
    assert hours(course, "t1") == {("attendance:07-advocacy", "advocacy"): 2.0,
                                   ("attendance:07-advocacy", "mentoring-education"): 1.0}
    text = attendance_path(course).read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER.strip()
    assert "2026-11-02,07-advocacy,,,R. Diaz,t3,no" in text


def test_a_trainee_absent_from_a_session_gets_no_hours_for_it(course: Path) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"],
                   absent=["t2"], as_of=AS_OF)
    assert hours(course, "t1") == {("attendance:06-boundaries", "ethical-responsibility"): 4.0}
    assert hours(course, "t2") == {}  # recorded absent
    assert hours(course, "t4") == {}  # not on the sign-in at all


def test_a_shorter_session_and_one_domain_at_a_time(course: Path) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], minutes=90,
                   as_of=AS_OF)
    assert hours(course, "t1") == {("attendance:06-boundaries", "ethical-responsibility"): 1.5}
    found = problems(lambda: record_session(course, "07-advocacy", date(2026, 11, 9), "R. Diaz",
                                            ["t1"], minutes=60, as_of=AS_OF))
    assert found == ["the 07-advocacy session covers several domains (advocacy, "
                     "mentoring-education): give --domain with --minutes, one domain at a time"]
    record_session(course, "07-advocacy", date(2026, 11, 9), "R. Diaz", ["t1"], minutes=60,
                   domain="mentoring-education", as_of=AS_OF)
    assert hours(course, "t1")[("attendance:07-advocacy", "mentoring-education")] == 1.0


def test_minutes_never_exceed_what_the_session_declares(course: Path) -> None:
    path = attendance_path(course)
    found = problems(lambda: record_session(course, "06-boundaries", date(2026, 11, 9),
                                            "R. Diaz", ["t1"], minutes=300, as_of=AS_OF))
    assert found == [f"{path} (new rows):2: 300 minutes of ethical-responsibility is more than "
                     "the 06-boundaries session declares (240)"]
    assert not path.exists()  # nothing written
    # a make-up session tops up a partial attendance; it cannot add to a full one
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], minutes=120,
                   as_of=AS_OF)
    record_session(course, "06-boundaries", date(2026, 11, 16), "R. Diaz", ["t1"], minutes=120,
                   as_of=AS_OF)
    found = problems(lambda: record_session(course, "06-boundaries", date(2026, 11, 20),
                                            "A. Chen", ["t1"], minutes=30, as_of=AS_OF))
    assert len(found) == 1
    assert found[0].startswith(f"{path} (new rows):4: trainee 't1' has 270 minutes of "
                               "06-boundaries ethical-responsibility in all; the session "
                               "declares 240")
    assert f"{path}:2, {path}:3" in found[0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"present": ["t1", "zz"]}, "--present: trainee 'zz' is not on the course roster"),
    ({"present": ["t1"], "absent": ["t1"]}, "trainee 't1' is listed as both present and absent"),
    ({"present": []}, "no trainees: give --present"),
    ({"module": "09-communication"}, "module '09-communication' has no facilitator guide in "
                                     "this course (guides: 06-boundaries, 07-advocacy)"),
    ({"domain": "advocacy"}, "the 06-boundaries session has no advocacy time; its guide "
                             "declares ethical-responsibility 240 min"),
    ({"day": date(2026, 12, 1)}, "date is after 2026-11-22: a session cannot be signed in "
                                 "before it happens"),
    ({"facilitator": " "}, "facilitator is empty"),
])
def test_bad_sessions_are_refused_with_a_clear_line(course: Path, kwargs: dict,
                                                    message: str) -> None:
    args = {"module": "06-boundaries", "day": date(2026, 11, 9), "facilitator": "R. Diaz",
            "present": ["t1"], **kwargs}
    found = problems(lambda: record_session(course, args.pop("module"), args.pop("day"),
                                            args.pop("facilitator"), args.pop("present"),
                                            as_of=AS_OF, **args))
    assert any(message in p for p in found), found
    assert not attendance_path(course).exists()


def test_a_course_without_guides_needs_minutes_and_domain(tmp_path: Path,
                                                          template: Path) -> None:
    course = build_course(tmp_path / "plain", {"t1": {}}, template=template, guides=False)
    found = problems(lambda: record_session(course, "06-boundaries", date(2026, 11, 9),
                                            "R. Diaz", ["t1"], as_of=AS_OF))
    assert found == ["this course has no facilitator guides (modules/facilitator/): give "
                     "--minutes and --domain"]
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], minutes=180,
                   domain="ethical-responsibility", as_of=AS_OF)
    assert hours(course, "t1") == {("attendance:06-boundaries", "ethical-responsibility"): 3.0}


def test_import_merges_a_sign_in_sheet(course: Path, tmp_path: Path) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], as_of=AS_OF)
    before = attendance_path(course).read_text(encoding="utf-8")
    path = sheet(tmp_path, "2026-11-16,07-advocacy,advocacy,120,\"Diaz, R.\",t2,YES",
                 "2026-11-16,07-advocacy,mentoring-education,60,\"Diaz, R.\",t2,yes",
                 "2026-11-16,07-advocacy,,,\"Diaz, R.\",t3,no")
    done = import_attendance(course, path, as_of=AS_OF)
    assert (done.rows, done.present, done.absent) == (3, 1, 1)
    after = attendance_path(course).read_text(encoding="utf-8")
    assert after.startswith(before)  # earlier rows stay exactly as they were
    assert hours(course, "t2") == {("attendance:07-advocacy", "advocacy"): 2.0,
                                   ("attendance:07-advocacy", "mentoring-education"): 1.0}
    assert [s["module"] for s in session_summary(course, AS_OF)] == ["06-boundaries",
                                                                      "07-advocacy"]


SHEET_CASES = [
    ("2026-11-16,07-advocacy,advocacy,120,R. Diaz,zz,yes",
     "trainee 'zz' is not on the course roster"),
    ("2026-11-16,07-advocacy,advocacy,150,R. Diaz,t2,yes",
     "150 minutes of advocacy is more than the 07-advocacy session declares (120)"),
    ("2026-11-16,07-advocacy,ethical-responsibility,60,R. Diaz,t2,yes",
     "the 07-advocacy session has no ethical-responsibility time"),
    ("16/11/2026,07-advocacy,advocacy,120,R. Diaz,t2,yes", "is not a real date"),
    ("2027-01-01,07-advocacy,advocacy,120,R. Diaz,t2,yes", "date is after 2026-11-22"),
    ("2026-11-16,07-advocacy,advocacy,120,R. Diaz,t2,maybe", "present 'maybe' must be yes or no"),
    ("2026-11-16,07-advocacy,,90,R. Diaz,t2,no", "minutes must be empty on an absent row"),
    ("2026-11-16,07-advocacy,advocacy,,R. Diaz,t2,yes", "minutes is empty"),
    ("2026-11-16,07-advocacy,advocacy,1.5,R. Diaz,t2,yes", "must be a whole number"),
    ("2026-11-16,07-advocacy,,120,R. Diaz,t2,yes", "domain is empty"),
    ("2026-11-16,07-advocacy,advocacy,120,,t2,yes", "facilitator is empty"),
    ("2026-11-16,Advocacy,advocacy,120,R. Diaz,t2,yes", "must be a module id"),
    ("2026-11-09,06-boundaries,ethical-responsibility,240,R. Diaz,t1,yes",
     "duplicate of {existing}:2 (same date, module, domain and trainee)"),
    ("2026-11-09,06-boundaries,,,R. Diaz,t1,no",
     "trainee 't1' is marked absent here and present at {existing}:2"),
]


@pytest.mark.parametrize(("row", "message"), SHEET_CASES)
def test_a_bad_sheet_row_is_named_and_nothing_is_merged(course: Path, tmp_path: Path, row: str,
                                                        message: str) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], as_of=AS_OF)
    before = attendance_path(course).read_bytes()
    path = sheet(tmp_path, "2026-11-16,07-advocacy,advocacy,120,R. Diaz,t3,yes", row)
    found = problems(lambda: import_attendance(course, path, as_of=AS_OF))
    message = message.format(existing=attendance_path(course))
    assert len(found) == 1 and found[0].startswith(f"{path}:3: ") and message in found[0], found
    assert attendance_path(course).read_bytes() == before  # all-or-nothing
    assert not list(course.glob(".attendance.csv.*"))  # no temporary file left behind


def test_wrong_columns_in_a_sheet(course: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(HEADER.strip() + ",notes\n2026-11-16,07-advocacy,advocacy,120,R. Diaz,t2,yes,"
                    "felt low\n", encoding="utf-8")
    found = problems(lambda: import_attendance(course, path, as_of=AS_OF))
    assert found[0].startswith(f"{path}:1: unknown column(s) notes")
    assert "felt low" not in "\n".join(found)


def test_readiness_reads_attendance_and_names_a_bad_line(course: Path, tmp_path: Path) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], as_of=AS_OF)
    with attendance_path(course).open("a", encoding="utf-8") as f:
        f.write("2026-11-09,06-boundaries,ethical-responsibility,240,R. Diaz,nobody,yes\n")
    out = invoke("readiness", "-p", "icrc-pr", "-c", course, "-o", tmp_path / "r",
                 "--as-of", AS_OF.isoformat())
    assert out.exit_code == 1
    assert (f"{attendance_path(course)}:3: trainee 'nobody' is not on the course roster"
            in out.stderr)
    assert not (tmp_path / "r").exists()


def test_readiness_as_of_an_earlier_day_counts_only_sessions_held_by_then(course: Path) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1"], as_of=AS_OF)
    record_session(course, "07-advocacy", date(2026, 11, 16), "R. Diaz", ["t1"], as_of=AS_OF)
    assert hours(course, "t1", date(2026, 11, 10)) == {
        ("attendance:06-boundaries", "ethical-responsibility"): 4.0}


def test_attendance_hours_reach_every_report_with_their_source(course: Path,
                                                               tmp_path: Path) -> None:
    record_session(course, "06-boundaries", date(2026, 11, 9), "R. Diaz", ["t1", "t2"],
                   absent=["t3"], as_of=AS_OF)
    record_session(course, "07-advocacy", date(2026, 11, 16), "R. Diaz", ["t1"], as_of=AS_OF)
    result = run_readiness("icrc-pr", [course], [], tmp_path / "r", as_of=AS_OF)
    with (tmp_path / "r" / "readiness.csv").open(encoding="utf-8") as f:
        rows = {(r["trainee_id"], r["requirement_id"]): r for r in csv.DictReader(f)}
    total = rows[("t1", "training-total")]
    assert total["detail"].startswith("7 of 46 h, 39 h to go")
    assert (total["hours_attendance"], total["hours_evidence"]) == ("7", "0")
    assert total["hour_sources"] == "attendance 7 h"
    assert rows[("t3", "training-total")]["hours_attendance"] == "0"
    with (tmp_path / "r" / "board-export.csv").open(encoding="utf-8") as f:
        board = {(r["trainee_id"], r["requirement_id"]): r for r in csv.DictReader(f)}
    assert board[("t2", "training-ethical-responsibility")]["hours_attendance"] == "4"
    assert board[("t2", "training-ethical-responsibility")]["hour_sources"] == "attendance 4 h"
    page = (tmp_path / "r" / "trainees" / "t1.html").read_text(encoding="utf-8")
    assert "Attended the 06-boundaries session (sign-in)" in page
    assert "Attended the 07-advocacy session (sign-in)" in page
    dash = result.dashboard.read_text(encoding="utf-8")
    assert "Training hours by source" in dash and "Attended sessions (sign-in)" in dash


def test_cli_record_import_and_list(course: Path, tmp_path: Path) -> None:
    out = invoke("attendance", "record", "--course", course, "--module", "06-boundaries",
                 "--date", "2026-11-09", "--facilitator", "R. Diaz", "--present", "t1,t2",
                 "--absent", "t3")
    assert out.exit_code == 0, out.output
    assert "Recorded 06-boundaries on 2026-11-09: 2 present (240 min ethical-responsibility " \
           "each), 1 absent" in out.output
    path = sheet(tmp_path, "2026-11-16,07-advocacy,advocacy,120,R. Diaz,t4,yes")
    out = invoke("attendance", "import", path, "--course", course)
    assert out.exit_code == 0, out.output
    assert "Imported 1 rows" in out.output
    out = invoke("attendance", "list", "--course", course)
    assert out.exit_code == 0 and "06-boundaries" in out.output and "07-advocacy" in out.output
    bad = invoke("attendance", "record", "--course", course, "--module", "06-boundaries",
                 "--date", "2026-11-10", "--facilitator", "R. Diaz", "--present", "zz")
    assert bad.exit_code == 1
    assert "--present: trainee 'zz' is not on the course roster" in bad.stderr
    assert "1 problem(s); nothing was recorded" in bad.stderr
    bad_day = invoke("attendance", "record", "--course", course, "-m", "06-boundaries",
                     "--date", "9 Nov", "-f", "R. Diaz", "-p", "t1")
    assert bad_day.exit_code == 1 and "is not a date" in bad_day.stderr


def test_the_fallback_table_and_the_shipped_guides_meet_the_icrc_hours() -> None:
    from peercert.curriculum import curriculum_root
    from peercert.readiness.attendance import plans_from_guides
    from peercert.readiness.simulate import SESSION_PLAN
    from peercert.tags import ICRC_DOMAIN_HOURS

    # The fallback table (courses without guides, and the bench) holds exactly IC&RC's hours.
    per_domain: dict[str, float] = {}
    for hours in SESSION_PLAN.values():
        for d, h in hours.items():
            per_domain[d] = per_domain.get(d, 0) + h
    assert per_domain == ICRC_DOMAIN_HOURS
    # The shipped curriculum plans every module's session from its guide, at least IC&RC's hours.
    guides = plans_from_guides(curriculum_root())
    shipped = (curriculum_root() / "modules").glob("[0-9][0-9]-*.ipynb")
    assert sorted(guides) == sorted(p.stem for p in shipped)
    minutes: dict[str, int] = {}
    for plan in guides.values():
        for d, m in plan.domain_minutes.items():
            minutes[d] = minutes.get(d, 0) + m
    assert all(minutes[d] >= h * 60 for d, h in ICRC_DOMAIN_HOURS.items()), minutes
    for module, hours in SESSION_PLAN.items():  # the first twelve sessions match their guides
        assert guides[module].domain_minutes == {d: round(h * 60) for d, h in hours.items()}

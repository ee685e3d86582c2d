"""The evaluator on hand-built trainees: ready, short on one domain, missing exam, expired."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from peercert.readiness.evaluate import evaluate, months_before
from peercert.readiness.profile import Profile, load_profile
from peercert.readiness.records import Evidence, normalize_records
from peercert.tags import ICRC_DOMAIN_HOURS

AS_OF = date(2026, 11, 22)
SRC = {"source": "https://example.org/rule", "verified": "2026-11-22"}


def roster(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"trainee_id": list(ids), "name": [f"Name {i}" for i in ids],
                         "site": ["north"] * len(ids)})


def rec(tid: str, kind: str, day: str, hours: float | None = None, topic: str = "",
        result: str = "") -> dict[str, Any]:
    return {"trainee_id": tid, "kind": kind, "date": day,
            "hours": np.nan if hours is None else hours, "topic": topic, "result": result,
            "source": "test.csv"}


def evidence(ids: list[str], rows: list[dict[str, Any]], scores: list[tuple] = ()) -> Evidence:
    columns = list(rec("x", "training", "2026-01-01"))
    records = normalize_records(pd.DataFrame(rows, columns=columns))
    score_frame = pd.DataFrame(list(scores), columns=["trainee_id", "scope", "key", "earned",
                                                       "possible"])
    return Evidence(roster(*ids), records, score_frame)


def full_icrc(tid: str, ethics: float = 16) -> list[dict[str, Any]]:
    """Everything IC&RC PR tracks, with the ethics hours adjustable."""
    hours = {**ICRC_DOMAIN_HOURS, "ethical-responsibility": ethics}
    rows = [rec(tid, "training", "2026-03-02", h, d) for d, h in hours.items()]
    rows += [rec(tid, "supervised_work", f"2026-0{m}-{d:02d}", 8) for m in range(1, 10)
             for d in range(1, 8)]  # 63 days x 8 h = 504 h
    rows += [rec(tid, "supervision", f"2026-05-{d:02d}", 1) for d in range(1, 26)]
    rows.append(rec(tid, "attestation", "2025-09-01", topic="education-high-school", result="yes"))
    return rows


def profile(*reqs: dict[str, Any], pid: str = "test") -> Profile:
    return Profile.model_validate({"id": pid, "title": "Test credential", "authority": "Test",
                                   "stage": "program",
                                   "requirements": [{**SRC, **r} for r in reqs]})


def row(result: Any, tid: str, rid: str) -> pd.Series:
    res = result.results
    return res[(res["trainee_id"] == tid) & (res["requirement_id"] == rid)].iloc[0]


def test_ready_trainee_meets_every_icrc_requirement() -> None:
    r = evaluate(load_profile("icrc-pr"), evidence(["ana"], full_icrc("ana")), AS_OF)
    assert bool(r.trainees.loc[0, "ready"])
    assert set(r.results["status"]) == {"met"}
    assert row(r, "ana", "training-total")["detail"] == "46 of 46 h"
    assert row(r, "ana", "experience")["value"] == 504


def test_short_on_one_domain_names_the_shortfall() -> None:
    r = evaluate(load_profile("icrc-pr"), evidence(["ben"], full_icrc("ben", ethics=12)), AS_OF)
    assert not bool(r.trainees.loc[0, "ready"])
    ethics = row(r, "ben", "training-ethical-responsibility")
    assert ethics["status"] == "not_met"
    assert ethics["detail"] == "12 of 16 h, 4 h to go"
    assert row(r, "ben", "training-advocacy")["status"] == "met"
    assert row(r, "ben", "training-total")["detail"] == "42 of 46 h, 4 h to go"
    blockers = r.blockers()
    assert set(blockers.loc[blockers["blocked"] > 0, "requirement_id"]) == {
        "training-ethical-responsibility", "training-total"}


def test_missing_exam_is_no_evidence() -> None:
    ev = evidence(["cy"], [rec("cy", "training", "2026-06-01", 8, "advocacy")])
    r = evaluate(load_profile("ca-pss"), ev, AS_OF)
    exam = row(r, "cy", "exam")
    assert exam["status"] == "no_evidence"
    assert exam["detail"] == "no exam result on file"
    assert row(r, "cy", "training-core")["detail"] == "8 of 80 h, 72 h to go"


def test_expired_continuing_education_does_not_count() -> None:
    rows = [rec("dee", "training", "2023-05-01", 20, "ethics"),  # older than 24 months
            rec("dee", "training", "2025-12-01", 5, "peer-specific"),
            rec("eve", "training", "2025-12-01", 17, "peer-specific"),
            rec("eve", "training", "2026-02-01", 3, "ethics")]
    r = evaluate(load_profile("tx-renewal"), evidence(["dee", "eve"], rows), AS_OF)
    total = row(r, "dee", "ce-total")
    assert total["status"] == "not_met"
    assert total["detail"] == ("no certification date on file; counting the last 24 months: "
                               "5 of 20 h, 15 h to go (20 h are older and do not count)")
    assert row(r, "dee", "ce-ethics")["status"] == "not_met"  # only expired ethics hours
    assert list(r.trainees["ready"]) == [False, True]


def test_window_starts_the_same_day_months_earlier() -> None:
    assert months_before(date(2026, 11, 22), 24) == date(2024, 11, 22)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    rows = [rec("a", "training", "2024-11-22", 20, "ethics"),
            rec("b", "training", "2024-11-21", 20, "ethics")]
    r = evaluate(load_profile("tx-renewal"), evidence(["a", "b"], rows), AS_OF)
    assert list(r.results[r.results["requirement_id"] == "ce-total"]["status"]) == [
        "met", "not_met"]


def test_competency_mastery_message() -> None:
    p = profile({"id": "c8", "kind": "quiz_mastery", "title": "Crisis skills", "competency": "C8",
                 "threshold": 70})
    ev = evidence(["f", "g", "h"], [], scores=[("f", "competency", "C8", 5.5, 10),
                                                ("g", "competency", "C8", 7, 10)])
    r = evaluate(p, ev, AS_OF)
    assert row(r, "f", "c8")["detail"] == "competency C8 at 55%, needs 70%"
    assert row(r, "g", "c8")["status"] == "met"
    assert row(r, "h", "c8")["status"] == "no_evidence"


def test_quiz_domain_and_practice_exam_scopes() -> None:
    p = profile({"id": "q", "kind": "quiz_mastery", "title": "Boundaries quiz",
                 "quiz": "boundaries", "threshold": 80},
                {"id": "d", "kind": "quiz_mastery", "title": "Ethics items",
                 "domain": "ethical-responsibility", "threshold": 60},
                {"id": "px", "kind": "practice_exam", "title": "Practice exam", "threshold": 75})
    ev = evidence(["a"], [], scores=[("a", "quiz", "boundaries", 8, 10),
                                     ("a", "domain", "ethical-responsibility", 5, 10),
                                     ("a", "quiz", "practice-exam", 30, 45)])
    r = evaluate(p, ev, AS_OF)
    assert list(r.results["status"]) == ["met", "not_met", "not_met"]
    assert row(r, "a", "d")["detail"] == "Ethical Responsibility items at 50%, needs 60%"
    assert row(r, "a", "px")["detail"] == "practice exam at 66.7%, needs 75%"


def test_a_shortfall_is_never_rounded_up_to_the_goal() -> None:
    p = profile({"id": "h", "kind": "training_hours", "title": "Training", "threshold": 16})
    r = evaluate(p, evidence(["a"], [rec("a", "training", "2026-01-05", 15.96, "x")]), AS_OF)
    assert r.results.loc[0, "detail"] == "15.96 of 16 h, 0.1 h to go"
    assert r.results.loc[0, "status"] == "not_met"


def test_exam_attempts_and_validity() -> None:
    p = profile({"id": "ex", "kind": "exam_passed", "title": "State exam", "exam": "state",
                 "valid_months": 12, "max_attempts": 3, "attempt_window_months": 12})
    rows = [rec("a", "exam", "2026-01-10", topic="state", result="fail"),
            rec("a", "exam", "2026-03-10", topic="state", result="fail"),
            rec("a", "exam", "2026-05-10", topic="state", result="fail"),
            rec("b", "exam", "2024-05-10", topic="state", result="pass"),
            rec("c", "exam", "2026-01-10", topic="state", result="fail"),
            rec("c", "exam", "2026-04-10", topic="state", result="pass"),
            rec("d", "exam", "2026-04-10", topic="other-exam", result="pass")]
    r = evaluate(p, evidence(["a", "b", "c", "d"], rows), AS_OF)
    assert row(r, "a", "ex")["detail"] == ("3 failed attempt(s), latest on 2026-05-10; all 3 "
                                           "attempts in 12 months used, next attempt after "
                                           "2027-01-10")
    assert row(r, "b", "ex")["detail"] == "passed on 2024-05-10, older than 12 months"
    assert row(r, "c", "ex")["status"] == "met"
    assert str(row(r, "c", "ex")["evidence_date"].date()) == "2026-04-10"
    assert row(r, "d", "ex")["status"] == "no_evidence"


def test_latest_attestation_wins_and_numbers_meet_thresholds() -> None:
    p = profile({"id": "lived", "kind": "attestation", "title": "Lived experience",
                 "attestation": "lived-experience"},
                {"id": "years", "kind": "attestation", "title": "Years in recovery",
                 "attestation": "recovery-years", "threshold": 2})
    rows = [rec("a", "attestation", "2025-01-01", topic="lived-experience", result="yes"),
            rec("a", "attestation", "2026-01-01", topic="lived-experience", result="no"),
            rec("a", "attestation", "2026-01-01", topic="recovery-years", result="1.5"),
            rec("b", "attestation", "2026-01-01", topic="lived-experience", result="yes"),
            rec("b", "attestation", "2026-01-01", topic="recovery-years", result="3")]
    r = evaluate(p, evidence(["a", "b"], rows), AS_OF)
    assert row(r, "a", "lived")["detail"] == "attested no on 2026-01-01"
    assert row(r, "a", "years")["detail"] == "1.5 of 2, attested on 2026-01-01"
    assert list(r.trainees["ready"]) == [False, True]


def test_any_of_takes_the_first_option_met() -> None:
    p = load_profile("pa-cps")
    rows = [rec("a", "attestation", "2025-06-01", topic="work-months", result="14"),
            rec("b", "attestation", "2025-06-01", topic="college-credits", result="10"),
            rec("c", "attestation", "2021-06-01", topic="college-credits", result="30")]
    r = evaluate(p, evidence(["a", "b", "c", "d"], rows), AS_OF)
    assert row(r, "a", "work-or-credits")["detail"] == (
        "12 months of successful work: 14 of 12, attested on 2025-06-01")
    b = row(r, "b", "work-or-credits")
    assert b["status"] == "not_met" and "24 college credit hours: 10 of 24" in b["detail"]
    c = row(r, "c", "work-or-credits")  # credits older than 36 months
    assert c["status"] == "not_met" and "more than 36 months ago" in c["detail"]
    assert row(r, "d", "work-or-credits")["status"] == "no_evidence"


def test_pure_and_deterministic() -> None:
    ghost = rec("ghost", "training", "2026-01-01", 5, "x")
    rows = full_icrc("a") + full_icrc("b", ethics=3) + [ghost]
    shuffled = list(reversed(rows))
    p = load_profile("icrc-pr")
    one = evaluate(p, evidence(["a", "b"], rows), AS_OF)
    two = evaluate(p, evidence(["a", "b"], shuffled), AS_OF)
    pd.testing.assert_frame_equal(one.results, two.results)
    pd.testing.assert_frame_equal(one.trainees, two.trainees)
    assert list(one.trainees["trainee_id"]) == ["a", "b"]  # records of others are ignored


def test_trainee_without_any_evidence_is_all_no_evidence() -> None:
    r = evaluate(load_profile("icrc-pr"), evidence(["z"], []), AS_OF)
    assert set(r.results["status"]) == {"no_evidence"}
    assert int(r.trainees.loc[0, "no_evidence"]) == len(load_profile("icrc-pr").requirements)
    with pytest.raises(KeyError, match="nobody"):
        r.trainee("nobody")


def test_by_site_counts_and_top_blocker() -> None:
    ev = evidence(["a", "b", "c"], full_icrc("a") + full_icrc("b", ethics=0))
    ev = Evidence(ev.roster.assign(site=["north", "north", "south"]), ev.records, ev.scores)
    sites = evaluate(load_profile("icrc-pr"), ev, AS_OF).by_site().set_index("site")
    assert sites.loc["north", "trainees"] == 2 and sites.loc["north", "ready"] == 1
    assert sites.loc["north", "top_blocker"] == "Training hours, all domains"

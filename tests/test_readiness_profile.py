"""Credential profiles: the shipped ones hold only sourced thresholds; bad ones are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peercert.readiness.profile import (
    AnyOf,
    ProfileError,
    list_profiles,
    load_profile,
    load_profile_file,
)
from peercert.tags import ICRC_DOMAIN_HOURS

REPO = Path(__file__).resolve().parents[1]
PROFILES = REPO / "profiles"
REQUIRED_IDS = {"icrc-pr", "pa-cps", "ca-pss", "wa-cps", "tx-renewal"}

GOOD = """\
version = 1
id = "mine"
title = "My credential"
authority = "My program"
stage = "program"

[[requirements]]
id = "hours"
kind = "training_hours"
title = "Training"
threshold = 10
source = "https://example.org/rule"
verified = "2026-11-22"
"""


def write(tmp_path: Path, text: str, name: str = "mine") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_validate() -> None:
    profiles = {p.id: p for p in list_profiles(PROFILES)}
    assert set(profiles) >= REQUIRED_IDS


def test_every_threshold_has_a_source_and_a_verified_date() -> None:
    for p in list_profiles(PROFILES):
        assert p.facts_from, p.id
        reqs = [o for r in p.requirements
                for o in ([r, *r.options] if isinstance(r, AnyOf) else [r])]
        for r in reqs:
            assert r.source.startswith(("https://", "http://")), (p.id, r.id)
            assert r.verified.isoformat() == "2026-11-22", (p.id, r.id)


def test_icrc_domain_hours_match_the_shared_vocabulary() -> None:
    p = load_profile("icrc-pr", PROFILES)
    domains = {r.topics[0]: r.threshold for r in p.requirements
               if r.kind == "training_hours" and r.topics}
    assert domains == ICRC_DOMAIN_HOURS
    assert p.requirement("training-total").threshold == sum(ICRC_DOMAIN_HOURS.values())
    assert p.requirement("experience").threshold == 500
    assert p.requirement("supervision").threshold == 25


def test_unconfirmed_facts_are_not_tracked_never_invented() -> None:
    icrc = load_profile("icrc-pr", PROFILES)
    assert not any(r.kind == "exam_passed" for r in icrc.requirements)  # exam is [check]
    assert any("exam" in n.requirement.lower() and n.marker == "check" for n in icrc.not_tracked)
    wa = load_profile("wa-cps", PROFILES)
    assert {n.marker for n in wa.not_tracked} == {"unmarked"}
    tx = load_profile("tx-renewal", PROFILES)
    assert [(r.id, r.threshold, r.within_months) for r in tx.requirements] == [
        ("ce-total", 20, 24), ("ce-ethics", 3, 24)]


def test_readme_example_profile_is_valid(tmp_path: Path) -> None:
    text = (PROFILES / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    example = next(b for b in blocks if 'id = "example-program"' in b)
    p = load_profile_file(write(tmp_path, example, "example-program"))
    assert [r.kind for r in p.requirements] == ["training_hours", "quiz_mastery", "practice_exam",
                                                "attestation"]


def test_load_by_path_and_unknown_id(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert load_profile(str(path)).id == "mine"
    with pytest.raises(ProfileError, match=r"no profile 'nope'.*available: mine"):
        load_profile("nope", tmp_path)


BAD = [
    ('kind = "training_hours"', 'kind = "hours_of_fun"', "requirement hours: field kind",
     "does not match any of the expected tags"),
    ("threshold = 10", "threshold = -4", "requirement hours: field threshold", "greater than 0"),
    ("threshold = 10\n", "", "requirement hours: field threshold", "Field required"),
    ('source = "https://example.org/rule"', 'source = "example.org"',
     "requirement hours: field source", "should match pattern"),
    ('verified = "2026-11-22"', 'verified = "last spring"', "requirement hours: field verified",
     "valid date"),
    ('verified = "2026-11-22"', 'verified = "2026-11-22"\ncolour = "blue"',
     "requirement hours: field colour", "Extra inputs are not permitted"),
    ('stage = "program"', 'stage = "someday"', "field stage", "Input should be"),
    ('id = "hours"', 'id = "Hours Total"', "requirement Hours Total: field id", "should match"),
]


@pytest.mark.parametrize(("old", "new", "where", "why"), BAD)
def test_bad_profile_names_file_requirement_and_field(tmp_path: Path, old: str, new: str,
                                                      where: str, why: str) -> None:
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    message = str(err.value)
    assert str(path) in message and where in message and why in message, message


def _with(tmp_path: Path, block: str) -> ProfileError:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + "\n[[requirements]]\n" + block))
    return err.value


def test_duplicate_requirement_ids(tmp_path: Path) -> None:
    err = _with(tmp_path, 'id = "hours"\nkind = "supervision_hours"\ntitle = "Supervision"\n'
                          'threshold = 5\nsource = "https://x.org"\nverified = "2026-11-22"\n')
    assert "requirement id 'hours' is used twice" in str(err)


def test_mastery_needs_exactly_one_scope_and_a_known_competency(tmp_path: Path) -> None:
    base = 'id = "m"\nkind = "quiz_mastery"\ntitle = "Mastery"\nthreshold = 70\n' \
           'source = "https://x.org"\nverified = "2026-11-22"\n'
    assert "exactly one of quiz, competency, domain" in str(_with(tmp_path, base))
    two = _with(tmp_path, base + 'competency = "C1"\nquiz = "boundaries"\n')
    assert "got ['quiz', 'competency']" in str(two)
    c13 = _with(tmp_path, base + 'competency = "C13"\n')
    assert "requirement m: field competency" in str(c13)


def test_exam_attempts_come_in_pairs(tmp_path: Path) -> None:
    err = _with(tmp_path, 'id = "ex"\nkind = "exam_passed"\ntitle = "Exam"\nexam = "state"\n'
                          'max_attempts = 3\nsource = "https://x.org"\nverified = "2026-11-22"\n')
    assert "set max_attempts and attempt_window_months together" in str(err)


def test_any_of_options_are_validated(tmp_path: Path) -> None:
    err = _with(tmp_path, 'id = "either"\nkind = "any_of"\ntitle = "Either"\n'
                          'source = "https://x.org"\nverified = "2026-11-22"\n'
                          '[[requirements.options]]\nid = "o1"\nkind = "attestation"\n'
                          'title = "Option"\nattestation = "x"\nsource = "https://x.org"\n'
                          'verified = "2026-11-22"\n')
    assert "requirement either: field options" in str(err)
    assert "at least 2 items" in str(err)


def test_file_name_must_match_id_and_toml_errors_show_the_line(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="must match the file name 'other'"):
        load_profile_file(write(tmp_path, GOOD, "other"))
    with pytest.raises(ProfileError, match=r"not valid TOML: .*line 3"):
        load_profile_file(write(tmp_path, 'version = 1\nid = "mine"\ntitle = = "x"\n'))


def test_list_profiles_collects_every_problem(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("threshold = 10", "threshold = 0"), "mine")
    write(tmp_path, GOOD.replace('id = "mine"', 'id = "two"').replace("stage", "stge"), "two")
    with pytest.raises(ProfileError) as err:
        list_profiles(tmp_path)
    assert len(err.value.problems) >= 2
    assert any("mine.toml" in p for p in err.value.problems)
    assert any("two.toml" in p for p in err.value.problems)


# Which sources of training hours each shipped profile counts (profiles/README.md says why).
SOURCES = {
    "icrc-pr": ("accepted", "ask-the-board", "ask-the-board"),
    "icrc-pr-renewal": ("accepted", "ask-the-board", "ask-the-board"),
    "pa-cps": ("ask-the-board", "ask-the-board", "accepted"),
    "pa-cps-renewal": ("accepted", "ask-the-board", "ask-the-board"),
    "ca-pss": ("ask-the-board", "ask-the-board", "accepted"),
    "ca-pss-renewal": ("accepted", "ask-the-board", "ask-the-board"),
    "wa-cps": ("ask-the-board", "ask-the-board", "ask-the-board"),
    "wa-cps-renewal": ("accepted", "ask-the-board", "ask-the-board"),
    "tx-renewal": ("accepted", "ask-the-board", "ask-the-board"),
}


def test_shipped_profiles_say_which_training_sources_count() -> None:
    profiles = {p.id: p for p in list_profiles(PROFILES)}
    assert set(SOURCES) == set(profiles)
    for pid, expected in SOURCES.items():
        ts = profiles[pid].training_sources
        rules = (ts.attendance, ts.self_study, ts.provider_approved)
        assert tuple(r.status for r in rules) == expected, pid
        for rule in rules:
            assert rule.note, pid  # every statement says why
            if rule.counted:  # only what the cited source supports
                assert rule.source.startswith(("https://", "http://")), pid
                assert rule.verified is not None, pid
    # no shipped profile counts self-paced hours: no reference page says a board accepts them
    assert all(p.training_sources.self_study.status == "ask-the-board"
               for p in profiles.values())
    assert profiles["pa-cps"].training_sources.provider_approved.bodies == [
        "Pennsylvania Certification Board", "PCB"]


def test_a_profile_that_says_nothing_counts_no_governed_source(tmp_path: Path) -> None:
    ts = load_profile_file(write(tmp_path, GOOD)).training_sources
    assert not ts.counts("attendance:06-boundaries")
    assert not ts.counts("self-study:06-boundaries")
    assert not ts.counts("provider-approved:PCB 1 (2026-01-15)")
    assert ts.counts("evidence:hours.csv") and ts.counts("hours.csv")  # hour logs always
    assert ts.attendance.status == "ask-the-board"


@pytest.mark.parametrize(("block", "message"), [
    ('[training_sources.attendance]\nstatus = "accepted"\n',
     "field training_sources.attendance: status 'accepted' needs a source URL"),
    ('[training_sources.attendance]\nstatus = "maybe"\n',
     "field training_sources.attendance.status"),
    ('[training_sources.attendance]\nstatus = "ask-the-board"\nbodies = ["PCB"]\n',
     "bodies is for provider-approved only"),
    ('[training_sources.videos]\nstatus = "accepted"\n', "field training_sources.videos"),
])
def test_bad_training_sources_are_named(tmp_path: Path, block: str, message: str) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + "\n" + block))
    assert message in str(err.value), str(err.value)


def test_provider_approvals_count_only_from_the_bodies_listed() -> None:
    ts = load_profile("pa-cps", PROFILES).training_sources
    assert ts.counts("provider-approved:Pennsylvania Certification Board PCB-1 (2026-01-15)")
    assert ts.counts("provider-approved:pcb PCB-1 (2026-01-15)")
    assert not ts.counts("provider-approved:PCBX 1 (2026-01-15)")
    assert not ts.counts("provider-approved:Other Board 1 (2026-01-15)")

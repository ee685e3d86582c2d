"""The readiness stage's entry points: gather evidence, evaluate, write the reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from peercert import output
from peercert.readiness.course_evidence import (
    CourseError,
    course_evidence,
    program_evidence,
)
from peercert.readiness.evaluate import Readiness, evaluate
from peercert.readiness.evidence import load_evidence, load_roster
from peercert.readiness.profile import load_profile
from peercert.readiness.records import Evidence

if TYPE_CHECKING:
    from peercert.program import Program


@dataclass(frozen=True)
class ReadinessResult:
    """What ``run_readiness`` did: the evaluation, its headline numbers and the files."""

    readiness: Readiness
    out: Path
    files: list[Path] = field(default_factory=list)

    @property
    def trainees(self) -> int:
        return len(self.readiness.trainees)

    @property
    def ready(self) -> int:
        return self.readiness.ready_count

    @property
    def dashboard(self) -> Path:
        return self.out / "index.html"

    @property
    def main_files(self) -> list[Path]:
        """readiness.csv, board-export.csv, index.html and the trainees/ folder."""
        return [*self.files[:3], self.out / "trainees"]

    def summary(self) -> str:
        r = self.readiness
        top = r.blockers().head(3)
        blockers = ", ".join(f"{t} ({b})" for t, b in zip(top["title"], top["blocked"],
                                                           strict=True) if b)
        return (f"{self.ready} of {self.trainees} trainees ready for {r.profile.title} "
                f"as of {r.as_of}" + (f"; most common blockers: {blockers}" if blockers else ""))


def gather_evidence(courses: Sequence[Path], evidence: Sequence[Path], *, as_of: date,
                    rosters: Sequence[Path] = (), completion: float | None = None,
                    program: Program | None = None) -> Evidence:
    """Courses, roster files and evidence CSVs combined into one Evidence (all-or-nothing).

    Each course contributes its attendance, and on module completion its measured
    self-study and provider-approved hours, every record labelled with its source; which of
    them count is the profile's call, made by ``evaluate``. A ``program``'s courses come
    first (read from its gradebook, labelled with their sites), then ``courses``.
    ``completion`` (percent of a module quiz's points), when given, replaces each course's
    ``c.Peercert.completion_percent``.
    """
    paths = [Path(c) for c in courses]
    found = (course_evidence(paths, completion, as_of) if program is None
             else program_evidence(program, completion, as_of, paths))
    extra = [load_roster(Path(p)) for p in rosters]
    roster = pd.concat([found.roster, *extra], ignore_index=True).drop_duplicates("trainee_id")
    roster = roster.sort_values("trainee_id").reset_index(drop=True)
    found = Evidence(roster, found.records, found.scores)
    records = load_evidence([Path(p) for p in evidence], set(roster["trainee_id"]), as_of)
    return found.with_records(records)


def run_readiness(profile: str, courses: list[Path], evidence: list[Path], out: Path,
                  profiles_dir: Path | None = None, *, as_of: date | None = None,
                  rosters: Sequence[Path] = (), completion: float | None = None,
                  program: Program | None = None) -> ReadinessResult:
    """Evaluate a credential profile for every trainee and write the reports into ``out``.

    ``profile`` is an id from ``profiles_dir`` (default: the profiles shipped with peercert)
    or a path to a ``.toml`` file. ``as_of`` defaults to today. Raises ProfileError,
    CourseError or EvidenceError with messages naming the file, line or field. A
    ``program`` (:func:`peercert.program.load_program`) adds every course it lists, read
    from its one gradebook, each trainee labelled with the course's site.
    """
    from peercert.readiness.report import write_reports

    spec = load_profile(profile, profiles_dir)
    day = as_of or date.today()
    found = gather_evidence(courses, evidence, as_of=day, rosters=rosters, completion=completion,
                            program=program)
    if found.roster.empty:
        raise CourseError("no trainees: give at least one --course with students, or a --roster")
    readiness = evaluate(spec, found, day)
    out = Path(out)
    files = write_reports(readiness, out, found.scores, modes=report_modes(courses))
    return ReadinessResult(readiness, out, files)


def report_modes(courses: Sequence[Path]) -> output.Modes:
    """How readiness reports are written: readable by a group only when every course given
    shares its records with that same group (``c.Peercert.share_group``), else owner-only."""
    from peercert.course import Course

    found = {Course.open(Path(c)).modes for c in courses}
    return found.pop() if len(found) == 1 else output.PRIVATE


@dataclass(frozen=True)
class TraineeProgress:
    """One trainee's own view: each requirement, its status and what remains."""

    readiness: Readiness
    trainee_id: str

    @property
    def rows(self) -> pd.DataFrame:
        return self.readiness.trainee(self.trainee_id)

    @property
    def ready(self) -> bool:
        t = self.readiness.trainees
        return bool(t.loc[t["trainee_id"] == self.trainee_id, "ready"].iloc[0])

    def html(self) -> str:
        from peercert.readiness.report import render_trainees

        return render_trainees(self.readiness, back=None)[self.trainee_id]

    def _repr_html_(self) -> str:  # shown by JupyterLab when the object is a cell's value
        return self.html()


def progress(trainee_id: str, profile: str, courses: list[Path], evidence: Sequence[Path] = (),
             profiles_dir: Path | None = None, *, as_of: date | None = None,
             rosters: Sequence[Path] = (), completion: float | None = None,
             program: Program | None = None) -> TraineeProgress:
    """One trainee's readiness ("my progress"); in a notebook it displays as a page."""
    spec = load_profile(profile, profiles_dir)
    day = as_of or date.today()
    found = gather_evidence(courses, evidence, as_of=day, rosters=rosters, completion=completion,
                            program=program)
    if trainee_id not in set(found.roster["trainee_id"]):
        raise KeyError(f"no trainee {trainee_id!r} in the given courses or rosters")
    return TraineeProgress(evaluate(spec, found.only([trainee_id]), day), trainee_id)

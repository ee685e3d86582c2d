"""Synthetic hour logs for the demo and the benchmark: reproducible, plausible, invented.

Per trainee: days of supervised work (most reach the 500 h IC&RC asks for, some do not),
weekly supervision sessions across the four IC&RC domains, an education attestation (a few
are missing), and for some an outside ethics workshop. Nobody real is described.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from peercert.tags import ICRC_DOMAIN_HOURS

DOMAIN_IDS = tuple(ICRC_DOMAIN_HOURS)
WORK_DAY_HOURS = np.array([4.0, 5.0, 6.0, 7.0, 8.0])
MAKEUP_SHARE = 0.5


def _rows(t: np.ndarray, kind: str, days_back: np.ndarray, hours: np.ndarray | float,
          topic: np.ndarray | str, result: np.ndarray | str) -> dict[str, object]:
    return {"t": t, "kind": kind, "back": days_back, "hours": hours, "topic": topic,
            "result": result}


def _work(rng: np.random.Generator, n: int) -> dict[str, object]:
    target = np.clip(rng.normal(560.0, 120.0, n), 120.0, 800.0)
    days = np.ceil(target / WORK_DAY_HOURS.mean()).astype(np.int64)
    t = np.repeat(np.arange(n), days)
    j = np.arange(len(t)) - np.repeat(np.cumsum(days) - days, days)
    back = 1 + j * 7 // 5  # weekdays only, walking back from the end date
    return _rows(t, "supervised_work", back, rng.choice(WORK_DAY_HOURS, len(t)), "", "")


def _supervision(rng: np.random.Generator, n: int) -> dict[str, object]:
    target = np.clip(rng.normal(27.0, 6.0, n), 6.0, 40.0)
    sessions = np.ceil(target / 1.5).astype(np.int64)
    t = np.repeat(np.arange(n), sessions)
    j = np.arange(len(t)) - np.repeat(np.cumsum(sessions) - sessions, sessions)
    topic = np.array(DOMAIN_IDS, dtype=object)[j % len(DOMAIN_IDS)]
    return _rows(t, "supervision", 3 + 7 * j, rng.choice([1.0, 1.5, 2.0], len(t)), topic, "")


def _education(rng: np.random.Generator, n: int) -> dict[str, object]:
    t = np.flatnonzero(rng.random(n) < 0.95)
    return _rows(t, "attestation", rng.integers(30, 400, len(t)), np.nan,
                 "education-high-school", "yes")


def _workshop(rng: np.random.Generator, n: int) -> dict[str, object]:
    t = np.flatnonzero(rng.random(n) < 0.3)
    return _rows(t, "training", rng.integers(20, 300, len(t)), 6.0, "ethical-responsibility", "")


def _makeup(rng: np.random.Generator, ids: np.ndarray, missing: pd.DataFrame) -> dict[str, object]:
    """Make-up sessions (at most 4 h a day) for some trainees' missing domain hours."""
    chosen = set(ids[rng.random(len(ids)) < MAKEUP_SHARE])
    todo = missing[missing["trainee_id"].isin(chosen) & (missing["hours"] > 0)]
    t_of = {tid: i for i, tid in enumerate(ids)}
    rows = [(t_of[tid], topic, min(4.0, hours - start))
            for tid, topic, hours in todo.itertuples(index=False)
            for start in np.arange(0.0, hours, 4.0)]
    t = np.array([r[0] for r in rows], dtype=np.int64)
    k = np.arange(len(t)) - np.searchsorted(t, t)  # n-th session of that trainee: its own day
    return _rows(t, "training", 40 + 3 * k, np.array([r[2] for r in rows]),
                 np.array([r[1] for r in rows], dtype=object), "")


def simulate_records(trainee_ids: list[str], end: date, seed: int = 0,
                     missing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Evidence rows (the evidence CSV columns) for ``trainee_ids``, dated up to ``end``.

    ``missing`` (trainee_id, topic, hours) are training hours a trainee still lacks; about
    half of those trainees make them up in logged sessions.
    """
    rng = np.random.default_rng(seed)
    n = len(trainee_ids)
    ids = np.array(sorted(trainee_ids), dtype=object)
    parts = [pd.DataFrame(make(rng, n)) for make in (_work, _supervision, _education, _workshop)]
    if missing is not None and len(missing):
        parts.append(pd.DataFrame(_makeup(rng, ids, missing.sort_values(["trainee_id", "topic"]))))
    frame = pd.concat(parts, ignore_index=True)
    frame["trainee_id"] = ids[frame["t"].to_numpy()] if n else []
    frame["date"] = pd.Timestamp(end) - pd.to_timedelta(frame["back"], unit="D")
    frame = frame.sort_values(["trainee_id", "kind", "date"], kind="stable")
    return frame.loc[:, ["trainee_id", "kind", "date", "hours", "topic", "result"]].reset_index(
        drop=True)


def _end_date(grades: pd.DataFrame) -> date:
    """The latest graded submission's day, so a re-run on the same gradebook is identical."""
    stamps = grades["submitted"].dropna()
    return stamps.max().date() if len(stamps) else date.today() - timedelta(days=1)


def simulate_evidence(course: Path, out_csv: Path, seed: int = 0, *,
                      end: date | None = None) -> Path:
    """Write a synthetic evidence CSV for the trainees of ``course``; return its path.

    Dates end on ``end`` (default: the day of the latest graded submission in the course).
    """
    from peercert.readiness.course_evidence import combine_courses, read_course
    from peercert.readiness.evidence import write_evidence

    data = read_course(Path(course))
    found = combine_courses([data])
    ids = list(data.roster["trainee_id"])
    records = simulate_records(ids, end or _end_date(data.grades), seed,
                               missing_domain_hours(found.records, ids))
    return write_evidence(records, Path(out_csv))


def missing_domain_hours(records: pd.DataFrame, trainee_ids: list[str]) -> pd.DataFrame:
    """trainee_id, topic, hours: IC&RC domain hours each trainee still lacks."""
    have = records[records["kind"] == "training"].groupby(["trainee_id", "topic"])["hours"].sum()
    grid = pd.MultiIndex.from_product([sorted(trainee_ids), list(DOMAIN_IDS)],
                                      names=["trainee_id", "topic"])
    need = pd.Series([ICRC_DOMAIN_HOURS[d] for _t, d in grid], index=grid, dtype=float)
    gap = (need - have.reindex(grid, fill_value=0.0)).clip(lower=0.0)
    return gap.rename("hours").reset_index()

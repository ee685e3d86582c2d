"""The evidence the evaluator reads: a roster, dated records and course scores.

Three plain tables, so hour logs, gradebooks and simulations all meet in one shape:

- ``roster``: ``trainee_id``, ``name``, ``site``; one row per trainee.
- ``records``: ``trainee_id``, ``kind``, ``date``, ``hours``, ``topic``, ``result``, ``source``,
  ``activity``; one row per logged day, exam attempt, attestation or certification (``kind``
  is one of ``RECORD_KINDS``). ``source`` labels where a row came from (see
  ``peercert.readiness.sources``); ``activity`` is the course module a credited hour belongs
  to (or ``course`` for a whole-course approval), empty for hour logs.
- ``scores``: ``trainee_id``, ``scope`` (quiz, competency, domain), ``key``, ``earned``,
  ``possible``: points from graded course items.

No free text from trainees is ever held here: reflections are scores, never words.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pandas.api.types import union_categoricals

MET, NOT_MET, NO_EVIDENCE = "met", "not_met", "no_evidence"
STATUSES = (MET, NOT_MET, NO_EVIDENCE)
STATUS_LABELS = {MET: "met", NOT_MET: "not met", NO_EVIDENCE: "no evidence"}
RECORD_KINDS = ("training", "supervised_work", "supervision", "exam", "attestation",
                "certified")
HOUR_KINDS = ("training", "supervised_work", "supervision")
ROSTER_COLUMNS = ("trainee_id", "name", "site")
RECORD_COLUMNS = ("trainee_id", "kind", "date", "hours", "topic", "result", "source",
                  "activity")
LABEL_COLUMNS = ("source", "activity")  # few distinct values over many rows: categorical
SCORE_COLUMNS = ("trainee_id", "scope", "key", "earned", "possible")


def empty_roster() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in ROSTER_COLUMNS})


def empty_records() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in RECORD_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[s]")
    frame["hours"] = pd.Series(dtype=float)
    for col in LABEL_COLUMNS:
        frame[col] = _labels(frame[col])
    return frame


def _labels(col: pd.Series) -> pd.Series:
    """A label column as a categorical whose categories are plain objects (joinable)."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.fillna("").astype(str).astype("category")
    cats = pd.Index(list(col.cat.categories), dtype=object)
    return col.cat.rename_categories(cats) if cats.is_unique else col.astype(object).astype(
        "category")


def concat_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Normalized record frames appended, label columns kept categorical."""
    frames = [f for f in frames if len(f)] or [empty_records()]
    out = pd.concat(frames, ignore_index=True)
    for col in LABEL_COLUMNS:
        out[col] = pd.Series(union_categoricals([_labels(f[col]) for f in frames],
                                                ignore_order=True), index=out.index)
    return out


def empty_scores() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in SCORE_COLUMNS})
    frame["earned"] = pd.Series(dtype=float)
    frame["possible"] = pd.Series(dtype=float)
    return frame


def normalize_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in order with stable dtypes (dates at day precision); no activity: empty."""
    if "activity" not in frame:
        frame = frame.assign(activity="")
    out = frame.loc[:, list(RECORD_COLUMNS)].copy()
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[s]").dt.normalize()
    out["hours"] = out["hours"].astype(float)
    for col in ("trainee_id", "kind", "topic", "result"):
        if not isinstance(out[col].dtype, pd.CategoricalDtype):  # categoricals stay compact
            out[col] = out[col].fillna("").astype(str)
    for col in LABEL_COLUMNS:
        out[col] = _labels(out[col])
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Evidence:
    """Everything known about a set of trainees, from courses, hour logs and rosters."""

    roster: pd.DataFrame
    records: pd.DataFrame
    scores: pd.DataFrame

    @classmethod
    def empty(cls) -> Evidence:
        return cls(empty_roster(), empty_records(), empty_scores())

    def with_records(self, records: pd.DataFrame) -> Evidence:
        """The same roster and scores with more records appended."""
        both = concat_records([self.records, normalize_records(records)])
        return Evidence(self.roster, both, self.scores)

    def only(self, trainee_ids: list[str]) -> Evidence:
        """The evidence of a few trainees (for one trainee's own progress view)."""
        keep = set(trainee_ids)
        return Evidence(
            self.roster[self.roster["trainee_id"].isin(keep)].reset_index(drop=True),
            self.records[self.records["trainee_id"].isin(keep)].reset_index(drop=True),
            self.scores[self.scores["trainee_id"].isin(keep)].reset_index(drop=True),
        )

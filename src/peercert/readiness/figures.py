"""Dashboard figures: matplotlib ``Figure`` objects (no pyplot state) rendered to inline SVG."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from peercert.readiness.evaluate import MET, NO_EVIDENCE, NOT_MET, Readiness
from peercert.tags import COMPETENCIES

COLORS = {MET: "#1b7f4b", NOT_MET: "#d98b00", NO_EVIDENCE: "#b83232"}
NUMERIC_KINDS = ("training_hours", "supervised_work_hours", "supervision_hours", "quiz_mastery",
                 "practice_exam")
MAX_SITE_BARS = 40


def to_svg(fig: Figure) -> str:
    """Inline SVG with real text and stable ids, so equal inputs give equal files."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "peercert"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _style(ax) -> None:  # noqa: ANN001
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


def blockers(r: Readiness) -> str:
    b = r.blockers().iloc[::-1]
    fig = Figure(figsize=(7.5, 0.35 * len(b) + 0.9))
    ax = fig.add_subplot()
    ax.barh(b["title"], b[NOT_MET], color=COLORS[NOT_MET], label="not met")
    ax.barh(b["title"], b[NO_EVIDENCE], left=b[NOT_MET], color=COLORS[NO_EVIDENCE],
            label="no evidence")
    ax.set_xlabel("trainees", fontsize=9)
    ax.set_xlim(0, max(1, len(r.trainees)))
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    return to_svg(fig)


def distributions(r: Readiness) -> str | None:
    reqs = [q for q in r.profile.requirements if q.kind in NUMERIC_KINDS]
    if not reqs or r.trainees.empty:
        return None
    cols = min(3, len(reqs))
    rows = -(-len(reqs) // cols)
    fig = Figure(figsize=(3.4 * cols, 2.3 * rows))
    values = r.results.groupby("requirement_id", sort=False)["value"]
    for i, q in enumerate(reqs):
        ax = fig.add_subplot(rows, cols, i + 1)
        v = values.get_group(q.id).to_numpy(dtype=float)
        v = v[~np.isnan(v)]
        ax.hist(v, bins=25, color="#6b8fb3", range=(0, max(q.threshold * 1.5, v.max(initial=0))))
        ax.axvline(q.threshold, color="#1f2933", linestyle="--", linewidth=1)
        ax.set_title(q.title, fontsize=9)
        ax.set_xlabel(q.unit, fontsize=8)
        _style(ax)
    fig.tight_layout()
    return to_svg(fig)


def met_counts(r: Readiness) -> str:
    n_req = len(r.profile.requirements)
    counts = np.bincount(r.trainees[MET].to_numpy(dtype=np.int64), minlength=n_req + 1)
    fig = Figure(figsize=(4.8, 2.6))
    ax = fig.add_subplot()
    colors = [COLORS[MET] if k == n_req else "#6b8fb3" for k in range(n_req + 1)]
    ax.bar(np.arange(n_req + 1), counts, color=colors)
    ax.set_xticks(np.arange(n_req + 1))
    ax.set_xlabel(f"requirements met (of {n_req})", fontsize=9)
    ax.set_ylabel("trainees", fontsize=9)
    _style(ax)
    return to_svg(fig)


def competencies(scores: pd.DataFrame) -> str | None:
    comp = scores[(scores["scope"] == "competency") & (scores["possible"] > 0)]
    keys = [c for c in COMPETENCIES if c in set(comp["key"])]
    if not keys:
        return None
    pct = 100.0 * comp["earned"] / comp["possible"]
    data = [pct[comp["key"] == k].to_numpy() for k in keys]
    fig = Figure(figsize=(4.8, 2.6))
    ax = fig.add_subplot()
    ax.boxplot(data, tick_labels=keys, showfliers=False)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of points", fontsize=9)
    _style(ax)
    return to_svg(fig)


def sites(by_site: pd.DataFrame) -> str | None:
    if len(by_site) < 2 or len(by_site) > MAX_SITE_BARS:
        return None
    s = by_site.iloc[::-1]
    fig = Figure(figsize=(7.5, 0.32 * len(s) + 0.9))
    ax = fig.add_subplot()
    ax.barh(s["site"], s["ready"], color=COLORS[MET], label="ready")
    ax.barh(s["site"], s["trainees"] - s["ready"], left=s["ready"], color="#c4cdd5",
            label="not ready")
    ax.set_xlabel("trainees", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    return to_svg(fig)


def all_figures(r: Readiness, scores: pd.DataFrame, by_site: pd.DataFrame) -> dict[str, str | None]:
    return {"blockers": blockers(r), "distributions": distributions(r), "met_counts": met_counts(r),
            "competencies": competencies(scores), "sites": sites(by_site)}

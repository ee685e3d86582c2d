"""Dashboard figures: matplotlib ``Figure`` objects (no pyplot state) rendered to inline SVG.

``figure_data`` gathers the few arrays the figures need into a small, picklable value, so
that ``FigureJob`` can draw them in a second interpreter while the first writes the tables.
The child is started as ``python -m peercert.readiness.figures IN OUT`` rather than through
multiprocessing, which would re-import (and so re-run) the caller's own script.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from peercert.readiness.records import MET, NO_EVIDENCE, NOT_MET
from peercert.tags import COMPETENCIES

if TYPE_CHECKING:
    from peercert.readiness.evaluate import Readiness

COLORS = {MET: "#1b7f4b", NOT_MET: "#d98b00", NO_EVIDENCE: "#b83232"}
# Mastery requirements are summarised by the competency box plot instead of small multiples.
NUMERIC_KINDS = ("training_hours", "supervised_work_hours", "supervision_hours", "practice_exam")
MAX_PANELS = 12
MAX_SITE_BARS = 40


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    threshold: float
    values: np.ndarray


@dataclass(frozen=True)
class FigureData:
    """Everything the dashboard figures show, and nothing about any one person."""

    n_trainees: int
    n_requirements: int
    blockers: pd.DataFrame  # title, not_met, no_evidence (most blocking first)
    panels: list[Panel]
    met_counts: np.ndarray  # trainees by number of requirements met
    competencies: dict[str, np.ndarray]  # competency -> each trainee's percent
    sites: pd.DataFrame  # site, trainees, ready


def _competency_percents(scores: pd.DataFrame) -> dict[str, np.ndarray]:
    comp = scores[(scores["scope"] == "competency") & (scores["possible"] > 0)]
    if comp.empty:
        return {}
    pct = pd.Series((100.0 * comp["earned"] / comp["possible"]).to_numpy())
    groups = pct.groupby(comp["key"].to_numpy(dtype=object))
    present = set(groups.groups)
    return {c: groups.get_group(c).to_numpy() for c in COMPETENCIES if c in present}


def figure_data(r: Readiness, scores: pd.DataFrame, by_site: pd.DataFrame) -> FigureData:
    from peercert.readiness.profile import (
        PracticeExam,
        SupervisedWorkHours,
        SupervisionHours,
        TrainingHours,
    )

    numeric = (TrainingHours, SupervisedWorkHours, SupervisionHours, PracticeExam)  # NUMERIC_KINDS
    n, reqs = len(r.trainees), r.profile.requirements
    matrix = r.results["value"].to_numpy(dtype=float).reshape(n, len(reqs))
    panels = [Panel(q.title, q.unit, float(q.threshold), matrix[:, k][~np.isnan(matrix[:, k])])
              for k, q in enumerate(reqs) if isinstance(q, numeric)][:MAX_PANELS]
    return FigureData(
        n_trainees=n, n_requirements=len(reqs),
        blockers=r.blockers()[["title", NOT_MET, NO_EVIDENCE]],
        panels=panels if n else [],
        met_counts=np.bincount(r.trainees[MET].to_numpy(dtype=np.int64),
                               minlength=len(reqs) + 1),
        competencies=_competency_percents(scores),
        sites=by_site[["site", "trainees", "ready"]],
    )


def to_svg(fig: Figure) -> str:
    """Inline SVG with real text and stable ids, so equal inputs give equal files."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "peercert"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _margins(fig: Figure, left: float = 0.6, bottom: float = 0.5, top: float = 0.15,
             right: float = 0.15) -> None:
    """Fixed margins in inches: much cheaper than a layout engine, same look for our charts."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h)


def _label_room(labels: list[str]) -> float:
    """Inches for horizontal-bar labels at font size 8 (about 0.06 in a character)."""
    return 0.25 + 0.062 * max((len(x) for x in labels), default=4)


def _style(ax) -> None:  # noqa: ANN001
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


def blockers(d: FigureData) -> str:
    b = d.blockers.iloc[::-1]
    fig = Figure(figsize=(7.5, 0.35 * len(b) + 0.9))
    ax = fig.add_subplot()
    ax.barh(b["title"], b[NOT_MET], color=COLORS[NOT_MET], label="not met")
    ax.barh(b["title"], b[NO_EVIDENCE], left=b[NOT_MET], color=COLORS[NO_EVIDENCE],
            label="no evidence")
    ax.set_xlabel("trainees", fontsize=9)
    ax.set_xlim(0, max(1, d.n_trainees))
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    _margins(fig, left=_label_room(list(b["title"])))
    return to_svg(fig)


def distributions(d: FigureData) -> str | None:
    if not d.panels:
        return None
    cols = min(3, len(d.panels))
    rows = -(-len(d.panels) // cols)
    fig = Figure(figsize=(3.4 * cols, 2.3 * rows))
    for i, p in enumerate(d.panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        top = max(p.threshold * 1.5, p.values.max(initial=0))
        ax.hist(p.values, bins=25, color="#6b8fb3", range=(0, top))
        ax.axvline(p.threshold, color="#1f2933", linestyle="--", linewidth=1)
        ax.set_title(p.title, fontsize=9)
        ax.set_xlabel(p.unit, fontsize=8)
        _style(ax)
    _margins(fig, left=0.45, bottom=0.45, top=0.3)
    fig.subplots_adjust(hspace=0.75, wspace=0.3)
    return to_svg(fig)


def met_counts(d: FigureData) -> str:
    n_req = d.n_requirements
    fig = Figure(figsize=(4.8, 2.6))
    ax = fig.add_subplot()
    colors = [COLORS[MET] if k == n_req else "#6b8fb3" for k in range(n_req + 1)]
    ax.bar(np.arange(n_req + 1), d.met_counts, color=colors)
    ax.set_xticks(np.arange(0, n_req + 1, max(1, (n_req + 1) // 13 + 1)))
    ax.set_xlabel(f"requirements met (of {n_req})", fontsize=9)
    ax.set_ylabel("trainees", fontsize=9)
    _style(ax)
    _margins(fig, bottom=0.55)
    return to_svg(fig)


def competencies(d: FigureData) -> str | None:
    if not d.competencies:
        return None
    fig = Figure(figsize=(4.8, 2.6))
    ax = fig.add_subplot()
    ax.boxplot(list(d.competencies.values()), tick_labels=list(d.competencies), showfliers=False)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of points", fontsize=9)
    _style(ax)
    _margins(fig, bottom=0.4)
    return to_svg(fig)


def sites(d: FigureData) -> str | None:
    if len(d.sites) < 2 or len(d.sites) > MAX_SITE_BARS:
        return None
    s = d.sites.iloc[::-1]
    fig = Figure(figsize=(7.5, 0.32 * len(s) + 0.9))
    ax = fig.add_subplot()
    ax.barh(s["site"], s["ready"], color=COLORS[MET], label="ready")
    ax.barh(s["site"], s["trainees"] - s["ready"], left=s["ready"], color="#c4cdd5",
            label="not ready")
    ax.set_xlabel("trainees", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    _margins(fig, left=_label_room(list(s["site"])))
    return to_svg(fig)


def render_figures(d: FigureData) -> dict[str, str | None]:
    """Every dashboard figure as inline SVG (None where there is nothing to show)."""
    return {"blockers": blockers(d), "distributions": distributions(d),
            "met_counts": met_counts(d), "competencies": competencies(d), "sites": sites(d)}


class FigureJob:
    """``render_figures`` in a child interpreter; ``result()`` draws inline if it failed."""

    def __init__(self, data: FigureData):
        self._data = data
        self._tmp = tempfile.TemporaryDirectory(prefix="peercert-figures-")
        self._in = Path(self._tmp.name) / "data.pickle"
        self._out = Path(self._tmp.name) / "figures.pickle"
        with self._in.open("wb") as f:
            pickle.dump(data, f)
        try:
            self._proc: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-m", __name__, str(self._in), str(self._out)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self._proc = None

    def result(self) -> dict[str, str | None]:
        try:
            if self._proc is not None and self._proc.wait() == 0 and self._out.exists():
                with self._out.open("rb") as f:
                    return pickle.load(f)  # written by our own child, in our own temp dir
            return render_figures(self._data)
        finally:
            self._tmp.cleanup()


def _child(source: str, target: str) -> None:
    with open(source, "rb") as f:
        data = pickle.load(f)
    with open(target, "wb") as f:
        pickle.dump(render_figures(data), f)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])

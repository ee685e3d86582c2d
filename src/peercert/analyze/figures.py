"""The report's three figures, drawn on bare matplotlib Figures (no pyplot global state)."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from peercert.analyze.model import Thresholds
from peercert.analyze.quiz import QuizAnalysis

FLAGGED, PLAIN, ZONE = "#c0392b", "#2e6da4", "#f3e3e1"
LABELLED_ROWS = 40  # above this many trainees the heat map drops names and per-cell numbers

HOW_TO_READ = {
    "histogram": (
        "Each bar counts the trainees whose auto-graded score fell in that band; the dashed "
        "line is the cohort's average. A pile-up at the right means the quiz was easy for "
        "this group; a pile-up at the left means it was hard or the topic needs reteaching."
    ),
    "scatter": (
        "Each dot is a question: further right means more trainees got it right, higher up "
        "means it better separates trainees who know the material from those who do not. "
        "Questions in the shaded bands (too easy, too hard, or low) are labelled and worth a "
        "second look."
    ),
    "heatmap": (
        "Each row is a trainee and each column a competency or domain; darker cells mean a "
        "larger share of the points earned, grey means no graded question yet. Up to 40 "
        "trainees, a dot marks a cell below the mastery threshold. A pale column across "
        "many rows points to a topic the whole cohort needs more time on."
    ),
}


def to_png_base64(fig: Figure, dpi: int = 110) -> str:
    """PNG bytes of a figure, base64-encoded for an ``<img src="data:...">``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def score_histogram(qa: QuizAnalysis) -> Figure:
    """Bars of trainees per score band, with the mean marked."""
    dist = qa.distribution
    fig = Figure(figsize=(7.5, 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(dist))
    ax.bar(x, dist["trainees"], color=PLAIN, width=0.85)
    ax.set_xticks(x, dist["band"], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("trainees")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"share of the {qa.summary.max_points:g} auto-graded points")
    if qa.summary.max_points > 0 and not np.isnan(qa.summary.mean):
        pos = qa.summary.mean / qa.summary.max_points * len(dist) - 0.5
        ax.axvline(pos, color="#333", ls="--", lw=1)
        ax.annotate(f"average {qa.summary.mean:.1f}", (pos, ax.get_ylim()[1] * 0.95),
                    xytext=(4, 0), textcoords="offset points", fontsize=8, va="top")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Scores on {qa.quiz}", fontsize=11)
    return fig


def _discrimination(items: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    r = items["point_biserial"].to_numpy(dtype=float)
    d = items["discrimination_index"].to_numpy(dtype=float)
    use_d = np.isnan(r) & ~np.isnan(d)
    return np.where(use_d, d, r), ["D" if u else "r" for u in use_d]


def _zones(ax, th: Thresholds) -> None:
    ax.axvspan(th.too_easy, 1.02, color=ZONE, zorder=0)
    ax.axvspan(-0.02, th.too_hard, color=ZONE, zorder=0)
    ax.axhspan(-1.05, th.low_discrimination, color=ZONE, zorder=0)
    ax.axhline(0, color="#999", lw=0.8)
    ax.text(th.too_easy + 0.005, 0.98, "too easy", fontsize=7, va="top", color="#7a2a21")
    ax.text(0.0, 0.98, "too hard", fontsize=7, va="top", color="#7a2a21")
    ax.text(0.5, th.low_discrimination - 0.03, "low discrimination", fontsize=7, va="top",
            ha="center", color="#7a2a21")


_OFFSETS = [(4, 3), (4, -10), (-4, 3), (-4, -10), (4, 12), (4, -19), (-4, 12), (-4, -19)]


def _overlaps(box: tuple[float, ...], placed: list[tuple[float, ...]]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
               for b in placed)


def _label_points(ax, xs: np.ndarray, ys: np.ndarray, names: list[str]) -> int:
    """Greedy labels: try a few offsets per point, skip a label that fits nowhere.

    Returns how many points were left unlabelled. Call after the axis limits are final.
    """
    scale = ax.figure.dpi / 72.0
    placed: list[tuple[float, ...]] = []
    skipped = 0
    for x, y, name in sorted(zip(xs, ys, names, strict=True)):
        px, py = ax.transData.transform((x, y))
        width, height = 4.3 * len(name) * scale, 8.0 * scale
        for dx, dy in _OFFSETS:
            left = px + dx * scale - (width if dx < 0 else 0.0)
            box = (left, py + dy * scale, left + width, py + dy * scale + height)
            if not _overlaps(box, placed):
                placed.append(box)
                ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points",
                            fontsize=7, ha="right" if dx < 0 else "left", zorder=4)
                break
        else:
            skipped += 1
    return skipped


def difficulty_discrimination(qa: QuizAnalysis) -> Figure:
    """Scatter of difficulty against corrected point-biserial, flagged items labelled."""
    items = qa.items
    y, _ = _discrimination(items)
    x = items["difficulty"].to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    flagged = (items["flags"] != "").to_numpy()
    fig = Figure(figsize=(7.5, 4.6))
    ax = fig.add_subplot()
    _zones(ax, qa.thresholds)
    groups = ((ok & ~flagged, PLAIN, "no flag"), (ok & flagged, FLAGGED, "flagged"))
    for mask, color, label in groups:
        ax.scatter(x[mask], y[mask], s=36, color=color, label=label, zorder=3)
    ax.set_xlim(-0.02, 1.02)
    low = min(-0.2, float(np.nanmin(y[ok])) - 0.05) if ok.any() else -0.2
    ax.set_ylim(max(-1.05, low), 1.0)
    show = ok & flagged
    skipped = _label_points(ax, x[show], y[show], list(items["item_id"][show]))
    ax.set_xlabel("difficulty (share of points earned: right = easier)")
    ax.set_ylabel("discrimination (corrected item-total r)")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    notes = [f"{int((~ok).sum())} item(s) not plotted: not computable"] if (~ok).any() else []
    notes += [f"{skipped} flagged item(s) not labelled for lack of room"] if skipped else []
    if notes:
        ax.text(1.0, -0.16, "; ".join(notes) + " (see the table)", transform=ax.transAxes,
                fontsize=7, ha="right")
    fig.suptitle(f"Which questions of {qa.quiz} work", fontsize=11)
    return fig


def _heat_panel(ax, grid: pd.DataFrame, threshold: float, labelled: bool, cmap) -> Any:
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=1,
                      interpolation="nearest")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=45, ha="right", fontsize=8)
    if labelled:
        rows, cols = np.nonzero(values < threshold)
        ax.scatter(cols, rows, s=10, color="white", edgecolors="black", linewidths=0.5)
    return image


def competency_heatmap(grids: dict[str, pd.DataFrame], threshold: float) -> Figure:
    """Trainees x (competencies | domains) mastery, rows sorted from strongest to weakest."""
    comp, dom = grids["competency"], grids["domain"].reindex(grids["competency"].index)
    order = comp.mean(axis=1, skipna=True).fillna(-1).sort_values(ascending=False).index
    comp, dom = comp.loc[order], dom.loc[order]
    labelled = len(order) <= LABELLED_ROWS
    height = min(9.0, max(2.6, 0.22 * len(order) + 1.4)) if labelled else 6.0
    fig = Figure(figsize=(8.0, height))
    axes = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [max(comp.shape[1], 1),
                                                                          max(dom.shape[1], 1)]})
    cmap = ListedColormap(np.vstack([_blues(256)]))
    cmap.set_bad("#d9d9d9")
    image = _heat_panel(axes[0], comp, threshold, labelled, cmap)
    _heat_panel(axes[1], dom, threshold, labelled, cmap)
    axes[0].set_title("SAMHSA competencies", fontsize=9)
    axes[1].set_title("IC&RC domains", fontsize=9)
    if labelled:
        axes[0].set_yticks(range(len(order)), order, fontsize=7)
    else:
        axes[0].set_yticks([])
        axes[0].set_ylabel(f"{len(order)} trainees, strongest at the top")
    fig.colorbar(image, ax=list(axes), fraction=0.04, pad=0.02, label="share of points earned")
    fig.suptitle("Competency mastery across the cohort", fontsize=11)
    return fig


def _blues(n: int) -> np.ndarray:
    """A pale-to-dark blue ramp: readable in greyscale and by colour-blind readers."""
    t = np.linspace(0, 1, n)[:, None]
    pale, dark = np.array([0.97, 0.98, 1.0]), np.array([0.03, 0.19, 0.42])
    return np.hstack([pale + (dark - pale) * t, np.ones((n, 1))])

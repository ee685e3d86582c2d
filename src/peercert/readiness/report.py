"""Readiness reports: CSV tables, a cohort dashboard and one printable page per trainee.

``out/readiness.csv``      every trainee and requirement: status, value, threshold, detail.
``out/board-export.csv``   for the certification board: trainee id, name, profile,
                           requirement, status and dates. Nothing else, by construction.
``out/index.html``         the cohort dashboard (figures embedded as SVG).
``out/trainees/<id>.html`` one page per trainee, with print CSS (print to PDF from a browser,
                           or ``chromium --headless --print-to-pdf``).

Only statuses, numbers and dates are written: no quiz answers, no reflection text.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from peercert.readiness.evaluate import MET, STATUS_LABELS, Readiness
from peercert.readiness.profile import AnyOf, Attestation, ExamPassed

TEMPLATES = Path(__file__).parent / "templates"
READINESS_COLUMNS = ("trainee_id", "name", "site", "profile", "ready", "requirement_id",
                     "requirement", "status", "value", "threshold", "unit", "detail",
                     "evidence_date", "as_of")
BOARD_COLUMNS = ("trainee_id", "name", "profile", "ready", "requirement_id", "status",
                 "evidence_date", "evaluated_on")
HINTS = {
    "training_hours": "Complete the remaining course modules, or log training hours",
    "supervised_work_hours": "Log supervised work days",
    "supervision_hours": "Log supervision sessions",
    "quiz_mastery": "Review the module and retake its quiz",
    "practice_exam": "Review weak domains and retake the practice exam",
    "exam_passed": "Register for and pass the exam, then log the result",
    "attestation": "Sign and date the attestation, then log it",
    "any_of": "Meet any one of the options",
}


def hint(req) -> str:  # noqa: ANN001 (any requirement)
    """The next step for a trainee who has not met ``req``, naming what to log."""
    text = HINTS[req.kind]
    topics = getattr(req, "topics", None)
    if topics:
        text += f" (topic {' or '.join(topics[:2])}{', ...' if len(topics) > 2 else ''})"
    elif isinstance(req, ExamPassed):
        text += f" (topic {req.exam})"
    elif isinstance(req, Attestation):
        text += f" (topic {req.attestation})"
    return text + "."


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              undefined=jinja2.StrictUndefined, trim_blocks=True)


@cache
def _css() -> str:
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")


def page_names(trainee_ids: list[str]) -> dict[str, str]:
    """A safe, unique file name per trainee id (ids may hold characters unfit for files)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for tid in trainee_ids:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", tid).strip(".") or "trainee"
        if safe != tid or safe.lower() in used:
            safe = f"{safe}-{hashlib.sha1(tid.encode()).hexdigest()[:8]}"
        used.add(safe.lower())
        names[tid] = f"{safe}.html"
    return names


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")


def readiness_table(r: Readiness) -> pd.DataFrame:
    """Every trainee and requirement, with names, sites, values and details."""
    res = r.results.merge(r.trainees[["trainee_id", "name", "site", "ready"]], on="trainee_id",
                          how="left", sort=False)
    res["profile"] = r.profile.id
    res["value"] = res["value"].round(2)
    res["evidence_date"] = _dates(res["evidence_date"])
    res["as_of"] = r.as_of.isoformat()
    res["ready"] = np.where(res["ready"], "yes", "no")
    return res.loc[:, list(READINESS_COLUMNS)]


def board_table(r: Readiness) -> pd.DataFrame:
    """What the certification board needs and nothing more (no details, no scores)."""
    res = r.results.merge(r.trainees[["trainee_id", "name", "ready"]], on="trainee_id",
                          how="left", sort=False)
    res["profile"] = r.profile.id
    res["ready"] = np.where(res["ready"], "yes", "no")
    res["evidence_date"] = _dates(res["evidence_date"])
    res["evaluated_on"] = r.as_of.isoformat()
    return res.loc[:, list(BOARD_COLUMNS)]


def threshold_text(req) -> str:  # noqa: ANN001 (any requirement)
    if isinstance(req, AnyOf):
        return "one of: " + "; ".join(f"{o.title} ({threshold_text(o)})" for o in req.options)
    if isinstance(req, ExamPassed):
        extra = (f", at most {req.max_attempts} attempts in {req.attempt_window_months} months"
                 if req.max_attempts else "")
        return "passed" + extra
    if isinstance(req, Attestation):
        text = "yes" if req.threshold is None else f"at least {req.threshold:g}"
    else:
        text = f"{req.threshold:g} {req.unit}".replace(" %", "%")
    months = getattr(req, "within_months", None)
    return text + (f" within {months} months" if months else "")


def _grouped_sources(r: Readiness) -> list[dict[str, str]]:
    """One line per distinct source, naming the requirements it backs."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for q in r.profile.requirements:
        groups.setdefault((q.source, q.citation, q.verified.isoformat()), []).append(q.title)
    return [{"title": "; ".join(titles), "source": src, "citation": cit, "verified": ver}
            for (src, cit, ver), titles in groups.items()]


def _sources(r: Readiness) -> list[dict[str, str]]:
    return [{"title": q.title, "threshold": threshold_text(q), "source": q.source,
             "citation": q.citation, "verified": q.verified.isoformat(), "note": q.note}
            for q in r.profile.requirements]


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.0f}" if whole else "0"


def _trainee_rows(r: Readiness) -> list[dict[str, object]]:
    n_req = len(r.profile.requirements)
    titles = r.results["requirement"].to_numpy(dtype=object)
    status = r.results["status"].to_numpy(dtype=object)
    pages = page_names(list(r.trainees["trainee_id"]))
    rows = []
    for i, t in enumerate(r.trainees.itertuples(index=False)):
        block = slice(i * n_req, (i + 1) * n_req)
        still = [title for title, s in zip(titles[block], status[block], strict=True) if s != MET]
        rows.append({"trainee_id": t.trainee_id, "name": t.name, "site": t.site,
                     "ready": t.ready, "met": t.met, "open": ", ".join(still),
                     "page": "trainees/" + pages[t.trainee_id]})
    rows.sort(key=lambda x: (bool(x["ready"]), str(x["site"]), str(x["trainee_id"])))
    return rows


def render_dashboard(r: Readiness, figures: dict[str, str | None], by_site: pd.DataFrame) -> str:
    n = len(r.trainees)
    blockers = [{**b, "pct": _pct(b["blocked"], n)} for b in r.blockers().to_dict("records")]
    sites = [{**s, "pct": f"{s['ready_pct']:.0f}"} for s in by_site.to_dict("records")]
    return _env().get_template("dashboard.html.j2").render(
        profile=r.profile, as_of=r.as_of.isoformat(), css=_css(), n=n, n_ready=r.ready_count,
        pct_ready=_pct(r.ready_count, n), blockers=blockers, sites=sites, figures=figures,
        trainees=_trainee_rows(r), n_req=len(r.profile.requirements), sources=_sources(r))


def _page_rows(r: Readiness, block: dict[str, np.ndarray],
               hints: dict[str, str]) -> list[dict[str, object]]:
    return [{"requirement": title, "status": s, "detail": d, "date": day, "hint": hints[rid]}
            for rid, title, s, d, day in zip(block["requirement_id"], block["requirement"],
                                             block["status"], block["detail"], block["date"],
                                             strict=True)]


def render_trainees(r: Readiness, back: str | None = "../index.html") -> dict[str, str]:
    """Each trainee's page as HTML, keyed by trainee id."""
    template = _env().get_template("trainee.html.j2")
    n_req = len(r.profile.requirements)
    cols = {c: r.results[c].to_numpy(dtype=object)
            for c in ("requirement_id", "requirement", "status", "detail")}
    cols["date"] = _dates(r.results["evidence_date"]).to_numpy(dtype=object)
    common = {"profile": r.profile, "as_of": r.as_of.isoformat(), "css": _css(), "back": back,
              "labels": STATUS_LABELS, "sources": _grouped_sources(r)}
    hints = {q.id: hint(q) for q in r.profile.requirements}
    pages = {}
    for i, t in enumerate(r.trainees.to_dict("records")):
        rows = _page_rows(r, {c: v[i * n_req:(i + 1) * n_req] for c, v in cols.items()}, hints)
        pages[t["trainee_id"]] = template.render(
            t=t, rows=rows, todo=[x for x in rows if x["status"] != MET],
            done=[x for x in rows if x["status"] == MET], **common)
    return pages


def write_reports(r: Readiness, out: Path, scores: pd.DataFrame | None = None) -> list[Path]:
    """Write every report into ``out``; return the files written."""
    from peercert.readiness.figures import all_figures
    from peercert.readiness.records import empty_scores

    out.mkdir(parents=True, exist_ok=True)
    (out / "trainees").mkdir(exist_ok=True)
    files = [out / "readiness.csv", out / "board-export.csv", out / "index.html"]
    readiness_table(r).to_csv(files[0], index=False, lineterminator="\n")
    board_table(r).to_csv(files[1], index=False, lineterminator="\n")
    by_site = r.by_site()
    figures = all_figures(r, scores if scores is not None else empty_scores(), by_site)
    files[2].write_text(render_dashboard(r, figures, by_site), encoding="utf-8")
    names = page_names(list(r.trainees["trainee_id"]))
    for tid, html in render_trainees(r).items():
        path = out / "trainees" / names[tid]
        path.write_text(html, encoding="utf-8")
        files.append(path)
    return files

"""Readiness reports: CSV tables, a cohort dashboard and one printable page per trainee.

``out/readiness.csv``      every trainee and requirement: status, value, threshold, detail,
                           and for hours requirements the hours counted by source
                           (attendance, self-study, provider-approved, evidence), the hours
                           not counted (ask the board) and the sources by name.
``out/board-export.csv``   for the certification board: trainee id, name, profile,
                           requirement, status, dates (evidence, certification cycle start,
                           renewal due) and the counted hours by source with their names
                           (approval body and number). Nothing else, by construction.
``out/index.html``         the cohort dashboard (figures embedded as SVG).
``out/trainees/<id>.html`` one page per trainee, with print CSS (print to PDF from a browser,
                           or ``chromium --headless --print-to-pdf``).

Only statuses, numbers and dates are written: no quiz answers, no reflection text.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from html import escape
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from peercert import output
from peercert.output import templates
from peercert.readiness.evaluate import (
    MET,
    SOURCE_COLUMNS,
    STATE_NAMES,
    STATUS_LABELS,
    Readiness,
    day_texts,
)
from peercert.readiness.profile import AnyOf, Attestation, ExamPassed
from peercert.readiness.sources import CATEGORIES, GOVERNED, TITLE, describe
from peercert.tags import DOMAINS

PARALLEL_FROM = 2000  # trainees; below this, drawing the figures inline is quicker
READINESS_COLUMNS = ("trainee_id", "name", "site", "profile", "ready", "requirement_id",
                     "requirement", "status", "value", "threshold", "unit", "detail",
                     "evidence_date", "cycle_start", "renewal_due", "as_of", *SOURCE_COLUMNS)
BOARD_SOURCE_COLUMNS = tuple(c for c in SOURCE_COLUMNS if c != "hours_not_counted")
BOARD_COLUMNS = ("trainee_id", "name", "profile", "ready", "requirement_id", "status",
                 "evidence_date", "cycle_start", "renewal_due", "evaluated_on",
                 *BOARD_SOURCE_COLUMNS)
HINTS = {
    "training_hours": "Attend the remaining sessions and sign in, or log training hours",
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
    if getattr(req, "window", "months") == "cycle":
        text += " before the renewal due date"
    return text + "."


def _template(name: str) -> jinja2.Template:
    """A readiness template from the one jinja environment (``readiness/<name>``)."""
    return templates().get_template(f"readiness/{name}")


@cache
def _css() -> str:
    env = templates()
    assert env.loader is not None
    return env.loader.get_source(env, "readiness/style.css")[0]


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


def _per_row(r: Readiness, trainee_values: pd.Series) -> np.ndarray:
    """A per-trainee column repeated for each of the trainee's requirement rows."""
    return np.repeat(trainee_values.to_numpy(dtype=object), len(r.profile.requirements))


def _values(values: pd.Series) -> list[str]:
    """Numbers as text (2 decimals at most, '' for NaN), each distinct value formatted once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=float), use_na_sentinel=True)
    text = np.array([f"{round(v, 2):g}" for v in uniques.tolist()] + [""], dtype=object)
    return text[codes].tolist()  # code -1 (NaN) picks the trailing empty text


def _cycle_days(r: Readiness, days: pd.Series) -> list[str]:
    """Cycle dates as text; all empty, without formatting them, when there is no cycle."""
    return day_texts(days.to_numpy()) if r.profile.counts_cycle else [""] * len(days)


def readiness_columns(r: Readiness) -> dict[str, list]:
    """Every trainee and requirement, with names, sites, values and details."""
    res, t = r.results, r.trainees
    return {
        "trainee_id": res["trainee_id"].tolist(), "name": _per_row(r, t["name"]).tolist(),
        "site": _per_row(r, t["site"]).tolist(), "profile": [r.profile.id] * len(res),
        "ready": _per_row(r, t["ready"].map({True: "yes", False: "no"})).tolist(),
        "requirement_id": res["requirement_id"].tolist(),
        "requirement": res["requirement"].tolist(), "status": res["status"].tolist(),
        "value": _values(res["value"]), "threshold": _values(res["threshold"]),
        "unit": res["unit"].tolist(), "detail": res["detail"].tolist(),
        "evidence_date": day_texts(res["evidence_date"].to_numpy()),
        "cycle_start": _cycle_days(r, res["cycle_start"]),
        "renewal_due": _cycle_days(r, res["renewal_due"]),
        "as_of": [r.as_of.isoformat()] * len(res),
        **{c: _values(res[c]) for c in SOURCE_COLUMNS[:-1]},
        "hour_sources": res["hour_sources"].tolist(),
    }


def board_columns(r: Readiness, full: dict[str, list] | None = None) -> dict[str, list]:
    """What the certification board needs and nothing more (no details, no scores).

    Hours counted toward each hours requirement, by source, with the sources named (an
    approval's body, number and date; an hour log's file): every credited hour is traceable.
    """
    full = dict(full or readiness_columns(r))
    full["evaluated_on"] = full["as_of"]
    return {c: full[c] for c in BOARD_COLUMNS}


def readiness_table(r: Readiness) -> pd.DataFrame:
    return pd.DataFrame(readiness_columns(r), columns=list(READINESS_COLUMNS))


def board_table(r: Readiness) -> pd.DataFrame:
    return pd.DataFrame(board_columns(r), columns=list(BOARD_COLUMNS))


def write_csv(columns: dict[str, list], path: Path,
              modes: output.Modes = output.PRIVATE) -> Path:
    """Write column lists as one CSV, atomically and formula-safe (``peercert.output``)."""
    return output.write_csv(path, list(columns), zip(*columns.values(), strict=True), modes)


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
    if getattr(req, "window", "months") == "cycle":
        return text + f" per {months}-month certification cycle"
    return text + (f" within {months} months" if months else "")


CURRENT, ENDED, NO_DATE = "current", "ended", "no_date"


def cycle_states(r: Readiness) -> np.ndarray:
    """Per trainee: in a current cycle, cycle ended, or no certification date on file."""
    start = r.trainees["cycle_start"].to_numpy(dtype="datetime64[D]")
    due = r.trainees["renewal_due"].to_numpy(dtype="datetime64[D]")
    ended = due <= np.datetime64(r.as_of, "D")  # NaT compares False
    return np.where(np.isnat(start), NO_DATE, np.where(ended, ENDED, CURRENT)).astype(object)


def cycle_texts(r: Readiness) -> list[str]:
    """One sentence per trainee on their certification cycle ('' if the profile has none)."""
    if not r.profile.counts_cycle:
        return [""] * len(r.trainees)
    months = r.profile.cycle_months
    due = r.trainees["renewal_due"].to_numpy(dtype="datetime64[D]")
    left = (due - np.datetime64(r.as_of, "D")).astype(np.int64).tolist()
    starts = day_texts(r.trainees["cycle_start"].to_numpy(dtype="datetime64[D]"))
    lasts = day_texts(due - np.timedelta64(1, "D"))
    none = (f"No certification date on file: hours are counted over the last {months} months. "
            "Log the day the certification or last renewal took effect as a certified row "
            "to count over the certification cycle.")

    def text(state: str, start: str, last: str, due_day: str, days: int) -> str:
        if state == NO_DATE:
            return none
        cycle = f"Certification cycle {start} to {last}"
        if state == ENDED:
            return (f"{cycle}; renewal was due {due_day}: this cycle has ended. Log the "
                    "renewal as a new certified row to start the next cycle.")
        return f"{cycle}; renewal due {due_day}, in {days} day{'s' if days != 1 else ''}."

    return list(map(text, cycle_states(r).tolist(), starts, lasts, day_texts(due), left))


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


RULE_TEXT = {"accepted": "counted", "ask-the-board": "not counted: ask the board",
             "not-accepted": "not counted: the board does not accept these"}
EVIDENCE_NOTE = ("Rows of the evidence files given to peercert readiness: the program's own "
                 "hour logs, counted as logged.")


def training_policy(r: Readiness) -> list[dict[str, str]]:
    """What counts as training hours for this credential, source by source, and why."""
    rules = r.profile.training_sources
    out = []
    for cat in GOVERNED:
        rule = rules.rule(cat)
        note = rule.note + (f" Approvals by: {', '.join(rule.bodies)}." if rule.bodies else "")
        out.append({"title": TITLE[cat], "status": RULE_TEXT[rule.status],
                    "counted": "yes" if rule.counted else "", "note": note.strip(),
                    "source": rule.source,
                    "verified": rule.verified.isoformat() if rule.verified else ""})
    out.append({"title": TITLE["evidence"], "status": "counted", "counted": "yes",
                "note": EVIDENCE_NOTE, "source": "", "verified": ""})
    return out


def hours_by_source(r: Readiness) -> list[dict[str, str]]:
    """Training hours on file across the cohort, per source: counted, held, covered."""
    c = r.credits
    out = []
    for cat in CATEGORIES:
        part = c[c["category"] == cat]
        row = {"title": TITLE[cat]}
        for key, state in zip(("counted", "held", "covered"), STATE_NAMES, strict=True):
            sel = part[part["state"] == state]
            row[key] = _hours_text_total(sel["hours"].sum())
            row[f"{key}_n"] = str(sel["trainee_id"].nunique())
        out.append(row)
    return out


def _hours_text_total(hours: float) -> str:
    return f"{round(hours, 1):g}"


def _codes(values: np.ndarray) -> tuple[np.ndarray, list]:
    codes, uniques = pd.factorize(values)
    return codes, list(uniques)


def _pair_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the distinct (a, b) pairs, and the pairs (cheaper than a MultiIndex)."""
    ca, ua = pd.factorize(a)
    cb, ub = pd.factorize(b)
    codes, uniques = pd.factorize(ca.astype(np.int64) * max(len(ub), 1) + cb)
    width = max(len(ub), 1)
    return codes, [(ua[u // width], ub[u % width]) for u in uniques.tolist()]


def _credit_rows(r: Readiness) -> tuple[dict[str, Markup], set[str]]:
    """Each trainee's training hours by source (table rows), and who has hours held.

    Every cell is formatted once per distinct value and rows are cut per trainee from one
    sorted array: a state's 10,000 trainees have some 400,000 such rows.
    """
    c = r.credits
    if c.empty:
        return {}, set()
    badge = {STATE_NAMES[0]: '<span class="badge met">counted</span>',
             STATE_NAMES[1]: '<span class="badge not_met">ask the board</span>',
             STATE_NAMES[2]: '<span class="badge covered">covered by the approval</span>'}
    pair, pairs = _pair_codes(c["source"].to_numpy(dtype=object),
                              c["topic"].to_numpy(dtype=object))
    head = np.array([f"<tr><td>{escape(describe(s))}</td><td>{escape(DOMAINS.get(t, t))}</td>"
                     for s, t in pairs], dtype=object)
    hour, hours = _codes(c["hours"].to_numpy(dtype=float))
    hour_cells = np.array([f'<td class="num">{h:.2f}</td>' for h in hours], dtype=object)
    span, spans = _pair_codes(c["first"].to_numpy(dtype="datetime64[D]").astype(np.int64),
                              c["last"].to_numpy(dtype="datetime64[D]").astype(np.int64))
    span_cells = np.array([f'<td class="num">{_day_span(a, b)}</td>' for a, b in spans],
                          dtype=object)
    state = c["state"].map({x: i for i, x in enumerate(STATE_NAMES)}).to_numpy(dtype=np.int64)
    tail = np.array([f"<td>{badge[x]}</td></tr>" for x in STATE_NAMES], dtype=object)
    html = head[pair] + hour_cells[hour] + span_cells[span] + tail[state]
    who, people = _codes(c["trainee_id"].to_numpy(dtype=object))
    category = c["category"].map({x: i for i, x in enumerate(CATEGORIES)}).to_numpy()
    order = np.lexsort((pair, category, state, who))
    html, who = html[order].tolist(), who[order]
    cuts = np.flatnonzero(np.diff(who)) + 1
    starts, ends = np.r_[0, cuts], np.r_[cuts, len(who)]
    rows = {str(people[who[a]]): Markup("\n".join(html[a:b])) for a, b in zip(starts, ends,
                                                                             strict=True)}
    held = set(c.loc[c["state"] == STATE_NAMES[1], "trainee_id"])
    return rows, held


def _day_span(first: int, last: int) -> str:
    """Two int64 day numbers as 'YYYY-MM-DD' or 'YYYY-MM-DD to YYYY-MM-DD'."""
    a, b = (day_texts(np.array([x], dtype="datetime64[D]"))[0] for x in (first, last))
    return a if a == b else f"{a} to {b}"


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.0f}" if whole else "0"


def _trainee_rows(r: Readiness) -> Markup:
    """The dashboard's trainee table rows, not-ready first (built here: 10,000 rows)."""
    n_req = len(r.profile.requirements)
    dues = (day_texts(r.trainees["renewal_due"].to_numpy(dtype="datetime64[D]"))
            if r.profile.counts_cycle else None)
    titles = [escape(q.title) for q in r.profile.requirements]
    status = r.results["status"].tolist()
    pages = page_names(list(r.trainees["trainee_id"]))
    badge = {True: '<span class="badge met">ready</span>',
             False: '<span class="badge not_met">not ready</span>'}
    rows = []
    for i, t in enumerate(r.trainees.itertuples(index=False)):
        still = ", ".join(x for x, s in zip(titles, status[i * n_req:(i + 1) * n_req],
                                            strict=True) if s != MET)
        html = (f'<tr><td><a href="trainees/{escape(pages[t.trainee_id])}">{escape(t.name)}</a> '
                f'<span class="small">{escape(t.trainee_id)}</span></td><td>{escape(t.site)}</td>'
                f'<td>{badge[bool(t.ready)]}</td><td class="num">{t.met}/{n_req}</td>'
                + (f'<td class="num">{dues[i] or "no date on file"}</td>' if dues else "")
                + f'<td class="small">{still}</td></tr>')
        rows.append((bool(t.ready), str(t.site), str(t.trainee_id), html))
    rows.sort(key=lambda x: x[:3])
    return Markup("\n".join(x[3] for x in rows))


def render_dashboard(r: Readiness, figures: dict[str, str | None],
                     by_site: pd.DataFrame) -> str:
    n = len(r.trainees)
    blockers = [{**b, "pct": _pct(b["blocked"], n)} for b in r.blockers().to_dict("records")]
    sites = [{**s, "pct": f"{s['ready_pct']:.0f}"} for s in by_site.to_dict("records")]
    states = cycle_states(r)
    cycles = ({s: int((states == s).sum()) for s in (CURRENT, ENDED, NO_DATE)}
              if r.profile.counts_cycle else None)
    return _template("dashboard.html.j2").render(cycles=cycles,
        profile=r.profile, as_of=r.as_of.isoformat(), css=_css(), n=n, n_ready=r.ready_count,
        pct_ready=_pct(r.ready_count, n), blockers=blockers, sites=sites, figures=figures,
        trainees=_trainee_rows(r), n_req=len(r.profile.requirements), sources=_sources(r),
        hours=hours_by_source(r), policy=training_policy(r))


_BADGE = {k: f'<span class="badge {k}">{v}</span>' for k, v in STATUS_LABELS.items()}


def _rows_html(titles: list[str], statuses: list[str], details: list[str],
               last: list[tuple[str, str]]) -> tuple[Markup, Markup]:
    """The 'what remains' and 'what is met' table rows of one trainee (already escaped)."""
    todo, done = [], []
    for title, status, detail, extra in zip(titles, statuses, details, last, strict=True):
        cells = f"<tr><td>{title}</td><td>{_BADGE[status]}</td><td>{detail}</td>"
        if status == MET:
            done.append(f'{cells}<td class="num">{extra[1]}</td></tr>')
        else:
            todo.append(f"{cells}<td>{extra[0]}</td></tr>")
    return Markup("\n".join(todo)), Markup("\n".join(done))


def render_trainees(r: Readiness, back: str | None = "../index.html") -> dict[str, str]:
    """Each trainee's page as HTML, keyed by trainee id."""
    page = _template("trainee.html.j2")
    tail = Markup(_template("trainee_tail.html.j2").render(
        profile=r.profile, sources=_grouped_sources(r), policy=training_policy(r)))
    credits, held = _credit_rows(r)
    n_req = len(r.profile.requirements)
    titles = [escape(q.title) for q in r.profile.requirements]
    hints = [escape(hint(q)) for q in r.profile.requirements]
    status = r.results["status"].tolist()
    details = [escape(d) for d in r.results["detail"].tolist()]
    dates = day_texts(r.results["evidence_date"].to_numpy())
    cycles = cycle_texts(r)
    common = {"profile": r.profile, "as_of": r.as_of.isoformat(), "css": Markup(_css()),
              "back": back, "tail": tail, "total": n_req}
    pages = {}
    for i, t in enumerate(r.trainees.itertuples(index=False)):
        block = slice(i * n_req, (i + 1) * n_req)
        todo, done = _rows_html(titles, status[block], details[block],
                                list(zip(hints, dates[block], strict=True)))
        pages[t.trainee_id] = page.render(name=t.name, trainee_id=t.trainee_id, site=t.site,
                                          ready=t.ready, met=t.met, todo=todo, done=done,
                                          cycle=cycles[i], hours=credits.get(t.trainee_id, ""),
                                          held=t.trainee_id in held, **common)
    return pages


def write_pages(folder: Path, pages: dict[str, str],
                modes: output.Modes = output.PRIVATE) -> list[Path]:
    """Write trainee pages; drop pages a previous run left for trainees no longer listed."""
    output.prepare_folder(folder, modes)
    names = page_names(list(pages))
    keep = set(names.values())
    for old in folder.glob("*.html"):
        if old.name not in keep:
            old.unlink()
    paths = []
    for tid, html in pages.items():
        path = folder / names[tid]
        paths.append(output.write_text(path, html, modes))
    return paths


def write_reports(r: Readiness, out: Path, scores: pd.DataFrame | None = None, *,
                  parallel: bool | None = None,
                  modes: output.Modes = output.PRIVATE) -> list[Path]:
    """Write every report into ``out``; return the files written.

    From ``PARALLEL_FROM`` trainees on (or when ``parallel`` is true), the figures are drawn
    in a second interpreter while this one writes the tables and pages.
    """
    from peercert.readiness.figures import FigureJob, figure_data, render_figures
    from peercert.readiness.records import empty_scores

    output.prepare_folder(out, modes)
    files = [out / "readiness.csv", out / "board-export.csv", out / "index.html"]
    by_site = r.by_site()
    data = figure_data(r, scores if scores is not None else empty_scores(), by_site)
    two = len(r.trainees) >= PARALLEL_FROM if parallel is None else parallel
    job = FigureJob(data) if two else None
    columns = readiness_columns(r)
    write_csv(columns, files[0], modes)
    write_csv(board_columns(r, columns), files[1], modes)
    pages = write_pages(out / "trainees", render_trainees(r), modes)
    figures = job.result() if job else render_figures(data)
    output.write_text(files[2], render_dashboard(r, figures, by_site), modes)
    return files + pages

"""Self-contained HTML reports from jinja2 templates (autoescaped): one page per submission and a cohort page."""

from __future__ import annotations

import math
import re
import statistics
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

import jinja2

from harness import __version__
from harness.errors import HarnessError
from harness.report import plots
from harness.report.audience import check_audience, identity, make_scrubber, sensitive_values
from harness.report.summary import (ObjectiveSummary, criteria_names, objective_summaries, runtimes, slug,
                                    targets_of, trial_anchor)
from harness.report.svg import fmt_num
from harness.results import SubmissionResult, SubmissionStatus, TrialResult

if TYPE_CHECKING:
    from harness.bank import Bank


MESSAGE_CAP = 300  # candidate view of a hidden objective: a short message leaves little room to smuggle data


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one jinja2 environment: templates shipped inside the package, autoescape always on."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("harness.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: "\u2014" if v is None else fmt_num(v)
    env.filters["gap"] = fmt_gap
    env.filters["pct"] = lambda v: "\u2014" if v is None else f"{100 * v:.0f}%"
    env.filters["point"] = lambda p: "\u2014" if not p else "(" + ", ".join(f"{float(v):.6g}" for v in p) + ")"
    return env


def fmt_gap(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "\u2014"
    return "0" if value == 0 else f"{value:.2e}"


def band(result: SubmissionResult) -> str:
    """CSS class of the verdict band: the colour a reader sees before reading anything."""
    if result.status is not SubmissionStatus.GRADED:
        return "bad"
    return "good" if result.score >= 70 else "fair" if result.score >= 40 else "bad"


_RUN_REF = re.compile(r"\b([A-Za-z0-9_.-]+)#(\d+)\b")


def linkify(text: str, anchors: dict[tuple[str, int], str]) -> list[tuple[str, str | None]]:
    """Split text into (piece, href) parts so that diagnoses' run references ("lunacek_2d#3") link to the run."""
    parts: list[tuple[str, str | None]] = []
    last = 0
    for m in _RUN_REF.finditer(text):
        href = anchors.get((m.group(1), int(m.group(2))))
        if href:
            parts += [(text[last:m.start()], None), (m.group(0), "#" + href)]
            last = m.end()
    parts.append((text[last:], None))
    return [p for p in parts if p[0]]


def _criteria_rows(result: SubmissionResult, scrub: Callable[[str], str]) -> list[dict[str, Any]]:
    total_weight = sum(c.weight for c in result.criteria.values()) or 1.0
    return [{"name": name, "score": c.score, "weight": c.weight, "points": 100 * c.score * c.weight / total_weight,
             "evidence": scrub(c.evidence)}
            for name in criteria_names([result]) for c in [result.criteria[name]]]


def _trial_view(t: TrialResult, private: bool, scrub: Callable[[str], str]) -> dict[str, Any]:
    message = scrub(t.message) if private else scrub(t.message)[:MESSAGE_CAP]
    return {"anchor": trial_anchor(t), "t": t, "message": message, "notes": [scrub(n) for n in t.notes],
            "x0": t.x0 if private else None, "returned": t.returned if private else None,
            "stdout_head": t.stdout_head if private else "", "stdout_tail": t.stdout_tail if private else "",
            "output_hidden": not private and bool(t.stdout_head or t.stdout_tail)}


def _pictures(s: ObjectiveSummary, bank: Any, private: bool, notes: list[str]) -> list[Any]:
    figs = []
    if private and bank is not None and s.dim in (1, 2):
        try:
            entry = bank.entry(s.name)
            objective = bank.objective(s.name)
        except (KeyError, HarnessError) as exc:
            notes.append(f"{s.name}: landscape not drawn ({exc})")
        else:
            draw = plots.landscape_figure if s.dim == 2 else plots.curve_figure
            figs.append(draw(s, entry, objective, str(getattr(bank, "hash", ""))))
    figs.append(plots.convergence_figure(s))
    return [f for f in figs if f is not None]


def _minimum(s: ObjectiveSummary, bank: Any) -> dict[str, Any] | None:
    try:
        entry = bank.entry(s.name) if bank is not None else None
    except KeyError:
        entry = None
    if entry is None:
        return None
    box = ["[" + ", ".join(fmt_num(float(v)) for v in b) + "]" for b in entry.bounds]
    bounds = f"{box[0]}^{len(box)}" if len(box) > 1 and len(set(box)) == 1 else " x ".join(box)
    return {"x_star": entry.x_star, "f_star": entry.f_star, "bounds": bounds, "local_minima": entry.local_minima}


def render_submission(result: SubmissionResult, bank: Bank | None, audience: str = "team") -> str:
    """A self-contained report.html: verdict, criteria, objectives, pictures, notes and folded trial details."""
    team = check_audience(audience) == "team"
    summaries = objective_summaries(result, bank)
    public = {s.name for s in summaries if not s.hidden}
    hidden = ({s.name for s in summaries} | {p.objective for p in result.gradient_probes}) - public
    scrub = identity if team else make_scrubber(sensitive_values(result, bank, hidden))
    drawing_notes: list[str] = []
    objectives = []
    for s in summaries:
        private = team or not s.hidden
        objectives.append({"s": s, "private": private, "figures": _pictures(s, bank, private, drawing_notes),
                           "minimum": _minimum(s, bank) if private else None,
                           "trials": [_trial_view(t, private, scrub) for t in s.trials]})
    anchors: dict[tuple[str, int], str] = {}
    for t in result.trials:
        anchors.setdefault((t.objective, t.start), trial_anchor(t))
    probes = [{"p": p, "x": p.x if team or p.objective not in hidden else None, "message": scrub(p.message)}
              for p in result.gradient_probes]
    return environment().get_template("submission.html.j2").render(
        r=result, team=team, audience=audience, band=band(result), message=scrub(result.message),
        diagnoses=[linkify(scrub(d), anchors) for d in result.diagnoses], criteria=_criteria_rows(result, scrub),
        objectives=objectives, probes=probes, gradient_figure=plots.gradient_figure(result.gradient_probes),
        notes=[scrub(n) for n in result.notes] + drawing_notes,
        flags=[{"policy": f.policy, "evidence": scrub(f.evidence)} for f in result.policy_flags],
        sub_id=result.submission.get("id", "submission"), version=__version__)


def render_cohort(results: list[SubmissionResult], links: dict[str, str]) -> str:
    """cohort.html: every submission in one sortable table, the score distribution and per-submission ECDFs."""
    criteria = criteria_names(results)
    rows, curves = [], []
    longest = 10
    for r in results:
        sid = r.submission.get("id", "")
        times, run_longest = runtimes(r, targets_of(r))
        longest = max(longest, run_longest)
        pts = plots.ecdf_points(times, run_longest)
        curves.append((sid, pts))
        rows.append({"id": sid, "anchor": f"s-{slug(sid)}", "href": links.get(sid), "r": r,
                     "criteria": [r.criteria.get(c) for c in criteria], "pts": pts,
                     "reached": pts[-1][1] if pts else None, "top_diagnosis": r.diagnoses[0] if r.diagnoses else "",
                     "flags": sorted({f.policy for f in r.policy_flags})})
    order = sorted(range(len(rows)), key=lambda i: (-rows[i]["r"].score,
                                                    rows[i]["r"].status is not SubmissionStatus.GRADED, rows[i]["id"]))
    rows = [rows[i] for i in order]
    for row in rows:
        row["spark"] = plots.sparkline(row["pts"], longest)
    scores = [r.score for r in results]
    return environment().get_template("cohort.html.j2").render(
        rows=rows, criteria=criteria, histogram=plots.histogram_figure(scores),
        ecdf=plots.ecdf_figure([curves[i] for i in order]), count=len(results),
        graded=sum(1 for r in results if r.status is SubmissionStatus.GRADED),
        median=statistics.median(scores) if scores else None, version=__version__)

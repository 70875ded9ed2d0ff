"""Self-contained HTML reports from jinja2 templates (autoescaped): one page per submission and a cohort page."""

from __future__ import annotations

import math
import statistics
from functools import lru_cache
from typing import Any, Callable

import jinja2

from harness import __version__
from harness.errors import HarnessError
from harness.report import plots
from harness.report.audience import check_audience, identity, make_scrubber, sensitive_values
from harness.report.summary import (ObjectiveSummary, criteria_names, objective_summaries, runtimes, slug,
                                    trial_anchor)
from harness.report.svg import fmt_num
from harness.results import SubmissionResult, SubmissionStatus, TrialResult


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


def _criteria_rows(result: SubmissionResult, scrub: Callable[[str], str]) -> list[dict[str, Any]]:
    total_weight = sum(c.weight for c in result.criteria.values()) or 1.0
    return [{"name": name, "score": c.score, "weight": c.weight, "points": 100 * c.score * c.weight / total_weight,
             "evidence": scrub(c.evidence)}
            for name in criteria_names([result]) for c in [result.criteria[name]]]


def _trial_view(t: TrialResult, private: bool, scrub: Callable[[str], str]) -> dict[str, Any]:
    return {"anchor": trial_anchor(t), "t": t, "message": scrub(t.message), "notes": [scrub(n) for n in t.notes],
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
            figs.append(plots.landscape_figure(s, entry, objective) if s.dim == 2
                        else plots.curve_figure(s, entry, objective))
    figs.append(plots.convergence_figure(s))
    return [f for f in figs if f is not None]


def _minimum(s: ObjectiveSummary, bank: Any) -> dict[str, Any] | None:
    try:
        entry = bank.entry(s.name) if bank is not None else None
    except KeyError:
        entry = None
    if entry is None:
        return None
    return {"x_star": entry.x_star, "f_star": entry.f_star, "bounds": entry.bounds,
            "local_minima": entry.local_minima}


def render_submission(result: SubmissionResult, bank: Any | None, audience: str = "team") -> str:
    """A self-contained report.html: verdict, criteria, objectives, pictures, notes and folded trial details."""
    team = check_audience(audience) == "team"
    summaries = objective_summaries(result, bank)
    hidden = {s.name for s in summaries if s.hidden} | {p.objective for p in result.gradient_probes}
    hidden -= {s.name for s in summaries if not s.hidden}
    scrub = identity if team else make_scrubber(sensitive_values(result, bank, hidden))
    drawing_notes: list[str] = []
    objectives = []
    for s in summaries:
        private = team or not s.hidden
        objectives.append({"s": s, "private": private, "figures": _pictures(s, bank, private, drawing_notes),
                           "minimum": _minimum(s, bank) if private else None,
                           "trials": [_trial_view(t, private, scrub) for t in s.trials]})
    probes = [{"p": p, "x": p.x if team or p.objective not in hidden else None, "message": scrub(p.message)}
              for p in result.gradient_probes]
    return environment().get_template("submission.html.j2").render(
        r=result, team=team, audience=audience, band=band(result), message=scrub(result.message),
        diagnoses=[scrub(d) for d in result.diagnoses], criteria=_criteria_rows(result, scrub),
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
        times, run_longest = runtimes(r, {s.name: s.target for s in objective_summaries(r)})
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

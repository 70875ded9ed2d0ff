"""Results for other tools: CSV (a row per trial), Gradescope results.json, JUnit XML (a testcase per objective).

CSV and JUnit are team outputs. The Gradescope file is what students see, so it holds only scores, statuses and
gap-terms text, scrubbed like the candidate page; per-objective tests are shown `after_published`.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Sequence

from harness.report.audience import make_scrubber, sensitive_values
from harness.report.summary import CRASHES, ObjectiveSummary, criteria_names, objective_summaries
from harness.results import SubmissionResult, SubmissionStatus, TrialResult

CSV_COLUMNS = ("submission_id", "grading_status", "grading_message", "score", "objective", "start", "start_kind",
               "seed", "status", "success", "f_gap", "evaluations", "evaluations_to_target", "basin", "scored_on",
               "message", "x0", "returned", "wall_s")


def _point(p: Sequence[float] | None) -> str:
    return "" if not p else " ".join(repr(float(v)) for v in p)


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def export_csv(results: Sequence[SubmissionResult]) -> str:
    """A row per trial; a submission with no trials (it failed to load) still gets one row with its status."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        head = [r.submission.get("id", ""), r.status.value, r.message, f"{r.score:.4f}"]
        if not r.trials:
            writer.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
        for t in r.trials:
            writer.writerow(head + [_cell(v) for v in (
                t.objective, t.start, t.start_kind, t.seed, t.status.value, t.success, t.f_gap, t.evaluations,
                t.evaluations_to_target, t.basin, t.scored_on, t.message, _point(t.x0), _point(t.returned),
                f"{t.wall_s:.3f}")])
    return buf.getvalue()


def _objective_text(s: ObjectiveSummary, scrub) -> str:
    lines = [f"{s.successes} of {s.runs} runs reached the target gap"
             + (f" {s.target:.2e}" if s.target else "") + "."]
    if s.median_to_target is not None:
        ref = f" (reference optimizer: {s.reference_evaluations})" if s.reference_evaluations else ""
        lines.append(f"Median evaluations to the target: {s.median_to_target:.0f}{ref}.")
    if s.best_gap is not None:
        lines.append(f"Best gap f - f*: {s.best_gap:.2e}.")
    lines.append("Statuses: " + ", ".join(f"{k} {n}" for k, n in s.status_counts) + ".")
    for t in s.trials:
        if t.message:
            lines.append(f"start {t.start} ({t.status.value}): {scrub(t.message)}")
    return "\n".join(lines)


def export_gradescope(result: SubmissionResult) -> str:
    """Gradescope results.json: the top-level score (it overrides the test sum), a test per objective."""
    summaries = objective_summaries(result)
    public = {s.name for s in summaries if not s.hidden}
    hidden = ({s.name for s in summaries} | {p.objective for p in result.gradient_probes}) - public
    scrub = make_scrubber(sensitive_values(result, None, hidden))
    total_weight = sum(c.weight for c in result.criteria.values()) or 1.0
    head = [f"Score {result.score:.1f}/100 ({result.status.value})."]
    if result.message:
        head.append(scrub(result.message))
    head += [f"{name}: {100 * result.criteria[name].score:.0f}% (weight {result.criteria[name].weight:g}) - "
             f"{scrub(result.criteria[name].evidence)}" for name in criteria_names([result])]
    head += [f"- {scrub(d)}" for d in result.diagnoses]
    tests = []
    for n, s in enumerate(summaries, start=1):
        tests.append({
            "name": f"{s.name} ({', '.join(s.kinds) or 'objective'}{f', {s.dim}-D' if s.dim else ''})",
            "number": f"1.{n}", "score": float(s.successes), "max_score": float(s.runs),
            "status": "passed" if s.runs and s.successes == s.runs else "failed",
            "output": _objective_text(s, scrub), "output_format": "text",
            "visibility": "after_published" if s.hidden else "visible", "tags": list(s.kinds),
        })
    data = {
        "score": round(float(result.score), 4),
        "output": "\n".join(head), "output_format": "text", "visibility": "visible",
        "stdout_visibility": "hidden", "tests": tests,
        "extra_data": {"submission_id": result.submission.get("id", ""), "status": result.status.value,
                       "criteria": {k: round(c.score * c.weight / total_weight, 6)
                                    for k, c in sorted(result.criteria.items())}},
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _case(suite: ET.Element, sid: str, s: ObjectiveSummary) -> tuple[int, int]:
    """One testcase; returns (failures, errors) it adds. A crash or timeout is an error, a miss a failure."""
    case = ET.SubElement(suite, "testcase", classname=sid, name=s.name,
                         time=f"{sum(t.wall_s for t in s.trials):.3f}")
    crashed = [t for t in s.trials if t.status in CRASHES]
    missed = [t for t in s.trials if not t.success and t.status not in CRASHES]
    if crashed:
        kinds = sorted({t.status.value for t in crashed})
        el = ET.SubElement(case, "error", type=",".join(kinds),
                           message=f"{len(crashed)} of {s.runs} runs ended in {', '.join(kinds)}")
        el.text = _details(crashed)
        return 0, 1
    if missed or not s.trials:
        el = ET.SubElement(case, "failure", type="target_missed",
                           message=f"{s.successes} of {s.runs} runs reached the target")
        el.text = _details(missed)
        return 1, 0
    return 0, 0


def _details(trials: Sequence[TrialResult]) -> str:
    return "\n".join(f"start {t.start} seed {t.seed}: {t.status.value}, gap {t.f_gap!r}, "
                     f"{t.evaluations} evaluations. {t.message}".rstrip() for t in trials)


def export_junit(results: Sequence[SubmissionResult]) -> str:
    """JUnit XML: a testsuite per submission with its score as properties, a testcase per objective."""
    root = ET.Element("testsuites", name="harness")
    totals = [0, 0, 0]
    for r in results:
        sid = r.submission.get("id", "")
        suite = ET.SubElement(root, "testsuite", name=sid)
        props = ET.SubElement(suite, "properties")
        pairs = [("score", f"{r.score:.4f}"), ("max_score", "100"), ("status", r.status.value)]
        pairs += [(f"criterion.{k}", f"{r.criteria[k].score:.6f}") for k in criteria_names([r])]
        pairs += [(f"policy.{f.policy}", f.evidence) for f in r.policy_flags]
        for name, value in pairs:
            ET.SubElement(props, "property", name=name, value=value)
        failures = errors = 0
        summaries = objective_summaries(r)
        if r.status is not SubmissionStatus.GRADED:
            case = ET.SubElement(suite, "testcase", classname=sid, name="load", time="0.000")
            ET.SubElement(case, "error", type=r.status.value, message=r.message or r.status.value)
            errors += 1
        for s in summaries:
            f, e = _case(suite, sid, s)
            failures, errors = failures + f, errors + e
        tests = len(summaries) + (r.status is not SubmissionStatus.GRADED)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        suite.set("time", f"{sum(t.wall_s for t in r.trials):.3f}")
        totals = [totals[0] + tests, totals[1] + failures, totals[2] + errors]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""Exports read back by their consumers' rules: csv module, Gradescope's spec fields, junitparser."""

from __future__ import annotations

import csv
import io
import json

import junitparser

from .conftest import LOCAL, X_STAR, make_result
from harness.report import export_csv, export_gradescope, export_junit
from harness.report.exports import CSV_COLUMNS
from harness.results import SubmissionStatus


def cohort():
    return [make_result("strong", 1.0, 1), make_result("weak", 0.2, 2),
            make_result("broken", status=SubmissionStatus.SYNTAX_ERROR)]


def test_csv_has_a_row_per_trial_and_keeps_failed_submissions():
    results = cohort()
    rows = list(csv.DictReader(io.StringIO(export_csv(results))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(r.trials) for r in results) + 1
    broken = [r for r in rows if r["submission_id"] == "broken"]
    assert len(broken) == 1 and broken[0]["grading_status"] == "syntax_error"
    assert "line 3, column 7" in broken[0]["grading_message"] and broken[0]["objective"] == ""
    timeouts = [r for r in rows if r["status"] == "timeout"]
    assert len(timeouts) == 2 and all(r["success"] == "false" for r in timeouts)
    first = results[0].trials[0]
    row = rows[0]
    assert float(row["f_gap"]) == first.f_gap and int(row["evaluations"]) == first.evaluations
    assert tuple(float(v) for v in row["x0"].split()) == first.x0
    assert export_csv(results) == export_csv(cohort())


def test_gradescope_follows_the_spec_and_hides_the_answers():
    result = make_result("weak", 0.5, 3)
    data = json.loads(export_gradescope(result))
    assert data["score"] == round(result.score, 4)
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "hidden"
    tests = data["tests"]
    assert [t["name"].split(" ")[0] for t in tests] == ["takehome-2d", "forrester-1d", "sphere-5d"]
    for t in tests:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["status"] in ("passed", "failed") and t["visibility"] == "after_published"
        assert 0 <= t["score"] <= t["max_score"]
        assert (t["status"] == "passed") == (t["score"] == t["max_score"])
    sphere = tests[2]
    assert "timeout 1" in sphere["output"] and sphere["status"] == "failed"
    text = json.dumps(data)
    for v in (*X_STAR, *LOCAL):
        assert f"{v:.2f}" not in text and f"{v:.3g}" not in text and repr(v) not in text


def test_gradescope_for_an_unloadable_submission():
    data = json.loads(export_gradescope(make_result("broken", status=SubmissionStatus.SYNTAX_ERROR)))
    assert data["score"] == 0 and data["tests"] == [] and "syntax_error" in data["output"]


def test_junit_parses_and_keeps_failures_and_errors_apart(tmp_path):
    results = cohort()
    path = tmp_path / "junit.xml"
    path.write_text(export_junit(results))
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    assert list(suites) == ["strong", "weak", "broken"]
    strong = suites["strong"]
    props = {p.name: p.value for p in strong.properties()}
    assert float(props["score"]) == round(results[0].score, 4) and props["max_score"] == "100"
    assert set(props) >= {"criterion.correctness", "criterion.robustness", "status"}
    cases = {c.name: c for c in strong}
    assert set(cases) == {"takehome-2d", "forrester-1d", "sphere-5d"}
    assert cases["takehome-2d"].is_passed
    sphere = cases["sphere-5d"].result
    assert len(sphere) == 1 and isinstance(sphere[0], junitparser.Error)
    assert sphere[0].type == "error,timeout"
    weak = {c.name: c for c in suites["weak"]}
    missed = [c for c in weak.values() if c.result and isinstance(c.result[0], junitparser.Failure)]
    assert missed and all(c.result[0].type == "target_missed" for c in missed)
    assert strong.errors == 1 and strong.failures == 0 and strong.tests == 3
    broken = list(suites["broken"])
    assert len(broken) == 1 and isinstance(broken[0].result[0], junitparser.Error)
    assert broken[0].result[0].type == "syntax_error"
    assert xml.tests == sum(s.tests for s in suites.values())

"""results.json: round trip, sorted keys, atomic writes, schema-version errors."""

import json

import pytest

from harness.errors import ResultsError
from harness.results import (
    SCHEMA_VERSION, CallPlan, Criterion, SubmissionResult, SubmissionStatus, TrialResult, TrialStatus,
    dumps_results, read_results, write_results,
)


def _result(score: float = 42.0) -> SubmissionResult:
    trial = TrialResult(objective="sphere-2d", start=0, start_kind="uniform", seed=1, x0=(1.0, 2.0),
                        status=TrialStatus.OK, message="", evaluations=10, success=True, f_gap=1e-9,
                        basin="global", returned=(0.0, 0.0), scored_on="returned", evaluations_to_target=8,
                        convergence=((1, 5.0), (8, 1e-9)), wall_s=0.1)
    return SubmissionResult(
        schema_version=SCHEMA_VERSION, harness_version="0.1.0", bank={"path": "b", "hash": "h"},
        rubric={"path": "r", "hash": "h"}, submission={"id": "s", "source": "s.py", "sha256": "x", "kind": "py"},
        status=SubmissionStatus.GRADED, message="", score=score,
        criteria={"correctness": Criterion(score=1.0, weight=0.4, evidence="all")},
        trials=(trial,), gradient_probes=(), policy_flags=(), notes=("n",), diagnoses=("d",),
        plan={"minimize": [CallPlan(target="minimize", args=("func", "x0")).to_json()]},
    )


def test_round_trip_keeps_types_and_sorts_keys(tmp_path):
    path = tmp_path / "out" / "results.json"
    write_results(_result(), path)
    text = path.read_text()
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert '"x0": [1.0, 2.0]' in text and "[8, 1e-09]" in text  # number arrays on one line, still valid JSON
    back = read_results(path)
    assert back == _result()
    assert back.trials[0].status is TrialStatus.OK
    assert back.trials[0].convergence == ((1, 5.0), (8, 1e-9))
    assert dumps_results(back) == text


def test_atomic_write_leaves_no_temp_files_and_replaces(tmp_path):
    path = tmp_path / "results.json"
    write_results(_result(1.0), path)
    write_results(_result(2.0), path)
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert read_results(path).score == 2.0


def test_other_schema_version_names_the_fix(tmp_path):
    path = tmp_path / "results.json"
    data = json.loads(dumps_results(_result()))
    data["schema_version"] = SCHEMA_VERSION + 1
    data["harness_version"] = "9.9.9"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=r"schema version .*9\.9\.9"):
        read_results(path)


def test_garbage_results_file_is_a_results_error(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json")
    with pytest.raises(ResultsError, match="not a readable results.json"):
        read_results(path)

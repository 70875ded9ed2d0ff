"""Batch bookkeeping: ids, shards, and a harness bug in one submission not stopping the others."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness import batch
from harness.errors import HarnessError

from .test_results import _result

ROOT = Path(__file__).resolve().parents[1]


def test_shard_text_is_checked():
    assert batch.parse_shard(None) is None
    assert batch.parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "a/b", "3"):
        with pytest.raises(HarnessError, match="--shard"):
            batch.parse_shard(bad)


def test_ids_are_unique_and_shards_partition_the_work(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "solution.py").write_text("def minimize(func, x0):\n    return x0\n")
    sources = [tmp_path / "a" / "solution.py", tmp_path / "b" / "solution.py", tmp_path / "a"]
    jobs = batch.plan_jobs(sources, None)
    assert len({j.id for j in jobs}) == 3
    shards = [batch.plan_jobs(sources, (k, 2)) for k in (1, 2)]
    assert sorted(j.id for s in shards for j in s) == sorted(j.id for j in jobs)
    assert not {j.id for j in shards[0]} & {j.id for j in shards[1]}


def test_a_harness_bug_in_one_submission_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    for path in (good, bad):
        path.write_text("def minimize(func, x0):\n    return x0\n")

    def fake_grade_one(source, bank, rubric, out_dir, staging, audience="team", submission_id=None):
        if submission_id == "bad":
            raise RuntimeError("a bug in the grader")
        result = _result(77.0)
        return replace(result, submission={**result.submission, "id": submission_id})

    monkeypatch.setattr("harness.pipeline.grade_one", fake_grade_one)
    lines: list[str] = []
    code = batch.grade_many([good, bad], ROOT / "objectives" / "practice", ROOT / "rubrics" / "practice.yaml",
                            tmp_path / "out", jobs=1, audience="team", shard=None, say=lines.append)
    assert code == 1
    text = "\n".join(lines)
    assert "bad: INTERNAL ERROR" in text and "good: 77.0/100" in text
    assert "RuntimeError: a bug in the grader" in (tmp_path / "out" / "bad" / "internal-error.txt").read_text()
    assert (tmp_path / "out" / "cohort.html").exists()

"""The main job end to end, under the real sandbox: the README's command on the shipped ladder.

The ladder (submissions/01..05) must rank strictly in order on the default bank and on a bank built with another
seed; grading is deterministic (results.json identical but for `*_s` timings); a rerun resumes; failing
submissions of every kind get a results.json with a status and message while the batch goes on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LADDER = sorted((ROOT / "submissions").glob("0*.py"))
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"


def harness(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900)


def _scores(out: Path) -> dict[str, float]:
    return {p.parent.name: json.loads(p.read_text())["score"] for p in sorted(out.glob("*/results.json"))}


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if not k.endswith("_s")}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.fixture(scope="module")
def ladder_default(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ladder-default")
    proc = harness("grade", *map(str, LADDER), "--out", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    return out


def _assert_strict_ladder(scores: dict[str, float]) -> None:
    names = [p.stem for p in LADDER]
    assert list(scores) == names
    ordered = [scores[n] for n in names]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered), scores


def test_ladder_ranks_in_order_on_the_default_bank(ladder_default):
    _assert_strict_ladder(_scores(ladder_default))
    for name in ("cohort.html", "results.csv"):
        assert (ladder_default / name).stat().st_size > 0
    for path in ladder_default.glob("*/results.json"):
        data = json.loads(path.read_text())
        assert data["status"] == "graded" and data["sandbox"].startswith("bwrap")
        assert (path.parent / "report.html").exists()


def test_ladder_ranks_in_order_on_a_bank_with_another_seed(tmp_path):
    bank = tmp_path / "bank"
    proc = harness("bank", "build", "objectives/default/spec.yaml", "--seed", "777", "--out", str(bank))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((bank / "bank.json").read_text())["seed_hash"] != \
        json.loads((ROOT / "objectives/default/bank.json").read_text())["seed_hash"]
    out = tmp_path / "out"
    proc = harness("grade", *map(str, LADDER), "--bank", str(bank), "--out", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    _assert_strict_ladder(_scores(out))


def test_grading_twice_gives_identical_results_but_timings(ladder_default, tmp_path):
    again = tmp_path / "again"
    proc = harness("grade", str(LADDER[1]), "--out", str(again))
    assert proc.returncode == 0, proc.stderr
    first = json.loads((ladder_default / LADDER[1].stem / "results.json").read_text())
    second = json.loads((again / LADDER[1].stem / "results.json").read_text())
    assert _without_timings(first) == _without_timings(second)
    assert first["trials"] and first["gradient_probes"]


def test_rerun_skips_unchanged_work_and_regrades_a_changed_submission(ladder_default, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(ladder_default, out)
    changed = tmp_path / LADDER[1].name
    changed.write_text(LADDER[1].read_text() + "\n# an edit\n")
    proc = harness("grade", *map(str, LADDER[:1]), str(changed), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"{LADDER[0].stem}: unchanged since the last run" in proc.stdout
    assert f"{LADDER[1].stem}: unchanged" not in proc.stdout
    assert "[1/1]" in proc.stdout


def test_failing_submissions_are_scored_results_and_the_batch_goes_on(tmp_path):
    bad_syntax = tmp_path / "bad_syntax.py"
    bad_syntax.write_text("def minimize(func, x0):\n    if True:\n    return x0\n")
    no_entry = tmp_path / "no_entry.py"
    no_entry.write_text("def helper(x):\n    return x\n")
    raises = tmp_path / "raises.py"
    raises.write_text("def minimize(func, x0):\n    raise RuntimeError('boom')\n\n"
                      "def gradient(func, x):\n    return None\n")
    zip_slip = FIXTURES / "traversal.zip"
    sources = [bad_syntax, no_entry, raises, zip_slip]
    out = tmp_path / "out"
    proc = harness("grade", *map(str, sources), "--out", str(out), "--rubric",
                   str(ROOT / "tests" / "fixtures" / "rubrics" / "quick.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    status = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    assert status["bad_syntax"]["status"] == "syntax_error"
    assert "line 3" in status["bad_syntax"]["message"]
    assert status["no_entry"]["status"] == "no_entry"
    assert status["raises"]["status"] == "graded" and status["raises"]["score"] < 5
    assert {t["status"] for t in status["raises"]["trials"]} == {"error"}
    assert "RuntimeError: boom" in status["raises"]["trials"][0]["message"]
    assert status["traversal"]["status"] == "bad_archive" and "../" in status["traversal"]["message"]
    for data in status.values():
        assert data["message"] or data["status"] == "graded"
    assert (out / "cohort.html").exists() and (out / "results.csv").exists()


def test_user_mistakes_exit_2_with_a_message(tmp_path):
    proc = harness("grade", str(tmp_path / "missing.py"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "no such submission" in proc.stderr and "Traceback" not in proc.stderr
    proc = harness("grade", str(LADDER[0]), "--bank", str(tmp_path), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "bank.json" in proc.stderr and "Traceback" not in proc.stderr
    proc = harness("grade", str(LADDER[0]), "--shard", "3/2", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "--shard" in proc.stderr

"""What the three users meet on the error and interrupt paths: messages, resume, shards, Ctrl-C."""

from __future__ import annotations

import os
import select
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from harness import batch, cli
from harness.errors import RubricError
from harness.results import atomic_write_text, read_results, write_results

from .test_results import _result

ROOT = Path(__file__).resolve().parents[1]
BANK, RUBRIC = ROOT / "objectives" / "practice", ROOT / "rubrics" / "practice.yaml"


def _sources(folder: Path, *names: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        (folder / f"{name}.py").write_text(f"def minimize(func, x0):\n    return x0  # {name}\n")
        paths.append(folder / f"{name}.py")
    return paths


def _fake_grade_one(block_on: int | None = None):
    """A grade_one that writes a result the resume check accepts (right hashes); with block_on, every id but
    'fast' blocks until a signal stops the worker."""
    from harness.load import submission_sha256

    def grade_one(source, bank, rubric, out_dir, staging, audience="team", submission_id=None):
        if submission_id != "fast" and block_on is not None:
            select.select([block_on], [], [], 20)  # never written: a signal ends this (or, were the stop
            # broken, the 20 s bound, so that the test fails instead of hanging)
        base = _result(50.0)
        result = replace(base, bank={"path": str(bank.path), "hash": bank.hash},
                         rubric={"path": str(rubric.path), "hash": rubric.hash},
                         submission={**base.submission, "id": submission_id, "sha256": submission_sha256(source)})
        atomic_write_text(out_dir / submission_id / "report.html", "<p>report</p>")
        write_results(result, out_dir / submission_id / "results.json")
        return result
    return grade_one


def test_check_prints_only_the_submission_just_checked(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.pipeline.grade_one", _fake_grade_one())
    first, second = _sources(tmp_path / "src", "first", "second")
    out = tmp_path / "check"
    batch.check_submission(first, out, say=lambda line: None)
    lines: list[str] = []
    assert batch.check_submission(second, out, say=lines.append) == 0
    text = "\n".join(lines)
    assert "second: 50.0/100 on the practice bank" in text
    assert "first" not in text  # an earlier self-check in the same folder is not reported as this one


def test_shards_into_one_folder_give_a_cohort_of_everything_graded(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.pipeline.grade_one", _fake_grade_one())
    sources = _sources(tmp_path / "src", "a", "b", "c", "d")
    out = tmp_path / "out"
    lines: list[str] = []
    batch.grade_many(sources, BANK, RUBRIC, out, jobs=1, audience="team", shard="1/2", say=lines.append)
    assert "2 of 4 submission(s) graded so far" in "\n".join(lines)
    batch.grade_many(sources, BANK, RUBRIC, out, jobs=1, audience="team", shard="2/2", say=lines.append)
    cohort = (out / "cohort.html").read_text()
    assert all(f"{i}/report.html" in cohort for i in "abcd")  # shard 2 did not drop shard 1's rows


def test_a_rubric_that_does_not_fit_the_bank_fails_before_any_grading(tmp_path, monkeypatch):
    called = []
    monkeypatch.setattr("harness.pipeline.grade_one", lambda *a, **k: called.append(a))
    rubric = tmp_path / "r.yaml"
    text = RUBRIC.read_text()
    assert "\nobjectives: all" in text
    rubric.write_text(text.replace("\nobjectives: all", "\nobjectives: [no_such_objective]"))
    lines: list[str] = []
    with pytest.raises(RubricError, match="no_such_objective"):
        batch.grade_many(_sources(tmp_path / "src", "a"), BANK, rubric, tmp_path / "out", jobs=1,
                         audience="team", shard=None, say=lines.append)
    assert not called and not any(line.startswith("grading") for line in lines)


def test_results_json_is_written_after_the_report(tmp_path, monkeypatch):
    """Interrupted between the two writes, the next run must not keep a report of another version."""
    from harness.bank import load_bank
    from harness.pipeline import grade_one
    from harness.score import load_rubric

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("harness.pipeline.render_submission", stop)
    source = tmp_path / "broken.py"
    source.write_text("def minimize(func, x0:\n")  # a syntax error: no sandbox needed
    with pytest.raises(KeyboardInterrupt):
        grade_one(source, load_bank(BANK), load_rubric(RUBRIC), tmp_path / "out", tmp_path / "stage")
    assert not (tmp_path / "out" / "broken" / "results.json").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="the fake worker relies on fork inheriting the monkeypatch")
def test_ctrl_c_stops_the_workers_at_once_and_keeps_finished_results(tmp_path, monkeypatch):
    read_end, write_end = os.pipe()
    monkeypatch.setattr("harness.pipeline.grade_one", _fake_grade_one(block_on=read_end))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # staging folders land here, inherited by the workers
    sources = _sources(tmp_path / "src", "fast", "slow", "zlater1", "zlater2", "zlater3")
    out = tmp_path / "out"

    def say(line: str) -> None:
        if line.startswith("[1/"):
            raise KeyboardInterrupt  # the user presses Ctrl-C once the first result is in

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        batch.grade_many(sources, BANK, RUBRIC, out, jobs=2, audience="team", shard=None, say=say)
    os.close(write_end)
    assert time.monotonic() - started < 15  # not after the whole queue has been graded
    assert read_results(out / "fast" / "results.json").score == 50.0
    assert not [p for p in out.iterdir() if p.name != "fast"]  # in progress: dropped whole; queued: never run
    assert not list(tmp_path.glob("harness-stage-*"))  # the stopped worker removed its staging folder


def test_jobs_must_be_a_positive_whole_number(capsys):
    for bad in ("0", "-2", "two"):
        with pytest.raises(SystemExit) as exc:
            cli.main(["grade", "x.py", "--jobs", bad])
        assert exc.value.code == 2
        assert "--jobs" in capsys.readouterr().err


def test_bounds_may_be_written_with_a_space_before_a_negative_value(tmp_path, capsys):
    code = cli.main(["bank", "add", str(tmp_path / "missing.pkl"), "--bank", str(tmp_path / "b"), "--dim", "2",
                     "--bounds", "-5,5"])
    err = capsys.readouterr().err
    assert code == 2 and "missing.pkl" in err and "expected one argument" not in err


def test_the_working_folder_is_not_importable_by_the_grader(tmp_path, monkeypatch):
    """`python -m harness grade *.py` in a folder of submissions: a candidate's yaml.py must not be imported."""
    monkeypatch.chdir(tmp_path)
    rest = [p for p in sys.path if p not in ("", str(tmp_path))]
    monkeypatch.setattr(sys, "path", [str(tmp_path), *rest])  # what `python -m` does
    cli._safe_sys_path()
    assert sys.path == rest
    monkeypatch.setattr(sys, "path", ["/usr/bin", str(tmp_path), *rest])  # console script + PYTHONPATH=.
    cli._safe_sys_path()
    assert str(tmp_path) in sys.path  # the user's own choice is kept


def test_grade_finds_the_shipped_bank_and_rubric_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli._shipped(None, "rubrics/default.yaml") == ROOT / "rubrics" / "default.yaml"
    assert cli._shipped("mine.yaml", "rubrics/default.yaml") == Path("mine.yaml")  # given paths are not guessed
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "default.yaml").write_text("schema_version: 1\n")
    assert cli._shipped(None, "rubrics/default.yaml") == Path("rubrics/default.yaml")  # the working folder's first


def test_a_folder_of_many_solutions_is_named_as_one_submission(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.pipeline.grade_one", _fake_grade_one())
    folder = tmp_path / "cohort"
    _sources(folder, "alice", "bob", "carol")
    lines: list[str] = []
    batch.grade_many([folder], BANK, RUBRIC, tmp_path / "out", jobs=1, audience="team", shard=None,
                     say=lines.append)
    assert any("graded as ONE submission, but 3 of its files each define minimize" in line for line in lines)
    lines.clear()
    batch.grade_many([folder / "alice.py"], BANK, RUBRIC, tmp_path / "out2", jobs=1, audience="team", shard=None,
                     say=lines.append)
    assert not any("ONE submission" in line for line in lines)


def test_a_rubric_folder_is_refused_with_the_fix(tmp_path):
    from harness.score import load_rubric

    with pytest.raises(RubricError, match=r"a folder, not a file; pass --rubric with a rubric YAML file"):
        load_rubric(tmp_path)


def test_bank_add_loads_the_teams_module_from_the_working_folder_and_says_grading_needs_it(tmp_path, monkeypatch,
                                                                                          capsys):
    import pickle
    import subprocess

    (tmp_path / "team_objective_mod.py").write_text("def f(x):\n    return (x[0] - 1.0) ** 2 + (x[1] + 2.0) ** 2\n")
    subprocess.run([sys.executable, "-c", "import pickle, team_objective_mod as m; "
                    "pickle.dump(m.f, open('f.pkl', 'wb'))"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # restored afterwards
    monkeypatch.delitem(sys.modules, "team_objective_mod", raising=False)
    code = cli.main(["bank", "add", "f.pkl", "--bank", "bank", "--dim", "2", "--bounds", "-5,5"])
    out = capsys.readouterr().out
    assert code == 0 and "added f" in out
    assert f"needs team_objective_mod from {tmp_path}" in out and f"PYTHONPATH={tmp_path}" in out
    assert pickle.loads  # the pickle module itself was not disturbed
    sys.modules.pop("team_objective_mod", None)


def test_report_over_two_output_folders_links_each_report_where_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.report.render_submission", lambda result, bank, audience: "<p>page</p>")
    for folder, sid in (("run1", "alice"), ("run2", "bob")):
        base = _result(10.0)
        write_results(replace(base, submission={**base.submission, "id": sid}),
                      tmp_path / folder / sid / "results.json")
    lines: list[str] = []
    batch.rerender_reports([tmp_path / "run1" / "alice", tmp_path / "run2" / "bob"], None, "team", lines.append)
    cohort = (tmp_path / "cohort.html").read_text()
    assert 'href="run1/alice/report.html"' in cohort and 'href="run2/bob/report.html"' in cohort
    (tmp_path / "cohort.html").unlink()
    batch.rerender_reports([tmp_path / "run1" / "alice", tmp_path / "run2" / "bob"], None, "candidate",
                           lines.append)
    assert not (tmp_path / "cohort.html").exists()  # no cohort comparison page for a candidate audience

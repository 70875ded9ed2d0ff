"""Hostile submissions against the host and the count, run through the real sandbox (bubblewrap, no mocks).

Each fixture in tests/fixtures/hostile/ misbehaves in one way. For each the grader must survive with the right
status and message, the evaluation count must be exact, no host file may change, no process of the sandbox may
outlive the session, and a benign call run in the same session right after must grade correctly (the checks
live in hostile_support.Harness).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
from pathlib import Path

import pytest
from .hostile_support import BUDGET, NEEDS_BWRAP, POLICY, SECRET, X0, Harness, report_of, request

from harness.results import TrialStatus

pytestmark = NEEDS_BWRAP


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


# ----------------------------------------------------------------------------------------------- reading the answer


def test_cannot_reach_the_objective_by_introspection_proc_or_disk(harness, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_SECRET", SECRET)
    (outcome,) = harness.run("steal_objective")
    assert outcome.status is TrialStatus.OK, outcome.message
    assert outcome.returned == X0
    found = report_of(outcome)
    for key in ("func", "stack", "gc", "modules", "environ", "proc_mem_readable", "proc_leaks", "host_paths"):
        assert found[key] == [], (key, found[key])
    assert found["harness_importable"] is False
    prefix = os.path.realpath(sys.base_prefix)
    assert [f for f in found["files"] if not f.startswith(prefix + os.sep)] == []


def test_resetting_or_unwrapping_the_counter_changes_nothing(harness):
    (outcome,) = harness.run("reset_counter")
    found = report_of(outcome)
    assert found["touched"], "the fixture found nothing to tamper with: the test lost its teeth"
    assert found["calls_ok"] == BUDGET and found["refused"] == 3000 - BUDGET
    assert outcome.status is TrialStatus.BUDGET_EXHAUSTED, outcome.message
    assert outcome.evaluations == BUDGET and outcome.returned == X0


def test_swallowing_budget_exhaustion_a_million_times_is_counted_exactly(harness):
    (outcome,) = harness.run("swallow_counted", policy=dataclasses.replace(POLICY, wall_s=30.0, cpu_s=30.0))
    assert report_of(outcome) == {"ok": BUDGET, "refused": 2_000_000 - BUDGET}
    assert outcome.status is TrialStatus.BUDGET_EXHAUSTED, outcome.message
    assert outcome.evaluations == BUDGET and outcome.best_x is not None


def test_swallowing_everything_and_looping_forever_times_out_on_its_best_point(harness):
    (outcome,) = harness.run("swallow_all", policy=dataclasses.replace(POLICY, wall_s=2.0))
    assert outcome.status is TrialStatus.TIMEOUT, outcome.message
    assert "2 s wall-clock limit" in outcome.message and "kept going" in outcome.message
    assert outcome.evaluations == BUDGET and outcome.best_x is not None and outcome.best_f is not None


def test_writing_frames_past_func_is_counted_and_a_bad_frame_stops_it(harness):
    (outcome,) = harness.run("raw_pipe")
    found = report_of(outcome)
    assert found["code"] == 0 and found["value"] == (1.0 - 31.25) ** 2 + (2.0 + 12.5) ** 2 + 3.0
    assert outcome.status is TrialStatus.KILLED, outcome.message
    assert "NaN" in outcome.message and outcome.evaluations == 4


# ----------------------------------------------------------------------------------------------- attacking the host


def test_killing_the_parent_leaves_the_grader_and_the_next_trial_intact(harness):
    first, second = harness.run("kill_parent", request(), request())
    for outcome in (first, second):
        assert outcome.status in (TrialStatus.OK, TrialStatus.CRASHED), outcome.message
        assert "supervisor" in outcome.message  # said in plain words, whichever died first
        if outcome.status is TrialStatus.OK:
            assert outcome.returned == X0


def test_fake_results_files_stay_inside_the_sandbox(harness):
    (outcome,) = harness.run("fake_results")
    assert outcome.status is TrialStatus.OK and outcome.returned == X0
    written = report_of(outcome)["written"]
    assert all(path.startswith("/tmp") for path in written), written  # only its private tmpfs was writable


def test_no_network_not_even_the_grader_loopback(harness):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        (outcome,) = harness.run("open_socket", replace=("PORT = 0", f"PORT = {port}"))
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert outcome.status is TrialStatus.OK and outcome.returned == X0
    assert "connected" not in report_of(outcome).values()


# ----------------------------------------------------------------------------------------------- processes


def test_threads_calling_func_after_return_are_not_counted(harness):
    (outcome,) = harness.run("thread_after_return")
    assert outcome.status is TrialStatus.OK, outcome.message
    assert outcome.evaluations == report_of(outcome)["calls"] == 5
    assert outcome.returned == X0


def test_os_exit_before_returning_is_a_crash_with_its_evaluations(harness):
    (outcome,) = harness.run("exit_early")
    assert outcome.status is TrialStatus.CRASHED
    assert "exit code 0 before returning" in outcome.message
    assert outcome.evaluations == 3 and outcome.returned is None and outcome.best_x is not None


def test_six_gib_and_growing_memory_is_a_memory_status(harness):
    (outcome,) = harness.run("allocate")
    assert report_of(outcome) == {"six_gib": "MemoryError"}
    assert outcome.status is TrialStatus.MEMORY, outcome.message
    assert "512 MiB" in outcome.message


def test_forking_150_children_is_capped_and_every_child_is_killed(harness):
    (outcome,) = harness.run("fork_many")
    found = report_of(outcome)
    assert found["made"] < POLICY.processes and found["refused"].startswith("BlockingIOError")
    assert outcome.status is TrialStatus.OK and outcome.returned == X0
    assert "process(es) running; they were killed" in outcome.message


def test_printing_300_mb_is_capped_and_stopped(harness):
    (outcome,) = harness.run("print_flood")
    assert outcome.status is TrialStatus.KILLED, outcome.message
    assert "printed more than" in outcome.message
    kept = len(outcome.stdout_head.encode()) + len(outcome.stdout_tail.encode())
    assert kept <= POLICY.output_bytes and outcome.stdout_bytes >= POLICY.output_limit_mb << 20
    assert outcome.stderr_head.startswith("HOSTILE stderr line")


def test_ignoring_sigterm_and_spinning_hits_the_wall_clock(harness):
    (outcome,) = harness.run("spin", policy=dataclasses.replace(POLICY, wall_s=1.5, cpu_s=30.0))
    assert outcome.status is TrialStatus.TIMEOUT, outcome.message
    assert 1.5 <= outcome.wall_s < 4.5


def test_ignoring_sigxcpu_and_spinning_hits_the_cpu_limit(harness):
    (outcome,) = harness.run("spin", policy=dataclasses.replace(POLICY, wall_s=30.0, cpu_s=1.0))
    assert outcome.status is TrialStatus.CPU, outcome.message
    assert "1 s of CPU time" in outcome.message


def test_a_segfault_is_a_crash_with_its_evaluations(harness):
    (outcome,) = harness.run("segfault")
    assert outcome.status is TrialStatus.CRASHED and "SIGSEGV" in outcome.message
    assert outcome.evaluations == report_of(outcome)["calls"] == 2


def test_nothing_a_trial_leaves_behind_reaches_the_next_one(harness):
    first, second = harness.run("persist", request(), request())
    assert first.status is TrialStatus.OK and second.status is TrialStatus.OK
    assert report_of(first) == report_of(second)  # same seed, same draws; no file, global, env or process
    assert report_of(first)["tmp_file"] is False and report_of(first)["processes"] == []


def test_closing_its_pipes_to_the_grader_is_a_crash_with_its_evaluations(harness):
    (outcome,) = harness.run("close_fds")
    assert outcome.status is TrialStatus.CRASHED, outcome.message
    assert "exit code 3" not in outcome.message, "the harness's own exit code is blamed on the candidate"
    assert outcome.evaluations == report_of(outcome)["calls"] == 2


def test_filling_the_disk_stops_at_the_limits_and_the_next_trial_has_room(harness):
    (outcome,) = harness.run("fill_disk")
    found = report_of(outcome)
    assert outcome.status is TrialStatus.OK and outcome.returned == X0
    assert found["written_mib"] <= POLICY.tmp_mb and found["errors"], found  # EFBIG (27) / ENOSPC (28)
    assert set(found["errors"]) <= {27, 28}


def test_a_run_of_hostile_submissions_all_produce_results(tmp_path):
    """One after another, each in its own session: every one yields a result and the last benign one is right."""
    statuses = []
    for i, name in enumerate(("kill_parent", "exit_early", "fork_many", "thread_after_return", "return_generator")):
        root = tmp_path / str(i)
        root.mkdir()
        (outcome,) = Harness(root).run(name, control=False)
        statuses.append(outcome.status)
    assert statuses[1:] == [TrialStatus.CRASHED, TrialStatus.OK, TrialStatus.OK, TrialStatus.BAD_RETURN]
    (tmp_path / "last").mkdir()
    Harness(tmp_path / "last").run("steal_objective")


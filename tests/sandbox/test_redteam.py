"""Red-team findings against the trust boundary, each a failing test before its fix (fixtures in
tests/fixtures/redteam/). Run through the real sandbox like the hostile suite, with the same host checks
(hostile_support.Harness: exact count, control call graded right, no process left, no host file changed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.load import static_policy_flags
from harness.results import CallPlan, TrialStatus

from .hostile_support import NEEDS_BWRAP, POLICY, X0, Harness, report_of, request

pytestmark = NEEDS_BWRAP

REDTEAM = Path(__file__).resolve().parents[1] / "fixtures" / "redteam"
BOUNDS = [[-100.0, 100.0], [-100.0, 100.0]]  # what hostile_support.request puts in every CallRequest


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path, fixtures=REDTEAM)


@pytest.mark.parametrize("seccomp", [True, False])
def test_a_trial_cannot_hand_what_it_learned_to_the_next_trial(harness, seccomp):
    # Before the fix the second trial read the mark back from the zygote's rlimit, nice value and scheduling
    # policy (set from outside with prlimit/setpriority/sched_setscheduler) and from SysV shared memory.
    policy = dataclasses.replace(POLICY, seccomp=seccomp)
    first, second = harness.run("inherit_channel", request(), request(), policy=policy)
    assert first.status is TrialStatus.OK and second.status is TrialStatus.OK, (first.message, second.message)
    assert report_of(first)["found"] == {}
    assert report_of(second)["found"] == {}, "state planted by the first trial reached the second"
    assert "it changed what the next trial would inherit" in first.message
    assert "the sandbox was restarted" in first.message
    if seccomp:
        assert report_of(first)["refused"] == {"shm": "EPERM", "mq": "EPERM"}


def test_how_full_a_trial_leaves_the_shared_lifeline_pipe_does_not_reach_the_next_trial(harness):
    # Before the fix the second trial found the pipe the first one filled (about 16 bits of message).
    first, second = harness.run("inherit_channel", request(), request(),
                                replace=("ONLY_THE_LIFELINE = False", "ONLY_THE_LIFELINE = True"))
    assert report_of(first)["found"] == {} and "restarted" not in first.message
    assert report_of(second)["found"] == {}, "the first trial's pipe fill reached the second"


def test_a_forged_result_document_cannot_flood_the_message_or_the_notes(harness):
    # Before the fix: a 3.3 MB message and 250 KB of notes per trial, copied into results.json and reports.
    (outcome,) = harness.run("forged_result")
    assert outcome.status is TrialStatus.ERROR
    assert outcome.evaluations == 1
    assert len(outcome.message) < 12_000, len(outcome.message)
    assert outcome.message.count("\n  ") <= 4  # at most the last few frames
    assert len(outcome.load_notes) <= 51 and sum(map(len, outcome.load_notes)) < 30_000
    assert outcome.load_notes[-1] == "... and 550 more notes like these"
    # The run-time record is the candidate's to forge (docs/security.md); the static scan still sees the import.
    assert "scipy.optimize" not in outcome.imported_modules
    flags = static_policy_flags(harness.root / "code", "solution.py")
    assert any("scipy.optimize" in f.evidence for f in flags), flags


def test_numbers_too_large_for_a_float_in_a_forged_result_keep_the_count(harness):
    # Before the fix float() of a 400-digit JSON integer raised in the grader: a "harness bug" outcome with
    # 0 evaluations although 7 were made.
    (fx_huge,) = harness.run("forged_number")
    assert fx_huge.status is TrialStatus.OK and fx_huge.evaluations == 7
    assert fx_huge.returned == (1.0, 2.0) and fx_huge.returned_fx is None
    (x_huge,) = harness.run("forged_number", replace=('"x": [1, 2]', '"x": [1, HUGE]'))
    assert x_huge.status is TrialStatus.BAD_RETURN and x_huge.evaluations == 7, x_huge.message


def test_a_flood_of_module_names_does_not_push_scipy_out_of_the_import_record(harness):
    # Before the fix the record kept the first 500 sorted names, so 600 dummy modules hid scipy.optimize.
    (outcome,) = harness.run("flood_imports", request(budget=200))
    assert outcome.status is TrialStatus.OK, outcome.message
    assert "scipy.optimize" in outcome.imported_modules
    assert static_policy_flags(harness.root / "code", "solution.py") == ()  # the computed name hides it there


def test_bounds_do_not_reach_a_trial_whose_call_does_not_pass_them(harness):
    # Before the fix the control message on the trial's own stack held the bounds even when the rubric's
    # allow_bounds was false (the plan had no bounds role).
    with_bounds = dataclasses.replace(request(), plan=CallPlan(target="minimize", args=("func", "x0", "bounds")))
    without, given = harness.run("read_bounds", request(), with_bounds)
    assert report_of(without) == {"stack": [], "argument": None}
    assert report_of(given)["argument"] == BOUNDS  # a plan that passes bounds still gets them
    assert without.returned == X0 and given.status is TrialStatus.OK

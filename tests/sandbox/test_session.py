"""End-to-end calls through the real sandbox (bubblewrap, no mocks): statuses, counts, messages, func's checks."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from .conftest import FAST, Quadratic, make_request, needs_bwrap, stage_code
from harness.results import Phase, TrialStatus, to_jsonable
from harness.sandbox import open_session

pytestmark = [pytest.mark.sandbox, needs_bwrap]

SOLUTION = """
import sys
import numpy as np

def minimize(func, x0):
    x = np.array(x0, dtype=float)
    fx = func(x)
    step = 1.0
    while step > 1e-4:
        better = False
        for i in range(len(x)):
            for s in (step, -step):
                y = x.copy()
                y[i] += s
                fy = func(y)
                if fy < fx:
                    x, fx, better = y, fy, True
        if not better:
            step /= 2
    print("done at", x.tolist())
    print("warning", file=sys.stderr)
    return x, fx

def gradient(func, x):
    h = 1e-6
    x = np.asarray(x, dtype=float)
    return [(func(x + h * e) - func(x - h * e)) / (2 * h) for e in np.eye(len(x))]

def greedy(func, x0):
    while True:
        func(x0)

def swallow(func, x0):
    n = 0
    while n < 10**5:
        try:
            func(x0)
        except Exception:
            pass
        n += 1
    return x0

def boom(func, x0):
    return helper(x0)

def helper(x0):
    return {}["missing"]

def checks(func, x0):
    seen = []
    for bad in ([1.0], [1.0, 2.0, 3.0], [float("nan"), 1.0], ["a", "b"], "12", None, [[1.0, 2.0], [3.0, 4.0]]):
        try:
            func(bad)
            seen.append("accepted")
        except ValueError as exc:
            seen.append(str(exc))
    value = func((1.0, 2.0))
    seen.append(type(value).__name__)
    seen.append(func([1, 2]) == func(np.array([1.0, 2.0])))
    print("CHECKS " + __import__("json").dumps(seen))
    return x0

def batch(func, x0):
    values = func(np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 3.0]]))
    print("BATCH", type(values).__name__, values.tolist())
    return x0

def forge(func, x0):
    import os, struct
    for fd in range(3, 12):
        try:
            os.write(fd, struct.pack("<II", 77, 2) + bytes(16))
        except OSError:
            pass
    return x0

def sleepy(func, x0):
    import select
    func(x0)
    select.select([], [], [], 60)  # the candidate blocks

def rng(func, x0):
    import random
    print("RNG", random.random(), float(np.random.rand()), hash("abc"))
    return x0

def exits(func, x0):
    import os
    func(x0)
    os._exit(7)

def flood(func, x0):
    chunk = "y" * 4096 + "\\n"
    while True:
        sys.stdout.write(chunk)

def freeze_parent(func, x0):
    import os, signal
    os.kill(os.getppid(), signal.SIGSTOP)
    return x0

def catch_all(func, x0):
    x = np.array(x0, dtype=float)
    try:
        while True:
            x = x + 0.01
            func(x)
    except BaseException:
        return x

def walk(func, x0):
    for t in np.linspace(0.0, 1.0, 11):
        func([t, 2.0 * t])
    return [1.0, 2.0]

def print_only(func, x0):
    print("best:", [1.0, 2.0])
"""


@pytest.fixture
def session(tmp_path):
    code = stage_code(tmp_path, SOLUTION)
    with open_session(code, "solution.py", FAST) as opened:
        yield opened


def test_a_good_minimize_is_ok_with_an_exact_count_and_a_full_record(session):
    objective = Quadratic()
    outcome = session.run(make_request(budget=1000, target_value=1.001), objective)
    assert outcome.status is TrialStatus.OK, outcome.message
    assert outcome.sandbox == "bwrap" and outcome.returned_kind == "(x, fx)"
    assert outcome.returned == pytest.approx((1.0, 2.0)) and outcome.returned_fx == pytest.approx(1.0)
    assert outcome.evaluations == objective.calls and objective.indices == list(range(objective.calls))
    assert outcome.best_x == pytest.approx((1.0, 2.0)) and outcome.best_f == pytest.approx(1.0)
    assert outcome.first_hit is not None and outcome.first_hit <= outcome.evaluations
    assert outcome.trajectory[0][0] == 1 and outcome.trajectory[-1][1] == outcome.best_f
    assert outcome.stdout_head.startswith("done at [1.0, 2.0]") and outcome.stderr_head == "warning\n"
    assert outcome.stdout_bytes == len(outcome.stdout_head.encode()) and outcome.wall_s > 0


def test_gradient_phase_returns_the_vector(session):
    objective = Quadratic()
    outcome = session.run(make_request("gradient", phase=Phase.GRADIENT, point=(0.0, 0.0)), objective)
    assert outcome.status is TrialStatus.OK, outcome.message
    assert outcome.returned == pytest.approx((-2.0, -4.0), abs=1e-4) and outcome.evaluations == 4 == objective.calls


def test_the_budget_stops_a_greedy_candidate_and_keeps_its_best_point(session):
    objective = Quadratic()
    outcome = session.run(make_request("greedy", budget=50, point=(1.0, 2.0)), objective)
    assert outcome.status is TrialStatus.BUDGET_EXHAUSTED
    assert outcome.evaluations == 50 == objective.calls and outcome.best_x == (1.0, 2.0)
    assert "budget of 50" in outcome.message


def test_swallowing_every_exception_cannot_get_past_the_budget(session):
    objective = Quadratic()
    outcome = session.run(make_request("swallow", budget=30), objective)
    assert outcome.status is TrialStatus.BUDGET_EXHAUSTED and outcome.returned is None  # not an Exception
    assert outcome.evaluations == 30 == objective.calls


def test_an_exception_quotes_the_candidates_frames_not_the_harness(session):
    outcome = session.run(make_request("boom"), Quadratic())
    assert outcome.status is TrialStatus.ERROR
    assert outcome.message.startswith("boom raised KeyError: 'missing'")
    line = SOLUTION.splitlines().index("    return helper(x0)") + 1
    assert f"solution.py:{line} in boom: return helper(x0)" in outcome.message
    assert f"solution.py:{line + 3} in helper: return {{}}[\"missing\"]" in outcome.message
    assert "child.py" not in outcome.message and "candidate.py" not in outcome.message


def test_func_checks_its_input_and_returns_python_floats(session):
    outcome = session.run(make_request("checks"), Quadratic())
    assert outcome.status is TrialStatus.OK, outcome.message
    seen = json.loads(outcome.stdout_head.split("CHECKS ", 1)[1])
    assert "needs 2 numbers; got 1" in seen[0] and "got 3" in seen[1]
    assert "finite" in seen[2] and "real numbers" in seen[3] and "12" in seen[4] and "None" in seen[5]
    assert "batches" in seen[6]
    assert seen[7:] == ["float", True]
    assert outcome.evaluations == 3  # only the three valid points reached the grader


def test_batches_count_every_point_when_the_rubric_allows_them(tmp_path):
    code = stage_code(tmp_path, SOLUTION)
    objective = Quadratic()
    with open_session(code, "solution.py", dataclasses.replace(FAST, allow_batch=True)) as session:
        outcome = session.run(make_request("batch"), objective)
    assert outcome.status is TrialStatus.OK, outcome.message
    assert "BATCH ndarray [1.0, 6.0, 2.0]" in outcome.stdout_head and outcome.evaluations == 3 == objective.calls


def test_writing_forged_frames_kills_the_call_and_evaluates_nothing(session):
    objective = Quadratic()
    outcome = session.run(make_request("forge"), objective)
    assert outcome.status is TrialStatus.KILLED and "evaluation pipe" in outcome.message
    assert objective.calls == outcome.evaluations == 0
    assert session.run(make_request(), Quadratic()).status is TrialStatus.OK  # a fresh sandbox took over


def test_the_wall_clock_limit_kills_the_sandbox_and_the_next_call_still_runs(tmp_path):
    code = stage_code(tmp_path, SOLUTION)
    with open_session(code, "solution.py", dataclasses.replace(FAST, wall_s=1.0)) as session:
        outcome = session.run(make_request("sleepy"), Quadratic())
        assert outcome.status is TrialStatus.TIMEOUT and outcome.evaluations == 1
        assert "1 s wall-clock" in outcome.message and 1.0 <= outcome.wall_s < 3.0
        assert session.run(make_request(), Quadratic()).status is TrialStatus.OK
        assert session.starts == 2


def test_os_exit_is_a_crash_with_its_code(session):
    outcome = session.run(make_request("exits"), Quadratic())
    assert outcome.status is TrialStatus.CRASHED and "exit code 7" in outcome.message and outcome.evaluations == 1


def test_an_output_flood_is_stopped_with_head_tail_and_count(tmp_path):
    code = stage_code(tmp_path, SOLUTION)
    with open_session(code, "solution.py", dataclasses.replace(FAST, output_limit_mb=2)) as session:
        outcome = session.run(make_request("flood"), Quadratic())
    assert outcome.status is TrialStatus.KILLED and "more than 2 MiB" in outcome.message
    assert outcome.stdout_bytes > 2 << 20
    assert len(outcome.stdout_head) == len(outcome.stdout_tail) == FAST.output_bytes // 2
    assert set(outcome.stdout_head) <= {"y", "\n"}


def test_none_with_the_answer_printed_is_a_bad_return_quoting_it(session):
    outcome = session.run(make_request("print_only"), Quadratic())
    assert outcome.status is TrialStatus.BAD_RETURN and "it printed `best: [1.0, 2.0]`" in outcome.message


def test_same_inputs_and_seed_give_the_same_outcome_and_seeds_matter(tmp_path):
    code = stage_code(tmp_path, SOLUTION)

    def run(seed):
        with open_session(code, "solution.py", FAST) as session:
            outcome = session.run(make_request("rng", seed=seed), Quadratic())
        data = to_jsonable(outcome)
        for key in ("wall_s", "cpu_s"):
            data.pop(key)
        return json.dumps(data, sort_keys=True)

    first, again, other = run(5), run(5), run(6)
    assert first == again and "RNG" in first
    assert first != other


def test_a_stopped_supervisor_cannot_hold_the_call_past_its_result(tmp_path, monkeypatch):
    from harness.sandbox import session as session_module

    monkeypatch.setattr(session_module, "EXIT_AFTER_RESULT_S", 0.5)
    code = stage_code(tmp_path, SOLUTION)
    with open_session(code, "solution.py", FAST) as session:
        outcome = session.run(make_request("freeze_parent"), Quadratic())
        assert outcome.status is TrialStatus.OK and outcome.returned == (0.0, 0.0)
        assert "did not end after sending its result" in outcome.message and outcome.wall_s < 3
        assert session.run(make_request(), Quadratic()).status is TrialStatus.OK and session.starts == 2


def test_code_too_big_for_tmp_is_a_clear_crash_not_a_hang(tmp_path):
    code = stage_code(tmp_path, SOLUTION, extra={"data.txt": "z" * (3 << 20)})
    with open_session(code, "solution.py", dataclasses.replace(FAST, tmp_mb=2)) as session:
        outcome = session.run(make_request(), Quadratic())
    assert outcome.status is TrialStatus.CRASHED and "could not prepare the trial" in outcome.message
    assert "No space left" in outcome.message and "tmp_mb" in outcome.message


def test_returning_after_the_budget_keeps_the_point_and_says_budget_exhausted(session):
    outcome = session.run(make_request("catch_all", budget=20), Quadratic())
    assert outcome.status is TrialStatus.BUDGET_EXHAUSTED and outcome.evaluations == 20
    assert outcome.returned == pytest.approx((0.21, 0.21)) and "then returned a point" in outcome.message


def test_noisy_unpicklable_objective_stays_on_the_grader_side_with_a_noise_free_record(session):
    class Unpicklable(Quadratic):
        def __reduce__(self):
            raise AssertionError("the objective must never be pickled")

    objective = Unpicklable(noise=0.5)
    outcome = session.run(make_request("walk", budget=50, target_value=1.5, record_path=True), objective)
    assert outcome.status is TrialStatus.OK, outcome.message
    assert outcome.evaluations == 11 == objective.calls and objective.indices == list(range(11))
    assert outcome.best_x == (1.0, 2.0) and outcome.best_f == 1.0  # noise-free, though the candidate saw noise
    assert outcome.first_hit == 8  # (0.7, 1.4): 0.09 + 0.36 + 1 <= 1.5, and (0.6, 1.2) is 1.8
    assert [i for i, _ in outcome.trajectory] == list(range(1, 12))
    assert outcome.path[0] == (0.0, 0.0) and len(outcome.path) == 11

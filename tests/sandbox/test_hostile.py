"""Hostile submissions run through the real sandbox (bubblewrap, no mocks).

Each fixture in tests/fixtures/hostile/ misbehaves in one way. For each the grader must survive with the right
status and message, the evaluation count must be exact (the server's count equals the objective's own count of
calls), no host file may change, no process of the sandbox may outlive the session, and a benign call
(`control`) run in the same session right after must grade correctly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.results import CallOutcome, CallPlan, Phase, TrialStatus
from harness.sandbox import CallRequest, Policy
try:
    from harness.sandbox import open_session, sandbox_mode
except ImportError:  # TEMP until exported
    from harness.sandbox.session import open_session
    from harness.sandbox.bwrap import sandbox_mode

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(sandbox_mode() != "bwrap", reason="the hostile suite needs bubblewrap (apt install bubblewrap)"),
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
SECRET = "HIDDEN-OBJECTIVE-e1b2"
X0 = (1.0, 2.0)
BUDGET = 100
POLICY = Policy(wall_s=5.0, cpu_s=5.0, memory_mb=512, processes=16, open_files=64, output_bytes=8192)


class Bowl:
    """A tiny objective kept on the grader's side: a shifted quadratic that counts its own evaluations."""

    noisy = False

    def __init__(self, dim: int = 2) -> None:
        self.dim = dim
        self.center = np.array([31.25, -12.5, 4.0, 7.5][:dim])
        self.secret = SECRET
        self.calls = 0

    def value(self, x: np.ndarray) -> float:
        x = np.asarray(x, dtype=float)
        if x.shape != (self.dim,) or not np.isfinite(x).all():
            raise ValueError(f"expected {self.dim} finite numbers")
        return float(np.sum((x - self.center) ** 2) + 3.0)

    def evaluate(self, x: np.ndarray, index: int) -> float:
        self.calls += 1
        return self.value(x)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * (np.asarray(x, dtype=float) - self.center)


def request(target: str = "minimize", phase: Phase = Phase.MINIMIZE, budget: int = BUDGET) -> CallRequest:
    args = ("func", "x0") if phase is Phase.MINIMIZE else ("func", "x")
    return CallRequest(phase=phase, plan=CallPlan(target=target, args=args), dim=2, point=X0,
                       bounds=((-100.0, 100.0), (-100.0, 100.0)), seed=7, budget=budget, trial_id=target)


def stage(root: Path, name: str, replace: tuple[str, str] | None = None) -> Path:
    """A grader-owned staging folder holding the fixture as solution.py and the shared _probe helper."""
    code = root / "code"
    code.mkdir()
    shutil.copy(FIXTURES / "_probe.py", code / "_probe.py")
    text = (FIXTURES / f"{name}.py").read_text()
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    (code / "solution.py").write_text(text)
    return code


def stdout_of(outcome: CallOutcome) -> str:
    return outcome.stdout_head + outcome.stdout_tail


def probe_lines(outcome: CallOutcome, tag: str) -> list[dict]:
    return [json.loads(line[len(tag) + 1:]) for line in stdout_of(outcome).splitlines() if line.startswith(tag + " ")]


def report_of(outcome: CallOutcome) -> dict:
    reports = probe_lines(outcome, "HOSTILE-REPORT")
    assert reports, f"the fixture printed no report; stdout: {stdout_of(outcome)[:500]!r}"
    return reports[-1]


def _tree(root: Path) -> dict[str, tuple[int, int, bytes]]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(root))] = (path.stat().st_size, path.stat().st_mtime_ns, path.read_bytes())
        else:
            out[str(path.relative_to(root))] = (-1, 0, b"")
    return out


def _host_dirs(root: Path) -> list[Path]:
    return [Path.cwd(), Path.cwd().parent, Path.home(), Path("/tmp"), Path("/"), root, root.parent]


def _processes_in(namespaces: set[str]) -> list[str]:
    """Live processes of the candidate's uid in these pid namespaces.

    Teardown is asynchronous: for a few milliseconds after the session's lifeline closes, a killed process can
    still be listed while the kernel finishes its exit. Such a process has already lost its memory (no VmSize
    line), so it can run nothing; bwrap's root-owned init, which runs no candidate code, is not counted either.
    """
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") not in namespaces:
                continue
            with open(f"/proc/{entry}/status") as fh:
                status = dict(line.split(":", 1) for line in fh.read().splitlines() if ":" in line)
        except OSError:
            continue
        if status.get("Uid", "0").split()[0] != "0" and "VmSize" in status:
            found.append(f"{entry} {status.get('Name', '?').strip()} {status.get('State', '?').strip()}")
    return found


class Harness:
    """Runs one fixture in one session, then checks what every hostile test checks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "objective.pkl").write_bytes(pickle.dumps({"secret": SECRET}))  # where candidates keep theirs
        self.before = _tree(root)
        self.outcomes: list[CallOutcome] = []

    def run(self, name: str, *requests: CallRequest, policy: Policy = POLICY,
            replace: tuple[str, str] | None = None, control: bool = True) -> list[CallOutcome]:
        """Run `requests` (default: one minimize), then the benign control, in one session of fixture `name`."""
        code = stage(self.root, name, replace)
        self.before = _tree(self.root)
        calls = list(requests or (request(),)) + ([request("control")] if control else [])
        objectives = [Bowl() for _ in calls]
        with open_session(code, "solution.py", policy) as session:
            outcomes = [session.run(req, objective) for req, objective in zip(calls, objectives)]
        self.outcomes.extend(outcomes)
        for outcome, objective in zip(outcomes, objectives):
            assert isinstance(outcome, CallOutcome)
            assert outcome.evaluations == objective.calls <= BUDGET, outcome
            assert outcome.sandbox == "bwrap"
        if control:
            self.check_control(outcomes[-1])
        self.check_host()
        return outcomes[:-1] if control else outcomes

    @staticmethod
    def check_control(outcome: CallOutcome) -> None:
        assert outcome.status is TrialStatus.OK, outcome.message
        assert outcome.evaluations == report_of(outcome)["calls"]
        assert outcome.returned_kind == "(x, fx)" and outcome.returned is not None
        assert abs(outcome.returned[0] - 31.25) < 0.01 and abs(outcome.returned[1] + 12.5) < 0.01

    def check_host(self) -> None:
        namespaces = set()
        for outcome in self.outcomes:
            for ident in probe_lines(outcome, "HOSTILE-ID"):
                assert ident["uid"] != 0, "the candidate ran as root"
                assert ident["pidns"] != os.readlink("/proc/self/ns/pid"), "the candidate shares our pid namespace"
                namespaces.add(ident["pidns"])
        assert namespaces, "no fixture output: cannot check for surviving processes"
        assert _processes_in(namespaces) == [], "sandbox processes outlived the session"
        assert _tree(self.root) == self.before, "the staging folder or its parent changed"
        for folder in _host_dirs(self.root):
            assert not (folder / "hostile_fake_results.json").exists(), folder
            fake = folder / "results.json"
            assert not (fake.is_file() and b"HOSTILE" in fake.read_bytes()), fake


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
    (outcome,) = harness.run("swallow_counted")
    assert report_of(outcome) == {"ok": BUDGET, "refused": 2_000_000 - BUDGET}
    assert outcome.status is TrialStatus.BUDGET_EXHAUSTED, outcome.message
    assert outcome.evaluations == BUDGET and outcome.best_x is not None


def test_swallowing_everything_and_looping_forever_times_out_on_its_best_point(harness):
    (outcome,) = harness.run("swallow_all", policy=dataclasses.replace(POLICY, wall_s=2.0))
    assert outcome.status is TrialStatus.TIMEOUT, outcome.message
    assert "2 s wall-clock limit" in outcome.message and "kept going" in outcome.message
    assert outcome.evaluations == BUDGET and outcome.best_x is not None and outcome.best_f is not None


# ----------------------------------------------------------------------------------------------- attacking the host


def test_killing_the_parent_leaves_the_grader_and_the_next_trial_intact(harness):
    first, second = harness.run("kill_parent", request(), request())
    for outcome in (first, second):
        assert outcome.status in (TrialStatus.OK, TrialStatus.CRASHED), outcome.message
        if outcome.status is TrialStatus.CRASHED:
            assert "supervisor" in outcome.message or "before returning" in outcome.message
        else:
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
    (outcome,) = harness.run("spin", policy=dataclasses.replace(POLICY, wall_s=8.0, cpu_s=1.0))
    assert outcome.status is TrialStatus.CPU, outcome.message
    assert "1 s of CPU time" in outcome.message


# ----------------------------------------------------------------------------------------------- what comes back


def test_returning_generators_is_a_bad_return_and_they_never_run(harness):
    minimize, gradient = harness.run("return_generator", request(), request("gradient", Phase.GRADIENT))
    for outcome in (minimize, gradient):
        assert outcome.status is TrialStatus.BAD_RETURN, outcome.message
        assert outcome.returned_kind == "generator" and "generator" in outcome.message
        assert outcome.evaluations == 0


def test_objects_lying_about_being_floats_are_refused_without_hanging(harness):
    minimize, gradient = harness.run("lying_float", request(), request("gradient", Phase.GRADIENT))
    assert minimize.status is TrialStatus.BAD_RETURN and minimize.returned_kind == "bad_number"
    assert "minimize returned a point whose item 0 is a Liar that claims to be a number, but float() of it raised" in minimize.message
    assert minimize.evaluations == 2 - len(report_of(minimize)["refused"])
    assert gradient.status is TrialStatus.BAD_RETURN and "Raiser" in gradient.message


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

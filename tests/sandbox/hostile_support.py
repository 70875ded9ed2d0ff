"""Shared by the hostile-suite tests: a tiny grader-side objective, staging, and the checks every test makes.

`Harness.run` runs a fixture from tests/fixtures/hostile/ in one real sandbox session, then a benign call
(`control`) in the same session, and checks: the server's evaluation count equals the objective's own count,
the control grades right, no sandbox process survives the session, and no host file changed.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from harness.results import CallOutcome, CallPlan, Phase, TrialStatus
from harness.sandbox import CallRequest, Policy, open_session, sandbox_mode

NEEDS_BWRAP = [
    pytest.mark.sandbox,
    pytest.mark.skipif(sandbox_mode() != "bwrap", reason="the hostile suite needs bubblewrap (apt install bubblewrap)"),
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
SECRET = "HIDDEN-OBJECTIVE-e1b2"
X0 = (1.0, 2.0)
BUDGET = 100
POLICY = Policy(wall_s=15.0, cpu_s=15.0, memory_mb=512, processes=16, open_files=64, output_bytes=8192)


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


def stage(root: Path, name: str, replace: tuple[str, str] | None = None, folder: Path = FIXTURES) -> Path:
    """A grader-owned staging folder holding fixture `folder/name.py` as solution.py and the shared _probe helper."""
    code = root / "code"
    shutil.rmtree(code, ignore_errors=True)  # a test may run two fixtures' variants one after the other
    code.mkdir()
    shutil.copy(FIXTURES / "_probe.py", code / "_probe.py")
    text = (folder / f"{name}.py").read_text()
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

    def __init__(self, root: Path, fixtures: Path = FIXTURES) -> None:
        self.root = root
        self.fixtures = fixtures
        (root / "objective.pkl").write_bytes(pickle.dumps({"secret": SECRET}))  # where candidates keep theirs
        self.before = _tree(root)
        self.outcomes: list[CallOutcome] = []

    def run(self, name: str, *requests: CallRequest, policy: Policy = POLICY,
            replace: tuple[str, str] | None = None, control: bool = True) -> list[CallOutcome]:
        """Run `requests` (default: one minimize), then the benign control, in one session of fixture `name`."""
        code = stage(self.root, name, replace, self.fixtures)
        self.before = _tree(self.root)
        calls = list(requests or (request(),)) + ([request("control")] if control else [])
        objectives = [Bowl() for _ in calls]
        with open_session(code, "solution.py", policy) as session:
            outcomes = [session.run(req, objective) for req, objective in zip(calls, objectives)]
        self.outcomes.extend(outcomes)
        for outcome, objective, req in zip(outcomes, objectives, calls):
            assert isinstance(outcome, CallOutcome)
            assert outcome.evaluations == objective.calls <= req.budget, outcome
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



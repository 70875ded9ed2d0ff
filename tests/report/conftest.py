"""Synthetic results and a small in-memory bank to build report pages against (no grading runs here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.bank.store import BankEntry, LocalMinimum, StartSpec
from harness.results import (SCHEMA_VERSION, Criterion, GradientProbe, PolicyFlag, SubmissionResult,
                             SubmissionStatus, TrialResult, TrialStatus)

# The hidden 2-D minimum: digits chosen so that no other number on a page looks like them in any format.
X_STAR = (-237.0614, 1234.5678)
F_STAR = -17.3912
LOCAL = (-311.8427, 1187.2291)
X1_STAR = (0.7572488,)


class Bowl:
    """A 2-D take-home-like landscape: a global bowl at X_STAR and a shallower local one at LOCAL."""

    dim, noisy = 2, False

    def value(self, x: np.ndarray) -> float:
        if len(x) != 2 or not np.all(np.isfinite(x)):
            raise ValueError("bad point")
        g = ((x[0] - X_STAR[0]) ** 2 + (x[1] - X_STAR[1]) ** 2) / 2e3
        loc = ((x[0] - LOCAL[0]) ** 2 + (x[1] - LOCAL[1]) ** 2) / 2e3
        return float(F_STAR + min(g, loc + 9.0) + 0.3 * math.sin(x[0] / 9.0))


class Forrester:
    dim, noisy = 1, False

    def value(self, x: np.ndarray) -> float:
        return float((6 * x[0] - 2) ** 2 * math.sin(12 * x[0] - 4))


class FakeBank:
    """Just what reports use of a Bank: entry(name) and objective(name)."""

    def __init__(self) -> None:
        self.entries = (
            BankEntry(name="takehome-2d", kinds=("take-home-2d", "deceptive"), dim=2,
                      bounds=((-700.0, 100.0), (800.0, 1600.0)), x_star=X_STAR, f_star=F_STAR,
                      local_minima=(LocalMinimum(x=LOCAL, f=F_STAR + 9.0),), target=1e-4, budget=4000,
                      starts=StartSpec(box=((-700.0, 100.0), (800.0, 1600.0))), reference_evaluations=310),
            BankEntry(name="forrester-1d", kinds=("deceptive",), dim=1, bounds=((0.0, 1.0),), x_star=X1_STAR,
                      f_star=-6.0207401, local_minima=(LocalMinimum(x=(0.14259,), f=-0.98633),), target=1e-4,
                      budget=2000, starts=StartSpec(box=((0.0, 1.0),)), reference_evaluations=40),
            BankEntry(name="sphere-5d", kinds=("smooth",), dim=5, bounds=((-5.0, 5.0),) * 5,
                      x_star=(1.1, -2.2, 0.3, 3.3, -0.4), f_star=0.0, local_minima=(), target=1e-6,
                      budget=10000, starts=StartSpec(box=((-5.0, 5.0),) * 5), reference_evaluations=520),
        )
        self.opened: list[str] = []

    def entry(self, name: str) -> BankEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def objective(self, name: str):
        self.opened.append(name)
        return {"takehome-2d": Bowl, "forrester-1d": Forrester}.get(name, Bowl)()


def _conv(rng: np.random.RandomState, n: int, final_gap: float) -> tuple[tuple[int, float], ...]:
    evals = sorted(set(int(v) for v in np.geomspace(1, n, 25)))
    gaps = np.geomspace(50.0 + rng.rand() * 50, final_gap, len(evals))
    return tuple((e, float(g)) for e, g in zip(evals, gaps))


def _path(rng, start, end, n=120):
    t = np.linspace(0, 1, n)[:, None] ** 0.5
    pts = np.asarray(start) + t * (np.asarray(end) - np.asarray(start))
    pts = pts + rng.randn(*pts.shape) * np.linspace(8.0, 0.0, n)[:, None] * (abs(pts[0, 0]) > 10)
    return tuple(tuple(float(v) for v in p) for p in pts)


def make_result(sid: str = "strong", quality: float = 1.0, seed: int = 0, status=SubmissionStatus.GRADED
                ) -> SubmissionResult:
    """A graded submission on FakeBank's three objectives; `quality` in 0..1 shapes how well it did."""
    rng = np.random.RandomState(seed)
    trials = []
    if status is SubmissionStatus.GRADED:
        for start in range(4):
            ok = rng.rand() < quality
            local = start >= 2 and not ok
            end = LOCAL if local else tuple(v + 3e-4 * rng.randn() for v in X_STAR)
            x0 = (-650.0 + 40 * start, 1550.0 - 30 * start)
            gap = 1.7e-6 if ok else (9.0 if local else 0.7)
            n = int(380 + 60 * start + 400 * (1 - quality))
            trials.append(TrialResult(
                objective="takehome-2d", start=start, start_kind="local_basin" if start >= 2 else "uniform",
                seed=11 + start, x0=x0, status=TrialStatus.OK, message="" if ok else "stopped early",
                evaluations=n, success=ok, f_gap=gap, basin="local:0" if local else "global", returned=end,
                scored_on="returned", evaluations_to_target=int(n * 0.8) if ok else None,
                convergence=_conv(rng, n, gap), path=_path(rng, x0, end), stdout_head="iter 1 f=3.2\n",
                stdout_tail="done\n", wall_s=0.25, cpu_s=0.2))
        for start in range(3):
            ok = rng.rand() < quality
            end = (X1_STAR[0] + 1e-5,) if ok else (0.14259,)
            x0 = (0.05 + 0.3 * start,)
            n = 60 + 10 * start
            trials.append(TrialResult(
                objective="forrester-1d", start=start, start_kind="uniform", seed=21 + start, x0=x0,
                status=TrialStatus.OK, message="", evaluations=n, success=ok, f_gap=3e-7 if ok else 5.03,
                basin="global" if ok else "local:0", returned=end, scored_on="returned",
                evaluations_to_target=n - 5 if ok else None, convergence=_conv(rng, n, 3e-7 if ok else 5.03),
                path=tuple((float(v),) for v in np.linspace(x0[0], end[0], 30)), wall_s=0.1, cpu_s=0.1))
        statuses = [TrialStatus.OK, TrialStatus.TIMEOUT, TrialStatus.ERROR]
        for start, st in enumerate(statuses):
            ok = st is TrialStatus.OK and rng.rand() < quality
            n = 900 + 100 * start
            trials.append(TrialResult(
                objective="sphere-5d", start=start, start_kind="uniform", seed=31 + start,
                x0=(4.0, -4.0, 2.0, 1.0, 0.5), status=st,
                message={"ok": "", "timeout": "wall-clock limit of 60 s reached",
                         "error": "IndexError: index 5 is out of bounds <script>alert(1)</script>"}[st.value],
                evaluations=n, success=ok, f_gap=4e-8 if ok else 2.5, basin="global" if ok else "none",
                returned=(1.1, -2.2, 0.3, 3.3, -0.4) if ok else None,
                scored_on="returned" if ok else "best_evaluated", evaluations_to_target=n - 50 if ok else None,
                convergence=_conv(rng, n, 4e-8 if ok else 2.5), wall_s=0.4, cpu_s=0.3))
    probes = tuple(GradientProbe(objective="sphere-5d", x=(0.5 * k, -1.0, 2.0, 0.0, 1.5), status=TrialStatus.OK,
                                 message="", rel_error=10 ** (-1 - 2 * quality - 0.3 * k), cosine=0.999,
                                 evaluations=10) for k in range(3)) if trials else ()
    crit = {"correctness": Criterion(0.8 * quality, 0.4, "7 of 10 runs reached the target"),
            "efficiency": Criterion(0.6 * quality, 0.2, "median 1.4x the reference's evaluations"),
            "escape": Criterion(0.5 * quality, 0.15, "1 of 2 local-basin starts escaped"),
            "gradient": Criterion(0.9 * quality, 0.15, "median relative error 2e-4"),
            "robustness": Criterion(0.7 * quality, 0.1, "one timeout, one crash")} if trials else {}
    score = 100 * sum(c.score * c.weight for c in crit.values()) / (sum(c.weight for c in crit.values()) or 1)
    return SubmissionResult(
        schema_version=SCHEMA_VERSION, harness_version="0.1.0", bank={"path": "objectives/default", "hash": "ab" * 32},
        rubric={"path": "rubrics/default.yaml", "hash": "cd" * 32},
        submission={"id": sid, "source": f"submissions/{sid}.py", "sha256": "ef" * 32, "kind": "py"},
        status=status, message="" if trials else "SyntaxError at solution.py line 3, column 7",
        score=score, criteria=crit, trials=tuple(trials), gradient_probes=probes,
        policy_flags=(PolicyFlag("from_scratch", "solution.py:3 imports scipy.optimize"),) if seed % 7 == 3 else (),
        notes=("adapter: minimize(x0, func) called with arguments reversed",),
        diagnoses=(f"stuck in the local minimum near ({LOCAL[0]:.2f}, {LOCAL[1]:.2f}) from 2 of 4 starts "
                   "(runs takehome-2d#2, takehome-2d#3)",
                   "assumes five inputs: IndexError at x[5] on the 5-D objective",
                   f"global minimum at x = {X_STAR[1]:.3f} was reached from 2 starts",
                   "gradient step of 1.0 gives 40% relative error") if trials else (),
        objectives=tuple({"name": n, "hidden": True, "ert": 3 * k + 400.5 if k else None, "beats_random_search": k}
                         for k, n in enumerate(("takehome-2d", "forrester-1d", "sphere-5d")))
        if trials else (),
        sandbox="bwrap")


@pytest.fixture
def bank() -> FakeBank:
    return FakeBank()


@pytest.fixture
def result() -> SubmissionResult:
    return make_result()

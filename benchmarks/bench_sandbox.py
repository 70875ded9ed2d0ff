"""Sandbox cost: one evaluation across the boundary, and the start of a trial, against in-process baselines.

    python benchmarks/bench_sandbox.py [--calls 20000] [--reps 5] [--trials 60]

All figures come from one run. The round trip is timed inside the sandbox around the candidate's own loop of
`func(x)` calls (numpy Rosenbrock on the grader side), and compared with the raw in-process call and with a fair
in-process counting wrapper (copy, shape and finiteness check, count, budget check: what any grader must do).
Best of `reps` repetitions, interleaved; the machine is noisy. Last, how fast each limit ends a hostile call
(memory, output flood, CPU, wall clock, fork bomb). Figures go in docs/performance.md, "Sandbox".
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from harness.results import CallPlan, Phase
from harness.sandbox import CallRequest, Policy, open_session, sandbox_mode

CANDIDATE = '''
import time
import numpy as np

def loop(func, x0, calls=CALLS):
    x = np.array(x0, dtype=float)
    func(x)
    start = time.perf_counter()
    for _ in range(calls):
        func(x)
    elapsed = time.perf_counter() - start
    print("PER_CALL_US", elapsed / calls * 1e6)
    return x

def batch(func, x0, calls=CALLS):
    x = np.array(x0, dtype=float)
    k = 2 * len(x)
    X = np.tile(x, (k, 1))
    func(X)
    start = time.perf_counter()
    for _ in range(calls // k):
        func(X)
    elapsed = time.perf_counter() - start
    print("PER_CALL_US", elapsed / (calls // k * k) * 1e6)
    return x

def trivial(func, x0):
    return x0

def allocate(func, x0):
    import numpy as np
    return np.ones(6 << 27)  # 6 GiB of float64

def flood(func, x0):
    import sys
    line = "x" * 4095 + "\\n"
    while True:
        sys.stdout.write(line)

def spin(func, x0):
    while True:
        pass

def sleep_forever(func, x0):
    import select
    select.select([], [], [], 3600)

def fork_bomb(func, x0):
    import os, select
    while True:
        try:
            if os.fork() == 0:
                select.select([], [], [], 3600)
        except OSError:
            return x0
'''


class Rosenbrock:
    """The objective on the grader's side."""

    noisy = False

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def value(self, x: np.ndarray) -> float:
        return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))

    def evaluate(self, x: np.ndarray, index: int) -> float:
        return self.value(x)


def raw_call(objective: Rosenbrock, x: np.ndarray, calls: int) -> float:
    f = objective.value
    start = time.perf_counter()
    for _ in range(calls):
        f(x)
    return (time.perf_counter() - start) / calls * 1e6


def fair_wrapper(objective: Rosenbrock, x: np.ndarray, calls: int) -> float:
    """What an in-process grader must do per call: copy, check, count, enforce the budget, evaluate."""
    state = {"count": 0}
    dim, budget, f = objective.dim, calls + 10, objective.evaluate

    def func(point):
        a = np.array(point, dtype=np.float64)
        if a.shape != (dim,) or not np.isfinite(a).all():
            raise ValueError("bad point")
        if state["count"] >= budget:
            raise RuntimeError("budget")
        state["count"] += 1
        return float(f(a, state["count"] - 1))

    start = time.perf_counter()
    for _ in range(calls):
        func(x)
    return (time.perf_counter() - start) / calls * 1e6


def request(target: str, dim: int, budget: int) -> CallRequest:
    return CallRequest(phase=Phase.MINIMIZE, plan=CallPlan(target=target, args=("func", "x0")), dim=dim,
                       point=tuple([0.5] * dim), bounds=tuple([(-5.0, 5.0)] * dim), seed=0, budget=budget)


def sandboxed(session, target: str, dim: int, calls: int) -> float:
    outcome = session.run(request(target, dim, calls * 2 + 10), Rosenbrock(dim))
    text = outcome.stdout_head + outcome.stdout_tail
    if "PER_CALL_US" not in text:
        raise SystemExit(f"benchmark candidate failed: {outcome.status.value}: {outcome.message}")
    return float(text.split("PER_CALL_US", 1)[1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--trials", type=int, default=60)
    args = parser.parse_args()
    policy = Policy(wall_s=120.0, cpu_s=120.0, allow_batch=True)
    unpinned = dataclasses.replace(policy, pin_cpu=False)
    print(f"sandbox mode: {sandbox_mode()}; {args.calls} calls per measurement, best of {args.reps}")
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp) / "code"
        code.mkdir()
        (code / "solution.py").write_text(CANDIDATE.replace("CALLS", str(args.calls)))

        t0 = time.perf_counter()
        with open_session(code, "solution.py", policy) as pinned_session, \
                open_session(code, "solution.py", unpinned) as free_session:
            open_s = (time.perf_counter() - t0) / 2
            print("\nround trip of one evaluation, microseconds (x raw call / x fair wrapper)")
            print(f"{'dim':>4} {'raw':>7} {'wrapper':>8} {'pinned':>22} {'unpinned':>22} {'batch k=2n':>22}")
            for dim in (2, 10, 20):
                x = np.full(dim, 0.5)
                rows: dict[str, list[float]] = {k: [] for k in ("raw", "fair", "pinned", "free", "batch")}
                for _ in range(args.reps):
                    rows["raw"].append(raw_call(Rosenbrock(dim), x, args.calls))
                    rows["fair"].append(fair_wrapper(Rosenbrock(dim), x, args.calls))
                    rows["pinned"].append(sandboxed(pinned_session, "loop", dim, args.calls))
                    rows["free"].append(sandboxed(free_session, "loop", dim, args.calls))
                    rows["batch"].append(sandboxed(pinned_session, "batch", dim, args.calls))
                best = {k: min(v) for k, v in rows.items()}

                def cell(key: str) -> str:
                    return f"{best[key]:6.2f} ({best[key] / best['raw']:.2f}x/{best[key] / best['fair']:.2f}x)"

                print(f"{dim:>4} {best['raw']:7.2f} {best['fair']:8.2f} {cell('pinned'):>22} {cell('free'):>22} "
                      f"{cell('batch'):>22}")

        print("\nstart cost, milliseconds")
        t0 = time.perf_counter()
        with open_session(code, "solution.py", policy) as session:
            started = time.perf_counter()
            session.run(request("trivial", 2, 10), Rosenbrock(2))
            first = time.perf_counter() - started
            times = []
            for _ in range(args.trials):
                t = time.perf_counter()
                session.run(request("trivial", 2, 10), Rosenbrock(2))
                times.append(time.perf_counter() - t)
        fresh = started - t0
        print(f"  open_session (bwrap + python + numpy zygote): {fresh * 1e3:7.1f} (mean of 3 sessions above: "
              f"{(open_s * 2 + fresh) / 3 * 1e3:.1f})")
        print(f"  first trial in a session:                     {first * 1e3:7.1f}")
        print(f"  later trials: median {statistics.median(times) * 1e3:.2f}, best {min(times) * 1e3:.2f}, "
              f"90th percentile {sorted(times)[int(0.9 * len(times))] * 1e3:.2f} ({args.trials} trials)")
        print(f"  a fresh sandbox per trial would cost ~{(fresh + first) * 1e3:.0f} ms each: "
              f"{(fresh + first) / statistics.median(times):.0f}x the zygote's median")
        containment(code)


def containment(code: Path) -> None:
    """How fast each limit ends a hostile call, under the default limits but 1 s of wall or CPU time."""
    print("\ncontainment: status and wall time of one call (default limits, but wall_s=2 and cpu_s=1)")
    policy = Policy(wall_s=2.0, cpu_s=1.0)
    with open_session(code, "solution.py", policy) as session:
        session.run(request("trivial", 2, 10), Rosenbrock(2))
        for target in ("allocate", "flood", "spin", "sleep_forever", "fork_bomb", "trivial"):
            t = time.perf_counter()
            outcome = session.run(request(target, 2, 10), Rosenbrock(2))
            took = time.perf_counter() - t
            print(f"  {target:14s} {outcome.status.value:10s} {took:6.3f} s  {(outcome.message or '-').splitlines()[0][:70]}")


if __name__ == "__main__":
    main()

"""Cost of the child-side candidate helpers (harness/sandbox/candidate.py), as ratios measured in one run.

1. load_entry (statement-by-statement exec) against a plain import of the same file;
2. describe_return against the least possible check (tolist + float + isfinite) for common returns;
3. the import audit (audit hook + meta-path recorder): per fresh import, and on a hot loop of func-like calls,
   each with and without the audit, in fresh interpreters (audit hooks cannot be removed).

Usage: python benchmarks/bench_candidate.py [repeats]
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import tempfile
import textwrap
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE = ROOT / "harness" / "sandbox" / "candidate.py"


def _candidate():
    spec = importlib.util.spec_from_file_location("candidate_bench", CANDIDATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _submission(folder: Path) -> Path:
    """A typical answer: imports, constants, 12 helper functions, a class, a failing pickle load."""
    parts = ["import math\nimport numpy as np\nSTEP = 1e-6\n"]
    for i in range(12):
        parts.append(f"def helper_{i}(x, h=STEP):\n    return [v + {i} * h for v in x]\n")
    parts.append("class Optimizer:\n    def minimize(self, func, x0):\n        return x0\n")
    parts.append("def minimize(func, x0):\n    return Optimizer().minimize(func, x0)\n")
    path = folder / "solution.py"
    path.write_text("\n".join(parts))
    return path


def bench_load(cand, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _submission(Path(tmp))

        def plain():
            spec = importlib.util.spec_from_file_location("plain_sub", path)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))

        def tolerant():
            cand.load_entry(str(path))

        base = min(timeit.repeat(plain, number=20, repeat=repeats)) / 20
        ours = min(timeit.repeat(tolerant, number=20, repeat=repeats)) / 20
    print(f"load: plain import {base * 1e3:.3f} ms, load_entry {ours * 1e3:.3f} ms, ratio {ours / base:.2f}x")


def bench_returns(cand, repeats: int) -> None:
    def floor(raw):
        values = [float(v) for v in raw.tolist()]
        return all(math.isfinite(v) for v in values)

    x = np.linspace(-1.0, 1.0, 20)
    cases = {"ndarray(20)": x, "(x, fx)": (x, np.float64(0.5)), "dict": {"x": x, "fun": 0.5},
             "list(20)": x.tolist()}
    base = min(timeit.repeat(lambda: floor(x), number=2000, repeat=repeats)) / 2000
    for name, raw in cases.items():
        ours = min(timeit.repeat(lambda: cand.describe_return(raw, "minimize", 20), number=2000,
                                 repeat=repeats)) / 2000
        print(f"describe_return {name:12s} {ours * 1e6:7.2f} us  ({ours / base:.1f}x the floor of "
              f"{base * 1e6:.2f} us)")


AUDIT_SCRIPT = textwrap.dedent("""
    import importlib.util, os, sys, time
    import numpy as np
    if sys.argv[1] == "on":
        spec = importlib.util.spec_from_file_location("candidate", sys.argv[2])
        cand = importlib.util.module_from_spec(spec); spec.loader.exec_module(cand)
        cand.start_import_audit()
    folder = sys.argv[3]
    sys.path.insert(0, folder)
    t = time.perf_counter()
    for i in range(200):
        __import__(f"mod_{i}")
    per_import = (time.perf_counter() - t) / 200
    fd = os.open(os.devnull, os.O_WRONLY)
    def func(x):
        a = np.array(x, dtype=np.float64)
        os.write(fd, a.tobytes())
        return float(a[0])
    x = [0.5] * 10
    t = time.perf_counter()
    for _ in range(50000):
        func(x)
    per_call = (time.perf_counter() - t) / 50000
    print(per_import, per_call)
""")


def bench_audit(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for mode in ("off", "on"):
            best = (math.inf, math.inf)
            for r in range(repeats):
                mods = Path(tmp) / f"{mode}{r}"
                mods.mkdir()
                for i in range(200):
                    (mods / f"mod_{i}.py").write_text(f"VALUE = {i}\n")
                out = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, mode, str(CANDIDATE), str(mods)],
                                     capture_output=True, text=True, check=True).stdout.split()
                best = tuple(min(a, float(b)) for a, b in zip(best, out))
            results[mode] = best
    off, on = results["off"], results["on"]
    print(f"import audit: per fresh import {off[0] * 1e6:.1f} -> {on[0] * 1e6:.1f} us ({on[0] / off[0]:.2f}x); "
          f"per func-like call {off[1] * 1e6:.2f} -> {on[1] * 1e6:.2f} us ({on[1] / off[1]:.2f}x)")


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cand = _candidate()
    bench_load(cand, repeats)
    bench_returns(cand, repeats)
    bench_audit(max(1, repeats // 2))


if __name__ == "__main__":
    main()

"""Bank build and verify speed: builds the default bank into a temporary folder, verifies it, and times the
parts a grader pays for per evaluation. Plain script (not a test):

    python benchmarks/bench_bank.py [--spec objectives/default/spec.yaml] [--seed 20261204]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from harness.bank.build import build_bank, build_entry, verify_bank
from harness.bank.spec import load_spec
from harness.bank.store import load_bank

GOAL_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="objectives/default/spec.yaml")
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bank"
        t0 = time.perf_counter()
        bank = build_bank(Path(args.spec), args.seed, out, progress=lambda _: None)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        ok, _ = verify_bank(out)
        t_verify = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(20):
            loaded = load_bank(out)
        t_load = (time.perf_counter() - t0) / 20
        size = sum(p.stat().st_size for p in out.iterdir())
        total = t_build + t_verify
        print(f"build {t_build:.2f} s + verify {t_verify:.2f} s = {total:.2f} s for {len(bank.entries)} objectives "
              f"(goal {GOAL_S:.0f} s: {total / GOAL_S:.2f} of it); verify passed: {ok}")
        print(f"load_bank (hashes every pickle): {t_load * 1e3:.2f} ms; bank folder {size / 1024:.1f} KiB")
        # where the build time goes: one objective at a time, reference optimizer included
        spec = load_spec(Path(args.spec))
        rows = []
        for ospec in spec.objectives:
            t0 = time.perf_counter()
            build_entry(ospec, args.seed)
            rows.append((time.perf_counter() - t0, ospec.name))
        slowest = ", ".join(f"{name} {t:.2f} s" for t, name in sorted(rows, reverse=True)[:3])
        print(f"slowest objectives to build: {slowest}")
        # per-evaluation cost the EvalServer pays: evaluate() on the slowest (20-D) and the 2-D take-home
        for entry in sorted(loaded.entries, key=lambda e: -e.dim)[:1] + [loaded.entry("take_home_2d")]:
            obj = loaded.objective(entry.name)
            x = np.array(entry.x_star) + 0.1
            n = 20000
            t0 = time.perf_counter()
            for i in range(n):
                obj.evaluate(x, i)
            per = (time.perf_counter() - t0) / n
            print(f"evaluate() on {entry.name}: {per * 1e6:.1f} us per call")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

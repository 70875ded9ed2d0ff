"""Loader cost per submission shape, against a bare `ast.parse` of the same source (the floor) and against
one bare Python process start (the least a single sandboxed trial costs).

Run: python benchmarks/bench_load.py [repeats]. Prints ms per load and both ratios, all measured in this one
run; the figures go into docs/performance.md ("Loader").
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.load import load_submission

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "submissions"
CASES = ["classic_article.py", "uses_scipy.py", "notebook_magics.ipynb", "two_candidates", "good.zip",
         "classic_article_broken.py", "many_members.zip", "traversal.zip"]


def _per_call(fn, repeats: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    staging = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        source = (FIXTURES / "classic_article.py").read_bytes()
        floor = _per_call(lambda: ast.parse(source), repeats)
        start = _per_call(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), max(repeats // 10, 5))
        print(f"floor: ast.parse(classic_article.py) {floor * 1e3:.3f} ms; python -c pass {start * 1e3:.1f} ms")
        print(f"{'case':28s} {'status':13s} {'ms/load':>8s} {'x parse':>8s} {'x start':>8s}")
        for case in CASES:
            status = load_submission(FIXTURES / case, staging).status.value
            cost = _per_call(lambda: load_submission(FIXTURES / case, staging), repeats)
            print(f"{case:28s} {status:13s} {cost * 1e3:8.3f} {cost / floor:8.1f} {cost / start:8.3f}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    main()

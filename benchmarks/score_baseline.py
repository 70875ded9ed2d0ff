"""Random-search floor: vectorised (objective.values) against one value() call per point, and the cache.

Run: python benchmarks/score_baseline.py [BANK_DIR [RESULTS_JSON]]   (default objectives/default). Prints seconds
and ratios measured in this run; with a results.json graded on that bank (default rubric), also times
score_submission on its trials, cold (empty cache) and warm. The figures go in docs/performance.md, "Scoring".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from harness.bank import load_bank
from harness.score import baseline
from harness.score.plan import budget_for
from harness.score.rubric import Rubric


class OneByOne:
    """The same objective without its batch method, so the floor evaluates point by point."""

    def __init__(self, objective):
        self.objective = objective
        self.dim = objective.dim

    def value(self, x):
        return self.objective.value(x)


def _timed(fn) -> tuple[float, float]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    bank = load_bank(Path(sys.argv[1] if len(sys.argv) > 1 else "objectives/default"))
    rubric = Rubric(path=Path("-"), hash="-")
    total_vec = total_loop = total_cached = 0.0
    print(f"{'objective':22} {'budget':>7} {'vectorised s':>13} {'one-by-one s':>13} {'ratio':>7} {'cached s':>10}")
    for entry in bank.entries:
        objective = bank.objective(entry.name)
        budget = budget_for(entry, rubric)
        baseline.clear_cache()
        t_vec, gap_vec = _timed(lambda: baseline.random_search_gap(entry, objective, budget, 0))
        t_cached, _ = _timed(lambda: baseline.random_search_gap(entry, objective, budget, 0))
        baseline.clear_cache()
        t_loop, gap_loop = _timed(lambda: baseline.random_search_gap(entry, OneByOne(objective), budget, 0))
        assert abs(gap_vec - gap_loop) <= 1e-9 * max(1.0, abs(gap_loop)), (entry.name, gap_vec, gap_loop)
        total_vec, total_loop, total_cached = total_vec + t_vec, total_loop + t_loop, total_cached + t_cached
        print(f"{entry.name:22} {budget:7d} {t_vec:13.4f} {t_loop:13.4f} {t_loop / t_vec:7.1f} {t_cached:10.6f}")
    print(f"{'all':22} {'':7} {total_vec:13.4f} {total_loop:13.4f} {total_loop / total_vec:7.1f} {total_cached:10.6f}")
    if len(sys.argv) > 2:
        time_scoring(bank, Path(sys.argv[2]))


def time_scoring(bank, results_path: Path) -> None:
    """score_submission on the judged trials of a saved results.json (the sandbox runs are not repeated)."""
    from harness.results import CallPlan, Submission, SubmissionStatus, read_results
    from harness.score import load_rubric, plan_trials, score_submission

    saved = read_results(results_path)
    rubric = load_rubric(Path("rubrics/default.yaml"))
    plan = plan_trials(bank, rubric)
    sub = Submission(id="bench", source="bench.py", sha256="-", kind="py", status=SubmissionStatus.GRADED,
                     gradient=CallPlan(target="gradient", args=("func", "x")) if saved.gradient_probes else None)
    objectives = {name: bank.objective(name) for name in plan.objectives}
    for label in ("cold", "warm"):
        if label == "cold":
            baseline.clear_cache()
        t, result = _timed(lambda: score_submission(sub, bank, rubric, plan, saved.trials, saved.gradient_probes,
                                                    objectives=objectives))
        print(f"score_submission ({label}, {len(saved.trials)} trials, {len(saved.gradient_probes)} probes): "
              f"{t:.4f} s, score {result.score}")


if __name__ == "__main__":
    main()

"""Per-objective figures from judged trials: success, ERT, random-search floor, statuses (no scoring policy)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from harness.results import TrialResult, TrialStatus
from harness.score.baseline import random_search_gap
from harness.score.plan import TrialPlan, budget_for, target_for

CLEAN_STATUSES = (TrialStatus.OK, TrialStatus.BUDGET_EXHAUSTED)


@dataclass(frozen=True)
class ObjectiveStats:
    """What one objective's runs add up to; `main` runs are fixed/uniform/own starts, `basin` local-basin ones."""

    name: str
    kinds: tuple[str, ...]
    dim: int
    noisy: bool
    budget: int
    target: float
    reference_evaluations: int | None
    trials: tuple[TrialResult, ...]
    main: tuple[TrialResult, ...]
    basin: tuple[TrialResult, ...]
    ert: float | None  # expected evaluations to success; None without a success
    beats_random: tuple[bool, ...]  # per run: final gap below random search's with the same budget and seed
    random_gaps: tuple[float, ...]  # random search's best gap per rubric seed
    rubric_seeds: tuple[int, ...] = ()  # the rubric seed of each run, aligned with `trials`

    @property
    def successes(self) -> int:
        return sum(t.success for t in self.trials)

    @property
    def success_rate(self) -> float:
        return self.successes / len(self.trials) if self.trials else 0.0

    @property
    def best_gap(self) -> float | None:
        gaps = [t.f_gap for t in self.trials if t.f_gap is not None]
        return min(gaps) if gaps else None

    @property
    def status_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(t.status.value for t in self.trials).items()))

    def row(self) -> dict[str, Any]:
        """The summary row reports show (docs/results.md, `objectives`)."""
        evaluations = sorted(t.evaluations for t in self.trials)
        return {
            "name": self.name, "kinds": list(self.kinds), "dim": self.dim, "runs": len(self.trials),
            "successes": self.successes, "success_rate": round(self.success_rate, 6),
            "median_evaluations": _median(evaluations), "reference_evaluations": self.reference_evaluations,
            "ert": None if self.ert is None else round(self.ert, 3),
            "best_gap": self.best_gap, "target": self.target, "budget": self.budget,
            "status_counts": self.status_counts,
            "local_basin_runs": len(self.basin), "local_basin_successes": sum(t.success for t in self.basin),
            "beats_random_search": sum(self.beats_random), "random_search_gap": min(self.random_gaps, default=None),
        }


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    mid = len(values) // 2
    return float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def run_cost(trial: TrialResult, budget: int) -> int:
    """What one run costs in ERT: evaluations to the target on success, the whole budget on failure."""
    if not trial.success:
        return budget
    if trial.evaluations_to_target is not None:
        return min(trial.evaluations_to_target, max(trial.evaluations, 1))
    return max(trial.evaluations, 1)


def expected_runtime(trials: tuple[TrialResult, ...], budget: int) -> float | None:
    """COCO's aRT: all runs' costs over the number of successes (None without one)."""
    successes = sum(t.success for t in trials)
    if not successes:
        return None
    return sum(run_cost(t, budget) for t in trials) / successes


def objective_stats(bank: Any, rubric: Any, plan: TrialPlan, trials: tuple[TrialResult, ...],
                    objectives: dict[str, Any] | None = None) -> list[ObjectiveStats]:
    """Stats for every planned objective, in plan order; `objectives` maps names to loaded objectives
    (loaded from the bank when missing) for the random-search floor."""
    planned_kind = {(t.objective, t.start, t.seed): t.start_kind for t in plan.trials}
    rubric_seed = {(t.objective, t.start, t.seed): t.rubric_seed for t in plan.trials}
    out = []
    for name in plan.objectives:
        entry = bank.entry(name)
        budget, target = budget_for(entry, rubric), target_for(entry, rubric)
        mine = tuple(sorted((t for t in trials if t.objective == name), key=lambda t: (t.start, t.seed)))
        basin = tuple(t for t in mine if planned_kind.get((t.objective, t.start, t.seed)) == "local_basin")
        main = tuple(t for t in mine if t not in basin)
        objective = (objectives or {}).get(name)
        if objective is None:
            objective = bank.objective(name)
        seeds = sorted({rubric_seed.get((t.objective, t.start, t.seed), 0) for t in mine})
        floor = {s: random_search_gap(entry, objective, budget, s) for s in seeds}
        beats = tuple(t.f_gap is not None and t.f_gap < floor[rubric_seed.get((t.objective, t.start, t.seed), 0)]
                      for t in mine)
        out.append(ObjectiveStats(
            name=name, kinds=tuple(entry.kinds), dim=entry.dim, noisy=bool(entry.noisy or "noisy" in entry.kinds),
            budget=budget, target=target, reference_evaluations=entry.reference_evaluations, trials=mine,
            main=main, basin=basin, ert=expected_runtime(main or mine, budget), beats_random=beats,
            random_gaps=tuple(floor[s] for s in seeds),
            rubric_seeds=tuple(rubric_seed.get((t.objective, t.start, t.seed), 0) for t in mine)))
    return out

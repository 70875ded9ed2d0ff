"""Per-objective summaries and run-time figures that every report and export reads (no HTML here).

The score stage may already give a summary row per objective in `SubmissionResult.objectives`; what it leaves
out is recomputed from the trials (and the bank entry, when there is one), so reports work on any results.json.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from harness.results import SubmissionResult, TrialResult, TrialStatus

CRITERIA_ORDER = ("correctness", "efficiency", "escape", "gradient", "robustness")
FAILED = {TrialStatus.ERROR, TrialStatus.TIMEOUT, TrialStatus.MEMORY, TrialStatus.CPU, TrialStatus.CRASHED,
          TrialStatus.KILLED, TrialStatus.BAD_RETURN, TrialStatus.POLICY}
CRASHES = {TrialStatus.ERROR, TrialStatus.TIMEOUT, TrialStatus.MEMORY, TrialStatus.CPU, TrialStatus.CRASHED,
           TrialStatus.KILLED}
ECDF_DECADES = (4, 3, 2, 1, 0)  # targets: the objective's success target times 10**k (COCO style)


@dataclass(frozen=True)
class ObjectiveSummary:
    """One row of the objective table, and what the per-objective section needs."""

    name: str
    anchor: str
    kinds: tuple[str, ...]
    dim: int | None
    hidden: bool
    runs: int
    successes: int
    median_to_target: float | None  # over successful runs
    median_evaluations: float | None  # over all runs
    reference_evaluations: int | None
    best_gap: float | None
    target: float | None
    budget: int | None
    status_counts: tuple[tuple[str, int], ...]
    ert: float | None  # COCO's expected run time, from the score stage's row when it gave one
    beats_random: int | None  # runs whose final gap beat uniform random search with the same budget
    first_failure: tuple[tuple[str, str], ...]  # (status, anchor of the first trial with it)
    trials: tuple[TrialResult, ...]

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.runs if self.runs else None


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)


def trial_anchor(trial: TrialResult) -> str:
    return f"t-{slug(trial.objective)}-{trial.start}-{trial.seed}"


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        out = None if value is None else float(value)
    except (TypeError, ValueError):
        return None
    return out if out is not None and math.isfinite(out) else None


def objective_summaries(result: SubmissionResult, bank: Any = None) -> tuple[ObjectiveSummary, ...]:
    """A summary per objective, in the order of result.objectives, then of first appearance in the trials."""
    rows = {str(r.get("name", r.get("objective", ""))): r for r in result.objectives if isinstance(r, dict)}
    names = list(rows)
    for t in result.trials:
        if t.objective not in rows and t.objective not in names:
            names.append(t.objective)
    out = []
    for name in names:
        row = rows.get(name, {})
        entry = None
        if bank is not None:
            try:
                entry = bank.entry(name)
            except KeyError:
                entry = None
        trials = tuple(sorted((t for t in result.trials if t.objective == name), key=lambda t: (t.start, t.seed)))
        counts = Counter(t.status.value for t in trials)
        first: dict[str, str] = {}
        for t in trials:
            if t.status in FAILED or not t.success:
                first.setdefault("missed" if t.status is TrialStatus.OK else t.status.value, trial_anchor(t))
        gaps = [t.f_gap for t in trials if t.f_gap is not None and math.isfinite(t.f_gap)]
        out.append(ObjectiveSummary(
            name=name,
            anchor=f"o-{slug(name)}",
            kinds=tuple(row.get("kinds") or (entry.kinds if entry else ())),
            dim=_int_or_none(row.get("dim", entry.dim if entry else None)),
            hidden=bool(row.get("hidden", True)),
            runs=len(trials),
            successes=sum(1 for t in trials if t.success),
            median_to_target=_median([t.evaluations_to_target for t in trials
                                      if t.success and t.evaluations_to_target is not None]),
            median_evaluations=_median([t.evaluations for t in trials]),
            reference_evaluations=_int_or_none(row.get("reference_evaluations",
                                                       entry.reference_evaluations if entry else None)),
            best_gap=min(gaps) if gaps else _float_or_none(row.get("best_gap")),
            target=_float_or_none(row.get("target", entry.target if entry else None)),
            budget=_int_or_none(row.get("budget", entry.budget if entry else None)),
            status_counts=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            ert=_float_or_none(row.get("ert")),
            beats_random=_int_or_none(row.get("beats_random_search")),
            first_failure=tuple(sorted(first.items())),
            trials=trials,
        ))
    return tuple(out)


def criteria_names(results: list[SubmissionResult]) -> list[str]:
    """The five known criteria first in their usual order, then any others a rubric adds, sorted."""
    seen = {name for r in results for name in r.criteria}
    return [c for c in CRITERIA_ORDER if c in seen] + sorted(seen - set(CRITERIA_ORDER))


def runtimes(result: SubmissionResult, targets: dict[str, float | None]) -> tuple[list[int | None], int]:
    """COCO-style (run, target) runtimes: the first evaluation whose best gap reached each target.

    Returns the runtimes (None where never reached) and the largest evaluation count seen, the x-axis end.
    """
    out: list[int | None] = []
    longest = 1
    for t in result.trials:
        longest = max(longest, t.evaluations)
        target = targets.get(t.objective)
        if target is None or target <= 0 or not t.convergence:
            out.append(t.evaluations_to_target if t.success else None)
            continue
        for k in ECDF_DECADES:
            level = target * 10.0 ** k
            out.append(next((int(e) for e, gap in t.convergence if gap is not None and gap <= level), None))
    return out, longest


def targets_of(result: SubmissionResult, bank: Any = None) -> dict[str, float | None]:
    """Each objective's success target (the gap f - f*), from the result's rows or the bank."""
    return {s.name: s.target for s in objective_summaries(result, bank)}

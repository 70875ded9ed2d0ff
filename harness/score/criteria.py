"""The five criteria, each a score in 0..1 with its evidence in one line (formulas in docs/rubric.md)."""

from __future__ import annotations

import math
from statistics import median

from harness.results import Criterion, GradientProbe, TrialResult, TrialStatus
from harness.score.metrics import CLEAN_STATUSES, ObjectiveStats

EFFICIENCY_DECADES = 2.0  # ERT this many factors of 10 above the reference scores 0 on the ERT part
EFFICIENCY_ERT_SHARE = 0.75  # the rest of an objective's efficiency is the share of runs beating random search
GRADIENT_FULL_ERROR = 1e-6  # relative error at or below this scores 1
GRADIENT_ZERO_ERROR = 1.0  # relative error at or above this scores 0
ROBUSTNESS_PARTS = {"clean": 0.4, "stops": 0.2, "breadth": 0.4}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def correctness(stats: list[ObjectiveStats], weight: float) -> Criterion | None:
    """Mean over objectives of the success rate from ordinary starts (noise-free gap within the target)."""
    rates = [(s, sum(t.success for t in s.main) / len(s.main)) for s in stats if s.main]
    if not rates:
        return None
    runs = sum(len(s.main) for s, _ in rates)
    wins = sum(sum(t.success for t in s.main) for s, _ in rates)
    full = sum(rate == 1.0 for _, rate in rates)
    return Criterion(score=_mean([r for _, r in rates]), weight=weight,
                     evidence=f"reached the target in {wins} of {runs} runs from ordinary starts; all of them on "
                              f"{full} of {len(rates)} objectives")


def ert_score(ert: float | None, reference: int | None) -> float | None:
    """1 at or below the reference evaluations, falling linearly in log10 to 0 at EFFICIENCY_DECADES above."""
    if reference is None or reference <= 0:
        return None
    if ert is None:
        return 0.0
    ratio = max(ert / reference, 1.0)
    return max(0.0, 1.0 - math.log10(ratio) / EFFICIENCY_DECADES)


def efficiency(stats: list[ObjectiveStats], weight: float) -> Criterion | None:
    """Per objective: 75% ERT against the reference (log scale), 25% share of runs beating random search."""
    parts, ratios, beaten, runs = [], [], 0, 0
    for s in stats:
        if not s.trials:
            continue
        share = sum(s.beats_random) / len(s.beats_random)
        beaten += sum(s.beats_random)
        runs += len(s.beats_random)
        ert_part = ert_score(s.ert, s.reference_evaluations)
        if ert_part is None:
            parts.append(share)
            continue
        parts.append(EFFICIENCY_ERT_SHARE * ert_part + (1 - EFFICIENCY_ERT_SHARE) * share)
        if s.ert is not None:
            ratios.append(s.ert / s.reference_evaluations)
    if not parts:
        return None
    solved = "the objective" if len(ratios) == 1 else f"the {len(ratios)} objectives"
    ert_text = (f"median ERT {median(ratios):.1f}x the reference optimizer's evaluations on {solved} it solved"
                if ratios else "no objective solved, so no ERT")
    return Criterion(score=_mean(parts), weight=weight,
                     evidence=f"{ert_text}; beat uniform random search with the same budget in {beaten} of {runs} runs")


def escape(stats: list[ObjectiveStats], weight: float) -> Criterion | None:
    """Mean over deceptive objectives of the success rate from starts placed in the local basin."""
    rows = [s for s in stats if s.basin]
    if not rows:
        return None
    runs = sum(len(s.basin) for s in rows)
    wins = sum(sum(t.success for t in s.basin) for s in rows)
    stuck = sum(sum(t.basin.startswith("local") for t in s.basin) for s in rows)
    return Criterion(score=_mean([sum(t.success for t in s.basin) / len(s.basin) for s in rows]), weight=weight,
                     evidence=f"escaped to the global minimum from {wins} of {runs} local-basin starts on "
                              f"{len(rows)} deceptive objective(s); {stuck} ended in a local minimum")


def probe_score(probe: GradientProbe, dim: int) -> float:
    """Accuracy (log scale from 1e-6 to 1 relative error, 0 when pointing away) times an evaluation-cost factor."""
    if probe.status is not TrialStatus.OK or probe.rel_error is None or probe.cosine is None:
        return 0.0
    if probe.cosine <= 0.0:
        return 0.0
    err = max(probe.rel_error, GRADIENT_FULL_ERROR)
    span = math.log10(GRADIENT_ZERO_ERROR / GRADIENT_FULL_ERROR)
    accuracy = max(0.0, 1.0 - math.log10(err / GRADIENT_FULL_ERROR) / span)
    allowed = 2 * dim + 2  # a central difference plus f(x) and one spare
    cost = 1.0 if probe.evaluations <= allowed else allowed / probe.evaluations
    return accuracy * cost


def gradient(probes: tuple[GradientProbe, ...], planned: int, dims: dict[str, int], weight: float,
             has_gradient: bool) -> Criterion | None:
    """Mean probe score over the planned probes (a missing or failed probe scores 0)."""
    if planned == 0:
        return None
    if not has_gradient or not probes:
        return Criterion(score=0.0, weight=weight, evidence="no gradient function was found to probe")
    scores = [probe_score(p, dims[p.objective]) for p in probes]
    ok = [p for p in probes if p.status is TrialStatus.OK and p.rel_error is not None]
    if ok:
        errs = sorted(p.rel_error for p in ok)
        per_call = median(p.evaluations / dims[p.objective] for p in ok)
        text = (f"median relative error {median(errs):.2g}, median cosine {median(p.cosine for p in ok):.4f}, "
                f"{per_call:.1f} evaluations per dimension per call, over {len(ok)} of {planned} probes")
    else:
        text = f"none of the {planned} probes returned a gradient vector"
    return Criterion(score=sum(scores) / planned, weight=weight, evidence=text)


def robustness(stats: list[ObjectiveStats], probes: tuple[GradientProbe, ...], weight: float) -> Criterion | None:
    """40% runs ending cleanly (no crash, timeout, bad return), 20% stopping within the budget, 40% success
    across groups (each dimension, noisy, non-smooth)."""
    trials: list[TrialResult] = [t for s in stats for t in s.trials]
    if not trials:
        return None
    calls = len(trials) + len(probes)
    # a run that never called func ended "cleanly" by doing nothing: it earns neither the clean nor the stop part
    clean = (sum(t.status in CLEAN_STATUSES and t.evaluations > 0 for t in trials)
             + sum(p.status in CLEAN_STATUSES for p in probes)) / calls
    stops = sum(t.status is not TrialStatus.BUDGET_EXHAUSTED and t.status in CLEAN_STATUSES and t.evaluations > 0
                for t in trials)
    stop_share = stops / len(trials)
    groups: dict[str, list[TrialResult]] = {}
    for s in stats:
        labels = [f"{s.dim}-D"] + [k for k in ("noisy", "non-smooth") if k in s.kinds or (k == "noisy" and s.noisy)]
        for label in labels:
            groups.setdefault(label, []).extend(s.trials)
    rates = {g: sum(t.success for t in ts) / len(ts) for g, ts in groups.items() if ts}
    breadth = _mean(list(rates.values()))
    score = (ROBUSTNESS_PARTS["clean"] * clean + ROBUSTNESS_PARTS["stops"] * stop_share
             + ROBUSTNESS_PARTS["breadth"] * breadth)
    weakest = min(sorted(rates), key=lambda g: rates[g])
    strongest = max(sorted(rates), key=lambda g: rates[g])
    spread = (f"success {_pct(rates[weakest])} in every group" if rates[weakest] == rates[strongest] else
              f"success by group from {_pct(rates[weakest])} ({weakest}) to {_pct(rates[strongest])} ({strongest})")
    return Criterion(score=score, weight=weight,
                     evidence=f"{_pct(clean)} of calls ended cleanly, {_pct(stop_share)} of runs stopped within the "
                              f"budget; {spread}")


def total_score(criteria: dict[str, Criterion]) -> float:
    """0..100: the weighted mean of the criteria that apply (weights of inapplicable ones drop out)."""
    weight = sum(c.weight for c in criteria.values())
    if weight <= 0:
        return 0.0
    return round(100.0 * sum(c.score * c.weight for c in criteria.values()) / weight, 4)

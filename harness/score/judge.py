"""Turn one sandboxed call's outcome into a judged result: re-evaluate noise-free, outside the budget."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from harness.results import CallOutcome, GradientProbe, TrialResult, TrialStatus
from harness.score.plan import PlannedProbe, PlannedTrial

MAX_CONVERGENCE_POINTS = 200
MAX_PATH_POINTS = 400  # evaluated points kept per 2-D run for the landscape plot (results.json size)
SCORED_ON_BEST_NOTE = "scored on the best evaluated point (no usable returned point, or the budget ran out)"
BASIN_RADIUS_SHARE = 0.1  # a point is "in" a known basin within 10% of the domain's diagonal of its minimum
POINT_AND_DIFFERENCE = ("gradient returned (point, difference) like the classic article: a point and a change in "
                        "the function value, not a vector of partial derivatives")


def _finite_point(values: Any, dim: int) -> np.ndarray | None:
    if values is None:
        return None
    try:
        x = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None
    return x if x.size == dim and np.all(np.isfinite(x)) else None


def _noise_free_gap(entry: Any, objective: Any, x: np.ndarray) -> tuple[float | None, str]:
    try:
        value = float(objective.value(x))
    except (ValueError, ArithmeticError) as exc:
        return None, f"the grader could not evaluate the final point ({type(exc).__name__}: {exc})"
    if not math.isfinite(value):
        return None, "the objective is not finite at the final point"
    return value - entry.f_star, ""


def classify_basin(entry: Any, x: np.ndarray, success: bool) -> str:
    """'global' on success or nearest the global minimum; 'local:<k>' nearest local minimum k; else 'none'."""
    if success:
        return "global"
    centres = [np.asarray(entry.x_star, dtype=float)] + [np.asarray(m.x, dtype=float) for m in entry.local_minima]
    distances = [float(np.linalg.norm(x - c)) for c in centres]
    lo = np.array([b[0] for b in entry.bounds], dtype=float)
    hi = np.array([b[1] for b in entry.bounds], dtype=float)
    span = hi - lo
    diagonal = float(np.linalg.norm(span[np.isfinite(span)])) if np.any(np.isfinite(span)) else 1.0
    best = int(np.argmin(distances))
    if distances[best] > BASIN_RADIUS_SHARE * max(diagonal, 1e-12):
        return "none"
    return "global" if best == 0 else f"local:{best - 1}"


def downsample(points: list[Any], limit: int = MAX_CONVERGENCE_POINTS) -> list[Any]:
    """At most `limit` points, evenly spread over the list, always keeping the first and the last."""
    if len(points) <= limit:
        return points
    keep = np.unique(np.linspace(0, len(points) - 1, limit).round().astype(int))
    return [points[i] for i in keep]


def convergence_curve(entry: Any, outcome: CallOutcome) -> tuple[tuple[int, float], ...]:
    """(evaluation, best noise-free gap so far) from the server's trajectory, downsampled deterministically."""
    curve: list[tuple[int, float]] = []
    best = math.inf
    for index, value in sorted(outcome.trajectory):
        gap = float(value) - entry.f_star
        if math.isfinite(gap) and gap < best:
            best = gap
            curve.append((int(index), gap))
    return tuple((i, _plot_float(g)) for i, g in downsample(curve))


def _plot_float(value: float) -> float:
    """7 significant digits: plenty for a plot, and a third of the bytes of a full repr in results.json."""
    return float(f"{value:.7g}")


def judge_trial(entry: Any, objective: Any, planned: PlannedTrial, outcome: CallOutcome, *,
                own_start: bool = False) -> TrialResult:
    """Score one minimize run on the returned point (or the best evaluated one), judged on the noise-free value."""
    notes = list(outcome.load_notes)
    returned = _finite_point(outcome.returned, entry.dim)
    if returned is not None and outcome.status is not TrialStatus.BUDGET_EXHAUSTED:
        final, scored_on = returned, "returned"
    else:
        final = _finite_point(outcome.best_x, entry.dim)
        scored_on = "best_evaluated" if final is not None else "nothing"
        if final is not None:
            notes.append(SCORED_ON_BEST_NOTE)
    gap: float | None = None
    if final is not None:
        gap, problem = _noise_free_gap(entry, objective, final)
        if problem:
            notes.append(problem)
    success = gap is not None and gap <= planned.target
    basin = classify_basin(entry, final, success) if final is not None and gap is not None else "none"
    own_start = own_start or planned.start_kind == "own"
    hit = outcome.first_hit if outcome.first_hit is not None and outcome.first_hit > 0 else None
    return TrialResult(
        objective=entry.name, start=planned.start, start_kind="own" if own_start else planned.start_kind,
        seed=planned.seed, x0=None if own_start else tuple(planned.x0), status=outcome.status,
        message=outcome.message, evaluations=int(outcome.evaluations), success=bool(success), f_gap=gap,
        basin=basin, returned=tuple(float(v) for v in returned) if returned is not None else None,
        scored_on=scored_on, evaluations_to_target=hit, convergence=convergence_curve(entry, outcome),
        path=tuple(tuple(_plot_float(v) for v in p) for p in downsample(list(outcome.path), MAX_PATH_POINTS))
        if entry.dim <= 2 else (),
        stdout_head=outcome.stdout_head, stdout_tail=outcome.stdout_tail, notes=tuple(notes),
        wall_s=outcome.wall_s, cpu_s=outcome.cpu_s)


def judge_probe(entry: Any, objective: Any, planned: PlannedProbe, outcome: CallOutcome) -> GradientProbe:
    """Compare one gradient(func, x) return with the true noise-free gradient at x."""
    base = {"objective": entry.name, "x": tuple(planned.x), "evaluations": int(outcome.evaluations),
            "returned_kind": outcome.returned_kind, "wall_s": outcome.wall_s}
    if outcome.status is not TrialStatus.OK:
        message = outcome.message
        if outcome.returned_kind == "point_and_difference":
            message = POINT_AND_DIFFERENCE + (f" ({message})" if message else "")
        return GradientProbe(status=outcome.status, message=message, rel_error=None, cosine=None, **base)
    g = _finite_point(outcome.returned, entry.dim)
    if g is None:
        if outcome.returned_kind == "point_and_difference":
            message = POINT_AND_DIFFERENCE
        else:
            kind = outcome.returned_kind or "nothing usable"
            message = f"gradient returned {kind}, not a vector of {entry.dim} finite numbers"
        return GradientProbe(status=TrialStatus.BAD_RETURN, message=message, rel_error=None, cosine=None, **base)
    true = np.asarray(objective.gradient(np.asarray(planned.x, dtype=float)), dtype=float).reshape(-1)
    true_norm, g_norm = float(np.linalg.norm(true)), float(np.linalg.norm(g))
    rel_error = float(np.linalg.norm(g - true)) / max(true_norm, 1e-12)
    if true_norm == 0.0 and g_norm == 0.0:
        cosine = 1.0
    elif true_norm == 0.0 or g_norm == 0.0:
        cosine = 0.0
    else:
        cosine = float(np.clip(np.dot(g, true) / (g_norm * true_norm), -1.0, 1.0))
    return GradientProbe(status=TrialStatus.OK, message=outcome.message, rel_error=rel_error, cosine=cosine, **base)

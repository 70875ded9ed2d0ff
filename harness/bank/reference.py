"""The bundled from-scratch reference optimizer: adaptive Nelder-Mead (Gao and Han 2012) with restarts.

Scoring compares a candidate's evaluations with what this needs to reach an objective's success target, and the
build uses the same simplex search to polish minima. Written from scratch so the bank needs numpy only.
"""

from __future__ import annotations

import statistics
from typing import Any, Callable, Sequence

import numpy as np


class _Stop(Exception):
    """Raised by a budgeted function to end a search (target reached or budget spent)."""


def nelder_mead(f: Callable[[np.ndarray], float], x0: np.ndarray, step: np.ndarray, max_evals: int,
                xtol: float = 1e-10, ftol: float = 1e-14, refresh: int = 0) -> tuple[np.ndarray, float, int]:
    """Minimize `f` from a simplex x0 + step_i e_i; stops when the simplex is smaller than `xtol` (relative to
    |x| + step) and its values agree to `ftol` (relative), or after `max_evals`. Returns (x, f(x), evaluations).
    With `refresh` > 0 every vertex is re-evaluated each `refresh` iterations, so that on a noisy function one
    lucky draw cannot hold the simplex in place."""
    n = x0.size
    if n >= 2:
        alpha, beta, gamma, delta = 1.0, 1.0 + 2.0 / n, 0.75 - 0.5 / n, 1.0 - 1.0 / n
    else:
        alpha, beta, gamma, delta = 1.0, 2.0, 0.5, 0.5
    simplex = np.vstack([x0, x0 + np.diag(step)])
    values = np.empty(n + 1)
    evals = 0
    for i in range(n + 1):
        values[i] = f(simplex[i])
        evals += 1
    size0 = float(np.max(np.abs(step))) + 1e-300
    iteration, best_seen, stalled = 0, np.inf, 0
    while evals < max_evals:
        iteration += 1
        stalled = stalled + 1 if values.min() >= best_seen else 0
        best_seen = min(best_seen, float(values.min()))
        if stalled > 30 * (n + 1) and not refresh:
            break  # the best value has not moved for many iterations: rounding-level cycling
        if refresh and iteration % refresh == 0 and evals + n + 1 <= max_evals:
            values = np.array([f(v) for v in simplex])
            evals += n + 1
        order = np.argsort(values, kind="stable")
        simplex, values = simplex[order], values[order]
        spread_x = float(np.max(np.abs(simplex[1:] - simplex[0])))
        spread_f = float(values[-1] - values[0])
        if spread_x <= xtol * (float(np.max(np.abs(simplex[0]))) + size0) and \
                spread_f <= ftol * (abs(float(values[0])) + 1e-300) + 1e-300:
            break
        if spread_x <= 1e-15 * (float(np.max(np.abs(simplex[0]))) + size0):
            break  # collapsed below rounding: no further progress possible
        centroid = simplex[:-1].mean(axis=0)
        worst = simplex[-1]
        xr = centroid + alpha * (centroid - worst)
        fr = f(xr)
        evals += 1
        if fr < values[0]:
            xe = centroid + beta * (xr - centroid)
            fe = f(xe)
            evals += 1
            simplex[-1], values[-1] = (xe, fe) if fe < fr else (xr, fr)
            continue
        if fr < values[-2]:
            simplex[-1], values[-1] = xr, fr
            continue
        if fr < values[-1]:
            xc = centroid + gamma * (xr - centroid)
            accept_limit = fr
        else:
            xc = centroid + gamma * (worst - centroid)
            accept_limit = values[-1]
        fc = f(xc)
        evals += 1
        if fc <= accept_limit:
            simplex[-1], values[-1] = xc, fc
            continue
        for i in range(1, n + 1):
            if evals >= max_evals:
                break
            simplex[i] = simplex[0] + delta * (simplex[i] - simplex[0])
            values[i] = f(simplex[i])
            evals += 1
    best = int(np.argmin(values))
    return simplex[best].copy(), float(values[best]), evals


def restarted_nelder_mead(f: Callable[[np.ndarray], float], x0: np.ndarray, bounds: np.ndarray,
                          budget: int, rng: np.random.Generator, step_fraction: float = 0.2,
                          refresh: int = 0) -> tuple[np.ndarray, float]:
    """Nelder-Mead until the budget is spent: after a run that improved the best point, restart there with a
    fresh simplex; after one that did not, restart from a uniform point in `bounds`. The first run, from the
    given start, is a local search (simplex 5% of the box); restarts use `step_fraction`. `f` may raise _Stop."""
    lo, hi = bounds[:, 0], bounds[:, 1]
    x, best_x, best_f, used = np.array(x0, dtype=float), np.array(x0, dtype=float), np.inf, 0
    try:
        while used < budget:
            step = (step_fraction if used else 0.05) * (hi - lo)
            xr, fr, n = nelder_mead(f, x, step, budget - used, xtol=1e-8, ftol=1e-10, refresh=refresh)
            used += n
            improved = fr < best_f - 1e-12 * abs(best_f)
            if fr < best_f:
                best_x, best_f = xr, fr
            x = best_x if improved else rng.uniform(lo, hi)
    except _Stop:
        pass
    return best_x, best_f


class BudgetedRun:
    """Counts evaluations of an objective as a candidate would see them (noisy `evaluate`), and stops the
    search at the first evaluation whose noise-free gap to f* is within `target`."""

    def __init__(self, objective: Any, budget: int, f_star: float, target: float) -> None:
        self.objective, self.budget, self.f_star, self.target = objective, budget, f_star, target
        self.count = 0
        self.first_hit: int | None = None

    def __call__(self, x: np.ndarray) -> float:
        if self.count >= self.budget:
            raise _Stop
        index = self.count
        self.count += 1
        seen = self.objective.evaluate(x, index)
        clean = self.objective.value(x) if self.objective.noisy else seen
        if clean - self.f_star <= self.target:
            self.first_hit = index + 1
            raise _Stop
        return seen


def reference_evaluations(objective: Any, starts: Sequence[np.ndarray], bounds: np.ndarray, budget: int,
                          f_star: float, target: float, seed: int) -> tuple[int | None, dict[str, Any]]:
    """Median evaluations the reference needs to reach the target over `starts` (a failed run counts as
    infinite; None when half or more fail), and the per-run figures."""
    runs: list[int | None] = []
    for k, start in enumerate(starts):
        run = BudgetedRun(objective, budget, f_star, target)
        restarted_nelder_mead(run, np.asarray(start, float), bounds, budget, np.random.default_rng([seed, k]),
                              refresh=2 * start.size + 2 if objective.noisy else 0)
        runs.append(run.first_hit)
    ranked = [r if r is not None else float("inf") for r in runs]
    median = statistics.median_low(ranked)
    figures = {"optimizer": "nelder-mead (adaptive, restarts)", "runs": runs,
               "successes": sum(r is not None for r in runs), "budget": budget}
    return (int(median) if median != float("inf") else None), figures

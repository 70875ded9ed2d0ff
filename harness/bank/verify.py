"""Checks that an objective's stated minimum is its minimum: f(x*) == f*, and dense sampling plus local
polish from many starts find nothing lower than f* beyond a stated tolerance. The figures go into bank.json."""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.bank.reference import nelder_mead


def sig(value: float, digits: int = 10) -> float:
    """Round to `digits` significant digits, so stored figures do not churn on last-bit differences."""
    return float(f"{float(value):.{digits}g}")


def batch_values(objective: Any, X: np.ndarray) -> np.ndarray:
    """Noise-free values of the rows of X: the objective's vectorised `values` when it has a working one,
    else one `value` call per row."""
    batch = getattr(objective, "values", None)
    if callable(batch):
        try:
            out = np.asarray(batch(X), dtype=float).reshape(-1)
            if out.shape == (len(X),):
                return out
        except (TypeError, ValueError):
            pass
    return np.array([objective.value(row) for row in X], dtype=float)


def tolerance_for(f_star: float, scale: float) -> float:
    """How far below f* a found value may be and still count as rounding: 1e-9 * max(1, |f*|, scale)."""
    return 1e-9 * max(1.0, abs(f_star), abs(scale))


def sample_points(rng: np.random.Generator, bounds: np.ndarray, x_star: np.ndarray, count: int) -> np.ndarray:
    """Half uniform in the box, half in Gaussian clouds around x* at radii from 1e-6 to 0.3 of the box."""
    lo, hi = bounds[:, 0], bounds[:, 1]
    uniform = rng.uniform(lo, hi, size=(count - count // 2, lo.size))
    radii = np.geomspace(1e-6, 0.3, 12)[rng.integers(0, 12, count // 2)][:, None]
    near = x_star + rng.standard_normal((count // 2, lo.size)) * radii * (hi - lo)
    return np.vstack([uniform, near])


def polish(objective: Any, x0: np.ndarray, bounds: np.ndarray, max_evals: int,
           step_fraction: float = 0.01) -> tuple[np.ndarray, float, int]:
    """A tight local Nelder-Mead on the noise-free value, restarted once from where it stopped."""
    step = step_fraction * (bounds[:, 1] - bounds[:, 0])
    x, fx, used = nelder_mead(objective.value, x0, step, max_evals // 2, xtol=1e-12, ftol=1e-15)
    x2, fx2, used2 = nelder_mead(objective.value, x, step * 0.01, max_evals - used, xtol=1e-13, ftol=1e-16)
    return (x2, fx2, used + used2) if fx2 <= fx else (x, fx, used + used2)


def verify_minimum(objective: Any, x_star: np.ndarray, f_star: float, bounds: np.ndarray, scale: float,
                   seed: int, samples: int | None = None, polish_starts: int = 8) -> dict[str, Any]:
    """The verification figures of one objective; `passed` is the verdict."""
    dim = x_star.size
    samples = samples or 20000 + 2000 * dim
    rng = np.random.default_rng([seed, 7])
    exact = objective.value(x_star) == f_star
    X = sample_points(rng, bounds, x_star, samples)
    vals = batch_values(objective, X)
    best_sample = float(np.min(vals))
    order = np.argsort(vals, kind="stable")
    starts = [X[i] for i in order[:polish_starts // 2]]
    starts += [X[i] for i in rng.choice(samples, polish_starts - len(starts), replace=False)]
    best_found, evaluations = best_sample, samples
    for start in starts:
        _, fx, used = polish(objective, start, bounds, 200 * dim + 400)
        best_found, evaluations = min(best_found, fx), evaluations + used
    tol = tolerance_for(f_star, scale)
    margin = best_found - f_star
    return {"exact": bool(exact), "samples": samples, "polish_starts": len(starts), "evaluations": evaluations,
            "best_found": sig(best_found), "margin": sig(margin), "tolerance": sig(tol),
            "passed": bool(exact and margin >= -tol)}


def polish_local_minima(objective: Any, guesses: list[np.ndarray], bounds: np.ndarray, f_star: float,
                        target: float) -> list[tuple[np.ndarray, float]]:
    """Polish each guess into a local minimum; keep the ones clearly above the global minimum, once each."""
    found: list[tuple[np.ndarray, float]] = []
    for guess in guesses:
        x, fx, _ = polish(objective, guess, bounds, 400 * guess.size + 800, step_fraction=0.002)
        if fx - f_star > 10 * target and all(np.max(np.abs(x - y)) > 1e-6 for y, _ in found):
            found.append((x, fx))
    return found


def basin_traps(objective: Any, start: np.ndarray, bounds: np.ndarray, f_star: float, target: float) -> bool:
    """True when a local descent (one Nelder-Mead run, small simplex) from `start` misses the global target."""
    _, fx, _ = nelder_mead(objective.value, start, 0.005 * (bounds[:, 1] - bounds[:, 0]), 500 * start.size + 500)
    return bool(fx - f_star > target)

"""Rung 5 of the shipped ladder: adaptive Nelder-Mead with restarts (derivative-free).

Nelder-Mead with dimension-adapted coefficients (Gao and Han, 2012), restarted from its best point with a fresh
simplex until it stops improving, then from random points in widening rings around the start to look for a better
basin (giving up after 8 fruitless restarts in a row); it counts its own evaluations and stops well within a
budget of 2000 per dimension. The gradient is a central difference with a step scaled to each coordinate.
Written for this project.
"""

import numpy as np

PATIENCE = 8  # stop exploring after this many restarts in a row that found nothing better


def gradient(func, x):
    """Central differences with a step scaled to the size of each coordinate (2n evaluations)."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[i]))
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (func(x + e) - func(x - e)) / (2 * h)
    return g


class Counted:
    """Wraps func to count evaluations and remember the best point seen."""

    def __init__(self, func, limit):
        self.func, self.calls, self.limit = func, 0, limit
        self.best_x, self.best_f = None, np.inf

    def __call__(self, x):
        if self.calls >= self.limit:
            raise StopIteration
        value = float(self.func(x))
        self.calls += 1
        if value < self.best_f:
            self.best_x, self.best_f = np.array(x, dtype=float), value
        return value


def nelder_mead(f, x0, step, max_evals, tol=1e-12):
    """One adaptive Nelder-Mead run from a simplex of size `step` around x0; returns the best vertex."""
    n = len(x0)
    alpha, gamma = 1.0, 1.0 + 2.0 / n
    rho, sigma = 0.75 - 1.0 / (2 * n), 1.0 - 1.0 / n
    simplex = [x0.copy()] + [x0 + step * np.eye(n)[i] for i in range(n)]
    values = [f(p) for p in simplex]
    start = f.calls
    while f.calls - start < max_evals:
        order = np.argsort(values)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        spread = max(np.max(np.abs(p - simplex[0])) for p in simplex[1:])
        if spread < tol * max(1.0, np.max(np.abs(simplex[0]))) or abs(values[-1] - values[0]) < 1e-14 * max(
                1.0, abs(values[0])) and spread < 1e-6 * max(1.0, np.max(np.abs(simplex[0]))):
            break
        centroid = np.mean(simplex[:-1], axis=0)
        xr = centroid + alpha * (centroid - simplex[-1])
        fr = f(xr)
        if fr < values[0]:
            xe = centroid + gamma * (xr - centroid)
            fe = f(xe)
            simplex[-1], values[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = xr, fr
        else:
            outside = fr < values[-1]
            xc = centroid + rho * ((xr if outside else simplex[-1]) - centroid)
            fc = f(xc)
            if fc < (fr if outside else values[-1]):
                simplex[-1], values[-1] = xc, fc
            else:
                for i in range(1, n + 1):
                    simplex[i] = simplex[0] + sigma * (simplex[i] - simplex[0])
                    values[i] = f(simplex[i])
    best = int(np.argmin(values))
    return simplex[best], values[best]


def local_search(f, x, step, max_evals):
    """Nelder-Mead restarted from its best point with a fresh simplex until a restart stops improving."""
    fx = np.inf
    while f.calls < f.limit:
        budget = min(max_evals, f.limit - f.calls)
        if budget < len(x) + 2:
            break
        x_new, f_new = nelder_mead(f, x, step, budget)
        if f_new >= fx - 1e-12 * max(1.0, abs(fx)):
            break
        x, fx = x_new, f_new
        step = max(np.max(np.abs(step)) * 0.1, 1e-7) * np.ones_like(x)
    return x


def minimize(func, x0, seed=0):
    x0 = np.asarray(x0, dtype=float)
    n = len(x0)
    f = Counted(func, limit=1500 * n + 500)
    rng = np.random.default_rng(seed)
    scale = 0.1 * np.maximum(1.0, np.abs(x0))
    try:
        local_search(f, x0.copy(), scale, 400 * n)
        radius = max(1.0, np.linalg.norm(f.best_x - x0), 0.5 * np.max(np.abs(x0)))
        k = stale = 0
        while f.calls < 0.75 * f.limit and stale < PATIENCE:
            k += 1
            before = f.best_f
            centre = f.best_x if k % 2 else x0
            start = centre + radius * (0.5 + k / 4) * rng.uniform(-1, 1, n)
            local_search(f, start, scale, 200 * n)
            stale = 0 if f.best_f < before - 1e-9 * max(1.0, abs(before)) else stale + 1
        local_search(f, f.best_x.copy(), 0.01 * scale, f.limit)
    except StopIteration:
        pass
    return f.best_x

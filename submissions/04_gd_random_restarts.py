"""Rung 4 of the shipped ladder: backtracking gradient descent restarted from random points around the start.

The descent is rung 3's (Barzilai-Borwein first guess, Armijo halving). Each restart explores a wider ring around
the start and the best point found wins, so it can leave a local basin; it keeps its own count of evaluations and
stops well within a budget of 2000 per dimension. Written for this project.
"""

import numpy as np


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

    def __init__(self, func):
        self.func, self.calls = func, 0
        self.best_x, self.best_f = None, np.inf

    def __call__(self, x):
        value = self.func(x)
        self.calls += 1
        if value < self.best_f:
            self.best_x, self.best_f = np.array(x, dtype=float), value
        return value


def descend(func, x, max_evals):
    """Gradient descent from x with Barzilai-Borwein first guesses and Armijo halving, until it stalls or
    `max_evals` calls of func are used."""
    n = len(x)
    start = func.calls
    fx = func(x)
    g = gradient(func, x)
    step = 1.0
    while func.calls - start + 2 * n + 1 < max_evals:
        norm = np.linalg.norm(g)
        if not np.isfinite(norm) or norm < 1e-12:
            break
        accepted = False
        while func.calls - start < max_evals:
            candidate = x - step * g
            fc = func(candidate)
            if fc <= fx - 1e-4 * step * norm ** 2:
                accepted = True
                break
            step *= 0.5
            if step * norm < 1e-14 * max(1.0, np.linalg.norm(x)):
                break
        if not accepted:
            break
        g_new = gradient(func, candidate)
        s, y = candidate - x, g_new - g
        curvature = float(np.dot(s, y))
        step = float(np.dot(s, s)) / curvature if curvature > 0 else 2.0 * step
        gain = fx - fc
        x, fx, g = candidate, fc, g_new
        if gain <= 1e-15 * max(1.0, abs(fx)):
            break
    return x, fx


def minimize(func, x0, restarts=12, seed=0):
    x0 = np.asarray(x0, dtype=float)
    n = len(x0)
    f = Counted(func)
    total = 1800 * n
    rng = np.random.default_rng(seed)
    x, _ = descend(f, x0.copy(), max_evals=total // 3)
    radius = max(1.0, np.linalg.norm(x - x0), 0.25 * np.max(np.abs(x0)))
    for k in range(restarts):
        left = total - f.calls
        if left < 10 * n + 10:
            break
        start = f.best_x + radius * (1 + k / 3) * rng.uniform(-1, 1, n)
        descend(f, start, max_evals=min(left, max(total // (2 * restarts), 20 * n + 20)))
    # polish the best point with what is left
    left = total - f.calls
    if left > 4 * n + 4:
        descend(f, f.best_x.copy(), max_evals=left)
    return f.best_x

"""Rung 3 of the shipped ladder: gradient descent with a backtracking (Armijo) line search.

Adapts its step to each objective (a Barzilai-Borwein first guess, halved until the value drops enough), so it
converges on smooth problems and stops on its own; it has no way out of the basin it starts in.
Written for this project.
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


def descend(func, x, fx, max_evals):
    """Gradient descent from x: each step starts from the Barzilai-Borwein length and is halved until it
    lowers f enough (Armijo); returns (x, fx, evaluations used)."""
    n = len(x)
    used = 0
    step = 1.0
    g = gradient(func, x)
    used += 2 * n
    while used + 2 * n < max_evals:
        norm = np.linalg.norm(g)
        if not np.isfinite(norm) or norm < 1e-12:
            break
        accepted = False
        while used < max_evals:
            candidate = x - step * g
            fc = func(candidate)
            used += 1
            if fc <= fx - 1e-4 * step * norm ** 2:
                accepted = True
                break
            step *= 0.5
            if step * norm < 1e-14 * max(1.0, np.linalg.norm(x)):
                break
        if not accepted:
            break
        g_new = gradient(func, candidate)
        used += 2 * n
        s, y = candidate - x, g_new - g
        curvature = float(np.dot(s, y))
        step = float(np.dot(s, s)) / curvature if curvature > 0 else 2.0 * step
        improvement = fx - fc
        x, fx, g = candidate, fc, g_new
        if improvement <= 1e-15 * max(1.0, abs(fx)):
            break
    return x, fx, used


def minimize(func, x0):
    x = np.asarray(x0, dtype=float)
    x, _, _ = descend(func, x, func(x), max_evals=1800 * len(x))
    return x

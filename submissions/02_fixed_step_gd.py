"""Rung 2 of the shipped ladder: gradient descent with a fixed step and a central-difference gradient.

A sound gradient, but a step size chosen once for every problem: slow on flat or badly scaled objectives and
unstable on steep ones (it stops when a step makes things worse). Written for this project.
"""

import numpy as np

STEP = 0.01
ITERATIONS = 200


def gradient(func, x):
    """Central differences with a step scaled to the size of each coordinate."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[i]))
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (func(x + e) - func(x - e)) / (2 * h)
    return g


def minimize(func, x0):
    x = np.asarray(x0, dtype=float)
    fx = func(x)
    for _ in range(ITERATIONS):
        g = gradient(func, x)
        if np.linalg.norm(g) < 1e-10:
            break
        candidate = x - STEP * g
        if not np.all(np.isfinite(candidate)):
            break
        fc = func(candidate)
        if not fc < fx:
            break
        x, fx = candidate, fc
    return x

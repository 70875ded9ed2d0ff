"""Rung 2 of the shipped ladder: gradient descent with a fixed step and a forward-difference gradient.

One step size for every problem and a fixed number of iterations: slow on flat or badly scaled objectives, and
on steep ones the steps grow until the point is no longer finite. Written for this project.
"""

import numpy as np

STEP = 0.01
ITERATIONS = 200


def gradient(func, x):
    """Forward differences with one small fixed step (n + 1 evaluations)."""
    x = np.asarray(x, dtype=float)
    fx = func(x)
    h = 1e-5
    g = np.empty(len(x))
    for i in range(len(x)):
        shifted = x.copy()
        shifted[i] += h
        g[i] = (func(shifted) - fx) / h
    return g


def minimize(func, x0):
    x = np.asarray(x0, dtype=float)
    for _ in range(ITERATIONS):
        g = gradient(func, x)
        if np.linalg.norm(g) < 1e-8:
            break
        x = x - STEP * g
    return x

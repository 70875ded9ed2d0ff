"""The objects a bank pickles: a landscape behind its instance transform and optional noise.

Protocol (docs/internals.md): `dim`, `noisy`, `value(x)` (noise-free), `evaluate(x, index)` (what a candidate
sees at evaluation `index`), `gradient(x)` (true, noise-free). `obj(x)` is the candidate's view in a plain
take-home: `evaluate(x, i)` with an internal counter i that starts at 0 whenever the object is unpickled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.bank.landscapes import Landscape
from harness.bank.noise import Noise
from harness.bank.transforms import Transform


def as_point(x: Any, dim: int) -> np.ndarray:
    """A float64 copy of `x` as a length-`dim` vector; ValueError on a wrong length or a non-finite entry."""
    try:
        arr = np.array(x, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"expected {dim} numbers, got {type(x).__name__}: {exc}") from None
    if arr.size != dim:
        raise ValueError(f"expected a point of length {dim}, got length {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"point has NaN or infinite entries: {arr.tolist()}")
    return arr


def fd_gradient(fn: Any, x: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """High-precision central difference with one Richardson step (error O(h^4)); for black boxes."""
    g = np.zeros_like(x)
    h = 1e-3 * max(1.0, scale)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        d1 = (fn(x + e) - fn(x - e)) / (2 * h)
        d2 = (fn(x + e / 2) - fn(x - e / 2)) / h
        g[i] = (4 * d2 - d1) / 3
    return g


class BankObjective:
    """out_scale * landscape(z* + A (x - x*)) + out_offset, plus noise when `noise` is set."""

    def __init__(self, name: str, landscape: Landscape, transform: Transform, noise: Noise | None,
                 bounds: tuple[tuple[float, float], ...]) -> None:
        self.name = name
        self.dim = landscape.dim
        self.landscape = landscape
        self.x_star = np.array(transform.x_star, dtype=np.float64)
        self.matrix = np.array(transform.matrix, dtype=np.float64)
        self.out_scale = float(transform.out_scale)
        self.out_offset = float(transform.out_offset)
        self.noise = noise
        self.noisy = noise is not None
        self.bounds = tuple((float(lo), float(hi)) for lo, hi in bounds)
        self.f_star = self._scale(landscape.f_star)
        self.calls = 0

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.calls = 0

    def __getstate__(self) -> dict:
        return {**self.__dict__, "calls": 0}

    def _scale(self, raw: Any) -> Any:
        return self.out_scale * raw + self.out_offset

    def _z(self, X: np.ndarray) -> np.ndarray:
        return self.landscape.z_star + (X - self.x_star) @ self.matrix.T

    def values(self, X: np.ndarray) -> np.ndarray:
        """Noise-free values of many rows at once (verification's dense sampling); rows are not checked.
        Far outside the box a value may overflow: it is then +inf, never NaN."""
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._scale(self.landscape.f(self._z(np.atleast_2d(np.asarray(X, dtype=np.float64)))))
        return np.where(np.isnan(out), np.inf, out)

    def value(self, x: Any) -> float:
        return float(self.values(as_point(x, self.dim)[None, :])[0])

    def evaluate(self, x: Any, index: int) -> float:
        value = self.value(x)
        if self.noise is None:
            return value
        return self.noise.apply(value, self.f_star, index)

    def gradient(self, x: Any) -> np.ndarray:
        point = as_point(x, self.dim)
        with np.errstate(over="ignore", invalid="ignore"):
            z = self._z(point[None, :])[0]
            return self.out_scale * (self.matrix.T @ self.landscape.grad(z))

    def __call__(self, x: Any) -> float:
        value = self.evaluate(x, self.calls)
        self.calls += 1
        return value

    def __repr__(self) -> str:
        return f"<objective {self.name}: {self.dim}-D{' noisy' if self.noisy else ''}>"

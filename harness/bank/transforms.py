"""COCO/BBOB-style instance transforms: rotation, shift of the optimum, axis scaling, output offset and scale.

An objective maps a candidate's x to the landscape's z by z = z* + A (x - x*) with A = R diag(s), and reports
out_scale * f(z) + out_offset. At x = x* the difference is exactly zero, so z = z* and f(x*) = f* to the bit.
Every random number comes from a seed hashed from (bank seed, objective name, dim, instance), so no two
objectives of a bank share a seed and the same bank seed rebuilds the same bytes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np


def instance_seed(bank_seed: int, name: str, dim: int, instance: int, purpose: str = "transform") -> int:
    """A 64-bit seed from sha256 of (purpose, bank seed, name, dim, instance)."""
    text = f"harness-bank|{purpose}|{bank_seed}|{name}|{dim}|{instance}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@dataclass(frozen=True)
class TransformOptions:
    """Which parts of the instance transform an objective gets (the take-home landscape gets none)."""

    rotate: bool = True
    shift: bool = True
    axis_scale: bool = True
    output: bool = True


@dataclass(frozen=True, eq=False)
class Transform:
    """x* (where the optimum moved to), A = R diag(s) and the output's scale and offset."""

    x_star: np.ndarray
    matrix: np.ndarray
    out_scale: float
    out_offset: float

    def to_z(self, X: np.ndarray, z_star: np.ndarray) -> np.ndarray:
        """Rows of x to rows of landscape coordinates z."""
        return z_star + (X - self.x_star) @ self.matrix.T

    def to_x(self, z: np.ndarray, z_star: np.ndarray) -> np.ndarray:
        """A landscape point back to candidate coordinates (to place local minima and basins)."""
        return self.x_star + np.linalg.solve(self.matrix, z - z_star)


def random_rotation(rng: np.random.Generator, dim: int) -> np.ndarray:
    """An orthogonal matrix by Gram-Schmidt on Gaussian rows, in plain Python sums (same bits everywhere)."""
    rows: list[list[float]] = []
    for raw in rng.standard_normal((dim, dim)).tolist():
        vec = list(raw)
        for _ in range(2):  # twice is enough for orthogonality to rounding
            for q in rows:
                dot = math.fsum(a * b for a, b in zip(vec, q))
                vec = [a - dot * b for a, b in zip(vec, q)]
        norm = math.sqrt(math.fsum(a * a for a in vec))
        rows.append([a / norm for a in vec])
    return np.array(rows)


def make_transform(seed: int, dim: int, z_star: np.ndarray, half_width: float,
                   options: TransformOptions) -> Transform:
    """Draw an instance: x* uniform in 80% of the box [-hw, hw]^D on a 1e-4 grid, scales in [0.5, 2],
    output scale log-uniform in [0.5, 5], offset uniform in [-100, 100] (both rounded to short decimals)."""
    rng = np.random.default_rng(seed)
    rotation = random_rotation(rng, dim) if options.rotate else np.eye(dim)
    scales = np.round(2.0 ** rng.uniform(-1.0, 1.0, dim), 3) if options.axis_scale else np.ones(dim)
    if options.shift:
        step = 1e-4 * half_width
        x_star = np.round(rng.uniform(-0.8, 0.8, dim) * half_width / step) * step
        x_star = np.where(x_star == 0.0, step, x_star)
    else:
        x_star = np.array(z_star, dtype=float)
    if options.output:
        out_scale = float(np.round(10.0 ** rng.uniform(math.log10(0.5), math.log10(5.0)), 3))
        out_offset = float(np.round(rng.uniform(-100.0, 100.0), 2))
    else:
        out_scale, out_offset = 1.0, 0.0
    return Transform(x_star=x_star, matrix=rotation * scales[None, :], out_scale=out_scale, out_offset=out_offset)

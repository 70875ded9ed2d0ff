"""The plain floor: uniform random search over the domain with the same budget and seed, noise-free."""

from __future__ import annotations

from typing import Any

import numpy as np

from harness.bank.verify import batch_values
from harness.score.plan import name_hash

_CHUNK = 4096
_CACHE: dict[tuple[str, str, int, int], float] = {}


def _box(entry: Any) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([b[0] for b in entry.bounds], dtype=float)
    hi = np.array([b[1] for b in entry.bounds], dtype=float)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        lo = np.array([b[0] for b in entry.starts.box], dtype=float)
        hi = np.array([b[1] for b in entry.starts.box], dtype=float)
    return lo, hi


def random_search_gap(entry: Any, objective: Any, budget: int, seed: int) -> float:
    """Best noise-free gap f - f* of `budget` uniform points in the bounds; cached per (objective, budget, seed)."""
    key = (entry.name, entry.sha256, int(budget), int(seed))
    if key in _CACHE:
        return _CACHE[key]
    rng = np.random.default_rng([int(seed), name_hash(entry.name), 2])
    lo, hi = _box(entry)
    best = np.inf
    left = int(budget)
    while left > 0:
        n = min(_CHUNK, left)
        points = lo + (hi - lo) * rng.random((n, entry.dim))
        values = batch_values(objective, points)
        finite = values[np.isfinite(values)]
        if finite.size:
            best = min(best, float(finite.min()))
        left -= n
    gap = float(best - entry.f_star)
    _CACHE[key] = gap
    return gap


def clear_cache() -> None:
    _CACHE.clear()

"""`harness bank add`: bring the pickled function a team already gives candidates, find and verify its minimum
by multi-start global search and polish, and store it in a bank with a stated confidence."""

from __future__ import annotations

import math
import pickle
from pathlib import Path
from typing import Any, Callable

import numpy as np

from harness.bank.objective import as_point, fd_gradient
from harness.bank.reference import reference_evaluations
from harness.bank.store import (BankEntry, LocalMinimum, StartSpec, MANIFEST, dump_objective, load_bank,
                                seed_hash, write_bank)
from harness.bank.verify import batch_values, polish, sig, verify_minimum
from harness.errors import BankError


class ExternalObjective:
    """A team's own pickled callable (kept as its original pickle bytes), seen through the objective protocol.
    Deterministic by requirement, so `evaluate(x, i)` is `value(x)`; the gradient is a finite difference."""

    noisy = False

    def __init__(self, name: str, payload: bytes, dim: int, bounds: tuple[tuple[float, float], ...]) -> None:
        self.name, self.payload, self.dim, self.bounds = name, payload, dim, bounds
        self.calls = 0
        self._fn: Callable[[np.ndarray], Any] | None = None

    def __getstate__(self) -> dict:
        return {"name": self.name, "payload": self.payload, "dim": self.dim, "bounds": self.bounds}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.calls, self._fn = 0, None

    def _function(self) -> Callable[[np.ndarray], Any]:
        if self._fn is None:
            try:
                self._fn = pickle.loads(self.payload)
            except Exception as exc:
                raise BankError(f"objective {self.name!r}: the team's pickled function will not unpickle here "
                                f"({type(exc).__name__}: {exc}); run from the folder whose modules define it") from None
        return self._fn

    def value(self, x: Any) -> float:
        point = as_point(x, self.dim)
        raw = self._function()(point.copy())
        if isinstance(raw, (str, bytes, bool)) or raw is None:  # float() would take "1.0" and True
            raise ValueError(f"the function returned {type(raw).__name__} {raw!r}, not a number")
        out = float(raw)
        if not math.isfinite(out):
            raise ValueError(f"the function returned {out} at {point.tolist()}")
        return out

    def values(self, X: np.ndarray) -> np.ndarray:
        """Row by row: a team's function takes one point at a time."""
        return np.array([self.value(row) for row in np.atleast_2d(X)])

    def evaluate(self, x: Any, index: int) -> float:
        return self.value(x)

    def gradient(self, x: Any) -> np.ndarray:
        point = as_point(x, self.dim)
        width = max(hi - lo for lo, hi in self.bounds)
        return fd_gradient(self.value, point, scale=1e-3 * width)

    def __call__(self, x: Any) -> float:
        self.calls += 1
        return self.value(x)


def parse_bounds(text: str, dim: int) -> tuple[tuple[float, float], ...]:
    """'LO,HI' for every axis or 'LO1,HI1;LO2,HI2;...'; BankError saying the expected form otherwise."""
    parts = [p for p in text.replace(" ", "").split(";") if p]
    try:
        pairs = [tuple(float(v) for v in p.split(",")) for p in parts]
    except ValueError:
        pairs = []
    if len(pairs) == 1:
        pairs = pairs * dim
    if len(pairs) != dim or any(len(p) != 2 or not all(map(math.isfinite, p)) or p[0] >= p[1] for p in pairs):
        raise BankError(f"--bounds {text!r}: give 'LO,HI' for every axis or {dim} pairs 'LO1,HI1;LO2,HI2;...' "
                        "with LO < HI")
    return tuple((p[0], p[1]) for p in pairs)


def _load_function(path: Path, dim: int, bounds) -> tuple[bytes, ExternalObjective]:
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise BankError(f"{path}: cannot read the pickle ({exc})") from None
    try:
        fn = pickle.loads(payload)
    except Exception as exc:
        raise BankError(f"{path}: will not unpickle ({type(exc).__name__}: {exc}); run from the folder whose "
                        "modules define the function, or pickle a module-level callable") from None
    if not callable(fn):
        raise BankError(f"{path}: holds a {type(fn).__name__}, not a callable; pickle the function itself")
    obj = ExternalObjective(path.stem, payload, dim, bounds)
    centre = np.array([(lo + hi) / 2 for lo, hi in bounds])
    for point in (centre, np.array([lo for lo, _ in bounds]), np.array([hi for _, hi in bounds])):
        try:
            first, second = obj.value(point), obj.value(point)
        except Exception as exc:
            raise BankError(f"{path}: calling it on a {dim}-D point {point.tolist()} failed "
                            f"({type(exc).__name__}: {exc}); it must take {dim} numbers and return a finite "
                            "float") from None
        if first != second:
            raise BankError(f"{path}: returns {first!r} then {second!r} at the same point; `bank add` needs a "
                            "deterministic (noise-free) function")
    return payload, obj


def add_objective(pickle_path: Path, bank_dir: Path, dim: int, bounds: str, name: str | None, seed: int,
                  progress: Callable[[str], None]) -> str:
    """Find and verify the minimum of a team's pickled function and add it to `bank_dir`; returns a message."""
    pickle_path, bank_dir = Path(pickle_path), Path(bank_dir)
    if dim < 1:
        raise BankError(f"--dim must be >= 1, got {dim}")
    box = parse_bounds(bounds, dim)
    name = name or pickle_path.stem
    existing: list[tuple[BankEntry, bytes]] = []
    bank_seed_hash = seed_hash(seed)
    if (bank_dir / MANIFEST).exists():
        bank = load_bank(bank_dir)
        bank_seed_hash = bank.seed_hash
        if any(e.name == name for e in bank.entries):
            raise BankError(f"{bank_dir / MANIFEST}: already has an objective {name!r}; pass --name")
        existing = [(e, (bank_dir / f"{e.name}.pkl").read_bytes()) for e in bank.entries]
    _, obj = _load_function(pickle_path, dim, box)
    obj.name = name
    progress(f"searching {name} ({dim}-D) for its global minimum ...")
    entry = _search_entry(obj, box, seed)
    write_bank(bank_dir, bank_seed_hash, existing + [(entry, dump_objective(obj))])
    conf = entry.verification["confidence"]
    return (f"added {name} to {bank_dir}: minimum f* = {entry.f_star:.10g} at x* = "
            f"({', '.join(f'{v:.6g}' for v in entry.x_star)}); confidence {conf['level']}: {conf['reason']}")


def _search_entry(obj: ExternalObjective, box: tuple[tuple[float, float], ...], seed: int) -> BankEntry:
    dim, bounds = obj.dim, np.array(box)
    rng = np.random.default_rng([seed, 11])
    X = rng.uniform(bounds[:, 0], bounds[:, 1], size=(2000 + 500 * dim, dim))
    vals = batch_values(obj, X)
    order = np.argsort(vals, kind="stable")
    picks = list(order[:6]) + list(rng.choice(len(X), 6, replace=False))
    ends = [polish(obj, X[i], bounds, 300 * dim + 600, step_fraction=0.02)[:2] for i in picks]
    ends.sort(key=lambda e: e[1])
    x_best, f_best = ends[0]
    spread = float(np.median(vals) - f_best)
    if not spread > 0:
        raise BankError(f"{obj.name}: the function is constant over the box ({2000 + 500 * dim} samples all gave "
                        f"{f_best!r}); there is no minimum to grade against: check --bounds and the pickle")
    agree_tol = 1e-6 * max(1.0, abs(f_best), spread)
    agree = sum(fx - f_best <= agree_tol for _, fx in ends)
    inside = bool(np.all((x_best > bounds[:, 0]) & (x_best < bounds[:, 1])))
    level = "high" if agree >= 3 and inside else "medium" if agree >= 2 else "low"
    reason = (f"{agree} of {len(ends)} local searches from different starts end within {agree_tol:.2g} of the best "
              f"value{'' if inside else '; the best point is on the box edge (the true minimum may lie outside)'}")
    target = float(f"{max(1e-4 * spread, 1e-12):.6g}")
    local: list[tuple[np.ndarray, float]] = []
    for x, fx in ends:
        if fx - f_best > 10 * target and all(np.max(np.abs(x - y)) > 1e-3 * np.max(bounds[:, 1] - bounds[:, 0])
                                             for y, _ in local):
            local.append((x, fx))
    figures = verify_minimum(obj, x_best, f_best, bounds, 1.0, seed, samples=1000 + 200 * dim, polish_starts=4)
    figures["method"] = "multi-start search (no known minimum)"
    figures["confidence"] = {"level": level, "reason": reason, "agreeing_searches": agree, "searches": len(ends)}
    budget = max(2000, 2000 * dim)
    ref_rng = np.random.default_rng([seed, 12])
    ref, ref_fig = reference_evaluations(obj, [ref_rng.uniform(bounds[:, 0], bounds[:, 1]) for _ in range(3)],
                                         bounds, budget, f_best, target, seed)
    figures["reference"] = ref_fig
    kinds = ("multimodal",) if local else ("smooth",)
    basin = None
    if local:
        half = 0.02 * (bounds[:, 1] - bounds[:, 0])
        basin = tuple((sig(max(lo, c - h)), sig(min(hi, c + h))) for (lo, hi), c, h in zip(box, local[0][0], half))
    return BankEntry(name=obj.name, kinds=kinds, dim=dim, bounds=box, x_star=tuple(float(v) for v in x_best),
                     f_star=float(f_best), local_minima=tuple(LocalMinimum(tuple(map(float, x)), float(fx))
                                                             for x, fx in local[:5]),
                     target=target, budget=budget, starts=StartSpec(box=box, basin_box=basin),
                     reference_evaluations=ref, verification=figures, noisy=False)

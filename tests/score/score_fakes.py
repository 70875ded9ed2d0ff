"""Synthetic banks, tiny objectives and CallOutcomes for the scoring tests (no candidate code runs here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.bank.store import BankEntry, LocalMinimum, StartSpec
from harness.results import CallOutcome, Phase, TrialStatus


class ShiftedSphere:
    """f(x) = |x - c|^2 + f0, optionally with noise seeded from the evaluation index."""

    def __init__(self, centre, f0=1.5, noise=0.0):
        self.centre = np.asarray(centre, dtype=float)
        self.dim = len(self.centre)
        self.f0 = f0
        self.noise = noise
        self.noisy = noise > 0

    def value(self, x):
        x = np.asarray(x, dtype=float)
        if x.shape != (self.dim,) or not np.all(np.isfinite(x)):
            raise ValueError("bad point")
        return float(np.sum((x - self.centre) ** 2) + self.f0)

    def evaluate(self, x, index):
        return self.value(x) + (self.noise * np.random.default_rng(index).standard_normal() if self.noisy else 0.0)

    def gradient(self, x):
        return 2.0 * (np.asarray(x, dtype=float) - self.centre)


class DoubleWell:
    """1-D deceptive: global minimum 0 at x = 2, local minimum 1 at x = -2 (piecewise quadratic)."""

    dim = 1
    noisy = False

    def value(self, x):
        x = np.asarray(x, dtype=float)
        if x.shape != (1,) or not np.all(np.isfinite(x)):
            raise ValueError("bad point")
        v = float(x[0])
        return min((v - 2.0) ** 2, (v + 2.0) ** 2 + 1.0)

    def evaluate(self, x, index):
        return self.value(x)

    def gradient(self, x):
        v = float(np.asarray(x)[0])
        return np.array([2 * (v - 2.0) if (v - 2.0) ** 2 <= (v + 2.0) ** 2 + 1.0 else 2 * (v + 2.0)])


def sphere_entry(name="sphere-2d", dim=2, kinds=("smooth",), target=1e-6, noisy=False, reference=200, fixed=()):
    centre = tuple(0.5 + 0.25 * i for i in range(dim))
    return BankEntry(
        name=name, kinds=tuple(kinds), dim=dim, bounds=((-5.0, 5.0),) * dim, x_star=centre, f_star=1.5,
        local_minima=(), target=target, budget=2000 * dim, starts=StartSpec(box=((-4.0, 4.0),) * dim, fixed=fixed),
        reference_evaluations=reference, noisy=noisy, sha256="s" + name)


def well_entry(name="well-1d"):
    return BankEntry(
        name=name, kinds=("deceptive",), dim=1, bounds=((-5.0, 5.0),), x_star=(2.0,), f_star=0.0,
        local_minima=(LocalMinimum(x=(-2.0,), f=1.0),), target=1e-4, budget=2000,
        starts=StartSpec(box=((-5.0, 5.0),), basin_box=((-3.0, -1.0),)), reference_evaluations=100,
        sha256="s" + name)


@dataclass(frozen=True)
class FakeBank:
    entries: tuple
    objectives: dict = field(default_factory=dict)
    path: Path = Path("objectives/fake")
    hash: str = "bankhash"
    seed_hash: str = "seedhash"

    def entry(self, name):
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def objective(self, name):
        return self.objectives[name]


def make_bank(*pairs):
    """FakeBank from (entry, objective) pairs."""
    return FakeBank(entries=tuple(e for e, _ in pairs), objectives={e.name: o for e, o in pairs})


def default_bank():
    e1 = sphere_entry("sphere-2d", 2)
    e2 = sphere_entry("sphere-5d", 5)
    e3 = well_entry()
    return make_bank((e1, ShiftedSphere(e1.x_star)), (e2, ShiftedSphere(e2.x_star)), (e3, DoubleWell()))


def outcome(status=TrialStatus.OK, returned=None, evaluations=100, best_x=None, best_f=None, first_hit=None,
            trajectory=(), message="", phase=Phase.MINIMIZE, returned_kind="x", path=()):
    return CallOutcome(status=status, message=message, phase=phase, evaluations=evaluations,
                       returned=None if returned is None else tuple(float(v) for v in returned),
                       returned_kind=returned_kind, best_x=None if best_x is None else tuple(best_x), best_f=best_f,
                       first_hit=first_hit, trajectory=tuple(trajectory), path=tuple(path))


def write_rubric(tmp_path, text, name="rubric.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path

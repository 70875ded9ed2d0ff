"""The shipped banks: built, loadable, covering every kind and dims 1..20, minima exact."""

import numpy as np
import pytest

from harness.bank.spec import KINDS, load_spec
from harness.bank.store import load_bank

from .conftest import DEFAULT, PRACTICE


@pytest.mark.parametrize("folder", [DEFAULT, PRACTICE], ids=["default", "practice"])
def test_shipped_bank_matches_its_spec_and_its_minima_hold(folder):
    bank = load_bank(folder)
    spec = load_spec(folder / "spec.yaml")
    assert [e.name for e in bank.entries] == [o.name for o in spec.objectives]
    for entry in bank.entries:
        obj = bank.objective(entry.name)
        assert obj.value(np.array(entry.x_star)) == entry.f_star
        assert entry.verification["passed"] and entry.verification["exact"]
        assert entry.budget >= max(2000, 2000 * entry.dim)
        assert entry.target > 0
        if "deceptive" in entry.kinds:
            assert entry.starts.basin_box and entry.local_minima
            assert entry.verification["basin_traps_local_descent"]
        for lo_hi, v in zip(entry.bounds, entry.x_star):
            assert lo_hi[0] < v < lo_hi[1]


def test_default_bank_covers_every_kind_and_dims_1_to_20():
    bank = load_bank(DEFAULT)
    assert 12 <= len(bank.entries) <= 16
    assert {k for e in bank.entries for k in e.kinds} == set(KINDS)
    dims = {e.dim for e in bank.entries}
    assert min(dims) == 1 and max(dims) == 20
    home = bank.entry("take_home_2d")
    assert home.starts.fixed == ((600.0, 600.0),) and home.x_star == (800.0, 300.0)
    assert home.local_minima[0].f - home.f_star > 10


def test_practice_bank_is_smaller_and_has_the_take_home():
    practice, default = load_bank(PRACTICE), load_bank(DEFAULT)
    assert len(practice.entries) < len(default.entries)
    assert "take_home_2d" in [e.name for e in practice.entries]
    assert practice.seed_hash != default.seed_hash


def _shipped():
    for folder in (DEFAULT, PRACTICE):
        for entry in load_bank(folder).entries:
            yield pytest.param(folder, entry.name, id=f"{folder.name}-{entry.name}")


@pytest.mark.parametrize("folder,name", list(_shipped()))
def test_shipped_objective_gradient_and_local_minima(folder, name):
    bank = load_bank(folder)
    entry, obj = bank.entry(name), bank.objective(name)
    rng = np.random.default_rng(0)
    lo, hi = np.array(entry.bounds).T
    for _ in range(3):
        x = rng.uniform(lo, hi)
        h = 1e-6 * (hi - lo)
        fd = np.array([(obj.value(x + e) - obj.value(x - e)) / (2 * e[i]) for i, e in enumerate(np.diag(h))])
        assert np.allclose(obj.gradient(x), fd, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(fd).max())), x
    for m in entry.local_minima:
        assert obj.value(np.array(m.x)) == pytest.approx(m.f, rel=1e-9, abs=1e-9)
        assert m.f - entry.f_star > entry.target

"""Every registered landscape (nevergrad test_corefuncs style): exact minimum, nothing lower nearby, gradient
matches a high-precision finite difference, pickles round-trip."""

import pickle

import numpy as np
import pytest

from harness.bank.landscapes import REGISTRY, Landscape, make_landscape, register
from harness.errors import BankError


def _cases():
    for name, cls in sorted(REGISTRY.items()):
        dims = [cls.fixed_dim] if cls.fixed_dim else [d for d in (1, 2, 5, 13) if _accepts(name, d)]
        for dim in dims:
            yield pytest.param(name, dim, id=f"{name}-{dim}d")


def _accepts(name, dim):
    try:
        make_landscape(name, dim)
        return True
    except BankError:
        return False


def _fd(land, z, h):
    g = np.zeros_like(z)
    for i in range(z.size):
        e = np.zeros_like(z)
        e[i] = h
        f = lambda p: land.f(p[None, :])[0]  # noqa: E731
        d1 = (f(z + e) - f(z - e)) / (2 * h)
        d2 = (f(z + e / 2) - f(z - e / 2)) / h
        g[i] = (4 * d2 - d1) / 3
    return g


@pytest.mark.parametrize("name,dim", list(_cases()))
def test_landscape_contract(name, dim):
    land = make_landscape(name, dim)
    rng = np.random.default_rng(0)
    # f(x*) == f*, exactly
    assert land.f(land.z_star[None, :])[0] == land.f_star
    # nothing sampled around x* (at many radii) or across the search box is lower
    radii = np.geomspace(1e-7, 1.0, 15)[rng.integers(0, 15, 4000)][:, None] * land.half_width
    near = land.z_star + rng.standard_normal((4000, dim)) * radii
    wide = land.z_star + rng.uniform(-2, 2, (4000, dim)) * land.half_width
    values = land.f(np.vstack([near, wide]))
    assert values.min() >= land.f_star - 1e-9 * max(1.0, abs(land.f_star))
    # the analytic gradient matches a Richardson finite difference at generic points, and vanishes at z*
    assert np.allclose(land.grad(land.z_star), 0.0, atol=1e-9 * max(1.0, abs(land.f_star)))
    for _ in range(5):
        z = land.z_star + rng.uniform(-0.4, 0.4, dim) * land.half_width
        analytic, numeric = land.grad(z), _fd(land, z, 1e-4 * land.half_width)
        assert np.linalg.norm(analytic - numeric) <= 1e-6 * max(1.0, np.linalg.norm(analytic))
    # pickle round trip gives the same values
    clone = pickle.loads(pickle.dumps(land, protocol=4))
    pts = np.vstack([land.z_star, wide[:20]])
    assert np.array_equal(clone.f(pts), land.f(pts))
    # local guesses are not below the global minimum
    for guess in land.local_guesses():
        assert land.f(guess[None, :])[0] > land.f_star


def test_registry_refuses_duplicate_names():
    with pytest.raises(ValueError, match="registered twice"):
        register("sphere")(type("Other", (Landscape,), {}))


def test_unknown_landscape_and_refused_dimension_are_bank_errors():
    with pytest.raises(BankError, match="unknown landscape"):
        make_landscape("nope", 2)
    with pytest.raises(BankError, match="only in 2-D"):
        make_landscape("take_home", 3)


def test_styblinski_tang_minimum_is_the_corrected_value():
    for dim in (1, 4, 20):
        land = make_landscape("styblinski_tang", dim)
        assert land.z_star[0] == pytest.approx(-2.903534027771178, abs=1e-14)
        assert land.f_star == pytest.approx(-39.16616570377142 * dim, rel=1e-14)
        assert land.f_star < -39.16599 * dim - 1e-4 * dim  # not the often-quoted rounded value


def _descend(land, start, rate, steps=3000):
    z = np.array(start, dtype=float)
    for _ in range(steps):
        z = z - rate * land.grad(z)
    return z, land.f(z[None, :])[0]


def test_take_home_traps_naive_descent_from_the_usual_start():
    land = make_landscape("take_home", 2)
    assert tuple(land.z_star) == (800.0, 300.0) and land.f_star == -20.0
    for start in [(600, 600), (585, 585), (615, 615), (585, 615), (615, 585)]:
        z, f = _descend(land, start, rate=100.0)
        assert f > land.f_star + 10, start  # stuck in the local well
        assert np.linalg.norm(z - np.array([640.0, 540.0])) < 20
    z, f = _descend(land, (750, 500), rate=100.0)
    assert f - land.f_star < 1e-6 and np.linalg.norm(z - land.z_star) < 1e-2
    # the local minimum lies between the start and the global minimum
    local = np.array([640.0, 540.0])
    start, glob = np.array([600.0, 600.0]), land.z_star
    assert np.linalg.norm(start - local) + np.linalg.norm(local - glob) < 1.01 * np.linalg.norm(start - glob)

"""Instance transforms: the minimum moves where the transform says, seeds differ, builds are byte-identical."""

import pickle

import numpy as np
import pytest

from harness.bank.build import build_bank, make_objective
from harness.bank.spec import ObjectiveSpec
from harness.bank.transforms import TransformOptions, instance_seed, make_transform, random_rotation


def _spec(name="e", landscape="ellipsoid", dim=4, **kw):
    return ObjectiveSpec(name=name, landscape=landscape, dim=dim, kinds=("smooth",), **kw)


def test_minimum_moves_to_the_transforms_x_star_exactly():
    obj, land = make_objective(_spec(landscape="rosenbrock", dim=5), bank_seed=3)
    seed = instance_seed(3, "e", 5, 1)
    transform = make_transform(seed, 5, land.z_star, land.half_width, TransformOptions())
    assert np.array_equal(obj.x_star, transform.x_star)
    assert not np.allclose(obj.x_star, land.z_star)  # it did move
    assert obj.value(obj.x_star) == obj.f_star == obj.out_scale * land.f_star + obj.out_offset
    assert np.array_equal(obj._z(obj.x_star[None, :])[0], land.z_star)
    rng = np.random.default_rng(1)
    for _ in range(50):
        assert obj.value(obj.x_star + rng.normal(scale=1e-3, size=5)) > obj.f_star
    # the old location is no minimum any more
    assert obj.value(land.z_star) > obj.f_star + 1.0


def test_rotation_is_orthogonal_and_transform_inverts():
    q = random_rotation(np.random.default_rng(4), 7)
    assert np.allclose(q @ q.T, np.eye(7), atol=1e-13)
    obj, land = make_objective(_spec(dim=7), bank_seed=9)
    z = land.z_star + np.arange(7) * 0.1
    x = obj.x_star + np.linalg.solve(obj.matrix, z - land.z_star)
    assert np.allclose(obj._z(x[None, :])[0], z)


def test_different_seeds_and_names_give_different_instances():
    a, _ = make_objective(_spec(), bank_seed=1)
    b, _ = make_objective(_spec(), bank_seed=2)
    c, _ = make_objective(_spec(name="other"), bank_seed=1)
    for other in (b, c):
        assert not np.allclose(a.x_star, other.x_star)
        assert not np.allclose(a.matrix, other.matrix)
    again, _ = make_objective(_spec(), bank_seed=1)
    assert pickle.dumps(a, protocol=4) == pickle.dumps(again, protocol=4)


def test_take_home_without_transform_keeps_its_coordinates():
    obj, _ = make_objective(ObjectiveSpec("t", "take_home", 2, ("take-home-2d",),
                                          transform=TransformOptions(False, False, False, False)), bank_seed=8)
    assert tuple(obj.x_star) == (800.0, 300.0) and obj.f_star == -20.0
    assert obj.bounds == ((0.0, 1000.0), (0.0, 1000.0))


def test_same_seed_rebuilds_byte_identical_and_other_seed_differs(small_spec, small_bank, tmp_path):
    again = build_bank(small_spec, seed=5, out_dir=tmp_path / "again", progress=lambda _: None)
    other = build_bank(small_spec, seed=6, out_dir=tmp_path / "other", progress=lambda _: None)
    names = sorted(p.name for p in small_bank.iterdir())
    assert names == sorted(p.name for p in again.path.iterdir())
    for name in names:
        assert (small_bank / name).read_bytes() == (again.path / name).read_bytes(), name
    assert (small_bank / "bank.json").read_bytes() != (other.path / "bank.json").read_bytes()
    assert (small_bank / "sphere_2d.pkl").read_bytes() != (other.path / "sphere_2d.pkl").read_bytes()
    assert b"time" not in (small_bank / "bank.json").read_bytes()


@pytest.mark.parametrize("bad", [[1.0], [1.0, 2.0, 3.0, 4.0, 5.0], [np.nan, 0, 0, 0], [0, np.inf, 0, 0], "abc"])
def test_objective_rejects_wrong_length_and_non_finite_input(bad):
    obj, _ = make_objective(_spec(), bank_seed=1)
    for call in (obj.value, obj.gradient, obj, lambda x: obj.evaluate(x, 0)):
        with pytest.raises(ValueError):
            call(bad)


def test_objective_gradient_is_the_chain_rule_through_the_transform():
    obj, _ = make_objective(_spec(landscape="rosenbrock", dim=3), bank_seed=2)
    x = obj.x_star + np.array([0.3, -0.2, 0.1])
    h = 1e-6
    fd = np.array([(obj.value(x + h * e) - obj.value(x - h * e)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(obj.gradient(x), fd, rtol=1e-6, atol=1e-6)


def test_one_d_objective_accepts_a_scalar():
    obj, _ = make_objective(ObjectiveSpec("w", "double_well", 1, ("deceptive",)), bank_seed=1)
    assert obj.value(float(obj.x_star[0])) == obj.f_star


def test_overflow_far_outside_the_box_is_plus_inf_never_nan(recwarn):
    obj, _ = make_objective(_spec(landscape="styblinski_tang", dim=3), bank_seed=1)  # z^4 - 16 z^2: inf - inf
    for x in ([1e200] * 3, [-1e200] * 3):
        assert obj.value(x) == np.inf
    assert np.all(obj.values(np.full((4, 3), 1e300)) == np.inf)
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]

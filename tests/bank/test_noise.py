"""Noise is seeded from the evaluation index: a run replays exactly; the noise-free value stays available."""

import pickle

import numpy as np

from harness.bank.build import make_objective
from harness.bank.noise import Noise, standard_normal
from harness.bank.spec import NoiseSpec, ObjectiveSpec


def _noisy(kind="multiplicative", level=0.1):
    spec = ObjectiveSpec("n", "sphere", 3, ("noisy",), noise=NoiseSpec(kind, level))
    return make_objective(spec, bank_seed=4)[0]


def test_evaluation_replays_by_index_and_across_pickles():
    obj = _noisy()
    x = obj.x_star + 0.5
    first = [obj.evaluate(x, i) for i in range(50)]
    clone = pickle.loads(pickle.dumps(obj))
    assert [clone.evaluate(x, i) for i in range(50)] == first
    assert len(set(first)) == 50  # each index draws anew
    assert all(v != obj.value(x) for v in first)


def test_call_counts_evaluations_from_zero_on_every_unpickle():
    obj = _noisy()
    x = obj.x_star + 0.5
    seen = [obj(x) for _ in range(3)]
    assert seen == [obj.evaluate(x, i) for i in range(3)]
    assert pickle.loads(pickle.dumps(obj))(x) == obj.evaluate(x, 0)


def test_multiplicative_noise_is_centred_on_the_noise_free_gap():
    obj = _noisy(level=0.1)
    x = obj.x_star + 0.5
    gap = obj.value(x) - obj.f_star
    ratios = np.array([(obj.evaluate(x, i) - obj.f_star) / gap for i in range(4000)])
    assert abs(np.median(np.log(ratios))) < 0.01 and 0.09 < np.std(np.log(ratios)) < 0.11
    assert obj.evaluate(obj.x_star, 3) > obj.f_star  # noise never fakes a hit


def test_standard_normal_draws_look_normal_and_depend_on_seed():
    draws = np.array([standard_normal(11, i) for i in range(20000)])
    assert abs(draws.mean()) < 0.03 and abs(draws.std() - 1) < 0.03
    assert standard_normal(11, 5) != standard_normal(12, 5)
    assert standard_normal(11, 5) == standard_normal(11, 5)


def test_additive_noise_scale():
    noise = Noise("additive", 0.5, seed=1, scale=2.0)
    shifts = np.array([noise.apply(3.0, 0.0, i) - 3.0 for i in range(5000)])
    assert abs(shifts.std() - 1.0) < 0.05


def test_noise_free_objective_evaluates_to_its_value():
    obj, _ = make_objective(ObjectiveSpec("s", "sphere", 2, ("smooth",)), bank_seed=4)
    assert not obj.noisy and obj.evaluate(obj.x_star + 1, 9) == obj.value(obj.x_star + 1)

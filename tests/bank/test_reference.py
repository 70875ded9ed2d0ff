"""The reference optimizer and the minimum verification."""

import numpy as np

from harness.bank.build import make_objective
from harness.bank.reference import BudgetedRun, nelder_mead, reference_evaluations, restarted_nelder_mead
from harness.bank.spec import ObjectiveSpec
from harness.bank.transforms import TransformOptions
from harness.bank.verify import verify_minimum


def test_nelder_mead_solves_rosenbrock_tightly():
    obj, _ = make_objective(ObjectiveSpec("r", "rosenbrock", 3, ("smooth",)), bank_seed=1)
    x, fx, used = nelder_mead(obj.value, np.zeros(3), np.full(3, 0.5), 20000, xtol=1e-12, ftol=1e-15)
    assert fx - obj.f_star < 1e-10 and np.allclose(x, obj.x_star, atol=1e-4) and used < 20000


def test_restarts_escape_the_take_home_local_well_and_count_evaluations():
    none = TransformOptions(rotate=False, shift=False, axis_scale=False, output=False)
    obj, _ = make_objective(ObjectiveSpec("t", "take_home", 2, ("take-home-2d",), transform=none), bank_seed=1)
    local = nelder_mead(obj.value, np.array([600.0, 600.0]), np.array([50.0, 50.0]), 4000)[1]
    assert local - obj.f_star > 10  # one local search from the usual start is trapped
    run = BudgetedRun(obj, 4000, obj.f_star, 1e-2)
    restarted_nelder_mead(run, np.array([600.0, 600.0]), np.array(obj.bounds), 4000, np.random.default_rng(0))
    assert run.first_hit is not None and run.first_hit == run.count


def test_reference_evaluations_is_a_median_and_deterministic():
    obj, _ = make_objective(ObjectiveSpec("s", "sphere", 4, ("smooth",)), bank_seed=2)
    starts = [np.full(4, 3.0), np.full(4, -3.0), np.zeros(4)]
    first = reference_evaluations(obj, starts, np.array(obj.bounds), 8000, obj.f_star, 1e-6, seed=3)
    assert first == reference_evaluations(obj, starts, np.array(obj.bounds), 8000, obj.f_star, 1e-6, seed=3)
    assert first[0] == sorted(first[1]["runs"])[1] and first[1]["successes"] == 3


def test_reference_reports_none_when_the_budget_is_too_small():
    obj, _ = make_objective(ObjectiveSpec("s", "sphere", 4, ("smooth",)), bank_seed=2)
    value, figures = reference_evaluations(obj, [np.full(4, 3.0)], np.array(obj.bounds), 30, obj.f_star, 1e-9, 1)
    assert value is None and figures["runs"] == [None]


class _Lying:
    """An objective whose stated minimum is wrong: verification must catch it."""

    dim, noisy = 2, False

    def value(self, x):
        return float(np.sum((np.asarray(x) - 1.0) ** 2))


def test_verification_catches_a_wrong_minimum():
    figures = verify_minimum(_Lying(), np.zeros(2), 2.0, np.array([[-5.0, 5.0]] * 2), 1.0, seed=0, samples=2000)
    assert figures["exact"] and not figures["passed"] and figures["margin"] < -1.9

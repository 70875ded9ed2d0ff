"""Judging one call: noise-free re-evaluation, best-evaluated fallback, basins, curves, gradient probes."""

import numpy as np
from .score_fakes import DoubleWell, ShiftedSphere, outcome, sphere_entry, well_entry

from harness.results import Phase, TrialStatus
from harness.score import judge_probe, judge_trial
from harness.score.judge import MAX_CONVERGENCE_POINTS
from harness.score.plan import PlannedProbe, PlannedTrial


def _planned(entry, x0, kind="uniform", target=None):
    return PlannedTrial(objective=entry.name, start=0, start_kind=kind, seed=11, x0=tuple(x0), budget=entry.budget,
                        target=entry.target if target is None else target, rubric_seed=0)


def test_returned_point_is_judged_noise_free():
    e = sphere_entry(noisy=True, kinds=("smooth", "noisy"), target=1e-3)
    obj = ShiftedSphere(e.x_star, noise=5.0)
    near = np.array(e.x_star) + 0.01
    r = judge_trial(e, obj, _planned(e, (1, 1)), outcome(returned=near, first_hit=None))
    assert r.scored_on == "returned" and r.success and abs(r.f_gap - 2e-4) < 1e-12 and r.basin == "global"
    far = judge_trial(e, obj, _planned(e, (1, 1)), outcome(returned=np.array(e.x_star) + 1.0))
    assert not far.success and abs(far.f_gap - 2.0) < 1e-12


def test_budget_exhausted_scores_the_best_evaluated_point_not_the_return():
    e = sphere_entry()
    obj = ShiftedSphere(e.x_star)
    r = judge_trial(e, obj, _planned(e, (1, 1)), outcome(
        status=TrialStatus.BUDGET_EXHAUSTED, returned=e.x_star, best_x=np.array(e.x_star) + 0.5, evaluations=4000))
    assert r.scored_on == "best_evaluated" and abs(r.f_gap - 0.5) < 1e-12 and not r.success
    assert any("best evaluated" in n for n in r.notes)
    crashed = judge_trial(e, obj, _planned(e, (1, 1)), outcome(status=TrialStatus.ERROR, message="IndexError"))
    assert crashed.scored_on == "nothing" and crashed.f_gap is None and crashed.basin == "none"
    assert crashed.message == "IndexError" and crashed.status is TrialStatus.ERROR


def test_wrong_length_return_falls_back_to_best_evaluated():
    e = sphere_entry()
    r = judge_trial(e, ShiftedSphere(e.x_star), _planned(e, (1, 1)),
                    outcome(returned=(1.0, 2.0, 3.0), best_x=e.x_star))
    assert r.returned is None and r.scored_on == "best_evaluated" and r.success


def test_basins_of_a_deceptive_objective():
    e, obj = well_entry(), DoubleWell()
    assert judge_trial(e, obj, _planned(e, (-2,)), outcome(returned=(-2.01,))).basin == "local:0"
    assert judge_trial(e, obj, _planned(e, (-2,)), outcome(returned=(2.0,))).basin == "global"
    assert judge_trial(e, obj, _planned(e, (-2,)), outcome(returned=(4.9,))).basin == "none"
    own = judge_trial(e, obj, _planned(e, (-2,), kind="local_basin"), outcome(returned=(2.0,)), own_start=True)
    assert own.start_kind == "own" and own.x0 is None


def test_convergence_is_best_gap_so_far_and_capped():
    e = sphere_entry()
    values = [1.5 + 10.0 / (i + 1) for i in range(1000)] + [1.5 + 50.0]
    traj = [(i + 1, v) for i, v in enumerate(values)]
    r = judge_trial(e, ShiftedSphere(e.x_star), _planned(e, (1, 1)), outcome(returned=e.x_star, trajectory=traj))
    curve = r.convergence
    assert len(curve) <= MAX_CONVERGENCE_POINTS and curve[0] == (1, 10.0) and curve[-1][0] == 1000
    gaps = [g for _, g in curve]
    assert gaps == sorted(gaps, reverse=True)
    again = judge_trial(e, ShiftedSphere(e.x_star), _planned(e, (1, 1)), outcome(returned=e.x_star, trajectory=traj))
    assert again == r


def test_path_kept_only_up_to_two_dimensions():
    e2, e5 = sphere_entry(dim=2), sphere_entry("s5", dim=5)
    path2 = [(0.0, 0.0), (1.0, 1.0)]
    assert judge_trial(e2, ShiftedSphere(e2.x_star), _planned(e2, (0, 0)),
                       outcome(returned=e2.x_star, path=path2)).path == tuple(path2)
    path5 = [(0.0,) * 5]
    assert judge_trial(e5, ShiftedSphere(e5.x_star), _planned(e5, (0,) * 5),
                       outcome(returned=e5.x_star, path=path5)).path == ()


def _probe(entry, x):
    return PlannedProbe(objective=entry.name, probe=0, x=tuple(x), seed=3, budget=100)


def test_probe_accuracy_and_point_and_difference():
    e = sphere_entry(dim=3)
    obj = ShiftedSphere(e.x_star)
    x = np.array([1.0, -2.0, 0.5])
    good = judge_probe(e, obj, _probe(e, x), outcome(phase=Phase.GRADIENT, returned=obj.gradient(x) * (1 + 1e-8),
                                                     evaluations=6))
    assert good.status is TrialStatus.OK and good.rel_error < 1e-7 and abs(good.cosine - 1) < 1e-12
    assert good.evaluations == 6
    rough = judge_probe(e, obj, _probe(e, x), outcome(phase=Phase.GRADIENT, returned=obj.gradient(x) + 1.0))
    assert rough.rel_error > 0.1 and rough.cosine < 1
    pair = judge_probe(e, obj, _probe(e, x), outcome(phase=Phase.GRADIENT, status=TrialStatus.BAD_RETURN,
                                                     returned_kind="point_and_difference", message="tuple of 2"))
    assert pair.status is TrialStatus.BAD_RETURN and "(point, difference)" in pair.message and pair.rel_error is None
    short = judge_probe(e, obj, _probe(e, x), outcome(phase=Phase.GRADIENT, returned=(1.0, 2.0)))
    assert short.status is TrialStatus.BAD_RETURN and "3 finite numbers" in short.message
    boom = judge_probe(e, obj, _probe(e, x), outcome(phase=Phase.GRADIENT, status=TrialStatus.TIMEOUT, message="t"))
    assert boom.status is TrialStatus.TIMEOUT and boom.cosine is None

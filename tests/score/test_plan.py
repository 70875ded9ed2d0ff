"""Trial plans: deterministic, inside the start boxes, budgets and targets by the rubric's rule."""

import json

import numpy as np
from .score_fakes import ShiftedSphere, default_bank, make_bank, sphere_entry, write_rubric

from harness.score import budget_for, load_rubric, plan_trials


def _rubric(tmp_path, extra=""):
    return load_rubric(write_rubric(tmp_path, "schema_version: 1\n" + extra))


def test_same_inputs_same_plan_and_other_seed_other_starts(tmp_path):
    bank = default_bank()
    a = plan_trials(bank, _rubric(tmp_path))
    b = plan_trials(bank, _rubric(tmp_path))
    assert a == b
    c = plan_trials(bank, load_rubric(write_rubric(tmp_path, "schema_version: 1\nseeds: [7]\n", "c.yaml")))
    assert [t.x0 for t in a.trials] != [t.x0 for t in c.trials]
    assert json.loads(json.dumps(a.to_json())) == a.to_json()


def test_starts_kinds_boxes_and_counts(tmp_path):
    plan = plan_trials(default_bank(), _rubric(tmp_path, "starts_per_objective: 4\nlocal_basin_starts: 3\n"))
    by = {}
    for t in plan.trials:
        by.setdefault(t.objective, []).append(t)
    assert [t.start_kind for t in by["sphere-2d"]] == ["uniform"] * 4
    assert [t.start_kind for t in by["well-1d"]] == ["uniform"] * 4 + ["local_basin"] * 3
    assert [t.start for t in by["well-1d"]] == list(range(7))
    assert all(-3.0 <= t.x0[0] <= -1.0 for t in by["well-1d"] if t.start_kind == "local_basin")
    assert all(np.all(np.abs(t.x0) <= 4.0) for t in by["sphere-5d"])
    assert len({t.seed for t in plan.trials}) == len(plan.trials)  # every trial its own child seed


def test_fixed_starts_come_first_and_adding_an_objective_keeps_the_others(tmp_path):
    e = sphere_entry("take-2d", 2, fixed=((600.0, 600.0),))
    one = make_bank((e, ShiftedSphere(e.x_star)))
    extra = sphere_entry("aaa-3d", 3)
    two = make_bank((e, ShiftedSphere(e.x_star)), (extra, ShiftedSphere(extra.x_star)))
    rubric = _rubric(tmp_path)
    p1, p2 = plan_trials(one, rubric), plan_trials(two, rubric)
    assert p1.trials[0].start_kind == "fixed" and p1.trials[0].x0 == (600.0, 600.0)
    assert [t for t in p2.trials if t.objective == "take-2d"] == list(p1.trials)


def test_budget_rule_overrides_targets_and_selection(tmp_path):
    rubric = _rubric(tmp_path, "objectives: [deceptive, sphere-5d]\nbudget: {overrides: {sphere-5d: 123}}\n"
                               "targets: {well-1d: 0.5}\n")
    plan = plan_trials(default_bank(), rubric)
    assert plan.objectives == ("sphere-5d", "well-1d")
    budgets = {t.objective: t.budget for t in plan.trials}
    targets = {t.objective: t.target for t in plan.trials}
    assert budgets == {"sphere-5d": 123, "well-1d": 2000} and targets["well-1d"] == 0.5
    plain = _rubric(tmp_path, "budget: {per_dim: 1000, minimum: 2500}\n")
    assert budget_for(sphere_entry(dim=2), plain) == 2500 and budget_for(sphere_entry(dim=5), plain) == 5000


def test_probes_only_on_smooth_noise_free_objectives(tmp_path):
    noisy = sphere_entry("noisy-2d", 2, kinds=("smooth", "noisy"), noisy=True)
    bank = make_bank((noisy, ShiftedSphere(noisy.x_star, noise=0.1)), *[(e, default_bank().objective(e.name))
                                                                       for e in default_bank().entries])
    plan = plan_trials(bank, _rubric(tmp_path, "gradient_probes: 4\n"))
    assert sorted({p.objective for p in plan.probes}) == ["sphere-2d", "sphere-5d"]
    assert [p.probe for p in plan.probes if p.objective == "sphere-5d"] == [0, 1, 2, 3]
    assert all(np.all(np.abs(p.x) <= 5.0) for p in plan.probes)
    assert not plan_trials(bank, _rubric(tmp_path, "gradient_probes: 0\n")).probes

"""A cohort's secret bank is the default spec with a private seed: every seed must give a buildable instance."""

from pathlib import Path

import pytest

from harness.bank.build import make_objective
from harness.bank.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec_name", ["default", "practice"])
def test_every_spec_row_draws_an_instance_for_many_seeds(spec_name):
    spec = load_spec(ROOT / "objectives" / spec_name / "spec.yaml")
    failures = []
    for seed in range(150):
        for row in spec.objectives:
            try:
                obj, land = make_objective(row, seed)
            except Exception as exc:  # noqa: BLE001 - collect them all for one readable failure
                failures.append(f"seed {seed}, {row.name}: {exc}")
    assert not failures, failures[:5]

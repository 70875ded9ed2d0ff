"""Rubric loading: defaults, and errors that name the file, the line, the field and the fix."""

from pathlib import Path

import pytest
from .score_fakes import default_bank, write_rubric

from harness.errors import RubricError
from harness.score import load_rubric, plan_trials

REPO = Path(__file__).resolve().parents[2]


def test_shipped_rubrics_load_and_build_a_sandbox_policy():
    rubric = load_rubric(REPO / "rubrics" / "default.yaml")
    assert rubric.objectives == () and rubric.seeds == (0,)
    assert rubric.policy().wall_s == 60.0 and rubric.policy().memory_mb == 1024
    assert sum(rubric.weights.values()) == 100
    strict = load_rubric(REPO / "rubrics" / "strict.yaml")
    assert strict.from_scratch == "zero" and strict.seeds == (0, 1) and strict.policy().wall_s == 30.0


def test_hash_is_sha256_of_the_bytes(tmp_path):
    import hashlib

    path = write_rubric(tmp_path, "schema_version: 1\n")
    assert load_rubric(path).hash == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("text, line, field, fix", [
    ("schema_version: 1\nstarts_per_objectives: 3\n", 2, "starts_per_objectives",
     "did you mean `starts_per_objective`"),
    ("schema_version: 1\nstarts_per_objective: three\n", 2, "starts_per_objective", "integer from 0 to 100"),
    ("schema_version: 1\nweights:\n  correctness: 40\n  escape: -1\n", 4, "weights.escape", "number from 0"),
    ("schema_version: 1\nweights:\n  correctnes: 40\n", 3, "weights.correctnes", "did you mean `correctness`"),
    ("schema_version: 1\nlimits:\n  wall_s: 0\n", 3, "limits.wall_s", "above 0"),
    ("schema_version: 1\npolicies:\n  from_scratch: forbid\n", 3, "policies.from_scratch", "cap:<score>"),
    ("schema_version: 1\npolicies:\n  from_scratch: cap:150\n", 3, "policies.from_scratch", "cap:50"),
    ("schema_version: 1\nseeds: [1, 1]\n", 2, "seeds", "each seed once"),
    ("schema_version: 1\nseeds: 1\nseeds: 2\n", 3, "seeds", "keep one"),
    ("schema_version: 1\nallow_bounds: maybe\n", 2, "allow_bounds", "true or false"),
    ("schema_version: 2\n", 1, "schema_version", "schema_version: 1"),
    ("schema_version: 1\nweights:\n  correctness: 0\n  efficiency: 0\n  escape: 0\n  gradient: 0\n"
     "  robustness: 0\n", 3, "weights", "above 0"),
    ("schema_version: 1\nbudget:\n  overrides: [1, 2]\n", 3, "budget.overrides", "mapping"),
])
def test_bad_fields_name_file_line_field_and_fix(tmp_path, text, line, field, fix):
    path = write_rubric(tmp_path, text)
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert message.startswith(f"{path}, line {line}: field `{field}`"), message
    assert fix in message


def test_missing_schema_version_and_broken_yaml(tmp_path):
    with pytest.raises(RubricError, match="schema_version` is missing"):
        load_rubric(write_rubric(tmp_path, "seeds: [0]\n"))
    with pytest.raises(RubricError, match=r"line 4, column \d+: not valid YAML"):
        load_rubric(write_rubric(tmp_path, "schema_version: 1\nweights:\n  - a\n b: 2\n", "b.yaml"))
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric(tmp_path / "absent.yaml")


def test_values_are_read(tmp_path):
    rubric = load_rubric(write_rubric(tmp_path, """schema_version: 1
objectives: [sphere-2d, deceptive]
seeds: [3, 4]
budget: {per_dim: 100, minimum: 500, overrides: {sphere-5d: 77}}
weights: {gradient: 0}
targets: {sphere-2d: 0.01}
policies: {from_scratch: "cap:40", forbidden_modules: [scipy.optimize]}
"""))
    assert rubric.objectives == ("sphere-2d", "deceptive")
    assert rubric.seeds == (3, 4) and rubric.budget_per_dim == 100 and rubric.budget_overrides == {"sphere-5d": 77}
    assert rubric.weights["gradient"] == 0 and rubric.weights["correctness"] == 35
    assert rubric.from_scratch == "cap" and rubric.from_scratch_cap == 40.0
    assert rubric.forbidden_modules == ("scipy.optimize",)


def test_unknown_objective_is_named_with_its_line_at_plan_time(tmp_path):
    path = write_rubric(tmp_path, "schema_version: 1\nobjectives:\n  - sphere-2d\n  - sphere-9d\n")
    with pytest.raises(RubricError) as err:
        plan_trials(default_bank(), load_rubric(path))
    assert f"{path}, line 4: field `objectives[1]` names 'sphere-9d'" in str(err.value)
    assert "harness bank list" in str(err.value)
    path = write_rubric(tmp_path, "schema_version: 1\ntargets:\n  sphere-7d: 0.1\n", "t.yaml")
    with pytest.raises(RubricError, match=r"line 3: field `targets.sphere-7d`"):
        plan_trials(default_bank(), load_rubric(path))

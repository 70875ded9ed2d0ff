"""Shared helpers for the bank tests: a tiny spec builder and the shipped bank paths."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "objectives" / "default"
PRACTICE = REPO / "objectives" / "practice"

SMALL_SPEC = """\
name: small
objectives:
  - name: sphere_2d
    landscape: sphere
    dim: 2
    kinds: [smooth]
  - name: wells_2d
    landscape: two_wells
    dim: 2
    kinds: [deceptive]
  - name: noisy_3d
    landscape: ellipsoid
    dim: 3
    kinds: [ill-conditioned, noisy]
    noise: {kind: multiplicative, level: 0.1}
"""


@pytest.fixture
def small_spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SMALL_SPEC)
    return path


@pytest.fixture(scope="session")
def small_bank(tmp_path_factory) -> Path:
    """A three-objective bank built once per session (seed 5)."""
    from harness.bank.build import build_bank

    root = tmp_path_factory.mktemp("bank")
    (root / "spec.yaml").write_text(SMALL_SPEC)
    build_bank(root / "spec.yaml", seed=5, out_dir=root / "bank", progress=lambda _: None)
    return root / "bank"

"""A bank spec's `public: true` (practice banks) reaches bank.json and Bank.public; hidden is the default."""

from pathlib import Path

from harness.bank import load_bank
from harness.bank.build import build_bank

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_practice_bank_is_public_and_default_bank_is_not():
    assert load_bank(ROOT / "objectives" / "practice").public is True
    assert load_bank(ROOT / "objectives" / "default").public is False


def test_public_flag_round_trips_through_a_build(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: t\npublic: true\nobjectives:\n  - name: s\n    landscape: sphere\n    dim: 2\n"
                    "    kinds: [smooth]\n")
    built = build_bank(spec, seed=1, out_dir=tmp_path / "b", progress=lambda _: None)
    assert built.public is True and load_bank(tmp_path / "b").public is True
    spec.write_text(spec.read_text().replace("public: true\n", ""))
    build_bank(spec, seed=1, out_dir=tmp_path / "b", progress=lambda _: None)
    assert load_bank(tmp_path / "b").public is False

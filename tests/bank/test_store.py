"""Bank files: load_bank and Bank.objective fail with errors that name the file and the fix."""

import json
import shutil

import numpy as np
import pytest

from harness.bank.store import format_bank_table, load_bank
from harness.errors import BankError


@pytest.fixture
def bank_copy(small_bank, tmp_path):
    dest = tmp_path / "copy"
    shutil.copytree(small_bank, dest)
    return dest


def _edit_manifest(folder, change):
    doc = json.loads((folder / "bank.json").read_text())
    change(doc)
    (folder / "bank.json").write_text(json.dumps(doc))


def test_load_and_unpickle_round_trip(small_bank):
    bank = load_bank(small_bank)
    assert [e.name for e in bank.entries] == ["sphere_2d", "wells_2d", "noisy_3d"]
    for entry in bank.entries:
        obj = bank.objective(entry.name)
        assert obj.value(np.array(entry.x_star)) == entry.f_star
        assert obj.noisy == entry.noisy == ("noisy" in entry.kinds)
        assert entry.verification["passed"] and entry.sha256
    wells = bank.entry("wells_2d")
    assert wells.starts.basin_box is not None and wells.local_minima
    assert wells.verification["basin_traps_local_descent"] is True
    assert bank.entry("sphere_2d").starts.basin_box is None
    assert len(bank.hash) == 64 and len(bank.seed_hash) == 64


def test_manifest_is_sorted_and_has_the_agreed_fields(small_bank):
    text = (small_bank / "bank.json").read_text()
    doc = json.loads(text)
    assert text == json.dumps(doc, sort_keys=True, indent=2) + "\n"
    assert set(doc) == {"schema_version", "seed_hash", "objectives"}
    assert {"name", "kinds", "dim", "bounds", "x_star", "f_star", "local_minima", "target", "budget", "starts",
            "reference_evaluations", "verification"} <= set(doc["objectives"][0])


def test_missing_folder(tmp_path):
    with pytest.raises(BankError, match=r"bank\.json: no such file.*harness bank build"):
        load_bank(tmp_path / "nowhere")


def test_wrong_schema_version(bank_copy):
    _edit_manifest(bank_copy, lambda d: d.update(schema_version=99))
    with pytest.raises(BankError, match=r"bank\.json: schema_version 99.*reads version 1.*rebuild"):
        load_bank(bank_copy)


def test_not_json(bank_copy):
    (bank_copy / "bank.json").write_text("{oops")
    with pytest.raises(BankError, match=r"bank\.json: not valid JSON"):
        load_bank(bank_copy)


def test_missing_field_is_named(bank_copy):
    _edit_manifest(bank_copy, lambda d: d["objectives"][1].pop("f_star"))
    with pytest.raises(BankError, match=r"objectives\[1\] \(wells_2d\) lacks field `f_star`"):
        load_bank(bank_copy)


def test_missing_pickle(bank_copy):
    (bank_copy / "wells_2d.pkl").unlink()
    with pytest.raises(BankError, match=r"wells_2d\.pkl: missing"):
        load_bank(bank_copy)


def test_truncated_pickle_fails_its_hash(bank_copy):
    data = (bank_copy / "sphere_2d.pkl").read_bytes()
    (bank_copy / "sphere_2d.pkl").write_bytes(data[: len(data) // 2])
    with pytest.raises(BankError, match=r"sphere_2d\.pkl: its sha256 does not match bank\.json"):
        load_bank(bank_copy)


def test_truncated_pickle_with_a_matching_hash_fails_to_unpickle(bank_copy):
    import hashlib

    data = (bank_copy / "sphere_2d.pkl").read_bytes()[:40]
    (bank_copy / "sphere_2d.pkl").write_bytes(data)
    _edit_manifest(bank_copy, lambda d: d["objectives"][0].update(sha256=hashlib.sha256(data).hexdigest()))
    bank = load_bank(bank_copy)
    with pytest.raises(BankError, match=r"sphere_2d\.pkl: cannot unpickle"):
        bank.objective("sphere_2d")


def test_pickle_changed_after_loading_is_caught(bank_copy):
    bank = load_bank(bank_copy)
    shutil.copy(bank_copy / "wells_2d.pkl", bank_copy / "sphere_2d.pkl")
    with pytest.raises(BankError, match="sha256 does not match"):
        bank.objective("sphere_2d")


def test_unknown_objective_name(small_bank):
    with pytest.raises(BankError, match="no objective named 'zzz'"):
        load_bank(small_bank).objective("zzz")


def test_table_hides_minima_unless_revealed(small_bank):
    bank = load_bank(small_bank)
    entry = bank.entry("wells_2d")
    hidden, shown = format_bank_table(bank, reveal=False), format_bank_table(bank, reveal=True)
    assert "wells_2d" in hidden and "--reveal" in hidden
    assert f"{entry.f_star:.10g}" not in hidden and f"{entry.f_star:.10g}" in shown


def test_objective_whose_code_changed_since_the_build_is_refused(small_bank, monkeypatch):
    from harness.bank.landscapes import Sphere

    bank = load_bank(small_bank)
    monkeypatch.setattr(Sphere, "f", lambda self, Z: np.sum(Z * Z, axis=1) + 1e-12)
    with pytest.raises(BankError, match=r"sphere_2d\.pkl: x\* no longer evaluates to f\*"):
        bank.objective("sphere_2d")


def test_unwritable_output_folder(tmp_path, small_spec):
    from harness.bank.build import build_bank

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BankError, match="cannot write the bank there"):
        build_bank(small_spec, seed=1, out_dir=blocker / "bank", progress=lambda _: None)

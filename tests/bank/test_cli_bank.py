"""`harness bank build|verify|list|add` as a user runs them: exit codes and messages, no tracebacks."""

import pickle
import shutil
import subprocess
import sys

from harness.bank.store import load_bank

from .conftest import PRACTICE, REPO


def _run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "harness", "bank", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_verify_practice_bank_exits_0_with_a_full_table():
    proc = _run("verify", str(PRACTICE))
    assert proc.returncode == 0, proc.stderr
    for entry in load_bank(PRACTICE).entries:
        assert entry.name in proc.stdout
    assert "all objectives pass" in proc.stdout


def test_verify_a_tampered_bank_exits_2_naming_the_file(small_bank, tmp_path):
    bank = tmp_path / "b"
    shutil.copytree(small_bank, bank)
    (bank / "wells_2d.pkl").write_bytes(b"\x80\x04junk")
    proc = _run("verify", str(bank))
    assert proc.returncode == 2
    assert "wells_2d.pkl" in proc.stderr and "rebuild" in proc.stderr and "Traceback" not in proc.stderr


def test_list_hides_minima_unless_reveal(small_bank):
    entry = load_bank(small_bank).entry("sphere_2d")
    hidden, shown = _run("list", str(small_bank)), _run("list", str(small_bank), "--reveal")
    assert hidden.returncode == shown.returncode == 0
    assert f"{entry.f_star:.10g}" not in hidden.stdout and f"{entry.f_star:.10g}" in shown.stdout


def test_build_writes_a_bank_and_a_bad_spec_exits_2(small_spec, tmp_path):
    proc = _run("build", str(small_spec), "--seed", "5", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "built 3 objectives" in proc.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("objectives:\n  - name: a\n    landscape: sphere\n    dim: 0\n    kinds: [smooth]\n")
    proc = _run("build", str(bad), "--seed", "1", "--out", str(tmp_path / "o2"))
    assert proc.returncode == 2 and "line 2" in proc.stderr and "`dim`" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_add_a_pickle_and_refuse_a_broken_one(tmp_path):
    theirs = tmp_path / "objective.pkl"
    theirs.write_bytes(pickle.dumps(load_bank(PRACTICE).objective("sphere_2d")))
    proc = _run("add", str(theirs), "--bank", str(tmp_path / "mine"), "--dim", "2", "--bounds=-5,5")
    assert proc.returncode == 0, proc.stderr
    assert "added objective" in proc.stdout and "confidence" in proc.stdout
    assert _run("verify", str(tmp_path / "mine")).returncode == 0
    broken = tmp_path / "broken.pkl"
    broken.write_bytes(b"\x80\x04garbage")
    proc = _run("add", str(broken), "--bank", str(tmp_path / "mine"), "--dim", "2", "--bounds=-5,5")
    assert proc.returncode == 2 and "broken.pkl" in proc.stderr and "Traceback" not in proc.stderr


def _edit(folder, name, change):
    import json

    doc = json.loads((folder / "bank.json").read_text())
    change(next(o for o in doc["objectives"] if o["name"] == name))
    (folder / "bank.json").write_text(json.dumps(doc))


def test_verify_fails_on_a_wrong_minimum(small_bank, tmp_path):
    bank = tmp_path / "b"
    shutil.copytree(small_bank, bank)
    obj = load_bank(bank).objective("sphere_2d")
    fake = [v + 0.5 for v in load_bank(bank).entry("sphere_2d").x_star]
    # a stated minimum that is a true value of the function, but not its minimum
    _edit(bank, "sphere_2d", lambda o: o.update(x_star=fake, f_star=obj.value(fake)))
    proc = _run("verify", str(bank))
    assert proc.returncode == 2
    row = next(line for line in proc.stdout.splitlines() if line.startswith("sphere_2d"))
    assert "FAIL" in row and "< f*" in row and "1 objective(s) FAILED" in proc.stdout
    # f(x*) != f*: refused when the objective is loaded, reported in its row
    _edit(bank, "sphere_2d", lambda o: o.update(f_star=o["f_star"] - 1e-9))
    proc = _run("verify", str(bank))
    assert proc.returncode == 2 and "x* no longer evaluates to f*" in proc.stdout

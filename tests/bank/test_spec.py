"""Bank spec validation: messages name the file, the line and the field."""

import pytest

from harness.bank.spec import load_spec
from harness.errors import BankError

HEAD = "name: t\nobjectives:\n"
ROW = "  - name: {name}\n    landscape: {land}\n    dim: {dim}\n    kinds: [{kinds}]\n"


def _write(tmp_path, text):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_valid_spec(tmp_path):
    spec = load_spec(_write(tmp_path, HEAD + ROW.format(name="a", land="sphere", dim=3, kinds="smooth")))
    assert spec.objectives[0].dim == 3 and spec.objectives[0].kinds == ("smooth",)


@pytest.mark.parametrize("row,match", [
    (ROW.format(name="a", land="nope", dim=3, kinds="smooth"), r"line 3: objective 'a', field `landscape`: unknown"),
    (ROW.format(name="a", land="sphere", dim="two", kinds="smooth"), r"line 3: .*field `dim`"),
    (ROW.format(name="a", land="take_home", dim=3, kinds="smooth"), r"field `dim`.*only in 2-D"),
    (ROW.format(name="a", land="sphere", dim=3, kinds="shiny"), r"field `kinds`"),
    (ROW.format(name="a", land="sphere", dim=3, kinds="noisy"), r"`noisy` goes with a `noise:`"),
    (ROW.format(name="A b", land="sphere", dim=3, kinds="smooth"), r"field `name`"),
    (ROW.format(name="a", land="sphere", dim=3, kinds="smooth") + "    colour: red\n", r"field `colour`: unknown"),
    (ROW.format(name="a", land="sphere", dim=3, kinds="smooth") + "    noise: {kind: loud, level: 1}\n",
     r"field `noise`"),
])
def test_bad_rows_are_named(tmp_path, row, match):
    with pytest.raises(BankError, match=match):
        load_spec(_write(tmp_path, HEAD + row))


def test_duplicate_names_are_refused_with_both_lines(tmp_path):
    row = ROW.format(name="a", land="sphere", dim=3, kinds="smooth")
    with pytest.raises(BankError, match=r"line 7: objective name 'a' is already used at line 3"):
        load_spec(_write(tmp_path, HEAD + row + row))


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(BankError, match=r"spec\.yaml line 4, column \d+: not valid YAML"):
        load_spec(_write(tmp_path, HEAD + "  - name: [a\n    dim: 3\n"))


def test_missing_spec(tmp_path):
    with pytest.raises(BankError, match="no such bank spec"):
        load_spec(tmp_path / "none.yaml")

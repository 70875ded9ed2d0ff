"""Notebooks: code cells in order, IPython syntax dropped with notes naming the cell, clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

from harness.load import static_policy_flags
from harness.results import SubmissionStatus


def _nb(cells: list[str], version: int = 4) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": c} for c in cells], "metadata": {}, "nbformat": version,
                       "nbformat_minor": 5})


def test_magics_fixture_becomes_one_file_with_notes_per_cell(load):
    sub = load("notebook_magics.ipynb")
    assert sub.status is SubmissionStatus.GRADED and sub.kind == "ipynb"
    assert sub.entry == "notebook_magics.py"
    text = (Path(sub.code_dir) / sub.entry).read_text()
    assert "%matplotlib" not in text and "!pip" not in text and "ls -la" not in text
    assert text.index("def gradient") < text.index("def minimize") < text.index("pickle.load")
    assert "notebook_magics.ipynb cell 2: IPython line `%matplotlib inline` dropped" in sub.notes
    assert "notebook_magics.ipynb cell 2: IPython line `!pip install numpy` dropped" in sub.notes
    assert any(n.startswith("notebook_magics.ipynb cell 4: cell magic `%%time` dropped, its Python body kept")
               for n in sub.notes)
    assert any(n.startswith("notebook_magics.ipynb cell 5: cell magic `%%bash` dropped with its whole cell")
               for n in sub.notes)
    assert any("cell 6, line 1 reads 'objective.pkl', which is not in the submission" in n for n in sub.notes)
    compile(text, sub.entry, "exec")  # what the child will import parses


def test_indented_magic_keeps_the_block_valid(load, write):
    sub = load(write("nb.ipynb", _nb(["def minimize(func, x0):\n    !echo hi\n    %time x = 1\n",
                                      "def gradient(func, x):\n    return x"])))
    assert sub.status is SubmissionStatus.GRADED
    compile((Path(sub.code_dir) / sub.entry).read_text(), "nb.py", "exec")


def test_syntax_error_in_a_cell_is_told_in_cell_terms(load, write):
    sub = load(write("nb.ipynb", _nb(["import numpy as np", "def minimize(func, x0):\n    if x0:\n    return x0"])))
    assert sub.status is SubmissionStatus.SYNTAX_ERROR
    assert sub.message.startswith("nb.ipynb cell 2, line 3, column 5: IndentationError: expected an indented "
                                  "block after 'if' statement at nb.ipynb cell 2, line 2")


def test_policy_evidence_in_cell_terms_also_from_the_staged_folder(load, write):
    sub = load(write("nb.ipynb", _nb(["import numpy as np", "from scipy import optimize\n"
                                      "def minimize(func, x0):\n    return optimize.minimize(func, x0).x"])))
    assert [f.evidence for f in sub.policy_flags] == ["nb.ipynb cell 2, line 1 imports scipy.optimize"]
    again = static_policy_flags(Path(sub.code_dir), sub.entry, ("scipy.optimize",))
    assert again == sub.policy_flags


def test_writefile_cell_becomes_a_module(load, write):
    sub = load(write("nb.ipynb", _nb(["%%writefile helpers.py\ndef step():\n    return 0.1\n",
                                      "from helpers import step\ndef minimize(func, x0):\n    return x0"])))
    assert sub.status is SubmissionStatus.GRADED
    assert (Path(sub.code_dir) / "helpers.py").read_text() == "def step():\n    return 0.1\n"


def test_not_json_fixture_and_old_nbformat_are_bad_archives(load, write):
    bad = load("not_json.ipynb")
    assert bad.status is SubmissionStatus.BAD_ARCHIVE
    assert bad.message.startswith("not_json.ipynb: not a notebook: invalid JSON at line 1, column 1")
    v3 = load(write("old.ipynb", _nb(["x = 1"], version=3)))
    assert v3.status is SubmissionStatus.BAD_ARCHIVE and "nbformat 3" in v3.message and "nbconvert" in v3.message
    other = load(write("data.ipynb", json.dumps({"rows": [1, 2]})))
    assert other.status is SubmissionStatus.BAD_ARCHIVE and "not a Jupyter notebook" in other.message


def test_broken_notebook_beside_good_code_in_a_folder_is_a_note(load, write, tmp_path):
    write("f/solution.py", "def minimize(func, x0):\n    return x0\n")
    write("f/scratch.ipynb", "{oops")
    sub = load(tmp_path / "src" / "f")
    assert sub.status is SubmissionStatus.GRADED
    assert any(n.startswith("notebook skipped: scratch.ipynb: not a notebook: invalid JSON") for n in sub.notes)


def test_staged_line_maps_back_to_the_cell(load):
    from harness.load import source_location

    sub = load("notebook_magics.ipynb")
    lines = (Path(sub.code_dir) / sub.entry).read_text().splitlines()
    staged = next(i for i, line in enumerate(lines, start=1) if "pickle.load" in line)
    assert source_location(Path(sub.code_dir), sub.entry, staged) == "notebook_magics.ipynb cell 6, line 1"
    plain = load("two_d_only.py")
    assert source_location(Path(plain.code_dir), plain.entry, 4) == "two_d_only.py:4"


def test_malformed_cells_and_deep_json_are_bad_archives_not_crashes(load, write):
    bad_source = json.dumps({"cells": [{"cell_type": "code", "source": [1, 2]}], "nbformat": 4})
    sub = load(write("cells.ipynb", bad_source))
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "cell 1 is malformed" in sub.message
    deep = load(write("deep.ipynb", "[" * 100_000 + "]" * 100_000))
    assert deep.status is SubmissionStatus.BAD_ARCHIVE


def test_python_lines_that_start_with_percent_or_bang_are_kept(load, write):
    cell = ("def minimize(func, x0):\n    s = ('%d'\n         % 3)\n    ok = (x0\n          != None)\n"
            "    files = !ls\n    np.sum?\n    return x0")
    sub = load(write("nb.ipynb", _nb([cell])))
    text = (Path(sub.code_dir) / sub.entry).read_text()
    assert "         % 3)" in text and "          != None)" in text
    assert "!ls" not in text and "np.sum?" not in text
    compile(text, "nb.py", "exec")

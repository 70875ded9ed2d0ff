"""Static from-scratch policy: forbidden imports found anywhere, with file:line evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load import DEFAULT_FORBIDDEN, static_policy_flags
from harness.results import PolicyFlag, SubmissionStatus

BODY = "\n\ndef minimize(func, x0):\n    return x0\n"


def _evidence(load, write, source: str, name: str = "sol.py") -> list[str]:
    sub = load(write(name, source + BODY))
    return [f.evidence for f in sub.policy_flags]


def test_scipy_fixture_flags_both_imports_with_lines(load):
    sub = load("uses_scipy.py")
    assert sub.status is SubmissionStatus.GRADED  # flagged, still graded
    assert sub.policy_flags == (PolicyFlag("from_scratch", "uses_scipy.py:2 imports scipy.optimize"),
                                PolicyFlag("from_scratch", "uses_scipy.py:16 imports scipy.optimize"))


@pytest.mark.parametrize("source, evidence", [
    ("from scipy import optimize", "sol.py:1 imports scipy.optimize"),
    ("import scipy.optimize as so", "sol.py:1 imports scipy.optimize"),
    ("from torch import optim", "sol.py:1 imports torch.optim"),
    ("import importlib\nm = importlib.import_module('scipy.optimize')",
     "sol.py:2 imports scipy.optimize via importlib.import_module"),
    ("from importlib import import_module\nimport_module('optuna')", "sol.py:2 imports optuna via "
                                                                      "importlib.import_module"),
    ("__import__('scipy', fromlist=['optimize'])", "sol.py:1 imports scipy.optimize via __import__"),
    ("exec('import nevergrad as ng')", "sol.py:1 imports nevergrad (in a string passed to exec)"),
    ("import scipy as sp\nsp.optimize.minimize", "sol.py:2 uses scipy.optimize"),
    ("import tensorflow as tf\nopt = tf.keras.optimizers.Adam()", "sol.py:2 uses tensorflow.keras.optimizers"),
    ("def helper():\n    from cma import fmin\n    return fmin", "sol.py:2 imports cma"),
])
def test_each_import_form_is_found(load, write, source, evidence):
    assert _evidence(load, write, source) == [evidence]


@pytest.mark.parametrize("source", [
    "import scipy\nimport numpy as np\nfrom scipy.linalg import norm",
    "import torch\nx = torch.zeros(3)",
    "import importlib\nname = 'scipy' + '.optimize'\nimportlib.import_module(name)",  # the run-time audit's job
    "text = 'import scipy.optimize'",  # a string that is never run
    "import optimization_helpers\nfrom . import optimize",
])
def test_harmless_imports_are_not_flagged(load, write, source):
    assert _evidence(load, write, source) == []


def test_own_module_with_a_forbidden_name_is_not_flagged(load, write, tmp_path):
    write("own/solution.py", "import cma" + BODY)
    write("own/cma.py", "def fmin():\n    return 0\n")
    assert load(tmp_path / "src" / "own").policy_flags == ()


def test_unimported_helper_file_is_flagged_and_says_so(load, write, tmp_path):
    write("mix/solution.py", "import helpers" + BODY)
    write("mix/helpers.py", "import numpy\n")
    write("mix/old_attempt.py", "from scipy.optimize import minimize\n")
    sub = load(tmp_path / "src" / "mix")
    assert sub.entry == "solution.py"
    assert [f.evidence for f in sub.policy_flags] == [
        "old_attempt.py:1 imports scipy.optimize (in a file the entry does not import)"]


def test_syntax_error_file_is_still_checked_line_by_line(load, write):
    sub = load(write("bad.py", "from scipy.optimize import minimize\ndef minimize(:\n"))
    assert sub.status is SubmissionStatus.SYNTAX_ERROR
    assert [f.evidence for f in sub.policy_flags] == ["bad.py:1 imports scipy.optimize"]


def test_rubric_list_is_honoured_on_the_staged_folder(load):
    sub = load("uses_scipy.py")
    assert static_policy_flags(Path(sub.code_dir), sub.entry, ("numpy",)) == (
        PolicyFlag("from_scratch", "uses_scipy.py:1 imports numpy"),)
    assert static_policy_flags(Path(sub.code_dir), sub.entry, ()) == ()
    assert static_policy_flags(Path(sub.code_dir), sub.entry) == sub.policy_flags


def test_default_list_covers_the_usual_libraries():
    for name in ("scipy.optimize", "torch.optim", "jax.scipy.optimize", "jax.example_libraries.optimizers",
                 "optax", "nevergrad", "cma", "optuna", "skopt", "hyperopt", "bayes_opt", "pyswarms", "pymoo",
                 "sklearn.gaussian_process"):
        assert name in DEFAULT_FORBIDDEN

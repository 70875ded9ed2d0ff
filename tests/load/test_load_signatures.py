"""Call plans from signatures (adapters and their notes) and the static hints for the diagnosis."""

from __future__ import annotations

import pytest

from harness.load.signatures import OWN_START
from harness.results import CallPlan, SubmissionStatus


def _plans(load, write, source: str):
    sub = load(write("sol.py", source))
    assert sub.status is SubmissionStatus.GRADED, sub.message
    return sub


def test_classic_article_repaired_is_graded_with_its_quirks_noted(load):
    sub = load("classic_article.py")
    assert sub.status is SubmissionStatus.GRADED
    assert sub.minimize == CallPlan("minimize", ("func",), {}, True, OWN_START)
    assert sub.gradient == CallPlan("gradient", ("func", "x"), {}, False, "")
    notes = "\n".join(sub.notes)
    assert "minimize: runs from its own start; starts could not be varied" in notes
    assert "minimize starts at (600, 600) (classic_article.py:20)" in notes
    assert 'prints `print("Minimum Point: ({}, {})".format(point[0], point[1]))` (classic_article.py:28)' in notes
    assert "gradient returns a pair `(best_point, difference)` (classic_article.py:16)" in notes
    assert "gradient indexes x[0] and x[1] only (classic_article.py:11): may assume two inputs" in notes


def test_two_d_only_is_graded_with_a_note_not_rejected(load):
    sub = load("two_d_only.py")
    assert sub.minimize == CallPlan("minimize", ("func", "x0"))
    assert "gradient indexes x[0] and x[1] only (two_d_only.py:4): may assume two inputs" in sub.notes
    assert "minimize indexes x0[0] and x0[1] only (two_d_only.py:10): may assume two inputs" in sub.notes


def test_n_dimensional_code_gets_no_two_inputs_note(load):
    sub = load("aliases.py")
    assert not any("two inputs" in n for n in sub.notes)
    assert not any("returns a pair" in n for n in sub.notes)


def test_reversed_arguments_found_by_name(load):
    sub = load("reversed_args.py")
    assert sub.minimize.args == ("x0", "func") and sub.gradient.args == ("x", "func")
    assert sub.minimize.note == "arguments in reversed order: called as minimize(x0, func)"


def test_aliases_and_bounds_keyword(load):
    sub = load("aliases.py")
    assert sub.minimize == CallPlan("minimise", ("func", "x0"), {"bounds": "bounds"}, False,
                                    "found as minimise (taken for minimize); parameter 'bounds' receives the "
                                    "objective's bounds when the rubric allows it")
    assert sub.gradient.target == "numerical_gradient" and sub.gradient.args == ("func", "x")


def test_class_methods_become_class_dot_method(load):
    sub = load("class_based.py")
    assert sub.minimize.target == "BlackBoxOptimizer.minimize" and sub.minimize.args == ("func", "x0")
    assert sub.gradient.target == "BlackBoxOptimizer.gradient"
    assert not any("needs constructor arguments" in n for n in sub.notes)


def test_class_needing_constructor_arguments_is_noted(load):
    sub = load("class_needs_args.py")
    assert sub.minimize.target == "Descent.minimize"
    assert any(n.startswith("class Descent needs constructor arguments (func)") for n in sub.notes)


@pytest.mark.parametrize("source, minimize", [
    ("def minimize(func, x0, debug=False, tol=1e-6): pass", CallPlan("minimize", ("func", "x0"))),
    ("def minimize(f, x0=None): pass", CallPlan("minimize", ("func", "x0"))),
    ("def minimize(func, *, x0): pass", CallPlan("minimize", ("func",), {"x0": "x0"})),
    ("def optimize(a, b): pass", CallPlan("optimize", ("func", "x0"), note=(
        "found as optimize (taken for minimize); parameter 'a' taken as the function; parameter 'b' taken as "
        "the start point"))),
    ("def minimize(*args): pass", CallPlan("minimize", ("func", "x0"), note="takes *args: called as "
                                                                          "minimize(func, x0)")),
    ("def gradientDescent(objective, start, bounds): pass",
     CallPlan("gradientDescent", ("func", "x0"), {"bounds": "bounds"}, note=(
         "found as gradientDescent (taken for minimize); parameter 'bounds' receives the objective's bounds when "
         "the rubric allows it"))),
    ("def minimize(func, *args): pass", CallPlan("minimize", ("func", "x0"), note=(
        "takes *args: called as minimize(func, x0)"))),
    ("def minimize(func, x0, bounds, /): pass", CallPlan("minimize", ("func", "x0", "bounds"), note=(
        "parameter 'bounds' receives the objective's bounds when the rubric allows it"))),
    ("def minimize(func, debug=False, **options): pass", CallPlan("minimize", ("func",), {}, True, OWN_START)),
    ("def my_func(x):\n    return x\nminimize = my_func", None),
])
def test_minimize_adapters(load, write, source, minimize):
    sub = load(write("sol.py", source + "\n\ndef gradient(func, x): pass\n"))
    if minimize is None:
        assert sub.minimize.target == "minimize" and "minimize is another name for my_func" in sub.minimize.note
    else:
        assert sub.minimize == minimize


def test_required_extra_parameter_is_named_in_the_note(load, write):
    sub = _plans(load, write, "def minimize(func, x0, learning_rate): pass\n")
    assert "requires 'learning_rate', which the grader cannot supply" in sub.minimize.note


def test_gradient_alias_is_not_gradient_descent(load, write):
    sub = _plans(load, write, "def gradient_descent(f, x0): pass\ndef grad(f, x, h=1e-5): pass\n")
    assert sub.minimize.target == "gradient_descent" and sub.gradient.target == "grad"


def test_imported_minimize_is_planned_and_flagged(load, write):
    sub = _plans(load, write, "from scipy.optimize import minimize\n")
    assert sub.minimize.target == "minimize" and "imported from scipy.optimize" in sub.minimize.note
    assert [f.evidence for f in sub.policy_flags] == ["sol.py:1 imports scipy.optimize"]


def test_sibling_import_uses_the_sibling_signature(load, write, tmp_path):
    write("pkg/solution.py", "from core import search as minimize\n\ndef gradient(func, x):\n    return x\n")
    write("pkg/core.py", "def search(x0, func):\n    return x0\n")
    sub = load(tmp_path / "src" / "pkg")
    assert sub.entry == "solution.py"
    assert sub.minimize.target == "minimize" and sub.minimize.args == ("x0", "func")


def test_prints_instead_of_returning_and_pair_return_on_other_code(load, write):
    sub = _plans(load, write, "def minimize(func, x0):\n    print('Result:', x0)\n\n"
                              "def gradient(func, x):\n    d = 1\n    return x, d\n")
    assert any("minimize returns no value and prints `print('Result:', x0)` (sol.py:2)" in n for n in sub.notes)
    assert any("gradient returns a pair `x, d` (sol.py:6)" in n for n in sub.notes)


def test_two_partial_derivatives_are_not_mistaken_for_a_pair(load, write):
    sub = _plans(load, write, "def gradient(func, p):\n    dfdx = 1\n    dfdy = 2\n    return (dfdx, dfdy)\n")
    assert not any("returns a pair" in n for n in sub.notes)


def test_import_time_package_that_is_missing_is_noted(load, write):
    sub = _plans(load, write, "import numpy\nimport surely_not_installed_pkg\n"
                              "def minimize(func, x0):\n    import also_missing\n    return x0\n")
    assert ("sol.py:2 imports surely_not_installed_pkg, which is not installed for the grader's Python: that "
            "import will fail when loaded and is skipped") in sub.notes
    assert not any("numpy" in n or "also_missing" in n for n in sub.notes)


def test_name_bound_to_a_value_is_explained(load, write):
    sub = load(write("sol.py", "minimize = None\n"))
    assert sub.status is SubmissionStatus.NO_ENTRY
    assert "sol.py: minimize is assigned a value (line 1), not defined as a function" in sub.message


def test_pair_of_point_and_a_subtraction_is_recognised(load, write):
    sub = _plans(load, write, "def gradient(func, x):\n    best = x\n    return best, func(x) - func(best)\n")
    assert any("gradient returns a pair `best, func(x) - func(best)` (sol.py:3)" in n for n in sub.notes)


def test_callable_built_by_a_call_is_planned_canonically(load, write):
    sub = _plans(load, write, "import functools\ndef _descend(func, x0, lr):\n    return x0\n"
                              "minimize = functools.partial(_descend, lr=0.1)\n")
    assert sub.minimize == CallPlan("minimize", ("func", "x0"), note=(
        "minimize is built by `functools.partial(...)` (line 4); called as minimize(func, x0)"))


def test_guarded_imports_and_reads_get_no_failure_note(load, write):
    sub = _plans(load, write, "try:\n    import surely_not_installed_pkg\nexcept ImportError:\n    pass\n"
                              "try:\n    data = open('objective.pkl')\nexcept OSError:\n    data = None\n"
                              "def minimize(func, x0):\n    return x0\n")
    assert not any("will fail when loaded" in n for n in sub.notes)
    sub = _plans(load, write, "import pickle\nwith open('objective.pkl', 'rb') as fh:\n    func = pickle.load(fh)\n"
                              "def minimize(func, x0):\n    return x0\n")
    assert any(n.startswith("sol.py:2 reads 'objective.pkl', which is not in the submission") for n in sub.notes)

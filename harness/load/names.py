"""The names candidates give their functions and parameters, and how the loader recognises them.

Names are compared in a normalised form (lower case, underscores removed), so `gradientDescent`,
`gradient_descent` and `GradientDescent` are the same name.
"""

from __future__ import annotations

import re

# Entry-function names, best first; the canonical name leads each list.
MINIMIZE_NAMES = (
    "minimize", "minimise", "optimize", "optimise", "gradient_descent", "descent", "find_minimum",
    "find_min", "minimizer", "minimiser", "optimizer", "optimiser", "argmin", "minimum", "min_search",
    "local_search", "hill_climb", "hill_climbing", "nelder_mead", "pattern_search", "coordinate_descent",
)
GRADIENT_NAMES = (
    "gradient", "grad", "numerical_gradient", "numeric_gradient", "num_grad", "numgrad", "compute_gradient",
    "approx_gradient", "approximate_gradient", "estimate_gradient", "gradient_estimate", "calc_gradient",
    "calculate_gradient", "get_gradient", "finite_difference", "finite_differences", "finite_diff",
    "fd_gradient", "central_difference", "forward_difference", "derivative", "jacobian",
)

# Parameter names by role.
FUNC_PARAMS = {
    "func", "f", "fn", "fun", "function", "objective", "objectivefunction", "obj", "blackbox",
    "blackboxfunction", "blackboxfunc", "loss", "lossfunction", "cost", "costfunction", "target",
    "targetfunction", "callable", "evaluate", "evaluator", "oracle", "problem", "fobj", "fnc",
}
POINT_PARAMS = {
    "x", "x0", "xinit", "xstart", "xs", "start", "startpoint", "starting", "startingpoint", "init",
    "initial", "initialpoint", "initialguess", "guess", "point", "p", "p0", "pt", "pos", "position",
    "theta", "theta0", "params", "param", "parameters", "w", "w0", "xy", "coords", "coordinates", "v",
    "vec", "vector", "current", "location", "loc", "z", "z0", "inputs", "input", "arr", "array",
    "initialparams", "initialx", "startingx",
}
BOUNDS_PARAMS = {
    "bounds", "bound", "bnds", "limits", "domain", "box", "searchspace", "ranges", "region",
    "boundaries",
}


def norm(name: str) -> str:
    """The comparison form of a name: lower case without underscores."""
    return name.replace("_", "").lower()


_MIN_NORM = [norm(n) for n in MINIMIZE_NAMES]
_GRAD_NORM = [norm(n) for n in GRADIENT_NAMES]
_MIN_FUZZY = re.compile(r"minimi[sz]e|optimi[sz]e|descent|findmin")
_GRAD_FUZZY = re.compile(r"gradient|grad$|^grad|derivative|finitediff")


def _rank(name: str, listed: list[str], fuzzy: re.Pattern[str]) -> int | None:
    n = norm(name)
    if n in listed:
        return listed.index(n)
    if fuzzy.search(n) and not n.startswith("test"):
        return 100
    return None


def minimize_rank(name: str) -> int | None:
    """0 for `minimize`, 1.. for a listed alias, 100 for a fuzzy match (`my_minimize`), None otherwise."""
    return _rank(name, _MIN_NORM, _MIN_FUZZY)


def gradient_rank(name: str) -> int | None:
    """0 for `gradient`, 1.. for a listed alias, 100 for a fuzzy match; never a `gradient_descent`."""
    return None if "descent" in norm(name) else _rank(name, _GRAD_NORM, _GRAD_FUZZY)


def param_role(name: str) -> str | None:
    """The role a parameter's name suggests: "func", "point", "bounds" or None."""
    n = norm(name)
    if n in BOUNDS_PARAMS:
        return "bounds"
    if n in FUNC_PARAMS or "func" in n or "objective" in n:
        return "func"
    if n in POINT_PARAMS or re.fullmatch(r"(x|p|pt|point|start|init|initial)(0|init|start|\d*)", n):
        return "point"
    return None

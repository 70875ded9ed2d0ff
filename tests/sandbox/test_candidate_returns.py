"""Return checking and safe printing in harness/sandbox/candidate.py, on plain values built by the tests.

The odd objects here (a __float__ that raises or lies, a __repr__ that records being called) are benign
stand-ins; the truly hostile ones (a __repr__ that never returns) run only through the sandbox.
"""

import collections
import json
import math

import numpy as np
import pytest

from harness.sandbox import candidate
from harness.sandbox.candidate import describe_return, safe_repr


class Result:
    def __init__(self, x, fun):
        self.x, self.fun = x, fun


class OptimizeResultLike(dict):
    """Like scipy's OptimizeResult: a dict subclass with attribute access."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


Named = collections.namedtuple("Named", "x fun nit")


class FloatRaises:
    def __float__(self):
        raise ValueError("no value here")


class FloatLies:
    def __float__(self):
        return "3.0"


class LyingFloat(float):
    def __float__(self):
        return "a float, honestly"


def _gen():
    yield 1.0


@pytest.mark.parametrize("raw, kind, x, fx", [
    ([1, 2.5], "x", [1.0, 2.5], None),
    ((1.0, 2.0), "x", [1.0, 2.0], None),
    (np.array([1.0, 2.0]), "x", [1.0, 2.0], None),
    ((np.array([1.0, 2.0]), np.float64(0.5)), "(x, fx)", [1.0, 2.0], 0.5),
    ([[1.0, 2.0], 7], "(x, fx)", [1.0, 2.0], 7.0),
    (([1.0, 2.0], float("nan")), "(x, fx)", [1.0, 2.0], None),
    ({"x": np.array([1.0, 2.0]), "fun": 3.0}, "dict", [1.0, 2.0], 3.0),
    (OptimizeResultLike(x=np.array([1.0, 2.0]), fun=np.float64(4.0)), "dict", [1.0, 2.0], 4.0),
    (Result(np.array([1.0, 2.0]), 5.0), "object", [1.0, 2.0], 5.0),
    (Named((1.0, 2.0), 6.0, 12), "object", [1.0, 2.0], 6.0),
    (np.array([np.int64(3), 4]), "x", [3.0, 4.0], None),
])
def test_minimize_returns_that_are_points(raw, kind, x, fx):
    assert describe_return(raw, "minimize", 2) == {"kind": kind, "x": x, "fx": fx, "error": None}


@pytest.mark.parametrize("raw, kind, x", [
    (2.5, "scalar", [2.5]),
    (np.float64(2.5), "scalar", [2.5]),
    ((2.5, 0.25), "(x, fx)", [2.5]),
    ([2.5], "x", [2.5]),
])
def test_one_dimensional_returns(raw, kind, x):
    assert describe_return(raw, "minimize", 1)["kind"] == kind
    assert describe_return(raw, "minimize", 1)["x"] == x


@pytest.mark.parametrize("raw, kind, says", [
    (None, "none", "returned None; minimize must return the point it found"),
    (_gen(), "generator", "returned a generator or iterator (<generator _gen>)"),
    (iter([1.0, 2.0]), "generator", "generator or iterator"),
    ([1.0, 2.0, 3.0], "wrong_length", "returned a point of 3 numbers, but the objective is 2-D: got [1.0, 2.0, 3.0]"),
    ([1.0, float("nan")], "non_finite", "returned a point holding nan at index 1"),
    (np.array([1.0, np.inf]), "non_finite", "returned a point holding inf at index 1"),
    ([1.0, FloatRaises()], "bad_number", "returned a point whose item 1 is a FloatRaises that claims to be a "
                                         "number, but float() of it raised ValueError: no value here"),
    ([1.0, FloatLies()], "bad_number", "FloatLies that claims to be a number"),
    ([LyingFloat(1.0), 2.0], "bad_number", "LyingFloat that claims to be a number"),
    ([[1.0, 2.0], [3.0, 4.0]], "unrecognised", "returned a point whose item 0 is [1.0, 2.0], not a real number"),
    (np.zeros((2, 1)), "unrecognised", "returned a point that is an array of shape (2, 1)"),
    ("1.0, 2.0", "unrecognised", "returned text '1.0, 2.0'"),
    ({"point": [1.0, 2.0]}, "unrecognised", "dict without an 'x' key: {'point': [1.0, 2.0]}"),
    (3.5, "scalar", "returned one value 3.5 for a 2-D objective"),
    ([1.0, "2.0"], "bad_number", "returned a point whose item 1 is '2.0', not a real number"),
    ([1.0, True], "bad_number", "is True, not a real number"),
    ([1.0, 2 ** 2000], "non_finite", "too large"),
    ({"x": [1.0], "fun": 0.0}, "wrong_length", "returned x of 1 numbers"),
    (object(), "unrecognised", "<object object>, not a sequence of numbers"),
])
def test_minimize_returns_that_are_not_points(raw, kind, says):
    described = describe_return(raw, "minimize", 2)
    assert described["kind"] == kind and described["x"] is None and described["fx"] is None
    assert says in described["error"]


def test_gradient_returns():
    assert describe_return(np.array([0.5, -1.0]), "gradient", 2) == {
        "kind": "vector", "x": [0.5, -1.0], "fx": None, "error": None}
    assert describe_return(-3.0, "gradient", 1)["x"] == [-3.0]
    article = describe_return(((601.0, 600.0), -1.5), "gradient", 2)
    assert article["kind"] == "point_and_difference" and article["x"] is None
    assert article["error"].startswith("returns a neighbouring point and a difference, not a gradient vector")
    none = describe_return(None, "gradient", 2)
    assert none["kind"] == "none" and "gradient must return the gradient vector" in none["error"]
    assert describe_return([1.0, 2.0, 3.0], "gradient", 2)["kind"] == "wrong_length"


def test_reading_the_return_that_raises_is_a_described_error():
    class Exploding:
        @property
        def x(self):
            raise RuntimeError("boom")

    described = describe_return(Exploding(), "minimize", 2)
    assert described["kind"] == "unrecognised"
    assert "<" in described["error"] and "Exploding object>" in described["error"]
    assert "RuntimeError: boom" in described["error"]


@pytest.mark.parametrize("raw", [list(range(10_000)), np.ones(5000), {"x": [float("inf")] * 300}, None])
def test_descriptions_are_plain_capped_json(raw):
    described = describe_return(raw, "minimize", 2)
    text = json.dumps(described, allow_nan=False)
    assert len(text) < 700
    assert set(described) == {"kind", "x", "fx", "error"}


def test_safe_repr_never_calls_candidate_repr():
    calls = []

    class Hostile:
        def __repr__(self):
            calls.append(1)
            return "x" * 10**6

        __str__ = __repr__

    class HostileList(list):
        def __repr__(self):
            calls.append(1)
            return "lie"

    text = safe_repr([Hostile(), {"k": Hostile()}, HostileList([1.0])])
    assert calls == []
    assert "Hostile object" in text and "HostileList[1.0]" in text and len(text) <= candidate.REPR_CAP + 3
    assert safe_repr(np.array([1.5, 2.5])) == "array([1.5, 2.5])"
    assert safe_repr(np.array([Hostile()], dtype=object)) == "<ndarray object>"
    assert math.isfinite(describe_return(np.float32(1.5), "minimize", 1)["x"][0])




def test_exception_text_never_runs_candidate_str_or_repr():
    calls = []

    class Payload:
        def __repr__(self):
            calls.append("repr")
            return "lie"

        __str__ = __repr__

    class Sneaky(Exception):
        def __str__(self):
            calls.append("str")
            return "lie"

    assert candidate.exception_text(Sneaky("plain words")) == "Sneaky: plain words"
    assert candidate.exception_text(Sneaky(Payload(), 3)) == "Sneaky: <Payload object>, 3"
    assert candidate.exception_text(KeyError(Payload())) == "KeyError: <Payload object>"
    assert candidate.exception_text(OSError(2, "gone", Payload())) == "FileNotFoundError: 2, 'gone'"
    assert calls == []
    assert candidate.exception_text(KeyError("x")) == "KeyError: 'x'"
    assert candidate.exception_text(FileNotFoundError(2, "No such file or directory", "objective.pkl")) == (
        "FileNotFoundError: [Errno 2] No such file or directory: 'objective.pkl'")
    assert candidate.exception_text(ValueError()) == "ValueError"
    assert len(candidate.exception_text(ValueError("v" * 5000))) < 250


def test_an_async_minimize_is_named_as_such():
    async def minimize(func, x0):
        return x0

    coroutine = minimize(None, [1.0, 2.0])
    try:
        described = describe_return(coroutine, "minimize", 2)
    finally:
        coroutine.close()
    assert described["kind"] == "coroutine" and "`async def`" in described["error"]

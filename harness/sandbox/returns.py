"""Child-side return checking and safe printing: what came back from candidate code, in plain words.

Runs inside the sandbox beside candidate.py (standard library only; numpy-like values by duck typing). Nothing
here calls a candidate's __repr__ or __str__; every result is plain JSON data.
"""

import math
import types
from typing import Any

REPR_CAP = 200


def exception_text(exc: BaseException) -> str:
    """"Type: message" for an exception without running the candidate's code: a built-in exception over plain
    arguments prints as Python would; anything else is shown from its arguments through safe_repr."""
    name = _type_name(exc)
    try:
        args = BaseException.__dict__["args"].__get__(exc)
        kind = type(exc)
        builtin = type.__dict__["__module__"].__get__(kind) == "builtins"
        extra = [OSError.__dict__[n].__get__(exc) for n in ("filename", "filename2")] if builtin and \
            isinstance(exc, OSError) else []
        if builtin and all(_plain(a) for a in list(args) + extra):
            message = str(exc)
        elif len(args) == 1 and type(args[0]) is str:
            message = args[0]
        else:
            message = ", ".join(safe_repr(a) for a in args)
    except Exception:
        message = "<the message could not be read>"
    if len(message) > REPR_CAP:
        message = message[:REPR_CAP] + "..."
    return f"{name}: {message}" if message else name


def _plain(value) -> bool:
    if type(value) is tuple:
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool, bytes)


class _Bad(Exception):
    """A return value that is not what was asked: `kind` names the problem, the message says what came back."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def describe_return(raw: Any, phase: str, dim: int) -> dict:
    """Classify what minimize/gradient returned: {"kind", "x", "fx", "error"}, all plain JSON values.

    `error` is None when the value is usable; `x` is then `dim` finite floats. Never raises.
    """
    try:
        if phase == "gradient":
            kind, x, fx = _gradient_shape(raw, dim)
        else:
            kind, x, fx = _minimize_shape(raw, dim)
        return {"kind": kind, "x": x, "fx": fx, "error": None}
    except _Bad as bad:
        return {"kind": bad.kind, "x": None, "fx": None, "error": str(bad)}
    except BaseException as exc:  # candidate code ran (tolist, __float__, __getattr__) and blew up
        return {"kind": "unrecognised", "x": None, "fx": None,
                "error": f"returned {safe_repr(raw)}, and reading it raised {exception_text(exc)}"}


def _minimize_shape(raw, dim: int) -> tuple:
    _reject_nothing(raw, "minimize")
    if isinstance(raw, dict):
        mapping = {k: v for k, v in dict.items(raw) if type(k) is str}
        if "x" not in mapping:
            raise _Bad("unrecognised", f"returned a dict without an 'x' key: {safe_repr(raw)}")
        fx = _optional_number(mapping.get("fun", mapping.get("fx", mapping.get("f"))))
        return "dict", _vector(mapping["x"], dim, "x"), fx
    if type(raw) not in (list, tuple) and not _is_number(raw) and not _is_array(raw):
        found, x = _attribute(raw, "x")  # scipy-style result objects, namedtuples with an x field
        if found:
            fx = next((v for has, v in (_attribute(raw, "fun"), _attribute(raw, "fx")) if has), None)
            return "object", _vector(x, dim, "x"), _optional_number(fx)
    pair = _sequence_items(raw) if isinstance(raw, (list, tuple)) else ()
    if len(pair) == 2:
        first, second = pair
        if _is_number(second) and (_is_sequence(first) or (dim == 1 and _is_number(first))):
            return "(x, fx)", _vector(first if _is_sequence(first) else [first], dim, "x"), _optional_number(second)
    if _is_number(raw):
        if dim == 1:
            return "scalar", _vector([raw], 1, "x"), None
        raise _Bad("scalar", f"returned one value {safe_repr(raw)} for a {dim}-D objective "
                             f"(f(x) rather than x?); minimize must return a point of {dim} numbers")
    return "x", _vector(raw, dim, "a point"), None


def _gradient_shape(raw, dim: int) -> tuple:
    _reject_nothing(raw, "gradient")
    pair = _sequence_items(raw) if isinstance(raw, (list, tuple)) else ()
    if len(pair) == 2:
        first, second = pair
        if _is_sequence(first) and _is_number(second):
            raise _Bad("point_and_difference",
                       "returns a neighbouring point and a difference, not a gradient vector: "
                       f"got {safe_repr(raw)}")
    if _is_number(raw):
        if dim == 1:
            return "scalar", _vector([raw], 1, "a gradient"), None
        raise _Bad("scalar", f"returned one value {safe_repr(raw)} for a {dim}-D objective; "
                             f"gradient must return {dim} partial derivatives")
    return "vector", _vector(raw, dim, "a gradient"), None


def _reject_nothing(raw, phase: str) -> None:
    if raw is None:
        what = "the point it found" if phase == "minimize" else "the gradient vector"
        raise _Bad("none", f"returned None; {phase} must return {what} (printing it is not enough)")
    if isinstance(raw, (str, bytes, bytearray)):
        raise _Bad("unrecognised", f"returned text {safe_repr(raw)}, not numbers")
    if isinstance(raw, types.CoroutineType):
        raise _Bad("coroutine", f"returned a coroutine: {phase} is `async def`; make it a plain function")


def _vector(obj, dim: int, what: str) -> list:
    """`dim` finite floats from a list/tuple/array-like, or _Bad saying what is wrong with it."""
    items = _items(obj, what)
    if len(items) != dim:
        raise _Bad("wrong_length", f"returned {what} of {len(items)} numbers, but the objective is {dim}-D: "
                                   f"got {safe_repr(obj)}")
    out = []
    for i, item in enumerate(items):
        number = _number(item, f"{what} whose item {i}")
        if not math.isfinite(number):
            raise _Bad("non_finite", f"returned {what} holding {number!r} at index {i}: got {safe_repr(obj)}")
        out.append(number)
    return out


def _items(obj, what: str) -> list:
    if _is_array(obj):
        shape = getattr(obj, "shape", None)
        if isinstance(shape, tuple) and len(shape) != 1:
            raise _Bad("unrecognised", f"returned {what} that is an array of shape {shape!r}, not a flat vector")
        listed = obj.tolist()
        if not isinstance(listed, list):
            raise _Bad("unrecognised", f"returned {what} whose tolist() gave {safe_repr(listed)}, not a list")
        return listed
    if isinstance(obj, (list, tuple)):
        return _sequence_items(obj)
    if hasattr(type(obj), "__next__"):
        raise _Bad("generator", f"returned a generator or iterator ({safe_repr(obj)}) as {what}: return the "
                                "values themselves, not something that yields them")
    if _is_sequence(obj):
        return list(obj)
    raise _Bad("unrecognised", f"returned {what} that is {safe_repr(obj)}, not a sequence of numbers")


def _number(item, what: str) -> float:
    if type(item) in (int, float):
        try:
            return float(item)
        except OverflowError:
            raise _Bad("non_finite", f"returned {what} is an integer too large for a float") from None
    if isinstance(item, (bool, str, bytes, complex)) or item is None or _is_sequence(item):
        kind = "unrecognised" if _is_sequence(item) else "bad_number"
        raise _Bad(kind, f"returned {what} is {safe_repr(item)}, not a real number")
    if not hasattr(type(item), "__float__"):
        raise _Bad("bad_number", f"returned {what} is {safe_repr(item)}, not a number")
    try:
        number = float(item)
    except BaseException as exc:
        raise _Bad("bad_number", f"returned {what} is a {_type_name(item)} that claims to be a number, but "
                                 f"float() of it raised {exception_text(exc)}") from None
    if type(number) is not float:
        raise _Bad("bad_number", f"returned {what} is a {_type_name(item)} whose float() gave a {_type_name(number)}")
    return number


def _optional_number(value) -> float | None:
    """fx as a finite float, or None when missing, not a number, or not finite (x is what gets graded)."""
    try:
        number = _number(value, "fx") if _is_number(value) else math.nan
    except _Bad:
        return None
    return number if math.isfinite(number) else None


def _is_array(obj) -> bool:
    """An ndarray-like value: has tolist() and shape (numpy arrays, array.array has tolist but no shape)."""
    kind = type(obj)
    return hasattr(kind, "tolist") and hasattr(kind, "shape") and not isinstance(obj, (list, tuple))


def _is_number(obj) -> bool:
    if isinstance(obj, (bool, str, bytes, complex)) or obj is None:
        return False
    if type(obj) in (int, float):
        return True
    if _is_array(obj):
        return getattr(obj, "shape", None) == ()
    return hasattr(type(obj), "__float__") and not _is_sequence(obj)


def _is_sequence(obj) -> bool:
    if isinstance(obj, (list, tuple)):
        return True
    if _is_array(obj):
        shape = getattr(obj, "shape", None)
        return isinstance(shape, tuple) and len(shape) >= 1
    kind = type(obj)
    return (hasattr(kind, "__len__") and hasattr(kind, "__getitem__")
            and not isinstance(obj, (str, bytes, bytearray, dict)))


def _sequence_items(seq) -> list:
    """Items of a list/tuple (subclasses included) through the base type, not the candidate's overrides."""
    base = list if isinstance(seq, list) else tuple
    return [base.__getitem__(seq, i) for i in range(base.__len__(seq))]


def _attribute(obj, name: str) -> tuple:
    try:
        return True, getattr(obj, name)
    except AttributeError:
        return False, None


def safe_repr(obj: Any, cap: int = REPR_CAP) -> str:
    """A short repr that runs no candidate code: builtins and numeric numpy values in full, others by type."""
    try:
        text = _repr(obj, 3)
    except Exception:
        text = f"<{_type_name(obj)} object>"
    return text if len(text) <= cap else text[:cap] + "..."


def _repr(obj, depth: int) -> str:
    kind = type(obj)
    if obj is None or kind in (bool, float):
        return repr(obj)
    if kind is int:
        return repr(obj) if obj.bit_length() < 200 else "<a huge int>"
    if kind in (str, bytes, bytearray):
        return repr(obj[:REPR_CAP])
    if depth <= 0:
        return "..."
    if isinstance(obj, (list, tuple)):
        items = _sequence_items(obj)
        inner = ", ".join(_repr(v, depth - 1) for v in items[:8]) + (", ..." if len(items) > 8 else "")
        text = f"[{inner}]" if isinstance(obj, list) else f"({inner}{',' if len(items) == 1 else ''})"
        return text if kind in (list, tuple) else f"{_type_name(obj)}{text}"
    if isinstance(obj, dict):
        pairs = list(dict.items(obj))
        inner = ", ".join(f"{_repr(k, depth - 1)}: {_repr(v, depth - 1)}" for k, v in pairs[:8])
        text = "{" + inner + (", ..." if len(pairs) > 8 else "") + "}"
        return text if kind is dict else f"{_type_name(obj)}({text})"
    if type.__dict__["__module__"].__get__(kind) == "numpy" and getattr(obj, "dtype", None) is not None \
            and obj.dtype.kind in "biuf":
        return repr(obj)  # numpy's own repr of numbers, summarised past 1000 items
    if isinstance(obj, types.GeneratorType):
        return f"<generator {obj.__name__}>" if type(obj.__name__) is str else "<generator>"
    return f"<{_type_name(obj)} object>"


def _type_name(obj) -> str:
    try:
        name = type.__dict__["__name__"].__get__(type(obj))
    except Exception:
        return "object"
    return name if type(name) is str else "object"

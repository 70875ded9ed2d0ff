"""Child-side helpers for running candidate code: tolerant import, call adapters, return checking.

Runs inside the sandbox only (the child entry script imports it from the same folder), so it uses the standard
library alone and never imports the harness or needs numpy. Everything it hands back is plain JSON data.
"""

import __future__
import ast
import importlib
import os
import sys
import types
from typing import Any, Callable

if __package__:  # imported by the grader's tests as harness.sandbox.candidate
    from .returns import REPR_CAP, _type_name, describe_return, exception_text, safe_repr
else:  # inside the sandbox the child files sit side by side as top-level modules
    from returns import REPR_CAP, _type_name, describe_return, exception_text, safe_repr

__all__ = ["REPR_CAP", "EntryLookupError", "PlanError", "call", "describe_return", "exception_text", "imported_modules",
           "load_entry", "resolve", "safe_repr", "start_import_audit"]

MODULE_NAME = "_candidate_submission"  # neutral sys.modules name for the entry file
_SOURCE_CAP = 80


class PlanError(Exception):
    """The call plan does not fit the request (a harness bug, not the candidate's fault)."""


class EntryLookupError(Exception):
    """The plan's target is missing from the loaded module or is not callable."""


def _make_audit() -> tuple:
    """Import recording shared through a closure, so no module global holds the record.

    Three witnesses, since each alone misses a path: the "import" audit event (cannot be removed, but
    importlib.import_module does not raise it), a finder first on sys.meta_path (sees importlib's imports too),
    and whatever is new in sys.modules when asked.
    """
    seen: set = set()
    baseline: set = set()
    started = [False]

    def record(name) -> None:
        if type(name) is str and name:
            seen.add(name)
            while "." in name:
                name = name.rpartition(".")[0]
                seen.add(name)

    def hook(event, args):
        if event == "import" and args:
            record(args[0])

    class _Recorder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            record(name)
            return None

    def start() -> None:
        if not started[0]:
            started[0] = True
            baseline.update(sys.modules)
            sys.addaudithook(hook)  # audit hooks cannot be removed once added
            sys.meta_path.insert(0, _Recorder)

    def modules() -> list:
        for name in list(sys.modules):
            if name not in baseline:
                record(name)
        return sorted(seen)

    return start, modules


start_import_audit, imported_modules = _make_audit()
start_import_audit.__doc__ = "Record every module imported from now on, by any route the candidate takes."
imported_modules.__doc__ = "Sorted names (top-level and dotted) of modules imported since start_import_audit()."


def load_entry(path: str) -> tuple[dict, list[str]]:
    """Execute the entry file statement by statement; a failing statement is skipped and noted by line.

    Returns (namespace, notes). SystemExit at top level is noted like a failure; any other BaseException that is
    not an Exception (KeyboardInterrupt, the evaluation budget) propagates.
    """
    path = os.path.abspath(path)
    with open(path, "rb") as fh:
        source_bytes = fh.read()
    source = source_bytes.decode("utf-8", errors="replace")
    tree = ast.parse(source_bytes, filename=path)  # a SyntaxError propagates: nothing can run
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = path
    sys.modules[MODULE_NAME] = module
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.isidentifier() and stem not in sys.modules and stem not in sys.stdlib_module_names:
        sys.modules[stem] = module  # a helper module doing `from solution import f` gets this same module
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    namespace = module.__dict__
    notes = []
    flags = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            for alias in stmt.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
        try:
            code = compile(ast.Module(body=[stmt], type_ignores=[]), path, "exec", flags=flags, dont_inherit=True)
            exec(code, namespace)
        except (Exception, SystemExit) as exc:
            verb = "exited" if isinstance(exc, SystemExit) else "failed"
            notes.append(f"line {stmt.lineno}: `{_statement_text(source, stmt)}` {verb} ({exception_text(exc)}); "
                         "graded without it")
    return namespace, notes


def _statement_text(source: str, stmt: ast.stmt) -> str:
    text = ast.get_source_segment(source, stmt) or ""
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else "?"
    if len(first) > _SOURCE_CAP or len(lines) > 1:
        first = first[:_SOURCE_CAP] + " ..."
    return first


def resolve(namespace: dict, plan: dict) -> Callable:
    """The callable the plan's target names: "name" or "Class.method" (the class built with no arguments)."""
    target = plan.get("target", "")
    parts = target.split(".") if isinstance(target, str) else []
    if not parts or not all(parts):
        raise PlanError(f"call plan target {target!r} is not a name or Class.method")
    if parts[0] not in namespace:
        raise EntryLookupError(f"`{parts[0]}` is not defined after loading the entry file "
                               "(if a top-level statement failed, see the load notes)")
    obj = namespace[parts[0]]
    for part in parts[1:]:
        if isinstance(obj, type):
            static = _static_attr(obj, part)
            if not isinstance(static, (staticmethod, classmethod)):
                obj = obj()  # candidate code: its exception is the candidate's error
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise EntryLookupError(f"`{target}`: the object has no attribute `{part}`") from None
    if not callable(obj):
        raise EntryLookupError(f"`{target}` is a {_type_name(obj)}, not a function")
    return obj


def _static_attr(cls: type, name: str):
    """`name` as stored in the class or a base, read without running the candidate's metaclass code."""
    for klass in type.__dict__["__mro__"].__get__(cls):
        found = type.__dict__["__dict__"].__get__(klass).get(name)
        if found is not None:
            return found
    return None


def call(fn: Callable, plan: dict, func: Callable, point: list | None, bounds: list | None) -> Any:
    """Call `fn` with plan["args"] roles positionally and plan["kwargs"] roles by name.

    Roles: "func" (the evaluation proxy), "x0"/"x" (`point`, passed as a fresh float64 numpy array when numpy
    is importable, else a list), "bounds" (a list of (lo, hi) tuples). With own_start, no start is passed.
    """
    roles = list(plan.get("args", ()))
    named = dict(plan.get("kwargs", {}))
    if plan.get("own_start") and ("x0" in roles or "x0" in named.values()):
        raise PlanError("call plan has own_start but also passes x0")

    def value(role):
        if role == "func":
            return func
        if role in ("x0", "x"):
            if point is None:
                raise PlanError(f"call plan passes {role} but the request has no point")
            return _as_array(point)
        if role == "bounds":
            if bounds is None:
                raise PlanError("call plan passes bounds but the request has none")
            return [(float(lo), float(hi)) for lo, hi in bounds]
        raise PlanError(f"unknown role {role!r} in call plan")

    args = [value(role) for role in roles]
    kwargs = {name: value(role) for name, role in named.items()}
    return fn(*args, **kwargs)


def _as_array(point):
    values = [float(v) for v in point]
    try:
        numpy = importlib.import_module("numpy")
    except ImportError:
        return values
    return numpy.array(values, dtype=numpy.float64)

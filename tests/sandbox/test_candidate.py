"""Child-side candidate helpers (harness/sandbox/candidate.py): tolerant loading, resolving, calling, the import
audit, on benign inputs written by the tests (tiny modules in tmp_path).

Hostile behaviour is tested only through the real sandbox (test_hostile*.py); return checking is in
test_candidate_returns.py.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from harness.sandbox import candidate
from harness.sandbox.candidate import (
    EntryLookupError,
    PlanError,
    call,
    load_entry,
    resolve,
)

CANDIDATE_PY = Path(candidate.__file__)


@pytest.fixture
def clean_import_state():
    """load_entry registers modules and a sys.path entry: undo both after each test."""
    modules, path = set(sys.modules), list(sys.path)
    yield
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.path[:] = path


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return str(path)


# ----------------------------------------------------------------------------------------------- load_entry


def test_failing_statement_is_skipped_and_noted_with_its_line(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", """\
        import pickle

        def minimize(func, x0):
            return x0

        obj = pickle.load(open('objective.pkl', 'rb'))
        AFTER = 1
        """)
    namespace, notes = load_entry(entry)
    assert callable(namespace["minimize"]) and namespace["AFTER"] == 1
    assert "obj" not in namespace
    assert len(notes) == 1
    assert notes[0].startswith("line 6: `obj = pickle.load(open('objective.pkl', 'rb'))` failed (FileNotFoundError: ")
    assert "objective.pkl" in notes[0] and notes[0].endswith("; graded without it")


def test_system_exit_is_a_note_and_later_statements_still_run(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", """\
        import sys
        sys.exit("usage: solution.py FILE")
        def minimize(func, x0):
            return x0
        """)
    namespace, notes = load_entry(entry)
    assert "minimize" in namespace
    assert notes == ["line 2: `sys.exit(\"usage: solution.py FILE\")` exited (SystemExit: usage: solution.py FILE); "
                     "graded without it"]


def test_keyboard_interrupt_at_import_propagates(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", "raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_entry(entry)


def test_syntax_error_propagates_with_its_line(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", "def minimize(func, x0):\n    if debug:\n    return x0\n")
    with pytest.raises(SyntaxError) as info:
        load_entry(entry)
    assert info.value.lineno == 3


def test_top_level_return_is_noted_not_fatal(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", "return 5\ndef minimize(func, x0):\n    return x0\n")
    namespace, notes = load_entry(entry)
    assert "minimize" in namespace
    assert notes[0].startswith("line 1: `return 5` failed (SyntaxError: 'return' outside function")


def test_module_has_file_and_a_neutral_name_so_main_blocks_do_not_run(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", """\
        NAME = __name__
        FILE = __file__
        if __name__ == "__main__":
            raise RuntimeError("demo code ran")
        """)
    namespace, notes = load_entry(entry)
    assert notes == []
    assert namespace["NAME"] == candidate.MODULE_NAME != "__main__"
    assert namespace["FILE"] == entry
    assert sys.modules[candidate.MODULE_NAME].__dict__ is namespace


def test_folder_helpers_import_and_see_the_same_entry_module(tmp_path, clean_import_state):
    _write(tmp_path, "steps.py", """\
        from solution import SCALE
        def step(x):
            return [v * SCALE for v in x]
        """)
    entry = _write(tmp_path, "solution.py", """\
        SCALE = 0.5
        from steps import step
        def minimize(func, x0):
            return step(x0)
        """)
    namespace, notes = load_entry(entry)
    assert notes == []
    assert namespace["minimize"](None, [2.0, 4.0]) == [1.0, 2.0]
    assert sys.modules["steps"].SCALE == 0.5


def test_entry_named_like_a_stdlib_module_does_not_shadow_it(tmp_path, clean_import_state):
    import random

    entry = _write(tmp_path, "random.py", "def minimize(func, x0):\n    return x0\n")
    load_entry(entry)
    assert sys.modules["random"] is random


def test_future_annotations_apply_to_later_statements(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", """\
        from __future__ import annotations
        def minimize(func: Objective, x0: Vector) -> Vector:
            return x0
        """)
    namespace, notes = load_entry(entry)
    assert notes == [] and "minimize" in namespace


def test_long_statement_text_is_cut_in_the_note(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", "data = [\n    1,\n    2,\n] + undefined_name\n")
    _, notes = load_entry(entry)
    assert notes[0].startswith("line 1: `data = [ ...` failed (NameError: name 'undefined_name' is not defined)")


# ----------------------------------------------------------------------------------------------- resolve


def test_resolve_function_and_class_method(tmp_path, clean_import_state):
    entry = _write(tmp_path, "solution.py", """\
        BUILT = []
        def minimize(func, x0):
            return "function"
        class Optimizer:
            def __init__(self):
                BUILT.append(1)
            def minimize(self, func, x0):
                return "method"
        class Tools:
            def __init__(self, required):
                raise AssertionError("must not be built for a staticmethod")
            @staticmethod
            def gradient(func, x):
                return "static"
        """)
    namespace, _ = load_entry(entry)
    assert resolve(namespace, {"target": "minimize"})(None, None) == "function"
    assert resolve(namespace, {"target": "Optimizer.minimize"})(None, None) == "method"
    assert namespace["BUILT"] == [1]
    assert resolve(namespace, {"target": "Tools.gradient"})(None, None) == "static"


def test_resolve_missing_or_not_callable_names_the_target(tmp_path, clean_import_state):
    namespace = {"minimize": 3, "Optimizer": type("Optimizer", (), {})}
    with pytest.raises(EntryLookupError, match="`gradient` is not defined.*load notes"):
        resolve(namespace, {"target": "gradient"})
    with pytest.raises(EntryLookupError, match="is a int, not a function"):
        resolve(namespace, {"target": "minimize"})
    with pytest.raises(EntryLookupError, match="no attribute `minimize`"):
        resolve(namespace, {"target": "Optimizer.minimize"})
    with pytest.raises(PlanError):
        resolve(namespace, {"target": "a..b"})


# ----------------------------------------------------------------------------------------------- call


def _recorder(*args, **kwargs):
    return args, kwargs


def test_call_applies_roles_positionally_and_by_name():
    def func(x):
        return 0.0

    plan = {"target": "minimize", "args": ["x0", "func"], "kwargs": {"box": "bounds"}, "own_start": False}
    (x0, f), kwargs = call(_recorder, plan, func, [1, 2.5], [[-1, 1], [-2, 2]])
    assert f is func
    assert isinstance(x0, np.ndarray) and x0.dtype == np.float64 and x0.tolist() == [1.0, 2.5]
    assert kwargs == {"box": [(-1.0, 1.0), (-2.0, 2.0)]}


def test_call_gives_a_fresh_array_each_time():
    point = [1.0, 2.0]
    (first,), _ = call(_recorder, {"args": ["x"]}, None, point, None)
    first[0] = 99.0
    (second,), _ = call(_recorder, {"args": ["x"]}, None, point, None)
    assert point == [1.0, 2.0] and second.tolist() == [1.0, 2.0]


def test_call_own_start_passes_no_point():
    args, kwargs = call(_recorder, {"args": ["func"], "own_start": True}, "F", None, None)
    assert args == ("F",) and kwargs == {}


@pytest.mark.parametrize("plan, point, message", [
    ({"args": ["func", "x0"], "own_start": True}, [1.0], "own_start"),
    ({"args": ["func", "x0"]}, None, "no point"),
    ({"args": ["func", "bounds"]}, [1.0], "none"),
    ({"args": ["func", "step"]}, [1.0], "unknown role"),
])
def test_call_rejects_plans_that_do_not_fit(plan, point, message):
    with pytest.raises(PlanError, match=message):
        call(_recorder, plan, None, point, None)


# ----------------------------------------------------------------------------------------------- import audit


def test_import_audit_records_top_level_and_dotted_names(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "inner.py").write_text("import colorsys\n")
    script = textwrap.dedent(f"""\
        import importlib, importlib.util, json, sys
        sys.path.insert(0, {str(CANDIDATE_PY.parent)!r})  # as in the sandbox: child files side by side
        spec = importlib.util.spec_from_file_location("candidate", {str(CANDIDATE_PY)!r})
        cand = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cand)
        import wave                   # before the audit starts: not recorded
        cand.start_import_audit()
        cand.start_import_audit()     # idempotent
        sys.path.insert(0, {str(tmp_path)!r})
        import mypkg.inner
        __import__("xml.dom.minidom")
        importlib.import_module("sched")   # importlib raises no "import" audit event: the finder sees it
        exec(compile("import html.parser", "<x>", "exec"))
        print(json.dumps(cand.imported_modules()))
        """)
    proc = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    names = json.loads(proc.stdout)
    assert names == sorted(names)
    for expected in ("mypkg", "mypkg.inner", "colorsys", "xml", "xml.dom", "xml.dom.minidom", "sched", "html.parser"):
        assert expected in names
    assert "wave" not in names
    assert not any(isinstance(v, set) for v in vars(candidate).values())



def test_candidate_module_needs_only_the_standard_library():
    """It is copied with returns.py into the sandbox beside child.py: no harness import, numpy only if present."""
    import ast

    for path in (CANDIDATE_PY, CANDIDATE_PY.with_name("returns.py")):
        tree = ast.parse(path.read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module and not node.level}
        imported -= {"returns"}  # its sibling, side by side in the sandbox
        assert imported <= set(sys.stdlib_module_names), (path.name, imported - set(sys.stdlib_module_names))
    script = (f"import sys; sys.path.insert(0, {str(CANDIDATE_PY.parent)!r}); import candidate; "
              "print(candidate.describe_return([1.5], 'minimize', 1)['x'], 'numpy' in sys.modules, "
              "candidate.call(lambda x: type(x).__name__, {'args': ['x']}, None, [1], None))")
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[1.5]", "False", "list"]  # without numpy, points arrive as lists

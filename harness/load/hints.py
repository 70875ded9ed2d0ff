"""Static hints for the diagnosis: shapes of code that usually go wrong, read from the syntax tree.

None of these reject anything; each is a note ("may", "looks like") that the run then confirms or not:
a gradient returning `(point, difference)`, code that indexes only `x[0]` and `x[1]`, a minimize with a fixed
start of its own, a minimize that prints its answer instead of returning it, an import-time `open()` of a
file the sandbox will not have, an import-time import of a package that is not installed (looked up with
`importlib.util.find_spec`, which finds without importing).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys

from harness.load.scan import FuncInfo, ModuleScan
from harness.results import CallPlan, Phase

_POINTISH = re.compile(r"point|pos|neigh|best|new|next|cur|^x|^p$|^pt")
_DIFFISH = re.compile(r"diff|delta|change|improv|step|gain|drop|^d")
_ANSWERISH = re.compile(r"(?i)minim|result|answer|optim|best|solution")
_LOADERS = {"open", "load", "loadtxt", "genfromtxt", "read_csv", "read_pickle", "fromfile"}


def _missing_package(stmt: ast.stmt, local: set[str]) -> str:
    """The top-level package an import statement names that cannot be found (never imports it)."""
    if isinstance(stmt, ast.Import):
        names = [a.name.split(".")[0] for a in stmt.names]
    elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
        names = [stmt.module.split(".")[0]]
    else:
        return ""
    for name in names:
        if name in local or name in sys.builtin_module_names or name in sys.stdlib_module_names:
            continue
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return ""


def _own_body(node: ast.AST) -> list[ast.AST]:
    """Every node inside a function, but not inside the functions or classes it defines."""
    out: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(node))
    while todo:
        child = todo.pop()
        out.append(child)
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(child))
    return sorted(out, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _segment(scan: ModuleScan, node: ast.AST, limit: int = 60) -> str:
    text = ast.get_source_segment(scan.parsed.text, node) or ast.unparse(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def function_hints(info: FuncInfo, plan: CallPlan, phase: Phase, scan: ModuleScan) -> list[str]:
    """Notes about one planned function, each naming the line it rests on."""
    if info.node is None:
        return []
    body = _own_body(info.node)
    notes: list[str] = []
    label = info.target
    if phase is Phase.GRADIENT:
        pair = _pair_return(body)
        if pair is not None:
            notes.append(f"{label} returns a pair `{_segment(scan, pair)}` ({scan.parsed.where(pair.lineno)}): "
                         "it looks like a neighbouring point and a difference, not a gradient vector; the run "
                         "checks what comes back")
    point_param = _point_param(info, plan)
    two = _two_inputs(body, point_param)
    if two:
        name, line = two
        notes.append(f"{label} indexes {name}[0] and {name}[1] only ({scan.parsed.where(line)}): may assume "
                     "two inputs")
    if phase is Phase.MINIMIZE:
        if plan.own_start:
            start = _start_literal(body)
            if start is not None:
                notes.append(f"{label} starts at {_segment(scan, start)} ({scan.parsed.where(start.lineno)}) "
                             "whatever the objective")
        printed = _prints_instead(info.node, body)
        if printed is not None:
            notes.append(f"{label} returns no value and prints `{_segment(scan, printed)}` "
                         f"({scan.parsed.where(printed.lineno)}): a printed answer cannot be graded; return the point")
    return notes


def _pair_return(body: list[ast.AST]) -> ast.Tuple | None:
    """A `return (a, b)` that looks like (point, difference) rather than two partial derivatives."""
    for node in body:
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
            first, second = node.value.elts
            names = [_name_of(first), _name_of(second)]
            looks_point = isinstance(first, (ast.Tuple, ast.List)) or _POINTISH.search(names[0] or "") is not None
            looks_diff = _DIFFISH.search(names[1] or "") is not None or (
                isinstance(second, ast.BinOp) and isinstance(second.op, ast.Sub))
            if looks_point and (looks_diff or isinstance(first, (ast.Tuple, ast.List))):
                return node.value
    return None


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Call):
        return _name_of(node.func) if not node.args else _name_of(node.args[0])
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    return None


def _point_param(info: FuncInfo, plan: CallPlan) -> str | None:
    node = info.node
    if node is None or plan.own_start:
        return None
    names = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
    if info.owner is not None and not info.static:
        names = names[1:]
    point = "x0" if "x0" in plan.args or "x0" in plan.kwargs.values() else "x"
    if point in plan.args:
        index = plan.args.index(point)
        return names[index] if index < len(names) else None
    return next((k for k, v in plan.kwargs.items() if v == point), None)


def _two_inputs(body: list[ast.AST], only: str | None) -> tuple[str, int] | None:
    """(name, line) when some vector is read only as name[0] and name[1] (or unpacked into two names)."""
    indices: dict[str, set[int]] = {}
    first_line: dict[str, int] = {}
    generic: set[str] = set()
    for node in body:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            name, index = node.value.id, node.slice
            if isinstance(index, ast.Constant) and type(index.value) is int:
                indices.setdefault(name, set()).add(index.value)
                first_line.setdefault(name, node.lineno)
            else:
                generic.add(name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("len", "enumerate",
                                                                                                 "range", "zip"):
            generic.update(a.id for a in node.args if isinstance(a, ast.Name))
        elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, ast.Name):
            generic.add(node.iter.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr in ("shape", "size"):
            generic.add(node.value.id)
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Tuple) and len(node.targets[0].elts) == 2):
            indices.setdefault(node.value.id, set()).update({0, 1})
            first_line.setdefault(node.value.id, node.lineno)
    for name in sorted(indices, key=lambda n: first_line[n]):
        if (only is None or name == only) and name not in generic and indices[name] == {0, 1}:
            return name, first_line[name]
    return None


def _start_literal(body: list[ast.AST]) -> ast.AST | None:
    """The first assignment of a literal point (`point = (600, 600)`, `x, y = 600, 600`) in the function."""
    for node in body:
        if isinstance(node, ast.Assign) and _is_point_literal(node.value):
            return node.value
    return None


def _is_point_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and node.args and len(node.args) == 1:  # np.array([600, 600])
        node = node.args[0]
    if not isinstance(node, (ast.Tuple, ast.List)) or not node.elts:
        return False
    return all(isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool)
               or isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant) for e in node.elts)


def _prints_instead(fn: ast.AST, body: list[ast.AST]) -> ast.Call | None:
    """The print that looks like the answer (else the first) when the function never returns a value."""
    if isinstance(fn, ast.Lambda):
        return None
    if any(isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom)) and getattr(n, "value", None) is not None
           and not (isinstance(n.value, ast.Constant) and n.value.value is None) for n in body):
        return None
    prints = [n for n in body if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"]
    answers = [n for n in prints if _ANSWERISH.search(ast.dump(n))]
    return (answers or prints or [None])[0]


def module_hints(scan: ModuleScan, staged: set[str], unstaged: set[str]) -> list[str]:
    """Import-time statements bound to fail in the sandbox: missing packages, reads of absent files."""
    notes: list[str] = []
    assert scan.parsed.tree is not None
    folder = scan.rel.rsplit("/", 1)[0] + "/" if "/" in scan.rel else ""
    local = {rel.rsplit("/", 1)[-1][:-3] for rel in staged} | {rel.split("/", 1)[0] for rel in staged}
    for stmt in scan.parsed.tree.body:  # one top-level statement fails as a whole: a try/if may handle it
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.Try, ast.For,
                             ast.While)) or type(stmt).__name__ == "TryStar":
            continue
        missing = _missing_package(stmt, local)
        if missing:
            notes.append(f"{scan.parsed.where(stmt.lineno)} imports {missing}, which is not installed for the "
                         "grader's Python: that import will fail when loaded and is skipped")
        for node in ast.walk(stmt):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            name = node.args[0].value
            if callee not in _LOADERS or not name or "\n" in name:
                continue
            rel = (folder + name.lstrip("./")) if not name.startswith("/") else name
            if rel in staged:
                continue
            why = "is in the submission but not staged (only Python files are)" if rel in unstaged else \
                "is not in the submission"
            notes.append(f"{scan.parsed.where(node.lineno)} reads '{name}', which {why}: that statement will "
                         "fail when loaded and is skipped (the grader passes the objective as func)")
    return notes

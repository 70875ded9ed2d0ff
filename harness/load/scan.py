"""What a parsed module defines where an importer would see it: functions, classes, aliases, imported names.

Only statements that run on import count: the top level and the blocks of top-level `if`/`try`/`with`/`for`,
not `if __name__ == "__main__":` (the sandbox does not run it) and not function bodies (those names are
recorded as nested, to say where a misplaced `minimize` is).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from harness.load.names import gradient_rank, minimize_rank
from harness.load.source import Parsed

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(frozen=True)
class FuncInfo:
    """A callable the entry module offers: a function, an alias of one, a lambda, or a method of a class."""

    name: str  # the name the plan's target uses ("minimize" or "method")
    target: str  # CallPlan.target: "minimize" or "Class.method"
    node: FunctionNode | None  # None for names imported from outside the submission
    line: int
    rel: str  # the file that defines it
    owner: ast.ClassDef | None = None
    static: bool = False  # staticmethod: no self to drop
    imported_from: str = ""  # "scipy.optimize" for `from scipy.optimize import minimize`
    alias_of: str = ""  # "my_minimize" for `minimize = my_minimize`
    built_by: str = ""  # "functools.partial(...)" for `minimize = functools.partial(...)`: signature unseen


@dataclass
class ModuleScan:
    """Everything of interest in one module, found without running it."""

    parsed: Parsed
    functions: dict[str, FuncInfo] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # name -> (module, attr, line)
    nested: dict[str, str] = field(default_factory=dict)  # name -> "inside main() (line 3)"
    main_only: dict[str, int] = field(default_factory=dict)  # defined only under __main__: name -> line
    assigned: dict[str, int] = field(default_factory=dict)  # names bound to a non-function value: name -> line

    @property
    def rel(self) -> str:
        return self.parsed.rel

    def defined(self) -> list[str]:
        """Top-level names a reader would call definitions, for messages ("it defines: ...")."""
        names = [n for n, f in self.functions.items() if f.node is not None and f.owner is None]
        names += [f"class {c}" for c in self.classes]
        return names


def scan_module(parsed: Parsed) -> ModuleScan:
    """Collect a parsed module's import-time definitions."""
    scan = ModuleScan(parsed)
    assert parsed.tree is not None
    for stmt in import_time_statements(parsed.tree.body, scan):
        _take(stmt, scan)
    return scan


def _is_main_guard(stmt: ast.stmt) -> bool:
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def import_time_statements(body: list[ast.stmt], scan: ModuleScan | None = None) -> list[ast.stmt]:
    """The statements of `body` that run on import, flattened through if/try/with/for blocks."""
    out: list[ast.stmt] = []
    for stmt in body:
        if _is_main_guard(stmt):
            for inner in ast.walk(stmt):
                if scan is not None and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    scan.main_only.setdefault(inner.name, inner.lineno)
            out.extend(import_time_statements(stmt.orelse, scan))
        elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.AsyncWith)):
            out.extend(import_time_statements(stmt.body + getattr(stmt, "orelse", []), scan))
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            blocks = stmt.body + stmt.orelse + stmt.finalbody + [s for h in stmt.handlers for s in h.body]
            out.extend(import_time_statements(blocks, scan))
        else:
            out.append(stmt)
    return out


def _take(stmt: ast.stmt, scan: ModuleScan) -> None:
    rel = scan.rel
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scan.functions[stmt.name] = FuncInfo(stmt.name, stmt.name, stmt, stmt.lineno, rel)
        for inner in ast.walk(stmt):
            if inner is not stmt and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scan.nested.setdefault(inner.name, f"inside {stmt.name}() (line {inner.lineno})")
    elif isinstance(stmt, ast.ClassDef):
        scan.classes[stmt.name] = stmt
    elif isinstance(stmt, ast.Import):
        for alias in stmt.names:
            scan.imports[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0], "", stmt.lineno)
    elif isinstance(stmt, ast.ImportFrom):
        module = "." * stmt.level + (stmt.module or "")
        for alias in stmt.names:
            if alias.name != "*":
                local = alias.asname or alias.name
                scan.imports[local] = (module, alias.name, stmt.lineno)
                if minimize_rank(local) is not None or gradient_rank(local) is not None:
                    scan.functions[local] = FuncInfo(local, local, None, stmt.lineno, rel,
                                                     imported_from=module.lstrip(".") or module)
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        name, value = stmt.targets[0].id, stmt.value
        if isinstance(value, ast.Lambda):
            scan.functions[name] = FuncInfo(name, name, value, stmt.lineno, rel)
        elif isinstance(value, ast.Name) and value.id in scan.functions:
            original = scan.functions[value.id]
            scan.functions[name] = FuncInfo(name, name, original.node, stmt.lineno, rel,
                                            imported_from=original.imported_from, alias_of=value.id)
        elif isinstance(value, (ast.Call, ast.Attribute)) and (minimize_rank(name) is not None
                                                              or gradient_rank(name) is not None):
            made = ast.unparse(value.func if isinstance(value, ast.Call) else value)
            scan.functions[name] = FuncInfo(name, name, None, stmt.lineno, rel,
                                            built_by=made + ("(...)" if isinstance(value, ast.Call) else ""))
        else:
            scan.assigned[name] = stmt.lineno


def methods(cls: ast.ClassDef, rel: str) -> dict[str, FuncInfo]:
    """A class's methods (defined in file `rel`) as FuncInfo with target "Class.method"."""
    found: dict[str, FuncInfo] = {}
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = {d.id for d in stmt.decorator_list if isinstance(d, ast.Name)}
            found[stmt.name] = FuncInfo(stmt.name, f"{cls.name}.{stmt.name}", stmt, stmt.lineno, rel,
                                        owner=cls, static="staticmethod" in decorators)
    return found


def constructor_problem(cls: ast.ClassDef, scan: ModuleScan, depth: int = 0) -> str:
    """Why `cls()` with no arguments would fail, or "" when it looks constructible."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is not None:
        a = init.args
        positional = a.posonlyargs + a.args
        required = [p.arg for p in positional[1: len(positional) - len(a.defaults)]]
        required += [p.arg for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is None]
        if required:
            return (f"class {cls.name} needs constructor arguments ({', '.join(required)}), but the grader "
                    f"builds it with none (line {init.lineno}); give them defaults or add module-level functions")
        return ""
    if any(isinstance(d, ast.Name) and d.id == "dataclass" or isinstance(d, ast.Call) and
           getattr(d.func, "id", "") == "dataclass" for d in cls.decorator_list):
        needed = [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and s.value is None
                  and isinstance(s.target, ast.Name)]
        if needed:
            return (f"dataclass {cls.name} needs fields ({', '.join(needed)}) to be built, but the grader builds "
                    "it with none; give them defaults")
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in scan.classes and depth < 10:
            problem = constructor_problem(scan.classes[base.id], scan, depth + 1)
            if problem:
                return problem
    return ""

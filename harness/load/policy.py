"""Static from-scratch policy: library optimizers the candidate's code imports, found in the syntax tree.

Seen anywhere in a file (inside functions too): `import scipy.optimize`, `from scipy import optimize`,
`import scipy as sp` then `sp.optimize.minimize`, `importlib.import_module("scipy.optimize")`,
`__import__("scipy", fromlist=["optimize"])`, and `exec`/`eval` of a literal string that does any of these.
A computed module name cannot be read statically: the child's run-time import audit covers it. A module the
submission itself provides (its own `cma.py`) is not flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

from harness.load.source import Parsed, parse
from harness.results import PolicyFlag

# Library optimizers and numerical-derivative packages a from-scratch take-home should not call.
DEFAULT_FORBIDDEN: tuple[str, ...] = (
    "scipy.optimize", "torch.optim", "jax.scipy.optimize", "jax.example_libraries.optimizers",
    "jax.experimental.optimizers", "optax", "jaxopt", "tensorflow.optimizers", "tensorflow.keras.optimizers",
    "keras.optimizers", "tensorflow.compat.v1.train", "nevergrad", "cma", "optuna", "skopt", "hyperopt",
    "bayes_opt", "pyswarms", "pyswarm", "pymoo", "pygmo", "nlopt", "sklearn.gaussian_process", "GPyOpt",
    "botorch", "ax", "platypus", "deap", "zoopt", "pybobyqa", "pdfo", "cyipopt", "ipopt", "lmfit", "mystic",
    "sko", "numdifftools",
)
MAX_FLAGS = 50


def static_policy_flags(code_dir: Path, entry: str,
                        forbidden: tuple[str, ...] = DEFAULT_FORBIDDEN) -> tuple[PolicyFlag, ...]:
    """Flags for the staged .py files under `code_dir` (grader-owned), the entry file's first."""
    parsed = {}
    for path in sorted(Path(code_dir).rglob("*.py")):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(code_dir).as_posix()
            parsed[rel] = parse(rel, path.read_bytes())
    return flags_for(parsed, entry, forbidden)


def flags_for(parsed: dict[str, Parsed], entry: str, forbidden: tuple[str, ...]) -> tuple[PolicyFlag, ...]:
    """Flags for already-parsed files; files the entry never imports say so in their evidence."""
    local = _local_modules(parsed)
    reached = _reachable(parsed, entry, local)
    seen: set[tuple[str, str]] = set()
    flags: list[PolicyFlag] = []
    order = sorted(parsed, key=lambda rel: (rel != entry, rel))
    for rel in order:
        suffix = "" if rel in reached else " (in a file the entry does not import)"
        for line, verb, module in _uses(parsed[rel], forbidden, local):
            place = parsed[rel].where(line)
            if (place, module) not in seen:
                seen.add((place, module))
                flags.append(PolicyFlag("from_scratch", f"{place} {verb} {module}{suffix}"))
    return tuple(flags[:MAX_FLAGS])


def _matched(module: str, forbidden: tuple[str, ...]) -> str:
    """The forbidden entry `module` falls under ("" when none)."""
    return next((f for f in forbidden if module == f or module.startswith(f + ".")), "")


def _matches(module: str, forbidden: tuple[str, ...], local: set[str]) -> bool:
    if not module or module.startswith(".") or module.split(".")[0] in local:
        return False
    return any(module == f or module.startswith(f + ".") for f in forbidden)


def _uses(parsed: Parsed, forbidden: tuple[str, ...], local: set[str]) -> list[tuple[int, str, str]]:
    """(line, verb, module) for each forbidden import or use in one file."""
    if parsed.tree is None:
        return _uses_by_text(parsed.text, forbidden, local)
    return _uses_in_tree(parsed.tree, forbidden, local, 0, 0)


def _uses_in_tree(tree: ast.AST, forbidden: tuple[str, ...], local: set[str], offset: int,
                  depth: int) -> list[tuple[int, str, str]]:
    found: list[tuple[int, str, str]] = []
    bound: dict[str, str] = {}  # local name -> module it stands for

    def hit(line: int, verb: str, module: str) -> None:
        if _matches(module, forbidden, local):
            found.append((line + offset, verb, module))

    nodes = list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                hit(node.lineno, "imports", alias.name)
                bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            hit(node.lineno, "imports", node.module)
            for alias in node.names:
                if alias.name != "*":
                    full = f"{node.module}.{alias.name}"
                    if not _matches(node.module, forbidden, local):
                        hit(node.lineno, "imports", full)
                    bound[alias.asname or alias.name] = full
    imported = {_matched(m, forbidden) for _, _, m in found}
    for node in nodes:
        if isinstance(node, ast.Call):
            found.extend(_dynamic(node, bound, forbidden, local, offset, depth))
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node, bound)
            if dotted and _matches(dotted, forbidden, local) and _matched(dotted, forbidden) not in imported:
                found.append((node.lineno + offset, "uses", _matched(dotted, forbidden)))
    return found


def _dotted(node: ast.AST, bound: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    return ".".join([bound[node.id]] + parts[::-1])


def _dynamic(call: ast.Call, bound: dict[str, str], forbidden: tuple[str, ...], local: set[str], offset: int,
             depth: int) -> list[tuple[int, str, str]]:
    """importlib.import_module / __import__ / exec / eval with literal strings."""
    name = call.func.id if isinstance(call.func, ast.Name) else _dotted(call.func, bound) or ""
    target = bound.get(name, name) if isinstance(call.func, ast.Name) else name
    literal = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) and \
        isinstance(call.args[0].value, str) else None
    if literal is None:
        return []
    line = call.lineno + offset
    out: list[tuple[int, str, str]] = []
    if target in ("importlib.import_module", "import_module"):
        out.append((line, "imports", literal))
    elif target in ("__import__", "importlib.__import__", "builtins.__import__"):
        out.append((line, "imports", literal))
        fromlist = next((k.value for k in call.keywords if k.arg == "fromlist"), call.args[3] if len(call.args) > 3
                        else None)
        if isinstance(fromlist, (ast.List, ast.Tuple)):
            out += [(line, "imports", f"{literal}.{e.value}") for e in fromlist.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    elif target in ("exec", "eval") and depth < 3:
        inner = parse("<string>", literal.encode("utf-8", "surrogatepass")).tree
        if inner is None:
            return []
        return [(call.lineno + offset, verb, f"{m} (in a string passed to {target})") for _, verb, m in
                _uses_in_tree(inner, forbidden, local, 0, depth + 1)]
    return [(ln, "imports", f"{m} via {target}") for ln, _, m in out if _matches(m, forbidden, local)]


def _uses_by_text(text: str, forbidden: tuple[str, ...], local: set[str]) -> list[tuple[int, str, str]]:
    """For a file that does not parse: import statements read line by line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.replace(",", " ").split()
        if len(words) >= 2 and words[0] == "import":
            found += [(number, "imports", w) for w in words[1:] if w != "as" and _matches(w, forbidden, local)]
        elif len(words) >= 4 and words[0] == "from" and words[2] == "import":
            mods = [words[1]] + [f"{words[1]}.{w.strip('()')}" for w in words[3:]]
            found += [(number, "imports", m) for m in mods[:1] + mods[1:] if _matches(m, forbidden, local)][:1]
    return found


def _local_modules(parsed: dict[str, Parsed]) -> set[str]:
    """Top-level module and package names the submission provides itself."""
    names = set()
    for rel in parsed:
        parts = rel[:-3].split("/")
        names.update(parts[-1:] + parts[:1])  # a module beside the entry, or a top folder used as a package
    return names


def _reachable(parsed: dict[str, Parsed], entry: str, local: set[str]) -> set[str]:
    """The files the entry imports, directly or through other local files (by module name)."""
    by_name: dict[str, list[str]] = {}
    for rel in parsed:
        stem = rel[:-3]
        for key in {stem.split("/")[-1], stem.replace("/", "."), stem.rsplit("/__init__", 1)[0].replace("/", ".")}:
            by_name.setdefault(key, []).append(rel)
    reached, todo = {entry}, [entry]
    while todo:
        current = todo.pop()
        tree = parsed[current].tree if current in parsed else None
        if tree is None:
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] + [f"{node.module}.{a.name}" if node.module else a.name for a in node.names] \
                if isinstance(node, ast.ImportFrom) else []
            for name in names:
                for rel in by_name.get(name, []) + by_name.get(name.split(".")[-1], []):
                    if rel not in reached:
                        reached.add(rel)
                        todo.append(rel)
    return reached

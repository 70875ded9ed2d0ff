"""The grading rubric: a versioned YAML file, validated with messages that name the file, line, field and fix."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import RubricError
from harness.load.policy import DEFAULT_FORBIDDEN
from harness.sandbox.policy import Policy

RUBRIC_SCHEMA_VERSION = 1
CRITERIA = ("correctness", "efficiency", "escape", "gradient", "robustness")
KIND_TAGS = ("smooth", "ill-conditioned", "deceptive", "multimodal", "noisy", "non-smooth", "take-home-2d")
DEFAULT_WEIGHTS = {"correctness": 35.0, "efficiency": 15.0, "escape": 15.0, "gradient": 15.0, "robustness": 20.0}
FROM_SCRATCH_MODES = ("off", "flag", "cap:<score>", "zero")


@dataclass(frozen=True)
class Rubric:
    """A validated rubric; `hash` is the sha256 of the file's bytes, `lines` maps fields to source lines."""

    path: Path
    hash: str
    description: str = ""
    objectives: tuple[str, ...] = ()  # names or kind tags; () selects every objective of the bank
    starts_per_objective: int = 3
    local_basin_starts: int = 2
    seeds: tuple[int, ...] = (0,)
    budget_per_dim: int = 2000
    budget_minimum: int = 2000
    budget_overrides: dict[str, int] = field(default_factory=dict)
    wall_s: float = 60.0
    cpu_s: float = 60.0
    memory_mb: int = 1024
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    targets: dict[str, float] = field(default_factory=dict)
    gradient_probes: int = 3
    allow_bounds: bool = False
    from_scratch: str = "flag"  # "off" | "flag" | "cap" | "zero"
    from_scratch_cap: float | None = None  # the cap (0..100) when from_scratch == "cap"
    forbidden_modules: tuple[str, ...] = DEFAULT_FORBIDDEN
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def policy(self) -> Policy:
        """The sandbox limits for one call into candidate code."""
        return Policy(wall_s=self.wall_s, cpu_s=self.cpu_s, memory_mb=self.memory_mb)

    def budget_for(self, entry: Any) -> int:
        """Evaluations allowed per minimize call: the override, else max(minimum, per_dim x dim)."""
        if entry.name in self.budget_overrides:
            return self.budget_overrides[entry.name]
        return max(self.budget_minimum, self.budget_per_dim * entry.dim)

    def target_for(self, entry: Any) -> float:
        """The success threshold on the noise-free gap f - f*: the rubric's override, else the bank's."""
        return float(self.targets.get(entry.name, entry.target))

    def gradient_budget(self, entry: Any) -> int:
        """Evaluations one gradient call may use: generous (20 x a central difference)."""
        return max(100, 40 * entry.dim + 20)

    def where(self, key: str) -> str:
        """'FILE, line N' for a field (or just the file when the field was not written)."""
        line = self.lines.get(key)
        return f"{self.path}, line {line}" if line else str(self.path)

    def to_json(self) -> dict[str, Any]:
        """The rubric as plain data (what results.json records next to the hash)."""
        return {
            "path": str(self.path), "hash": self.hash, "description": self.description,
            "objectives": list(self.objectives) or "all", "starts_per_objective": self.starts_per_objective,
            "local_basin_starts": self.local_basin_starts, "seeds": list(self.seeds),
            "budget": {"per_dim": self.budget_per_dim, "minimum": self.budget_minimum,
                       "overrides": dict(sorted(self.budget_overrides.items()))},
            "limits": {"wall_s": self.wall_s, "cpu_s": self.cpu_s, "memory_mb": self.memory_mb},
            "weights": dict(self.weights), "targets": dict(sorted(self.targets.items())),
            "gradient_probes": self.gradient_probes, "allow_bounds": self.allow_bounds,
            "policies": {"from_scratch": self.from_scratch_text(), "forbidden_modules": list(self.forbidden_modules)},
        }

    def from_scratch_text(self) -> str:
        return f"cap:{self.from_scratch_cap:g}" if self.from_scratch == "cap" else self.from_scratch


# ---------------------------------------------------------------- reading with line numbers
class _Reader:
    """Walks the composed YAML tree so every complaint can name its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[str, int] = {}

    def fail(self, node: yaml.Node | None, key: str, problem: str, fix: str) -> RubricError:
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        what = f"field `{key}`" if key else "the rubric"
        return RubricError(f"{self.path}{line}: {what} {problem}; {fix}")

    def mapping(self, node: yaml.Node, key: str, allowed: dict[str, str]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Children of a mapping node by key; unknown or repeated keys are errors naming the allowed ones."""
        if not isinstance(node, yaml.MappingNode):
            lead = f"write it as `{key}:` followed by indented keys" if key else "write one `key: value` per line"
            raise self.fail(node, key, f"must be a mapping, not {_describe(node)}", f"{lead} ({', '.join(allowed)})")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k_node, v_node in node.value:
            name = k_node.value if isinstance(k_node, yaml.ScalarNode) else None
            full = f"{key}.{name}" if key else str(name)
            if name not in allowed:
                near = _closest(str(name), allowed)
                raise self.fail(k_node, full, "is not a rubric key",
                                (f"did you mean `{near}`? " if near else "") + f"allowed here: {', '.join(allowed)}")
            if name in out:
                raise self.fail(k_node, full, "is written twice", "keep one of them")
            out[name] = (k_node, v_node)
            self.lines[full] = k_node.start_mark.line + 1
        return out

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, key, f"must be a single value, not {_describe(node)}", "write one value")
        return yaml.SafeLoader("").construct_object(node)

    def integer(self, node: yaml.Node, key: str, lo: int, hi: int) -> int:
        value = self.scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, key, f"must be a whole number, not {value!r}", f"write an integer from {lo} to {hi}")
        if not lo <= value <= hi:
            raise self.fail(node, key, f"is {value}, out of range", f"write an integer from {lo} to {hi}")
        return value

    def number(self, node: yaml.Node, key: str, lo: float, hi: float, *, open_lo: bool = False) -> float:
        value = self.scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise self.fail(node, key, f"must be a number, not {value!r}", f"write a number from {lo:g} to {hi:g}")
        low_ok = value > lo if open_lo else value >= lo
        if not (low_ok and value <= hi):
            bound = f"above {lo:g}" if open_lo else f"from {lo:g}"
            raise self.fail(node, key, f"is {value:g}, out of range", f"write a number {bound} to {hi:g}")
        return float(value)

    def string(self, node: yaml.Node, key: str) -> str:
        value = self.scalar(node, key)
        if not isinstance(value, str):
            raise self.fail(node, key, f"must be text, not {value!r}", "write it as text (quote it if needed)")
        return value

    def boolean(self, node: yaml.Node, key: str) -> bool:
        value = self.scalar(node, key)
        if not isinstance(value, bool):
            raise self.fail(node, key, f"must be true or false, not {value!r}", "write true or false")
        return value

    def string_list(self, node: yaml.Node, key: str) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, key, f"must be a list, not {_describe(node)}", "write a list such as [a, b]")
        items = [(self.string(item, f"{key}[{i}]"), item) for i, item in enumerate(node.value)]
        for i, (_, item) in enumerate(items):
            self.lines[f"{key}[{i}]"] = item.start_mark.line + 1
        return items


def _describe(node: yaml.Node) -> str:
    return {yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}.get(type(node), f"`{node.value}`")


def _closest(name: str, allowed: dict[str, str] | tuple[str, ...]) -> str | None:
    import difflib

    hits = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return hits[0] if hits else None


# ---------------------------------------------------------------- the schema
_TOP = {"schema_version": "", "description": "", "objectives": "", "starts_per_objective": "",
        "local_basin_starts": "", "seeds": "", "budget": "", "limits": "", "weights": "", "targets": "",
        "gradient_probes": "", "allow_bounds": "", "policies": ""}
_BUDGET = {"per_dim": "", "minimum": "", "overrides": ""}
_LIMITS = {"wall_s": "", "cpu_s": "", "memory_mb": ""}
_POLICIES = {"from_scratch": "", "forbidden_modules": ""}
_MAX_BUDGET = 10_000_000


def load_rubric(path: Path) -> Rubric:
    """Read and validate a rubric YAML; raises RubricError naming the file, line, field and fix."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RubricError(f"{path}: no such rubric file; pass --rubric rubrics/default.yaml or a file of yours")
    except OSError as exc:
        what = "a folder, not a file" if path.is_dir() else f"cannot be read ({exc.strerror})"
        raise RubricError(f"{path}: {what}; pass --rubric with a rubric YAML file such as "
                          "rubrics/default.yaml") from None
    try:
        root = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        raise RubricError(f"{path}: is not UTF-8 text; save the rubric as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"{path}{where}: not valid YAML ({problem}); fix the indentation or quoting there") from None
    if root is None:
        raise RubricError(f"{path}: is empty; start it with `schema_version: {RUBRIC_SCHEMA_VERSION}`")
    reader = _Reader(path)
    top = reader.mapping(root, "", _TOP)
    if "schema_version" not in top:
        raise RubricError(f"{path}: field `schema_version` is missing; add `schema_version: {RUBRIC_SCHEMA_VERSION}` "
                          f"as the first line")
    version = reader.scalar(top["schema_version"][1], "schema_version")
    if version != RUBRIC_SCHEMA_VERSION:
        raise reader.fail(top["schema_version"][1], "schema_version", f"is {version!r}, but this harness reads "
                          f"version {RUBRIC_SCHEMA_VERSION}", f"write `schema_version: {RUBRIC_SCHEMA_VERSION}` and "
                          f"check the keys against docs/rubric.md")
    kw: dict[str, Any] = {"path": path, "hash": hashlib.sha256(data).hexdigest()}
    if "description" in top:
        kw["description"] = reader.string(top["description"][1], "description")
    if "objectives" in top:
        kw["objectives"] = _objectives(reader, top["objectives"][1])
    if "starts_per_objective" in top:
        kw["starts_per_objective"] = reader.integer(top["starts_per_objective"][1], "starts_per_objective", 0, 100)
    if "local_basin_starts" in top:
        kw["local_basin_starts"] = reader.integer(top["local_basin_starts"][1], "local_basin_starts", 0, 100)
    if "seeds" in top:
        kw["seeds"] = _seeds(reader, top["seeds"][1])
    if "budget" in top:
        kw.update(_budget(reader, top["budget"][1]))
    if "limits" in top:
        kw.update(_limits(reader, top["limits"][1]))
    if "weights" in top:
        kw["weights"] = _weights(reader, top["weights"][1])
    if "targets" in top:
        kw["targets"] = {name: reader.number(node, f"targets.{name}", 0.0, 1e12, open_lo=True)
                         for name, node in _named_map(reader, top["targets"][1], "targets")}
    if "gradient_probes" in top:
        kw["gradient_probes"] = reader.integer(top["gradient_probes"][1], "gradient_probes", 0, 100)
    if "allow_bounds" in top:
        kw["allow_bounds"] = reader.boolean(top["allow_bounds"][1], "allow_bounds")
    if "policies" in top:
        kw.update(_policies(reader, top["policies"][1]))
    if kw.get("starts_per_objective", 3) == 0 and kw.get("local_basin_starts", 2) == 0:
        node = top.get("starts_per_objective", (None, None))[1]
        raise reader.fail(node, "starts_per_objective", "and local_basin_starts are both 0, so nothing would run",
                          "set starts_per_objective to 1 or more")
    return Rubric(lines=reader.lines, **kw)


def _objectives(reader: _Reader, node: yaml.Node) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        value = reader.scalar(node, "objectives")
        if value == "all":
            return ()
        raise reader.fail(node, "objectives", f"is {value!r}", "write `all`, or a list of objective names and kind "
                          f"tags ({', '.join(KIND_TAGS)})")
    items = reader.string_list(node, "objectives")
    if not items:
        raise reader.fail(node, "objectives", "is an empty list", "write `all` or name at least one objective")
    return tuple(name for name, _ in items)


def _seeds(reader: _Reader, node: yaml.Node) -> tuple[int, ...]:
    if isinstance(node, yaml.ScalarNode):
        return (reader.integer(node, "seeds", 0, 2**31 - 1),)
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise reader.fail(node, "seeds", "must be a non-empty list of whole numbers", "write for example [0, 1, 2]")
    seeds = tuple(reader.integer(item, f"seeds[{i}]", 0, 2**31 - 1) for i, item in enumerate(node.value))
    if len(set(seeds)) != len(seeds):
        raise reader.fail(node, "seeds", f"repeats a seed ({list(seeds)})", "list each seed once")
    return seeds


def _named_map(reader: _Reader, node: yaml.Node, key: str) -> list[tuple[str, yaml.Node]]:
    """A mapping of objective names to values (names are checked against the bank when planning)."""
    if not isinstance(node, yaml.MappingNode):
        raise reader.fail(node, key, f"must be a mapping of objective names, not {_describe(node)}",
                          f"write `{key}:` then lines such as `  sphere-5d: ...`")
    seen: dict[str, tuple[str, yaml.Node]] = {}
    for k_node, v_node in node.value:
        name = reader.string(k_node, f"{key} name")
        if name in seen:
            raise reader.fail(k_node, f"{key}.{name}", "is written twice", "keep one of them")
        reader.lines[f"{key}.{name}"] = k_node.start_mark.line + 1
        seen[name] = (name, v_node)
    return list(seen.values())


def _budget(reader: _Reader, node: yaml.Node) -> dict[str, Any]:
    parts = reader.mapping(node, "budget", _BUDGET)
    out: dict[str, Any] = {}
    if "per_dim" in parts:
        out["budget_per_dim"] = reader.integer(parts["per_dim"][1], "budget.per_dim", 1, _MAX_BUDGET)
    if "minimum" in parts:
        out["budget_minimum"] = reader.integer(parts["minimum"][1], "budget.minimum", 1, _MAX_BUDGET)
    if "overrides" in parts:
        out["budget_overrides"] = {
            name: reader.integer(v, f"budget.overrides.{name}", 1, _MAX_BUDGET)
            for name, v in _named_map(reader, parts["overrides"][1], "budget.overrides")}
    return out


def _limits(reader: _Reader, node: yaml.Node) -> dict[str, Any]:
    parts = reader.mapping(node, "limits", _LIMITS)
    out: dict[str, Any] = {}
    if "wall_s" in parts:
        out["wall_s"] = reader.number(parts["wall_s"][1], "limits.wall_s", 0.0, 86400.0, open_lo=True)
    if "cpu_s" in parts:
        out["cpu_s"] = reader.number(parts["cpu_s"][1], "limits.cpu_s", 0.0, 86400.0, open_lo=True)
    if "memory_mb" in parts:
        out["memory_mb"] = reader.integer(parts["memory_mb"][1], "limits.memory_mb", 64, 1_048_576)
    return out


def _weights(reader: _Reader, node: yaml.Node) -> dict[str, float]:
    parts = reader.mapping(node, "weights", {c: "" for c in CRITERIA})
    weights = dict(DEFAULT_WEIGHTS)
    for name, (_, v_node) in parts.items():
        weights[name] = reader.number(v_node, f"weights.{name}", 0.0, 1000.0)
    if sum(weights.values()) <= 0:
        raise reader.fail(node, "weights", "are all 0, so no criterion would count",
                          "give at least one criterion a weight above 0")
    return weights


def _policies(reader: _Reader, node: yaml.Node) -> dict[str, Any]:
    parts = reader.mapping(node, "policies", _POLICIES)
    out: dict[str, Any] = {}
    if "from_scratch" in parts:
        v_node = parts["from_scratch"][1]
        value = reader.scalar(v_node, "policies.from_scratch")
        text = "off" if value is False else str(value).strip()
        fix = f"write one of {', '.join(FROM_SCRATCH_MODES)} (for example cap:50)"
        if text in ("off", "flag", "zero"):
            out["from_scratch"] = text
        elif text.startswith("cap:"):
            try:
                cap = float(text[4:])
            except ValueError:
                raise reader.fail(v_node, "policies.from_scratch", f"has a cap that is not a number ({text!r})",
                                  fix) from None
            if not 0 <= cap <= 100:
                raise reader.fail(v_node, "policies.from_scratch", f"caps the score at {cap:g}, outside 0..100", fix)
            out["from_scratch"], out["from_scratch_cap"] = "cap", cap
        else:
            raise reader.fail(v_node, "policies.from_scratch", f"is {value!r}", fix)
    if "forbidden_modules" in parts:
        mods = reader.string_list(parts["forbidden_modules"][1], "policies.forbidden_modules")
        for name, item in mods:
            if not name or not all(p.isidentifier() for p in name.split(".")):
                raise reader.fail(item, "policies.forbidden_modules", f"has {name!r}, not a module name",
                                  "write dotted module names such as scipy.optimize")
        out["forbidden_modules"] = tuple(sorted({name for name, _ in mods}))
    return out

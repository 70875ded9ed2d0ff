"""Bank specs (YAML): which objectives a bank holds, validated with messages naming file, line and field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.bank.landscapes import REGISTRY, make_landscape
from harness.bank.noise import NOISE_KINDS
from harness.bank.transforms import TransformOptions
from harness.errors import BankError

KINDS = ("smooth", "ill-conditioned", "deceptive", "multimodal", "noisy", "non-smooth", "take-home-2d")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_FIELDS = {"name", "landscape", "dim", "kinds", "instance", "transform", "noise", "budget", "target"}


@dataclass(frozen=True)
class NoiseSpec:
    kind: str
    level: float


@dataclass(frozen=True)
class ObjectiveSpec:
    """One objective of a spec: a landscape, its dimension, kind tags and instance options."""

    name: str
    landscape: str
    dim: int
    kinds: tuple[str, ...]
    instance: int = 1
    transform: TransformOptions = TransformOptions()
    noise: NoiseSpec | None = None
    budget: int | None = None
    target: float | None = None  # in the landscape's own units; default: the landscape's


@dataclass(frozen=True)
class BankSpec:
    path: Path
    name: str
    objectives: tuple[ObjectiveSpec, ...]
    public: bool = False  # a practice bank: answers may be shown to candidates


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records each mapping's line as the key `__line__`."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load_spec(path: Path) -> BankSpec:
    """Parse and validate a bank spec; BankError names the file, line and field and says what to do."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError:
        raise BankError(f"{path}: no such bank spec; pass a YAML spec such as objectives/default/spec.yaml") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"{path}: cannot read the bank spec ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BankError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    if not isinstance(data, dict) or not isinstance(data.get("objectives"), list) or not data["objectives"]:
        raise BankError(f"{path}: a bank spec is a mapping with a non-empty list `objectives:` (see docs/bank.md)")
    seen: dict[str, int] = {}
    objectives = []
    for item in data["objectives"]:
        spec = _objective(path, item)
        if spec.name in seen:
            raise BankError(f"{path} line {item['__line__']}: objective name {spec.name!r} is already used at line "
                            f"{seen[spec.name]}; give each objective its own name")
        seen[spec.name] = item["__line__"]
        objectives.append(spec)
    public = data.get("public", False)
    if not isinstance(public, bool):
        raise BankError(f"{path}: field `public` must be true or false (true: candidates may see the answers)")
    return BankSpec(path=path, name=str(data.get("name", path.parent.name)), objectives=tuple(objectives),
                    public=public)


def _objective(path: Path, item: Any) -> ObjectiveSpec:
    if not isinstance(item, dict):
        raise BankError(f"{path}: every entry of `objectives` must be a mapping with name, landscape, dim, kinds")
    line = item["__line__"]

    def fail(field: str, what: str) -> BankError:
        label = f"objective {item.get('name')!r}, " if isinstance(item.get("name"), str) else ""
        return BankError(f"{path} line {line}: {label}field `{field}`: {what}")

    unknown = sorted(set(item) - _FIELDS - {"__line__"})
    if unknown:
        raise fail(unknown[0], f"unknown field; the fields are {', '.join(sorted(_FIELDS))}")
    for key in ("name", "landscape", "dim", "kinds"):
        if key not in item:
            raise fail(key, "missing; every objective needs name, landscape, dim and kinds")
    name = item["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail("name", "use lower-case letters, digits, '_' or '-' (it becomes <name>.pkl)")
    if item["landscape"] not in REGISTRY:
        raise fail("landscape", f"unknown landscape {item['landscape']!r}; known: {', '.join(sorted(REGISTRY))}")
    dim = item["dim"]
    if not isinstance(dim, int) or isinstance(dim, bool) or not 1 <= dim <= 100:
        raise fail("dim", f"must be an integer from 1 to 100, got {dim!r}")
    try:
        make_landscape(item["landscape"], dim)
    except BankError as exc:
        raise fail("dim", str(exc)) from None
    kinds = item["kinds"]
    if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
        raise fail("kinds", f"a non-empty list of tags from {', '.join(KINDS)}, got {kinds!r}")
    noise = _noise(item.get("noise"), fail)
    if ("noisy" in kinds) != (noise is not None):
        raise fail("kinds", "tag `noisy` goes with a `noise:` setting and only with one")
    if "take-home-2d" in kinds and item["landscape"] != "take_home":
        raise fail("kinds", "tag `take-home-2d` is for the `take_home` landscape")
    transform = _transform(item.get("transform"), fail)
    instance = item.get("instance", 1)
    if not isinstance(instance, int) or isinstance(instance, bool) or instance < 0:
        raise fail("instance", f"must be a non-negative integer, got {instance!r}")
    budget = item.get("budget")
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 10):
        raise fail("budget", f"must be an integer >= 10, got {budget!r}")
    target = item.get("target")
    if target is not None and (not isinstance(target, (int, float)) or isinstance(target, bool) or target <= 0):
        raise fail("target", f"must be a positive number (a gap in the landscape's units), got {target!r}")
    return ObjectiveSpec(name=name, landscape=item["landscape"], dim=dim, kinds=tuple(kinds), instance=instance,
                         transform=transform, noise=noise, budget=budget,
                         target=float(target) if target is not None else None)


def _noise(raw: Any, fail) -> NoiseSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("kind") not in NOISE_KINDS:
        raise fail("noise", f"a mapping with kind ({' or '.join(NOISE_KINDS)}) and level, got {raw!r}")
    level = raw.get("level")
    if not isinstance(level, (int, float)) or isinstance(level, bool) or not 0 < level <= 10:
        raise fail("noise", f"level must be a number in (0, 10], got {level!r}")
    return NoiseSpec(kind=raw["kind"], level=float(level))


def _transform(raw: Any, fail) -> TransformOptions:
    if raw is None:
        return TransformOptions()
    if raw == "none":
        return TransformOptions(rotate=False, shift=False, axis_scale=False, output=False)
    keys = {"rotate", "shift", "axis_scale", "output"}
    if not isinstance(raw, dict) or set(raw) - keys - {"__line__"} or \
            any(not isinstance(raw[k], bool) for k in set(raw) & keys):
        raise fail("transform", "`none` or a mapping of rotate/shift/axis_scale/output to true or false")
    return TransformOptions(**{k: raw[k] for k in set(raw) & keys})

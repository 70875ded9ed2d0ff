"""Bank folders: one pickle per objective plus bank.json (schema-versioned), read and written safely.

A bank is trusted input: the grader unpickles it. Never point `load_bank` at a folder a candidate wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Box = tuple[tuple[float, float], ...]
Point = tuple[float, ...]

BANK_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class LocalMinimum:
    """A notable non-global minimum (after the bank's transforms)."""

    x: Point
    f: float


@dataclass(frozen=True)
class StartSpec:
    """Where trial starts come from: uniform in `box`; in `basin_box` for local-basin (escape) starts;
    `fixed` starts are used as given (e.g. the take-home's (600, 600))."""

    box: Box
    basin_box: Box | None = None
    fixed: tuple[Point, ...] = ()


@dataclass(frozen=True)
class BankEntry:
    """One objective's manifest row in bank.json."""

    name: str
    kinds: tuple[str, ...]
    dim: int
    bounds: Box
    x_star: Point
    f_star: float
    local_minima: tuple[LocalMinimum, ...]
    target: float  # success when f(x) - f_star <= target (noise-free)
    budget: int  # the bank's suggested evaluation budget; the rubric may override
    starts: StartSpec
    reference_evaluations: int | None  # evaluations the reference optimizer needs to reach the target
    verification: dict[str, Any] = field(default_factory=dict)
    noisy: bool = False
    sha256: str = ""  # of <name>.pkl


@dataclass(frozen=True)
class Bank:
    path: Path
    hash: str  # sha256 of bank.json
    seed_hash: str
    entries: tuple[BankEntry, ...]

    def entry(self, name: str) -> BankEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def objective(self, name: str) -> Any:
        """Unpickle <name>.pkl after checking its hash against bank.json."""
        raise NotImplementedError  # filled in by the bank implementation


def load_bank(path: Path) -> Bank:
    """Read a bank folder; raises BankError naming the file and the fix."""
    raise NotImplementedError  # filled in by the bank implementation

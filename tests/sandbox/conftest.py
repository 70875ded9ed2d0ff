"""Helpers for the sandbox-core tests: small counting objectives, staged candidate code, call requests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from harness.results import CallPlan, Phase
from harness.sandbox import CallRequest, Policy, sandbox_mode


class Quadratic:
    """sum((x - c)^2) + 1, counting its own evaluations so tests can check the server's count."""

    noisy = False

    def __init__(self, dim: int = 2, noise: float = 0.0) -> None:
        self.dim = dim
        self.center = np.arange(1.0, dim + 1.0)
        self.noise = noise
        self.noisy = noise > 0
        self.calls = 0
        self.indices: list[int] = []

    def value(self, x: np.ndarray) -> float:
        if x.shape != (self.dim,) or not np.isfinite(x).all():
            raise ValueError("bad point")
        return float(np.sum((x - self.center) ** 2) + 1.0)

    def evaluate(self, x: np.ndarray, index: int) -> float:
        self.calls += 1
        self.indices.append(index)
        noise = self.noise * np.random.default_rng(index).standard_normal() if self.noise else 0.0
        return self.value(x) + noise


def stage_code(root: Path, source: str, name: str = "solution.py", extra: dict[str, str] | None = None) -> Path:
    """A grader-owned staging folder holding `source` as the entry file (plus any extra files)."""
    code = root / "code"
    code.mkdir(exist_ok=True)
    (code / name).write_text(textwrap.dedent(source))
    for rel, text in (extra or {}).items():
        (code / rel).parent.mkdir(parents=True, exist_ok=True)
        (code / rel).write_text(textwrap.dedent(text))
    return code


def make_request(target: str = "minimize", dim: int = 2, budget: int = 200, seed: int = 1,
                 phase: Phase = Phase.MINIMIZE, point: tuple[float, ...] | None = None, **kw) -> CallRequest:
    args = ("func", "x0") if phase is Phase.MINIMIZE else ("func", "x")
    return CallRequest(phase=phase, plan=CallPlan(target=target, args=args), dim=dim,
                       point=point if point is not None else tuple([0.0] * dim),
                       bounds=tuple([(-10.0, 10.0)] * dim), seed=seed, budget=budget, **kw)


FAST = Policy(wall_s=10.0, cpu_s=10.0, memory_mb=768, processes=16, open_files=64, output_bytes=4096)

needs_bwrap = pytest.mark.skipif(sandbox_mode() != "bwrap",
                                 reason="needs bubblewrap run as root (apt-get install bubblewrap)")

"""Evaluation noise seeded from the evaluation index: evaluation i of a run always gets the same draw.

The draw is a splitmix64 hash of (noise seed, index) turned Gaussian by Box-Muller in plain Python floats, so a
run replays exactly on any machine and any numpy version; the noise-free value stays available to the grader.
"""

from __future__ import annotations

import math

_MASK = (1 << 64) - 1
NOISE_KINDS = ("multiplicative", "additive")


def _splitmix64(state: int) -> int:
    z = (state + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def standard_normal(seed: int, index: int) -> float:
    """The index-th N(0, 1) draw of stream `seed`."""
    a = _splitmix64((seed * 0x2545F4914F6CDD1D + 2 * index) & _MASK)
    b = _splitmix64(a ^ ((2 * index + 1) & _MASK))
    u1 = ((a >> 11) + 1) / 9007199254740993.0  # in (0, 1]
    u2 = (b >> 11) / 9007199254740992.0
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


class Noise:
    """`multiplicative` (COCO's Gaussian noise: the gap to f* times exp(level N), plus 1.01e-8 scale, so noise
    cannot fake a hit) or `additive` (level * scale * N added to the value)."""

    def __init__(self, kind: str, level: float, seed: int, scale: float) -> None:
        if kind not in NOISE_KINDS:
            raise ValueError(f"noise kind must be one of {NOISE_KINDS}, got {kind!r}")
        self.kind, self.level, self.seed, self.scale = kind, float(level), int(seed), float(scale)

    def apply(self, value: float, f_star: float, index: int) -> float:
        """What evaluation `index` reports for noise-free `value`."""
        draw = standard_normal(self.seed, int(index))
        if self.kind == "multiplicative":
            return f_star + (value - f_star) * math.exp(self.level * draw) + 1.01e-8 * self.scale
        return value + self.level * self.scale * draw

    def describe(self) -> str:
        return f"{self.kind} {self.level:g}"

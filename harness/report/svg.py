"""Plot geometry for hand-built SVG: scales, tick choice and the frozen figure model the SVG template draws.

Hand-built rather than matplotlib because it is ~50x faster and ~5x smaller per plot (docs/reports.md), and
because every number that reaches the page passes through here, which makes the candidate audience auditable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")

WIDTH, HEIGHT = 520, 260  # the right 110 px hold the legend, outside the data
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 58, 122, 26, 40


def fmt_num(value: float) -> str:
    """A short, stable label for a tick or a table cell."""
    if value == 0:
        return "0"
    mag = abs(value)
    if mag >= 1e5 or mag < 1e-3:
        return f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    if float(value).is_integer() or mag >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def px(value: float) -> str:
    """Pixel coordinates with one decimal: deterministic and small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Scale:
    """Maps data values in [lo, hi] onto pixels [p0, p1], linearly or in log10."""

    lo: float
    hi: float
    p0: float
    p1: float
    log: bool = False

    def __call__(self, value: float) -> float:
        lo, hi, v = self.lo, self.hi, value
        if self.log:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(max(value, self.lo))
        frac = 0.5 if hi == lo else (v - lo) / (hi - lo)
        return self.p0 + frac * (self.p1 - self.p0)

    def ticks(self, count: int = 5) -> list[tuple[float, str]]:
        """Tick positions (pixels) and labels: powers of ten on log scales, 1-2-5 steps on linear ones."""
        if self.log:
            a, b = math.floor(math.log10(self.lo)), math.ceil(math.log10(self.hi))
            step = max(1, math.ceil((b - a) / 6))
            values = [10.0 ** k for k in range(a, b + 1, step) if self.lo <= 10.0 ** k <= self.hi * (1 + 1e-9)]
            return [(self(v), _pow10(v)) for v in values]
        span = self.hi - self.lo
        if span <= 0:
            return [(self(self.lo), fmt_num(self.lo))]
        raw = span / max(count, 1)
        base = 10 ** math.floor(math.log10(raw))
        step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
        start = math.ceil(self.lo / step - 1e-9)
        out = []
        k = start
        while k * step <= self.hi + 1e-9 * step:
            v = k * step
            out.append((self(v), fmt_num(round(v, 12))))
            k += 1
        return out


def _pow10(value: float) -> str:
    k = round(math.log10(value))
    return {0: "1", 1: "10", 2: "100", 3: "1000"}.get(k, f"1e{k}")


def log_range(values: list[float], floor: float = 1e-12) -> tuple[float, float]:
    """A log-axis range covering the positive values, padded to whole decades."""
    pos = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not pos:
        return 1e-8, 1.0
    lo, hi = max(min(pos), floor), max(pos)
    lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
    return (lo, hi * 10) if lo == hi else (lo, hi)


@dataclass(frozen=True)
class Line:
    """A polyline (already in pixels) with its style; `title` is a hover tooltip."""

    points: str  # "x,y x,y ..."
    color: str
    width: float = 1.5
    dash: str = ""
    title: str = ""
    opacity: float = 1.0


@dataclass(frozen=True)
class Mark:
    """A point marker in pixels: shape is circle, square, star, triangle or cross."""

    x: str
    y: str
    shape: str
    color: str
    title: str = ""
    size: float = 4.0


@dataclass(frozen=True)
class Label:
    x: str
    y: str
    text: str
    anchor: str = "start"
    color: str = "#333"


@dataclass(frozen=True)
class Figure:
    """Everything the SVG template draws; no raw data values, only pixels and the labels chosen to show."""

    title: str
    xlabel: str
    ylabel: str
    width: int = WIDTH
    height: int = HEIGHT
    xticks: tuple[tuple[str, str], ...] = ()  # (pixel, label)
    yticks: tuple[tuple[str, str], ...] = ()
    lines: tuple[Line, ...] = ()
    marks: tuple[Mark, ...] = ()
    labels: tuple[Label, ...] = ()
    contours: tuple[Line, ...] = ()
    legend: tuple[tuple[str, str], ...] = ()  # (color, text)
    kind: str = "plot"  # css class: convergence, landscape, curve, gradient, histogram, ecdf
    frame: tuple[str, str, str, str] = field(default=("0", "0", "0", "0"))  # x, y, w, h of the plot area


def plot_area(width: int = WIDTH, height: int = HEIGHT) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) pixel bounds of the data area."""
    return MARGIN_L, MARGIN_T, width - MARGIN_R, height - MARGIN_B


def polyline(points: list[tuple[float, float]]) -> str:
    """SVG `points` text for pixel coordinates."""
    return " ".join(f"{px(x)},{px(y)}" for x, y in points)


def simplify(points: list[tuple[float, float]], min_px: float = 2.0) -> list[tuple[float, float]]:
    """Drop pixel points closer than `min_px` to the last kept one (the last point is always kept)."""
    if len(points) < 3:
        return list(points)
    out = [points[0]]
    for x, y in points[1:-1]:
        if abs(x - out[-1][0]) + abs(y - out[-1][1]) >= min_px:
            out.append((x, y))
    out.append(points[-1])
    return out


def thin(points: list, cap: int) -> list:
    """Keep at most `cap` points, always the first and the last, evenly spaced in between."""
    if len(points) <= cap:
        return list(points)
    step = (len(points) - 1) / (cap - 1)
    return [points[round(i * step)] for i in range(cap)]


def frame_of(width: int = WIDTH, height: int = HEIGHT) -> tuple[str, str, str, str]:
    """The data area as SVG rect attributes (x, y, width, height)."""
    left, top, right, bottom = plot_area(width, height)
    return px(left), px(top), px(right - left), px(bottom - top)


def ticks_px(ticks: list[tuple[float, str]]) -> tuple[tuple[str, str], ...]:
    """Ticks with their pixel positions formatted for the template."""
    return tuple((px(p), label) for p, label in ticks)

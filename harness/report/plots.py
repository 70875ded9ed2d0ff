"""The report's pictures as `svg.Figure`s: convergence, landscapes (2-D contours, 1-D curves), gradient accuracy,
score distribution and run-time ECDFs. Landscapes need the trusted bank and are drawn for the team only.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from harness.report.svg import (PALETTE, Figure, Label, Line, Mark, Scale, fmt_num, frame_of, log_range,
                                plot_area, polyline, px, simplify, thin, ticks_px)
from harness.report.summary import ObjectiveSummary
from harness.results import GradientProbe, TrialResult

GRID = 48  # landscape samples per axis: 2,304 noise-free values per 2-D objective
CURVE = 300
PATH_CAP = 300
LINE_CAP = 200
CONTOUR_POINTS = 2500  # per landscape: keeps a many-minima contour plot near 30 KB


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _trial_label(t: TrialResult) -> str:
    return f"start {t.start} ({t.start_kind}), seed {t.seed}"


def convergence_figure(summary: ObjectiveSummary) -> Figure | None:
    """Best noise-free gap against evaluations, one step line per start, the target and the reference marked."""
    trials = [t for t in summary.trials if t.convergence]
    if not trials:
        return None
    gaps = [g for t in trials for _, g in t.convergence if g is not None]
    if summary.target:
        gaps.append(summary.target)
    lo, hi = log_range(gaps)
    xmax = max([t.evaluations for t in trials] + [e for t in trials for e, _ in t.convergence]
               + [summary.reference_evaluations or 0, 1])
    left, top, right, bottom = plot_area()
    sx, sy = Scale(0, xmax, left, right), Scale(lo, hi, bottom, top, log=True)
    lines, marks = [], []
    for i, t in enumerate(trials):
        pts: list[tuple[float, float]] = []
        for e, g in thin(list(t.convergence), LINE_CAP):
            y = sy(max(g if g is not None else hi, lo))
            if pts:
                pts.append((sx(e), pts[-1][1]))
            pts.append((sx(e), y))
        pts.append((sx(max(t.evaluations, t.convergence[-1][0])), pts[-1][1]))
        lines.append(Line(polyline(pts), color(i), title=f"{_trial_label(t)}: {t.status.value}"))
        if t.evaluations_to_target:
            marks.append(Mark(px(sx(t.evaluations_to_target)), px(sy(max(summary.target or lo, lo))), "circle",
                              color(i), f"{_trial_label(t)} reached the target at {t.evaluations_to_target}", 3))
    labels = []
    if summary.target:
        y = sy(summary.target)
        lines.append(Line(polyline([(left, y), (right, y)]), "#444", 1, "5 3", "success target"))
        labels.append(Label(px(right - 2), px(y - 3), "target", "end", "#444"))
    if summary.reference_evaluations:
        x = sx(summary.reference_evaluations)
        lines.append(Line(polyline([(x, top), (x, bottom)]), "#888", 1, "2 3", "reference optimizer"))
        late = x > (left + right) / 2
        labels.append(Label(px(x - 3 if late else x + 3), px(bottom - 4), f"reference {summary.reference_evaluations}",
                            "end" if late else "start", "#666"))
    kind = {"uniform": "", "local_basin": " (basin)", "own": " (own)"}
    legend = tuple((color(i), f"start {t.start}{kind.get(t.start_kind, '')}") for i, t in enumerate(trials)) \
        if len(trials) <= 14 else ()
    return Figure(title=f"{summary.name}: convergence", xlabel="evaluations", ylabel="best gap f - f*",
                  xticks=ticks_px(sx.ticks()), yticks=ticks_px(sy.ticks()), lines=tuple(lines),
                  marks=tuple(marks), labels=tuple(labels), legend=legend, kind="convergence", frame=frame_of())


def _safe_value(objective: Any, x: Sequence[float]) -> float:
    try:
        v = float(objective.value(np.asarray(x, dtype=float)))
    except (ValueError, ArithmeticError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _box(entry: Any, points: list[Sequence[float]], axis: int) -> tuple[float, float]:
    """The bank's bounds on one axis, widened by one whole span on a side where points fall outside.

    Whole spans only, so every submission on a bank shares a few boxes and their landscape grids (cached).
    """
    lo, hi = (float(b) for b in entry.bounds[axis])
    span = hi - lo if hi > lo else 1.0
    coords = [float(p[axis]) for p in points if p is not None and len(p) > axis and math.isfinite(float(p[axis]))]
    if coords and min(coords) < lo:
        lo -= span
    if coords and max(coords) > hi:
        hi += span
    return lo, hi


_GRIDS: dict[tuple, np.ndarray] = {}


def _values(key: tuple, objective: Any, points: list[tuple[float, ...]]) -> np.ndarray:
    """Noise-free values at `points`, cached by (bank hash, objective, box) for the pages of a batch."""
    if not key[0]:  # no bank hash: nothing safe to key a cache on
        return np.array([_safe_value(objective, p) for p in points])
    if key not in _GRIDS:
        if len(_GRIDS) >= 64:
            _GRIDS.pop(next(iter(_GRIDS)))
        _GRIDS[key] = np.array([_safe_value(objective, p) for p in points])
    return _GRIDS[key]


def _rings(segments: list, sx: Scale, sy: Scale) -> list[list[tuple[float, float]]]:
    """One contour level's lines in pixels, simplified, without specks smaller than a few pixels."""
    out = []
    for seg in segments:
        pts = simplify([(sx(a), sy(b)) for a, b in seg.tolist()], 3.0)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if max(xs) - min(xs) + max(ys) - min(ys) >= 6:
            out.append(pts)
    return out


def _ramp(i: int, n: int) -> str:
    """Light-to-dark blue-green ramp for contour levels (low values darkest)."""
    f = i / max(n - 1, 1)
    r, g, b = int(30 + 180 * f), int(80 + 140 * f), int(120 + 100 * f)
    return f"#{r:02x}{g:02x}{b:02x}"


def _trial_points(summary: ObjectiveSummary) -> list[Sequence[float]]:
    pts: list[Sequence[float]] = []
    for t in summary.trials:
        pts.extend(p for p in (t.x0, t.returned) if p)
        pts.extend(t.path)
    return pts


def _endpoint(t: TrialResult) -> Sequence[float] | None:
    return t.returned or (t.path[-1] if t.path else None)


def _minima_marks(entry: Any, sx: Scale, sy: Scale, two_d: bool) -> list[Mark]:
    def where(x: Sequence[float], f: float) -> tuple[str, str]:
        return px(sx(x[0])), px(sy(x[1] if two_d else f))

    marks = [Mark(*where(lm.x, lm.f), "triangle", "#b8860b", f"local minimum {k}") for k, lm in
             enumerate(entry.local_minima)]
    marks.append(Mark(*where(entry.x_star, entry.f_star), "star", "#c00", "global minimum", 6))
    return marks


def landscape_figure(summary: ObjectiveSummary, entry: Any, objective: Any, bank_hash: str = "") -> Figure | None:
    """2-D: contour lines of the noise-free landscape with every start's search path; team audience only."""
    if entry is None or objective is None or entry.dim != 2:
        return None
    import contourpy

    pts = _trial_points(summary) + [entry.x_star]
    (x0, x1), (y0, y1) = _box(entry, pts, 0), _box(entry, pts, 1)
    gx, gy = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    key = (bank_hash, entry.name, x0, x1, y0, y1, GRID)
    z = _values(key, objective, [(x, y) for y in gy for x in gx]).reshape(GRID, GRID)
    finite = z[np.isfinite(z)]
    left, top, right, bottom = plot_area()
    sx, sy = Scale(x0, x1, left, right), Scale(y0, y1, bottom, top)
    contours: list[Line] = []
    if finite.size:
        levels = sorted(set(np.quantile(finite, np.linspace(0.02, 0.95, 12)).round(12)))
        gen = contourpy.contour_generator(gx, gy, np.where(np.isfinite(z), z, finite.max()))
        rings = [_rings(gen.lines(level), sx, sy) for level in levels]
        while sum(len(p) for r in rings for p in r) > CONTOUR_POINTS and len(rings) > 3:
            rings = rings[::2]  # many-minima landscapes: fewer levels rather than a heavy page
        contours = [Line(polyline(p), _ramp(i, len(rings)), 0.8) for i, r in enumerate(rings) for p in r]
    lines, marks = [], []

    def clamp(p: Sequence[float]) -> tuple[float, float]:
        return sx(min(max(p[0], x0), x1)), sy(min(max(p[1], y0), y1))

    for i, t in enumerate(summary.trials):
        path = simplify([clamp(p) for p in thin(list(t.path), PATH_CAP) if len(p) == 2], 1.5)
        if len(path) > 1:
            lines.append(Line(polyline(path), color(i), 1.2, title=_trial_label(t), opacity=0.85))
        if t.x0 and len(t.x0) == 2:
            marks.append(Mark(*map(px, clamp(t.x0)), "circle", color(i), f"start of {_trial_label(t)}"))
        end = _endpoint(t)
        if end and len(end) == 2:
            marks.append(Mark(*map(px, clamp(end)), "square", color(i), f"end of {_trial_label(t)}", 3.5))
    marks.extend(_minima_marks(entry, sx, sy, True))
    return Figure(title=f"{summary.name}: search paths", xlabel="x[0]", ylabel="x[1]",
                  xticks=ticks_px(sx.ticks()), yticks=ticks_px(sy.ticks()), lines=tuple(lines),
                  marks=tuple(marks), contours=tuple(contours), kind="landscape", frame=frame_of(),
                  legend=(("#c00", "global min"), ("#b8860b", "local min")))


def curve_figure(summary: ObjectiveSummary, entry: Any, objective: Any, bank_hash: str = "") -> Figure | None:
    """1-D: the noise-free curve with every evaluated point; team audience only."""
    if entry is None or objective is None or entry.dim != 1:
        return None
    (x0, x1) = _box(entry, _trial_points(summary) + [entry.x_star], 0)
    xs = np.linspace(x0, x1, CURVE)
    key = (bank_hash, entry.name, x0, x1, CURVE)
    ys = list(_values(key, objective, [(x,) for x in xs]))
    finite = [y for y in ys if math.isfinite(y)] + [entry.f_star]
    y0, y1 = min(finite), max(finite)
    pad = (y1 - y0) * 0.05 or 1.0
    left, top, right, bottom = plot_area()
    sx, sy = Scale(x0, x1, left, right), Scale(y0 - pad, y1 + pad, bottom, top)
    curve = simplify([(sx(x), sy(y)) for x, y in zip(xs, ys) if math.isfinite(y)], 1.5)
    lines = [Line(polyline(curve), "#333", 1.2, title="noise-free objective")]
    marks = []
    for i, t in enumerate(summary.trials):
        for p in thin([p for p in t.path if len(p) == 1 and x0 <= p[0] <= x1], 60):
            y = _safe_value(objective, p)
            if math.isfinite(y):
                marks.append(Mark(px(sx(p[0])), px(sy(y)), "circle", color(i), _trial_label(t), 2.2))
    marks.extend(_minima_marks(entry, sx, sy, False))
    return Figure(title=f"{summary.name}: evaluated points", xlabel="x", ylabel="f(x)",
                  xticks=ticks_px(sx.ticks()), yticks=ticks_px(sy.ticks()), lines=tuple(lines),
                  marks=tuple(marks), kind="curve", frame=frame_of(),
                  legend=(("#c00", "global min"), ("#b8860b", "local min")))


def gradient_figure(probes: Sequence[GradientProbe]) -> Figure | None:
    """Relative error of each gradient probe (log scale), coloured by objective; failed probes as crosses."""
    if not probes:
        return None
    errors = [p.rel_error for p in probes if p.rel_error is not None]
    lo, hi = log_range(errors + [1e-2, 1.0])
    left, top, right, bottom = plot_area()
    sx, sy = Scale(0, len(probes) + 1, left, right), Scale(lo, hi, bottom, top, log=True)
    names = list(dict.fromkeys(p.objective for p in probes))
    marks = []
    for i, p in enumerate(probes, start=1):
        c = color(names.index(p.objective))
        if p.rel_error is None:
            marks.append(Mark(px(sx(i)), px(top + 6), "cross", c, f"{p.objective}: {p.status.value}"))
        else:
            cos = "" if p.cosine is None else f", cosine {p.cosine:.4f}"
            marks.append(Mark(px(sx(i)), px(sy(max(p.rel_error, lo))), "circle", c,
                              f"{p.objective}: relative error {fmt_num(p.rel_error)}{cos}, {p.evaluations} evaluations"))
    ref = sy(1e-2)
    lines = [Line(polyline([(left, ref), (right, ref)]), "#888", 1, "4 3", "1% relative error")]
    legend = tuple((color(k), n[:16]) for k, n in enumerate(names)) if len(names) <= 14 else ()
    return Figure(title="gradient accuracy per probe", xlabel="probe", ylabel="relative error",
                  yticks=ticks_px(sy.ticks()), lines=tuple(lines), marks=tuple(marks), legend=legend,
                  labels=(Label(px(left + 3), px(ref - 3), "1%", "start", "#666"),), kind="gradient",
                  frame=frame_of())


def histogram_figure(scores: Sequence[float], bins: int = 20) -> Figure:
    """How a cohort's scores (0..100) spread, in bins of 100/bins points."""
    counts = [0] * bins
    for s in scores:
        counts[min(int(max(s, 0.0) / (100.0 / bins)), bins - 1)] += 1
    left, top, right, bottom = plot_area()
    sx, sy = Scale(0, 100, left, right), Scale(0, max(max(counts), 1) * 1.15, bottom, top)
    width = (right - left) / bins
    lines = tuple(Line(polyline([(sx(k * 100 / bins) + width / 2, bottom), (sx(k * 100 / bins) + width / 2,
                                                                              sy(n))]), "#1f77b4", width - 2,
                       title=f"{k * 100 // bins}-{(k + 1) * 100 // bins}: {n}") for k, n in enumerate(counts) if n)
    return Figure(title="score distribution", xlabel="score /100", ylabel="submissions",
                  xticks=ticks_px(sx.ticks()), yticks=ticks_px(sy.ticks(4)), lines=lines, kind="histogram",
                  frame=frame_of())


def ecdf_points(times: Sequence[int | None], longest: int, steps: int = 40) -> list[tuple[float, float]]:
    """(evaluations, share of (run, target) pairs reached) on a log grid from 1 to `longest`."""
    if not times:
        return []
    reached = sorted(t for t in times if t is not None)
    grid = sorted({max(1, round(v)) for v in np.geomspace(1, max(longest, 2), steps)})
    out, k = [], 0
    for b in grid:
        while k < len(reached) and reached[k] <= b:
            k += 1
        out.append((float(b), k / len(times)))
    return out


def ecdf_figure(curves: Sequence[tuple[str, list[tuple[float, float]]]], highlight: int = 5) -> Figure:
    """Every submission's ECDF in grey, the first `highlight` (the caller sorts them) in colour with a legend."""
    longest = max([p[0] for _, pts in curves for p in pts] + [10])
    left, top, right, bottom = plot_area()
    sx, sy = Scale(1, longest, left, right, log=True), Scale(0, 1, bottom, top)
    lines, legend = [], []
    for i, (name, pts) in reversed(list(enumerate(curves))):
        if not pts:
            continue
        steps: list[tuple[float, float]] = []
        for x, y in pts:
            if steps:
                steps.append((sx(x), steps[-1][1]))
            steps.append((sx(x), sy(y)))
        top_k = i < highlight
        lines.append(Line(polyline(steps), color(i) if top_k else "#999", 1.8 if top_k else 0.7,
                          title=name, opacity=1.0 if top_k else 0.45))
        if top_k:
            legend.append((color(i), name if len(name) <= 18 else name[:17] + "…"))
    return Figure(title="runs reaching each target (ECDF)", xlabel="evaluations", ylabel="share of (run, target)",
                  xticks=ticks_px(sx.ticks()), yticks=ticks_px(sy.ticks(4)), lines=tuple(lines),
                  legend=tuple(reversed(legend)), kind="ecdf", frame=frame_of())


def sparkline(pts: list[tuple[float, float]], longest: int, width: int = 110, height: int = 22) -> str:
    """Polyline points of a tiny ECDF for a cohort table row."""
    if not pts:
        return ""
    sx = Scale(1, max(longest, 10), 1, width - 1, log=True)
    sy = Scale(0, 1, height - 1, 1)
    return polyline([(sx(x), sy(y)) for x, y in pts])

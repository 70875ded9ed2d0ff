"""Make and re-check a bank: spec -> objectives with verified minima, targets, starts and reference figures."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np

from harness.bank.landscapes import Landscape, make_landscape
from harness.bank.noise import Noise
from harness.bank.objective import BankObjective
from harness.bank.reference import reference_evaluations
from harness.bank.spec import KINDS, ObjectiveSpec, load_spec
from harness.bank.store import (Bank, BankEntry, LocalMinimum, StartSpec, dump_objective, load_bank,
                                render_table, seed_hash, write_bank)
from harness.bank.transforms import instance_seed, make_transform
from harness.bank.verify import basin_traps, polish_local_minima, sig, verify_minimum
from harness.errors import BankError

REFERENCE_RUNS = 5
ATTEMPTS = 500  # instance redraws allowed before a spec row is declared unbuildable


def default_budget(dim: int) -> int:
    """2000 evaluations per dimension, at least 2000."""
    return max(2000, 2000 * dim)


def make_objective(spec: ObjectiveSpec, bank_seed: int) -> tuple[BankObjective, Landscape]:
    """The objective a spec row describes, its instance drawn from the bank seed."""
    land = make_landscape(spec.landscape, spec.dim)
    for attempt in range(ATTEMPTS):  # redraw until the decoy (first) local minimum lies well inside the search box
        purpose = "transform" if attempt == 0 else f"transform-{attempt}"
        seed = instance_seed(bank_seed, spec.name, spec.dim, spec.instance, purpose=purpose)
        transform = make_transform(seed, spec.dim, land.z_star, land.half_width, spec.transform)
        fixed = getattr(land, "bounds", None)
        if fixed is not None:
            bounds = tuple(fixed)
        else:
            centre = np.zeros(spec.dim) if spec.transform.shift else transform.x_star
            bounds = tuple((float(c - land.half_width), float(c + land.half_width)) for c in centre)
        box = np.array(bounds)
        inner = box.mean(axis=1)[:, None] + 0.9 * (box - box.mean(axis=1)[:, None])
        if all(np.all((x >= inner[:, 0]) & (x <= inner[:, 1])) for x in
               (transform.to_x(g, land.z_star) for g in land.local_guesses()[:1])):
            break
    else:
        raise BankError(f"objective {spec.name!r}: no instance in {ATTEMPTS} draws keeps its decoy local minimum "
                        "inside the box; widen the landscape's half_width")
    noise = None
    if spec.noise is not None:
        noise = Noise(spec.noise.kind, spec.noise.level,
                      instance_seed(bank_seed, spec.name, spec.dim, spec.instance, purpose="noise"),
                      transform.out_scale)
    return BankObjective(spec.name, land, transform, noise, bounds), land


def _box(centre: np.ndarray, half: np.ndarray, bounds: np.ndarray) -> tuple[tuple[float, float], ...]:
    lo = np.maximum(centre - half, bounds[:, 0])
    hi = np.minimum(centre + half, bounds[:, 1])
    return tuple((sig(a), sig(b)) for a, b in zip(lo, hi))


def _starts(obj: BankObjective, land: Landscape, local: list[tuple[np.ndarray, float]],
            spec: ObjectiveSpec, bounds: np.ndarray) -> StartSpec:
    usual = getattr(land, "usual_start", None)
    if usual is not None:
        box = _box(np.array(usual), np.full(obj.dim, land.start_half_width), bounds)
        return StartSpec(box=box, basin_box=box, fixed=(tuple(float(v) for v in usual),))
    box = tuple((float(lo), float(hi)) for lo, hi in bounds)
    if "deceptive" not in spec.kinds:
        return StartSpec(box=box)
    if not local or land.basin_radius <= 0:
        raise BankError(f"objective {spec.name!r}: tagged deceptive but landscape {spec.landscape!r} has no decoy "
                        "basin; drop the tag or use a deceptive landscape")
    # |z - z_L| <= ||A||_2 |x - x_L| <= ||A||_2 h sqrt(D): the whole box stays within basin_radius of the decoy
    half = land.basin_radius / (float(np.linalg.norm(obj.matrix, 2)) * math.sqrt(obj.dim))
    return StartSpec(box=box, basin_box=_box(local[0][0], np.full(obj.dim, half), bounds))


def build_entry(spec: ObjectiveSpec, bank_seed: int) -> tuple[BankObjective, BankEntry]:
    """Build one objective and its manifest row: local minima, starts, verification, reference figures."""
    obj, land = make_objective(spec, bank_seed)
    bounds = np.array(obj.bounds)
    f_star = obj.f_star
    target = float(f"{(spec.target or land.target) * obj.out_scale:.6g}")
    budget = spec.budget or default_budget(spec.dim)
    guesses = [obj.x_star + np.linalg.solve(obj.matrix, g - land.z_star) for g in land.local_guesses()]
    guesses = [g for g in guesses if np.all((g >= bounds[:, 0]) & (g <= bounds[:, 1]))]  # the rest lie outside
    local = polish_local_minima(obj, guesses, bounds, f_star, target)
    starts = _starts(obj, land, local, spec, bounds)
    vseed = instance_seed(bank_seed, spec.name, spec.dim, spec.instance, purpose="verify")
    figures = verify_minimum(obj, obj.x_star, f_star, bounds, obj.out_scale, vseed)
    if starts.basin_box is not None:
        centre = np.array([(lo + hi) / 2 for lo, hi in starts.basin_box])
        figures["basin_traps_local_descent"] = basin_traps(obj, centre, bounds, f_star, target)
    if not figures["passed"]:
        raise BankError(f"objective {spec.name!r}: verification found {figures['best_found']!r} below "
                        f"f* = {f_star!r}; the landscape's stated minimum is wrong (a harness bug)")
    rng = np.random.default_rng([instance_seed(bank_seed, spec.name, spec.dim, spec.instance, "reference")])
    ref_starts = [np.array(p) for p in starts.fixed] or [
        rng.uniform(*np.array(starts.basin_box or starts.box).T) for _ in range(REFERENCE_RUNS)]
    ref, ref_figures = reference_evaluations(obj, ref_starts, bounds, budget, f_star, target, seed=vseed % 2**32)
    figures["reference"] = ref_figures
    entry = BankEntry(
        name=spec.name, kinds=spec.kinds, dim=spec.dim, bounds=tuple(obj.bounds),
        x_star=tuple(float(v) for v in obj.x_star), f_star=float(f_star),
        local_minima=tuple(LocalMinimum(x=tuple(sig(v, 12) for v in x), f=sig(fx, 12)) for x, fx in local),
        target=target, budget=budget, starts=starts, reference_evaluations=ref, verification=figures,
        noisy=obj.noisy)
    return obj, entry


def build_bank(spec: Path, seed: int, out_dir: Path, progress: Callable[[str], None]) -> Bank:
    """Build every objective of `spec` with bank seed `seed` into `out_dir` (pickles, then bank.json)."""
    bank_spec = load_spec(Path(spec))
    items = []
    for i, ospec in enumerate(bank_spec.objectives, 1):
        obj, entry = build_entry(ospec, seed)
        items.append((entry, dump_objective(obj)))
        ref = entry.reference_evaluations
        progress(f"[{i}/{len(bank_spec.objectives)}] {entry.name}: {entry.dim}-D {','.join(entry.kinds)}; "
                 f"verified ({entry.verification['samples']} samples); reference "
                 f"{'did not reach the target' if ref is None else f'{ref} evaluations'}")
    out_dir = Path(out_dir)
    _remove_stale(out_dir, {e.name for e, _ in items})
    return write_bank(out_dir, seed_hash(seed), items, extra={"public": True} if bank_spec.public else None)


def _remove_stale(out_dir: Path, keep: set[str]) -> None:
    """Delete pickles an earlier build of this folder listed that the new spec no longer has."""
    try:
        old = load_bank(out_dir)
    except BankError:
        return
    for entry in old.entries:
        if entry.name not in keep:
            (out_dir / f"{entry.name}.pkl").unlink(missing_ok=True)


def _recheck(bank: Bank, entry: BankEntry) -> tuple[bool, list[str]]:
    obj = bank.objective(entry.name)
    x_star, bounds = np.array(entry.x_star), np.array(entry.bounds)
    vseed = int(bank.seed_hash[:12], 16) ^ instance_seed(0, entry.name, entry.dim, 0, purpose="recheck")
    fig = verify_minimum(obj, x_star, entry.f_star, bounds, float(getattr(obj, "out_scale", 1.0)), vseed,
                         samples=10000 + 1000 * entry.dim, polish_starts=6)
    problems = [] if fig["exact"] else ["f(x*) != f*"]
    if fig["margin"] < -fig["tolerance"]:
        problems.append(f"found {fig['best_found']:.10g} < f*")
    for m in entry.local_minima:
        value = obj.value(np.array(m.x))
        if not abs(value - m.f) <= 1e-8 * max(1.0, abs(m.f)) or not m.f - entry.f_star > entry.target:
            problems.append(f"local minimum f={m.f:.6g} does not hold")
    if obj.noisy and obj.evaluate(x_star + 0.1, 17) != obj.evaluate(x_star + 0.1, 17):
        problems.append("noise does not replay")
    row = [entry.name, ",".join(entry.kinds), str(entry.dim), "yes" if fig["exact"] else "NO",
           str(fig["samples"]), f"{fig['margin']:.3g}", f"{fig['tolerance']:.1g}",
           str(len(entry.local_minima)), "pass" if not problems else "FAIL: " + "; ".join(problems)]
    return not problems, row


def verify_bank(path: Path) -> tuple[bool, str]:
    """Re-check every file hash (load_bank) and every minimum with fresh samples; (all passed, table)."""
    bank = load_bank(Path(path))
    head = ["name", "kinds", "dim", "f(x*)==f*", "samples", "best-f*", "tol", "local", "result"]
    rows, ok = [], True
    for entry in bank.entries:
        try:
            passed, row = _recheck(bank, entry)
        except BankError as exc:
            passed, row = False, [entry.name, ",".join(entry.kinds), str(entry.dim)] + ["-"] * 5 + [f"FAIL: {exc}"]
        ok &= passed
        rows.append(row)
    kinds = sorted({k for e in bank.entries for k in e.kinds})
    missing = [k for k in KINDS if k not in kinds]
    dims = sorted({e.dim for e in bank.entries})
    failed = sum(r[-1] != "pass" for r in rows)
    lines = [f"bank {bank.path}: {len(bank.entries)} objectives, hashes match bank.json (bank hash {bank.hash[:12]})",
             render_table(head, rows),
             f"kinds: {', '.join(kinds)}" + (f" (not covered: {', '.join(missing)})" if missing else " (all kinds)"),
             f"dims: {', '.join(map(str, dims))}",
             "all objectives pass" if ok else f"{failed} objective(s) FAILED verification"]
    return ok, "\n".join(lines)

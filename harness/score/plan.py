"""Which calls to make: minimize trials (objective x start x seed) and gradient probes, drawn deterministically."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from harness.errors import RubricError
from harness.score.rubric import KIND_TAGS, Rubric

START_KINDS = ("fixed", "uniform", "local_basin")


@dataclass(frozen=True)
class PlannedTrial:
    """One minimize call to make; `seed` seeds the child's RNGs, `target` is the success gap."""

    objective: str
    start: int
    start_kind: str  # "fixed" | "uniform" | "local_basin" | "own" (see TrialPlan.minimize_trials_for)
    seed: int
    x0: tuple[float, ...]
    budget: int
    target: float
    rubric_seed: int

    @property
    def trial_id(self) -> str:
        return f"{self.objective}#{self.start}@{self.rubric_seed}"


@dataclass(frozen=True)
class PlannedProbe:
    """One gradient(func, x) call to make."""

    objective: str
    probe: int
    x: tuple[float, ...]
    seed: int
    budget: int

    @property
    def trial_id(self) -> str:
        return f"{self.objective}~{self.probe}"


@dataclass(frozen=True)
class TrialPlan:
    """Everything to run for one submission; the same bank and rubric give the same plan."""

    bank_hash: str
    rubric_hash: str
    objectives: tuple[str, ...]
    trials: tuple[PlannedTrial, ...]
    probes: tuple[PlannedProbe, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain data for results.json, enough to replay any trial."""
        return {
            "bank_hash": self.bank_hash, "rubric_hash": self.rubric_hash, "objectives": list(self.objectives),
            "trials": [{"objective": t.objective, "start": t.start, "start_kind": t.start_kind, "seed": t.seed,
                        "rubric_seed": t.rubric_seed, "x0": list(t.x0), "budget": t.budget, "target": t.target}
                       for t in self.trials],
            "gradient_probes": [{"objective": p.objective, "probe": p.probe, "x": list(p.x), "seed": p.seed,
                                 "budget": p.budget} for p in self.probes],
        }

    @property
    def gradient_probes(self) -> tuple[PlannedProbe, ...]:
        return self.probes

    def objective_names(self) -> tuple[str, ...]:
        return self.objectives

    def minimize_trials_for(self, own_start: bool) -> tuple[PlannedTrial, ...]:
        """The trials to run; for a minimize(func) that picks its own start, each keeps its seed and is marked
        start_kind "own" with no x0 (scoring still knows from the plan which were local-basin trials)."""
        if not own_start:
            return self.trials
        return tuple(replace(t, start_kind="own", x0=()) for t in self.trials)

    def trial(self, objective: str, start: int, seed: int) -> PlannedTrial:
        """The planned trial a TrialResult came from (its seed is the trial seed)."""
        for t in self.trials:
            if (t.objective, t.start, t.seed) == (objective, start, seed):
                return t
        raise KeyError((objective, start, seed))


def name_hash(name: str) -> int:
    """A stable 32-bit hash of a name (Python's hash() changes between runs)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")


def derived_seed(*parts: int | str) -> int:
    """A stable 31-bit seed from a tuple of ints and names."""
    text = "/".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") & 0x7FFFFFFF


def select_entries(bank: Any, rubric: Rubric) -> list[Any]:
    """The bank entries the rubric asks for, sorted by name; unknown names or tags are RubricErrors."""
    entries = sorted(bank.entries, key=lambda e: e.name)
    names = {e.name for e in entries}
    for key in ("budget.overrides", "targets"):
        table = rubric.budget_overrides if key == "budget.overrides" else rubric.targets
        for name in sorted(table):
            if name not in names:
                raise _unknown(rubric, f"{key}.{name}", name, names, bank)
    if not rubric.objectives:
        return entries
    chosen: set[str] = set()
    for i, item in enumerate(rubric.objectives):
        if item in names:
            chosen.add(item)
        elif item in KIND_TAGS:
            tagged = {e.name for e in entries if item in e.kinds}
            if not tagged:
                raise RubricError(f"{rubric.where(f'objectives[{i}]')}: field `objectives[{i}]` is the kind tag "
                                  f"{item!r}, but no objective of the bank at {bank.path} has it; remove it or "
                                  f"use another bank")
            chosen |= tagged
        else:
            raise _unknown(rubric, f"objectives[{i}]", item, names, bank)
    return [e for e in entries if e.name in chosen]


def _unknown(rubric: Rubric, key: str, name: str, names: set[str], bank: Any) -> RubricError:
    import difflib

    near = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return RubricError(f"{rubric.where(key)}: field `{key}` names {name!r}, which is neither an objective of the "
                       f"bank at {bank.path} nor a kind tag; {hint}run `harness bank list {bank.path}` "
                       f"for the names")


def budget_for(entry: Any, rubric: Rubric) -> int:
    """Evaluations allowed per minimize call (Rubric.budget_for)."""
    return rubric.budget_for(entry)


def target_for(entry: Any, rubric: Rubric) -> float:
    """The success gap for an objective (Rubric.target_for)."""
    return rubric.target_for(entry)


def is_probe_objective(entry: Any) -> bool:
    """Gradients are compared only where the true gradient is meaningful: smooth and noise-free."""
    kinds = set(entry.kinds)
    return bool(kinds & {"smooth", "ill-conditioned"}) and not entry.noisy and not kinds & {"noisy", "non-smooth"}


def _uniform(rng: np.random.Generator, box: Any, count: int) -> list[tuple[float, ...]]:
    lo = np.array([b[0] for b in box], dtype=float)
    hi = np.array([b[1] for b in box], dtype=float)
    return [tuple(float(v) for v in lo + (hi - lo) * rng.random(len(lo))) for _ in range(count)]


def plan_trials(bank: Any, rubric: Rubric) -> TrialPlan:
    """Minimize trials and gradient probes for every selected objective, from numpy Generators seeded by the
    rubric seed and a stable hash of the objective name (so adding an objective leaves the others unchanged)."""
    trials: list[PlannedTrial] = []
    probes: list[PlannedProbe] = []
    entries = select_entries(bank, rubric)
    for entry in entries:
        budget, target = budget_for(entry, rubric), target_for(entry, rubric)
        deceptive = "deceptive" in entry.kinds and entry.starts.basin_box is not None
        for rubric_seed in rubric.seeds:
            rng = np.random.default_rng([rubric_seed, name_hash(entry.name)])
            starts = [("fixed", tuple(float(v) for v in p)) for p in entry.starts.fixed]
            starts += [("uniform", p) for p in _uniform(rng, entry.starts.box, rubric.starts_per_objective)]
            if deceptive:
                basin = _uniform(rng, entry.starts.basin_box, rubric.local_basin_starts)
                starts += [("local_basin", p) for p in basin]
            for index, (kind, x0) in enumerate(starts):
                trials.append(PlannedTrial(
                    objective=entry.name, start=index, start_kind=kind,
                    seed=derived_seed(rubric_seed, entry.name, index), x0=x0, budget=budget, target=target,
                    rubric_seed=rubric_seed))
        if rubric.gradient_probes and is_probe_objective(entry):
            rng = np.random.default_rng([rubric.seeds[0], name_hash(entry.name), 1])
            for index, x in enumerate(_uniform(rng, entry.bounds, rubric.gradient_probes)):
                probes.append(PlannedProbe(objective=entry.name, probe=index, x=x,
                                           seed=derived_seed(rubric.seeds[0], entry.name, "probe", index),
                                           budget=rubric.gradient_budget(entry)))
    return TrialPlan(bank_hash=bank.hash, rubric_hash=rubric.hash, objectives=tuple(e.name for e in entries),
                     trials=tuple(trials), probes=tuple(probes))

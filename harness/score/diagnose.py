"""Plain-words findings from the evidence, most important first, each citing its runs (never x* or f*)."""

from __future__ import annotations

import re
from collections import defaultdict
from statistics import median

from harness.results import GradientProbe, PolicyFlag, TrialResult, TrialStatus
from harness.score.judge import POINT_AND_DIFFERENCE
from harness.score.metrics import CLEAN_STATUSES, ObjectiveStats
from harness.score.policy import flag_modules
from harness.score.rubric import Rubric

MAX_DIAGNOSES = 8
DIVERGED_GAP = 1e12  # a returned gap this large ...
DIVERGED_FACTOR = 1e6  # ... and this many times the best evaluated gap counts as diverged
MAX_CITED = 4
_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
SeedLabels = dict[tuple[str, int, int], int] | None


def cite(trials: list[TrialResult], seeds: SeedLabels) -> str:
    """'(runs a#0, a#1 and 3 more)': which runs a sentence rests on; with several rubric seeds, 'a#0@1' is
    start 0 of rubric seed 1."""
    ids = sorted(f"{t.objective}#{t.start}" + (f"@{seeds.get((t.objective, t.start, t.seed), '?')}" if seeds else "")
                 for t in trials)
    shown = ", ".join(ids[:MAX_CITED])
    more = f" and {len(ids) - MAX_CITED} more" if len(ids) > MAX_CITED else ""
    return f"(runs {shown}{more})"


def _head(message: str, limit: int = 160) -> str:
    """The first line of a message without the 'minimize raised' lead, trimmed to a phrase."""
    text = (message or "").strip()
    line = text.splitlines()[0] if text else ""
    line = re.sub(r"^(minimize|gradient) raised ", "", line)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _exception(message: str) -> str:
    """The exception class a message names ('ValueError'), or the message's first clause."""
    head = _head(message)
    match = re.match(r"([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning))\b", head)
    return match.group(1) if match else head.split("; ")[0]


def _dimension_pattern(group: list[TrialResult], dims: dict[str, int], all_trials: list[TrialResult]) -> str | None:
    """'above 2-D' or 'that is not 2-D' when a failure hits every run of some dimensions and none of the rest."""
    failing = {id(t) for t in group}
    by_dim: dict[int, list[TrialResult]] = defaultdict(list)
    for t in all_trials:
        by_dim[dims[t.objective]].append(t)
    ok_dims = sorted(d for d, ts in by_dim.items() if not any(id(t) in failing for t in ts))
    bad_dims = sorted(d for d, ts in by_dim.items() if all(id(t) in failing for t in ts))
    if not ok_dims or not bad_dims or len(ok_dims) + len(bad_dims) != len(by_dim):
        return None
    if min(bad_dims) > max(ok_dims):
        return f"above {max(ok_dims)}-D"
    if len(ok_dims) == 1:
        return f"that is not {ok_dims[0]}-D"
    return None


def _failure_sentence(status: TrialStatus, group: list[TrialResult], total: int, rubric: Rubric,
                      dims: dict[str, int], all_trials: list[TrialResult], seeds: SeedLabels) -> str:
    n = len(group)
    where = cite(group, seeds)
    example = min(group, key=lambda t: (dims[t.objective], t.objective, t.start, t.seed))
    head = _head(example.message)
    if status is TrialStatus.ERROR:
        pattern = _dimension_pattern(group, dims, all_trials)
        if pattern is not None:
            k = int(re.search(r"(\d+)-D", pattern).group(1))
            word = _WORDS.get(k, str(k))
            return (f"assumes {word} input{'s' if k != 1 else ''}: minimize fails on every objective {pattern} "
                    f"({n} of {total} runs), e.g. on the {dims[example.objective]}-D {example.objective}: {head} "
                    f"{where}")
        return f"minimize raised {head} in {n} of {total} runs {where}"
    if status is TrialStatus.BAD_RETURN:
        return f"{head} ({n} of {total} runs, each scored on its best evaluated point) {where}"
    text = {
        TrialStatus.TIMEOUT: f"ran past the {rubric.wall_s:g} s time limit",
        TrialStatus.MEMORY: f"ran out of memory (limit {rubric.memory_mb} MB)",
        TrialStatus.CPU: f"used up the {rubric.cpu_s:g} s CPU-time limit",
        TrialStatus.CRASHED: f"crashed the process ({head})" if head else "crashed the process",
        TrialStatus.KILLED: f"was stopped by the grader ({head})" if head else "was stopped by the grader",
        TrialStatus.POLICY: f"was stopped by a rubric policy ({head})",
    }.get(status, f"ended with status {status.value}")
    return f"{text} in {n} of {total} runs {where}"


def _failures(trials: list[TrialResult], rubric: Rubric, dims: dict[str, int], seeds: SeedLabels) -> list[str]:
    groups: dict[tuple[str, str], list[TrialResult]] = defaultdict(list)
    for t in trials:
        if t.status not in CLEAN_STATUSES:
            key = _exception(t.message) if t.status is TrialStatus.ERROR else ""
            groups[(t.status.value, key)].append(t)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [_failure_sentence(TrialStatus(status), group, len(trials), rubric, dims, trials, seeds)
            for (status, _), group in ordered]


def _budget(trials: list[TrialResult], seeds: SeedLabels) -> list[str]:
    hit = [t for t in trials if t.status is TrialStatus.BUDGET_EXHAUSTED]
    if not hit or 2 * len(hit) < len(trials):
        return []
    lead = "never stops" if len(hit) == len(trials) else "rarely stops on its own"
    return [f"{lead}: hit the evaluation budget in {len(hit)} of {len(trials)} runs {cite(hit, seeds)}"]


def _idle(trials: list[TrialResult], seeds: SeedLabels) -> list[str]:
    """Runs that ended cleanly without a single evaluation: the start came back unexplored."""
    idle = [t for t in trials if t.evaluations == 0 and t.status in CLEAN_STATUSES]
    if not idle:
        return []
    return [f"returned without calling func in {len(idle)} of {len(trials)} runs: minimize must search, "
            f"not hand back its start {cite(idle, seeds)}"]


def _diverged(trials: list[TrialResult], seeds: SeedLabels) -> list[str]:
    """Runs whose returned point is astronomically worse than the best point they evaluated: steps that grow."""
    blown = [t for t in trials if t.f_gap is not None and t.scored_on == "returned" and t.convergence
             and t.f_gap > DIVERGED_GAP and t.f_gap > DIVERGED_FACTOR * max(t.convergence[-1][1], 1e-300)]
    if not blown:
        return []
    worst = max(blown, key=lambda t: (t.f_gap, t.objective))
    names = sorted({t.objective for t in blown})
    return [f"diverges: the returned point is far worse than the best point it evaluated in {len(blown)} of "
            f"{len(trials)} runs (gap {worst.f_gap:.2g} on {worst.objective}), typical of a fixed step too large for "
            f"the objective's curvature; on {', '.join(names[:MAX_CITED])}"
            f"{' and more' if len(names) > MAX_CITED else ''} {cite(blown, seeds)}"]


def _stuck(stats: list[ObjectiveStats], seeds: SeedLabels) -> list[str]:
    out = []
    rows = [(s, [t for t in s.basin if t.basin.startswith("local") and t.evaluations > 0]) for s in stats]
    rows = [(s, stuck) for s, stuck in rows if stuck]
    if len(rows) == 1:
        s, stuck = rows[0]
        out.append(f"stuck in the local minimum near the start on the deceptive {s.dim}-D objective {s.name} "
                   f"from {len(stuck)} of {len(s.basin)} starts {cite(stuck, seeds)}")
    elif rows:
        parts = [f"{s.name} ({s.dim}-D, {len(stuck)} of {len(s.basin)} starts)" for s, stuck in rows]
        out.append(f"stuck in the local minimum near the start on {len(rows)} deceptive objectives: "
                   f"{', '.join(parts)} {cite([t for _, stuck in rows for t in stuck], seeds)}")
    for s in stats:
        local = ([t for t in s.main if t.basin.startswith("local") and t.evaluations > 0]
                 if "take-home-2d" in s.kinds else [])
        if local:
            out.append(f"stopped in a local minimum on the take-home 2-D objective {s.name} from "
                       f"{len(local)} of {len(s.main)} starts {cite(local, seeds)}")
    return out


def _unsolved(stats: list[ObjectiveStats], seeds: SeedLabels) -> list[str]:
    rows = [s for s in stats if s.trials and not s.successes and any(t.status in CLEAN_STATUSES for t in s.trials)]
    if not rows:
        return []
    parts = [f"{s.name} ({s.dim}-D, best gap {s.best_gap:.3g} against a target of {s.target:.3g})"
             if s.best_gap is not None else f"{s.name} ({s.dim}-D)" for s in rows[:MAX_CITED]]
    more = f" and {len(rows) - MAX_CITED} more" if len(rows) > MAX_CITED else ""
    noun = "one objective" if len(rows) == 1 else f"{len(rows)} objectives"
    return [f"never reached the target on {noun}: {'; '.join(parts)}{more}"]


def _gradient(probes: tuple[GradientProbe, ...], dims: dict[str, int]) -> list[str]:
    if not probes:
        return []
    out = []
    pairs = [p for p in probes if p.returned_kind == "point_and_difference"]
    if pairs:
        out.append(f"{POINT_AND_DIFFERENCE} ({len(pairs)} of {len(probes)} probes)")
    failed = [p for p in probes if p.status is not TrialStatus.OK and p.returned_kind != "point_and_difference"]
    if failed:
        example = min(failed, key=lambda p: (dims[p.objective], p.objective))
        out.append(f"gradient failed at {len(failed)} of {len(probes)} probes, e.g. on the "
                   f"{dims[example.objective]}-D {example.objective}: {_head(example.message) or example.status.value}")
    ok = [p for p in probes if p.status is TrialStatus.OK and p.rel_error is not None]
    if ok:
        err = median(p.rel_error for p in ok)
        if err > 1e-2:
            out.append(f"gradient is inaccurate: median relative error {100 * err:.0f}% over {len(ok)} probes "
                       f"(typical of a finite-difference step that is far too large)")
        wrong = [p for p in ok if p.cosine is not None and p.cosine < 0.9]
        if wrong:
            out.append(f"gradient points away from the true gradient (cosine below 0.9) at {len(wrong)} of "
                       f"{len(ok)} probes")
        heavy = [p for p in ok if p.evaluations > 2 * dims[p.objective] + 2]
        if heavy:
            p = max(heavy, key=lambda q: (q.evaluations / dims[q.objective], q.objective))
            d = dims[p.objective]
            out.append(f"gradient is expensive: {p.evaluations} evaluations per call on the {d}-D objective "
                       f"{p.objective} (central differences need {2 * d}, forward ones {d + 1})")
    return out


def _random_floor(stats: list[ObjectiveStats]) -> list[str]:
    rows = [s for s in stats if s.beats_random and 2 * sum(s.beats_random) < len(s.beats_random)
            and any(t.status in CLEAN_STATUSES for t in s.trials)]
    if not rows:
        return []
    names = ", ".join(f"{s.name} (beat it in only {sum(s.beats_random)} of {len(s.beats_random)} runs)"
                      for s in rows[:MAX_CITED])
    more = f" and {len(rows) - MAX_CITED} more" if len(rows) > MAX_CITED else ""
    return [f"does no better than uniform random search with the same budget on {names}{more}"]


def diagnose(stats: list[ObjectiveStats], probes: tuple[GradientProbe, ...], flags: tuple[PolicyFlag, ...],
             rubric: Rubric, policy_note: str) -> tuple[str, ...]:
    """A few sentences a candidate can act on, most important first."""
    trials = [t for s in stats for t in s.trials]
    dims = {s.name: s.dim for s in stats}
    seeds = ({(t.objective, t.start, t.seed): rs for s in stats for t, rs in zip(s.trials, s.rubric_seeds)}
             if len(rubric.seeds) > 1 else None)
    out: list[str] = []
    mods = flag_modules(flags, rubric)
    if mods:
        consequence = f"; {policy_note}" if policy_note else ""
        out.append(f"used {', '.join(mods)} (not allowed by this rubric){consequence}")
    out += _failures(trials, rubric, dims, seeds)
    out += _idle(trials, seeds)
    out += _diverged(trials, seeds)
    out += _budget(trials, seeds)
    out += _stuck(stats, seeds)
    out += _unsolved(stats, seeds)
    out += _gradient(probes, dims)
    out += _random_floor(stats)
    if not out and trials:
        out.append(f"reached the target in {sum(t.success for t in trials)} of {len(trials)} runs, all within "
                   f"the budget, with no crashes")
    return tuple(s[0].upper() + s[1:] for s in out[:MAX_DIAGNOSES])

"""The from-scratch policy: which imports count as library optimizers, and what tripping it costs."""

from __future__ import annotations

import re
from typing import Iterable

from harness.results import PolicyFlag
from harness.score.rubric import Rubric

FROM_SCRATCH = "from_scratch"


def forbidden_match(module: str, forbidden: Iterable[str]) -> str | None:
    """The forbidden entry covering `module` (itself or a parent package), if any."""
    for name in sorted(forbidden):
        if module == name or module.startswith(name + "."):
            return name
    return None


def policy_flags_from_imports(rubric: Rubric, modules: Iterable[str]) -> tuple[PolicyFlag, ...]:
    """Run-time flags from the modules the child saw imported (one flag per forbidden entry)."""
    if rubric.from_scratch == "off":
        return ()
    hits: dict[str, list[str]] = {}
    for module in sorted(set(modules)):
        name = forbidden_match(module, rubric.forbidden_modules)
        if name:
            hits.setdefault(name, []).append(module)
    return tuple(PolicyFlag(policy=FROM_SCRATCH, evidence=f"imported {name} at run time"
                            + (f" ({', '.join(mods[:3])})" if mods != [name] else ""))
                 for name, mods in sorted(hits.items()))


def runtime_policy_flags(modules: Iterable[str], rubric: Rubric) -> tuple[PolicyFlag, ...]:
    """policy_flags_from_imports with the pipeline's argument order."""
    return policy_flags_from_imports(rubric, modules)


def applicable_flags(rubric: Rubric, flags: Iterable[PolicyFlag]) -> tuple[PolicyFlag, ...]:
    """The flags this rubric enforces: from-scratch flags naming one of its forbidden modules, deduplicated."""
    if rubric.from_scratch == "off":
        return ()
    out: dict[tuple[str, str], PolicyFlag] = {}
    for flag in flags:
        if flag.policy != FROM_SCRATCH:
            out[(flag.policy, flag.evidence)] = flag
            continue
        named = re.findall(r"[A-Za-z_][\w.]*", flag.evidence)
        if any(forbidden_match(word, rubric.forbidden_modules) for word in named):
            out[(flag.policy, flag.evidence)] = flag
    return tuple(out[k] for k in sorted(out))


def apply_policy(rubric: Rubric, score: float, flags: tuple[PolicyFlag, ...]) -> tuple[float, str]:
    """The score after the from-scratch consequence, and a note saying what happened ("" when nothing)."""
    if not any(f.policy == FROM_SCRATCH for f in flags):
        return score, ""
    if rubric.from_scratch == "zero":
        return 0.0, "score set to 0: this rubric does not allow library optimizers (policies.from_scratch: zero)"
    if rubric.from_scratch == "cap" and rubric.from_scratch_cap is not None and score > rubric.from_scratch_cap:
        cap = rubric.from_scratch_cap
        return cap, (f"score capped at {cap:g} (was {score:.1f}): this rubric caps submissions that use library "
                     f"optimizers (policies.from_scratch: cap:{cap:g})")
    return score, "flagged: uses a library optimizer (policies.from_scratch: flag, no score change)"


def flag_modules(flags: Iterable[PolicyFlag], rubric: Rubric) -> list[str]:
    """The forbidden module names the flags mention, sorted."""
    names = set()
    for flag in flags:
        for word in re.findall(r"[A-Za-z_][\w.]*", flag.evidence):
            hit = forbidden_match(word, rubric.forbidden_modules)
            if hit:
                names.add(word if word.count(".") >= hit.count(".") else hit)
    return sorted(names)

"""Which file is the entry and which of its callables are `minimize` and `gradient`.

Within a module, defined functions beat imported names, the canonical name beats aliases, and module-level
functions beat methods of a class. Across files: files offering both functions first, then names like
solution/main/submission, then the shallowest, then alphabetical order; the note says which rule decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from harness.load.names import gradient_rank, minimize_rank
from harness.load.scan import FuncInfo, ModuleScan, constructor_problem, methods

PREFERRED_STEMS = ("solution", "main", "submission", "answer", "minimize", "minimise", "optimizer", "optimize",
                   "candidate", "take_home", "takehome")
_NO_RANK = 1000


@dataclass(frozen=True)
class Found:
    """The callables one module offers for each phase, with notes on how they were found."""

    minimize: FuncInfo | None
    gradient: FuncInfo | None
    notes: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return (self.minimize is not None) + (self.gradient is not None)


def _best(candidates: list[tuple[tuple[int, ...], FuncInfo]]) -> FuncInfo | None:
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _module_level(scan: ModuleScan, ranker: Callable[[str], int | None],
                  scans: dict[str, ModuleScan]) -> FuncInfo | None:
    ranked = []
    for name, info in scan.functions.items():
        rank = ranker(name)
        if rank is not None:
            ranked.append(((info.node is None, rank, info.line), _resolve_local(info, scan, scans)))
    return _best(ranked)


def _resolve_local(info: FuncInfo, scan: ModuleScan, scans: dict[str, ModuleScan]) -> FuncInfo:
    """`from helpers import minimize`, where helpers.py is in the submission: use its definition."""
    if info.node is not None or not info.imported_from:
        return info
    _, original, _ = scan.imports.get(info.name, ("", info.name, 0))
    folder = scan.rel.rsplit("/", 1)[0] + "/" if "/" in scan.rel else ""
    module_path = info.imported_from.replace(".", "/") + ".py"
    for rel in (folder + module_path, module_path):
        other = scans.get(rel)
        if other is not None and original in other.functions and other.functions[original].node is not None:
            defined = other.functions[original]
            return FuncInfo(info.name, info.target, defined.node, defined.line, defined.rel,
                            alias_of=original if original != info.name else "")
    return info


def find_functions(scan: ModuleScan, scans: dict[str, ModuleScan]) -> Found:
    """The module's minimize and gradient (functions first, then a class's methods)."""
    minimize = _module_level(scan, minimize_rank, scans)
    gradient = _module_level(scan, gradient_rank, scans)
    if gradient is not None and minimize is not None and gradient.node is minimize.node and gradient.node:
        gradient = None  # one function cannot be both; a name like optimize_gradient is taken as minimize
    notes: list[str] = []
    if minimize is None or gradient is None:
        best_class = None
        best_key = None
        for cls in scan.classes.values():
            found = methods(cls, scan.rel)
            m = _best([((r, f.line), f) for n, f in found.items() if (r := minimize_rank(n)) is not None])
            g = _best([((r, f.line), f) for n, f in found.items() if (r := gradient_rank(n)) is not None])
            useful = (m is not None and minimize is None) + (g is not None and gradient is None)
            if useful and (best_key is None or -useful < best_key):
                best_class, best_key = (cls, m, g), -useful
        if best_class is not None:
            cls, m, g = best_class
            minimize = minimize or m
            gradient = gradient or g
            problem = constructor_problem(cls, scan)
            if problem:
                notes.append(problem)
    return Found(minimize, gradient, tuple(notes))


def _file_key(rel: str, found: Found) -> tuple[int, bool, bool, int, int, str]:
    stem = rel.rsplit("/", 1)[-1][:-3].lower()
    is_test = stem.startswith("test_") or stem.endswith("_test") or stem in ("conftest", "setup")
    ranks = ((minimize_rank(found.minimize.name) or 0) if found.minimize else _NO_RANK) + (
        (gradient_rank(found.gradient.name) or 0) if found.gradient else _NO_RANK)
    return (-found.count, is_test, stem not in PREFERRED_STEMS, rel.count("/"), ranks, rel)


_REASONS = ("it defines both minimize and gradient", "the others look like tests", "its name",
            "it is the shallowest", "its functions have the canonical names", "alphabetical order")


def choose_entry(scans: dict[str, ModuleScan]) -> tuple[str, Found, str] | None:
    """(entry rel path, what it offers, note when several files competed) or None when no file offers any."""
    offers = {rel: find_functions(scan, scans) for rel, scan in scans.items()}
    ranked = sorted(((_file_key(rel, f), rel) for rel, f in offers.items() if f.count), key=lambda k: k[0])
    if not ranked:
        return None
    (key, winner) = ranked[0]
    note = ""
    if len(ranked) > 1:
        runner = ranked[1][0]
        decided = next(i for i, (a, b) in enumerate(zip(key, runner)) if a != b) if key != runner else 5
        names = ", ".join(rel for _, rel in ranked[:5]) + (" ..." if len(ranked) > 5 else "")
        note = (f"entry file {winner} chosen from {len(ranked)} candidates ({names}): "
                f"{_REASONS[min(decided, 5)]}")
    return winner, offers[winner], note

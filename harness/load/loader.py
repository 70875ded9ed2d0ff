"""load_submission: a submission path to a `Submission` (status, staged code, call plans, notes), never running it.

The order: read the path into a Tree (folder walk, safe zip read or one file), turn notebooks into .py,
parse every file, choose the entry by what it defines, plan the calls, write the Python files into a fresh
grader-owned folder under staging_root, and flag forbidden imports. Every problem on the way becomes a
status with a message; only an unreadable path raises (SubmissionError).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from harness.errors import SubmissionError
from harness.load.archive import read_zip
from harness.load.discover import (DEFAULT_LIMITS, Limits, LoadProblem, Tree, check_readable, read_folder,
                                   read_source, submission_sha256, submission_id, submission_kind)
from harness.load.entry import PREFERRED_STEMS, choose_entry
from harness.load.hints import function_hints, module_hints
from harness.load.names import GRADIENT_NAMES, MINIMIZE_NAMES
from harness.load.notebook import convert
from harness.load.policy import DEFAULT_FORBIDDEN, flags_for
from harness.load.scan import ModuleScan, scan_module
from harness.load.signatures import plan_call
from harness.load.source import Parsed, parse
from harness.results import Phase, Submission, SubmissionStatus

_DEF_RE = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)|^\s*class\s+(\w+)", re.MULTILINE)


def load_submission(path: Path, staging_root: Path, limits: Limits = DEFAULT_LIMITS) -> Submission:
    """Load one submission; `SubmissionError` only when `path` cannot be read at all."""
    path = Path(path)
    check_readable(path)
    kind = submission_kind(path)
    base = {"id": submission_id(path, set()), "source": str(path), "sha256": submission_sha256(path), "kind": kind}
    notes: list[str] = []
    try:
        tree = _read_tree(path, kind, limits, notes)
        return _load_tree(tree, Path(staging_root), base, notes)
    except LoadProblem as problem:
        return Submission(**base, status=problem.status, message=problem.message, notes=tuple(notes))
    except RecursionError:
        return Submission(**base, status=SubmissionStatus.LOAD_ERROR, notes=tuple(notes),
                          message="the code is nested too deeply to analyse; simplify its deepest expression")


def _read_tree(path: Path, kind: str, limits: Limits, notes: list[str]) -> Tree:
    if kind == "folder":
        return read_folder(path, limits)
    if kind == "archive":
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE, f"{path.name}: tar, rar, 7z and gzip archives are not "
                          "read; submit a .zip, a folder, a .py file or an .ipynb notebook")
    if kind == "zip":
        if path.stat().st_size > limits.total_bytes:
            raise LoadProblem(SubmissionStatus.BAD_ARCHIVE, f"{path.name}: the zip itself is larger than "
                              f"{limits.total_bytes // (1024 * 1024)} MB; submit only the code")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SubmissionError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        return read_zip(data, path.name, limits)
    rel = path.name
    suffix = ".ipynb" if kind == "ipynb" else ".py"
    if not rel.lower().endswith(suffix):
        notes.append(f"{rel} read as {'a notebook' if kind == 'ipynb' else 'Python source'} "
                     f"(its name does not end in {suffix})")
        stem = rel.rsplit(".", 1)[0] if "." in rel else rel
        rel = stem if stem.lower().endswith(suffix) else stem + suffix
    return Tree(sources={rel: read_source(path, rel, limits)})


def _python_files(tree: Tree, kind: str, notes: list[str]) -> tuple[dict[str, bytes], list[LoadProblem]]:
    """The tree's .py files plus its notebooks as .py; broken notebooks in a folder are set aside."""
    files = {rel: data for rel, data in tree.sources.items() if rel.lower().endswith(".py")}
    broken: list[LoadProblem] = []
    for rel in sorted(r for r in tree.sources if r.lower().endswith(".ipynb")):
        try:
            converted = convert(rel, tree.sources[rel])
        except LoadProblem as problem:
            if kind == "ipynb":
                raise
            broken.append(problem)
            notes.append(f"notebook skipped: {problem.message}")
            continue
        target = rel[:-6] + ".py"
        if target in files:
            target = rel[:-6] + "_ipynb.py"
        files[target] = converted.text.encode("utf-8")
        notes.append(f"{rel} converted to {target}: its code cells in order")
        notes.extend(converted.notes)
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        for name, data in converted.extra.items():
            if name.endswith(".py") and ".." not in name and not name.startswith("/") and folder + name not in files:
                files[folder + name] = data
    return files, broken


def _load_tree(tree: Tree, staging_root: Path, base: dict, notes: list[str]) -> Submission:
    notes.extend(tree.notes)
    files, broken_notebooks = _python_files(tree, base["kind"], notes)
    if not files:
        if broken_notebooks:
            raise broken_notebooks[0]
        held = ", ".join(sorted(tree.others)[:8]) or "nothing"
        raise LoadProblem(SubmissionStatus.NO_ENTRY, "no Python (.py) file or notebook (.ipynb) in the "
                          f"submission; it holds: {held}")
    parsed = {rel: parse(rel, data) for rel, data in sorted(files.items())}
    scans = {rel: scan_module(p) for rel, p in parsed.items() if p.tree is not None}
    broken = {rel: p for rel, p in parsed.items() if p.tree is None}
    choice = choose_entry(scans)
    if choice is None:
        flags = flags_for(parsed, min(parsed), DEFAULT_FORBIDDEN)
        if broken:
            rel = _likely_entry(broken)
            others = [r for r in broken if r != rel]
            also = f"\n(also not parseable: {', '.join(others)})" if others else ""
            flags = flags_for(parsed, rel, DEFAULT_FORBIDDEN)
            return Submission(**base, status=SubmissionStatus.SYNTAX_ERROR, message=broken[rel].error + also,
                              entry=rel, notes=tuple(notes), policy_flags=flags)
        return Submission(**base, status=SubmissionStatus.NO_ENTRY, message=_no_entry_message(scans),
                          notes=tuple(notes), policy_flags=flags)
    entry, found, choice_note = choice
    if choice_note:
        notes.append(choice_note)
    notes.extend(found.notes)
    for rel, p in broken.items():
        notes.append(f"{rel} does not parse, so importing it will fail: {p.error.splitlines()[0]}")
    plans = {}
    scan = scans[entry]
    for phase, info in ((Phase.MINIMIZE, found.minimize), (Phase.GRADIENT, found.gradient)):
        if info is None:
            notes.append(f"no {phase.value} function found in {entry} (looked for {_names(phase)}); "
                         f"the {phase.value} criteria cannot be scored")
            plans[phase] = None
            continue
        plan = plan_call(info, phase)
        plans[phase] = plan
        if plan.note:
            notes.append(f"{phase.value}: {plan.note}")
        notes.extend(function_hints(info, plan, phase, scans.get(info.rel, scan)))
    notes.extend(module_hints(scan, set(files), set(tree.others)))
    others = sorted(tree.others)
    if others:
        notes.append("not staged (only Python files run in the sandbox): " + ", ".join(others[:5])
                     + (f" and {len(others) - 5} more" if len(others) > 5 else ""))
    code_dir = _stage(files, staging_root, base["id"])
    return Submission(**base, status=SubmissionStatus.GRADED, code_dir=str(code_dir), entry=entry,
                      minimize=plans[Phase.MINIMIZE], gradient=plans[Phase.GRADIENT], notes=tuple(notes),
                      policy_flags=flags_for(parsed, entry, DEFAULT_FORBIDDEN))


def _names(phase: Phase) -> str:
    names = MINIMIZE_NAMES if phase is Phase.MINIMIZE else GRADIENT_NAMES
    return ", ".join(names[:4]) + " ..."


def _likely_entry(broken: dict[str, Parsed]) -> str:
    """Among files that do not parse, the one that most looks like it defines minimize/gradient."""
    def key(rel: str) -> tuple:
        defs = [m.group(1) or "" for m in _DEF_RE.finditer(broken[rel].text)]
        hits = sum(1 for d in defs if d in MINIMIZE_NAMES or d in GRADIENT_NAMES)
        stem = rel.rsplit("/", 1)[-1][:-3].lower()
        return (-hits, stem not in PREFERRED_STEMS, rel.count("/"), rel)
    return min(broken, key=key)


def _no_entry_message(scans: dict[str, ModuleScan]) -> str:
    """Say what the files do define, and where a misplaced minimize/gradient sits."""
    parts = []
    for rel, scan in scans.items():
        defined = scan.defined()
        parts.append(f"{rel} defines {', '.join(defined[:12]) if defined else 'no functions or classes'}")
        for name, line in scan.main_only.items():
            if name in MINIMIZE_NAMES or name in GRADIENT_NAMES:
                parts.append(f"{rel}: {name} is defined under `if __name__ == \"__main__\":` (line {line}), which "
                             "does not run when graded; move it to the top level")
        for name, line in scan.assigned.items():
            if name in MINIMIZE_NAMES or name in GRADIENT_NAMES:
                parts.append(f"{rel}: {name} is assigned a value (line {line}), not defined as a function")
        for name, where in scan.nested.items():
            if name in MINIMIZE_NAMES or name in GRADIENT_NAMES:
                parts.append(f"{rel}: {name} is defined {where}; move it to the top level")
    return ("no minimize or gradient function (nor an alias such as minimise, optimize, gradient_descent, grad) "
            "found; expected `def minimize(func, x0)` and `def gradient(func, x)`. " + "; ".join(parts[:10]))


def _stage(files: dict[str, bytes], staging_root: Path, sid: str) -> Path:
    """Write the Python files into a fresh folder under staging_root (mode 0755/0644) and return it.

    A staging root that cannot be written is the grader's problem (SubmissionError); a file name the disk
    refuses (too long, both a file and a folder) is the submission's (load_error), and nothing is left behind.
    """
    try:
        staging_root.mkdir(parents=True, exist_ok=True)
        code_dir = Path(tempfile.mkdtemp(prefix=f"{sid}-", dir=staging_root))
        os.chmod(code_dir, 0o755)
    except OSError as exc:
        raise SubmissionError(f"{staging_root}: cannot stage the submission's files there "
                              f"({exc.strerror or exc}); give a writable staging folder") from None
    for rel, data in sorted(files.items()):
        dest = code_dir / rel
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "xb") as fh:
                fh.write(data)
            os.chmod(dest, 0o644)
        except OSError as exc:
            shutil.rmtree(code_dir, ignore_errors=True)
            raise LoadProblem(SubmissionStatus.LOAD_ERROR, f"{rel}: cannot be written as a file "
                              f"({exc.strerror or exc}); rename it (a shorter name, not also a folder's)") from None
    return code_dir

"""Stage outputs: frozen dataclasses with a `status` from a small enum, and the results.json file.

Every stage may import this module; it imports nothing of the harness but errors. The shapes here are the
contract between stages (and, through results.json, with users' scripts): change them with a schema bump.
Timing fields end in `_s`; everything else in results.json is deterministic for the same inputs.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import re
import tempfile
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ResultsError

SCHEMA_VERSION = 1


class TrialStatus(str, enum.Enum):
    """How one call into candidate code ended (DESIGN.md, 'Trial statuses')."""

    OK = "ok"
    ERROR = "error"  # the candidate's code raised
    TIMEOUT = "timeout"  # wall-clock limit, enforced by the grader
    MEMORY = "memory"  # address-space limit (MemoryError or killed for memory)
    CPU = "cpu"  # CPU-seconds limit (SIGXCPU)
    CRASHED = "crashed"  # the child died on its own (os._exit, segfault, signal) without a result
    KILLED = "killed"  # the grader killed it for another limit (output flood, protocol abuse)
    BUDGET_EXHAUSTED = "budget_exhausted"  # used every evaluation; scored on its best evaluated point
    BAD_RETURN = "bad_return"  # returned something that is not a point / gradient vector
    POLICY = "policy"  # stopped by a rubric policy


class SubmissionStatus(str, enum.Enum):
    """Whether a submission could be graded at all."""

    GRADED = "graded"
    SYNTAX_ERROR = "syntax_error"
    LOAD_ERROR = "load_error"
    NO_ENTRY = "no_entry"  # no minimize/gradient (or alias) found
    BAD_ARCHIVE = "bad_archive"  # unsafe or unreadable zip / notebook


class Phase(str, enum.Enum):
    """Which candidate function a call ran."""

    MINIMIZE = "minimize"
    GRADIENT = "gradient"


@dataclass(frozen=True)
class CallPlan:
    """How the child calls one candidate function; JSON-serialisable, decided by the loader.

    `target` is a name in the entry module ("minimize") or "Class.method" (the class is built with no
    arguments). `args` lists positional roles in order and `kwargs` maps keyword names to roles; roles are
    "func", "x0" (minimize start), "x" (gradient point) and "bounds". `own_start` is true for `minimize(func)`.
    """

    target: str
    args: tuple[str, ...]
    kwargs: dict[str, str] = field(default_factory=dict)
    own_start: bool = False
    note: str = ""  # the adapter note shown in the report ("" when canonical)

    def to_json(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True)
class PolicyFlag:
    """A rubric policy that a submission tripped, with where it was seen."""

    policy: str  # e.g. "from_scratch"
    evidence: str  # e.g. "solution.py:3 imports scipy.optimize" or "imported scipy.optimize at run time"


@dataclass(frozen=True)
class Submission:
    """The loader's output: what to run and how, or why it cannot be run."""

    id: str
    source: str  # the path the user gave
    sha256: str  # of the submission's bytes (files in sorted order for folders)
    kind: str  # "py" | "ipynb" | "folder" | "zip" | "archive" (tar/rar/7z: never read, always bad_archive)
    status: SubmissionStatus
    message: str = ""
    code_dir: str = ""  # grader-owned staging folder with the candidate's files (copied into the sandbox)
    entry: str = ""  # path of the entry file, relative to code_dir
    minimize: CallPlan | None = None
    gradient: CallPlan | None = None
    notes: tuple[str, ...] = ()
    policy_flags: tuple[PolicyFlag, ...] = ()  # found statically


@dataclass(frozen=True)
class CallOutcome:
    """What one sandboxed call into candidate code produced (the capture helper's result).

    `returned` is the point (minimize) or vector (gradient) as floats once it passed the grader's checks;
    `best_x`/`best_f` are the best *evaluated* point by its noise-free value, and that value. `trajectory` holds
    (1-based evaluation index, noise-free value) pairs: every improvement of the best-so-far up to a cap, then
    thinned; `path` the evaluated points for objectives of dim <= 2 (downsampled past a cap).
    """

    status: TrialStatus
    message: str
    phase: Phase
    evaluations: int
    returned: tuple[float, ...] | None = None
    returned_kind: str = ""  # "x", "(x, fx)", "dict", "object", "point_and_difference", "none", ...
    returned_fx: float | None = None
    best_x: tuple[float, ...] | None = None
    best_f: float | None = None
    first_hit: int | None = None  # 1-based evaluation whose noise-free value first reached the target value
    trajectory: tuple[tuple[int, float], ...] = ()
    path: tuple[tuple[float, ...], ...] = ()
    stdout_head: str = ""
    stdout_tail: str = ""
    stdout_bytes: int = 0
    stderr_head: str = ""
    stderr_tail: str = ""
    stderr_bytes: int = 0
    imported_modules: tuple[str, ...] = ()
    load_notes: tuple[str, ...] = ()  # e.g. "line 40: open('objective.pkl') failed (FileNotFoundError); skipped"
    sandbox: str = ""  # "bwrap" or "plain (no bubblewrap: weaker isolation)"
    wall_s: float = 0.0
    cpu_s: float = 0.0


@dataclass(frozen=True)
class TrialResult:
    """One minimize run (objective x start x seed) after the grader re-evaluated what came back."""

    objective: str
    start: int  # index of the start within the objective's planned starts
    start_kind: str  # "uniform" | "local_basin" | "own" (minimize chose its own start)
    seed: int
    x0: tuple[float, ...] | None
    status: TrialStatus
    message: str
    evaluations: int
    success: bool  # noise-free f(final) - f* <= target
    f_gap: float | None  # noise-free f(final) - f*; final = returned point, or best evaluated if none/budget
    basin: str  # "global" | "local:<k>" | "none"
    returned: tuple[float, ...] | None
    scored_on: str  # "returned" | "best_evaluated" | "nothing"
    evaluations_to_target: int | None  # first evaluation whose noise-free gap <= target, if any
    convergence: tuple[tuple[int, float], ...] = ()  # (evaluation, best noise-free gap so far), downsampled
    path: tuple[tuple[float, ...], ...] = ()  # evaluated points for dim <= 2 (team audience only)
    stdout_head: str = ""
    stdout_tail: str = ""
    notes: tuple[str, ...] = ()
    wall_s: float = 0.0
    cpu_s: float = 0.0


@dataclass(frozen=True)
class GradientProbe:
    """One gradient(func, x) call compared with the true gradient."""

    objective: str
    x: tuple[float, ...]
    status: TrialStatus
    message: str
    rel_error: float | None  # ||g - g*|| / max(||g*||, tiny)
    cosine: float | None
    evaluations: int
    returned_kind: str = ""
    wall_s: float = 0.0


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion's score in 0..1, its weight, and the evidence in a sentence."""

    score: float
    weight: float
    evidence: str


@dataclass(frozen=True)
class SubmissionResult:
    """Everything graded about one submission; serialised as results.json."""

    schema_version: int
    harness_version: str
    bank: dict[str, str]  # {path, hash}
    rubric: dict[str, str]  # {path, hash}
    submission: dict[str, str]  # {id, source, sha256, kind}
    status: SubmissionStatus
    message: str
    score: float  # 0..100
    criteria: dict[str, Criterion]
    trials: tuple[TrialResult, ...]
    gradient_probes: tuple[GradientProbe, ...]
    policy_flags: tuple[PolicyFlag, ...]
    notes: tuple[str, ...]
    diagnoses: tuple[str, ...]
    objectives: tuple[dict[str, Any], ...] = ()  # per-objective summary rows for reports (see docs/results.md)
    plan: dict[str, Any] = field(default_factory=dict)  # the trial plan, so any trial can be replayed
    sandbox: str = ""
    audience_safe: bool = False  # True when hidden-objective details were stripped
    grading_s: float = 0.0


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, enums, tuples and numpy scalars to plain JSON types (NaN/inf become None)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float) or hasattr(obj, "__float__"):
        value = float(obj)
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def from_jsonable(cls: Any, data: Any) -> Any:
    """Rebuild a (nested) frozen dataclass from `to_jsonable` output."""
    hints = typing.get_type_hints(cls) if dataclasses.is_dataclass(cls) else {}
    if hints:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _convert(hints[k], v) for k, v in data.items() if k in known})
    return data


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if dataclasses.is_dataclass(tp):
        return from_jsonable(tp, value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in value)
        return tuple(value)
    if origin is dict and len(args) == 2:
        return {k: _convert(args[1], v) for k, v in value.items()}
    return value


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so a reader sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_SCALAR = r"(?:-?\d[\d.eE+-]*|null|true|false)"
_FLAT_ARRAY = re.compile(rf"\[\n\s*({_SCALAR}(?:,\n\s*{_SCALAR})*)\n\s*\]")


def dumps_results(result: SubmissionResult) -> str:
    """results.json text: keys sorted, two-space indent, arrays of plain numbers on one line, trailing newline."""
    text = json.dumps(to_jsonable(result), sort_keys=True, indent=2, allow_nan=False)
    return _FLAT_ARRAY.sub(lambda m: "[" + ", ".join(part.strip() for part in m.group(1).split(",\n")) + "]",
                           text) + "\n"


def write_results(result: SubmissionResult, path: Path) -> None:
    atomic_write_text(path, dumps_results(result))


def read_results_dict(path: Path) -> dict[str, Any]:
    """Parse a results.json, failing with a fix message on a schema mismatch."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file; run `harness grade` first") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{path}: not a readable results.json ({exc}); re-run `harness grade`") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ResultsError(f"{path}: has no schema_version, so it is not a harness results.json; pass the "
                           "OUT/<submission>/results.json that `harness grade` wrote, or its folder")
    if data["schema_version"] != SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: results schema version {data['schema_version']!r}, but this harness reads version "
            f"{SCHEMA_VERSION}; re-grade with this harness, or read it with the harness version named in its "
            f"harness_version field ({data.get('harness_version', 'unknown')})"
        )
    return data


def read_results(path: Path) -> SubmissionResult:
    return from_jsonable(SubmissionResult, read_results_dict(path))

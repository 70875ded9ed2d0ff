"""Bank folders: one pickle per objective plus bank.json (schema-versioned), read and written safely.

A bank is trusted input: the grader unpickles it. Never point `load_bank` at a folder a candidate wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import BankError
from harness.results import from_jsonable, to_jsonable

Box = tuple[tuple[float, float], ...]
Point = tuple[float, ...]

BANK_SCHEMA_VERSION = 1
PICKLE_PROTOCOL = 4  # fixed, so the same objective always pickles to the same bytes
MANIFEST = "bank.json"
_REBUILD = "rebuild the bank with `harness bank build SPEC --seed S --out DIR`"


@dataclass(frozen=True)
class LocalMinimum:
    """A notable non-global minimum (after the bank's transforms)."""

    x: Point
    f: float


@dataclass(frozen=True)
class StartSpec:
    """Where trial starts come from: uniform in `box`; in `basin_box` for local-basin (escape) starts;
    `fixed` starts are used as given (e.g. the take-home's (600, 600))."""

    box: Box
    basin_box: Box | None = None
    fixed: tuple[Point, ...] = ()


@dataclass(frozen=True)
class BankEntry:
    """One objective's manifest row in bank.json."""

    name: str
    kinds: tuple[str, ...]
    dim: int
    bounds: Box
    x_star: Point
    f_star: float
    local_minima: tuple[LocalMinimum, ...]
    target: float  # success when f(x) - f_star <= target (noise-free)
    budget: int  # the bank's suggested evaluation budget; the rubric may override
    starts: StartSpec
    reference_evaluations: int | None  # evaluations the reference optimizer needs to reach the target
    verification: dict[str, Any] = field(default_factory=dict)
    noisy: bool = False
    sha256: str = ""  # of <name>.pkl


@dataclass(frozen=True)
class Bank:
    path: Path
    hash: str  # sha256 of bank.json
    seed_hash: str
    entries: tuple[BankEntry, ...]
    public: bool = False  # a practice bank: candidates may see minima and landscapes

    def entry(self, name: str) -> BankEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(name)

    def objective(self, name: str) -> Any:
        """Unpickle <name>.pkl after checking its hash against bank.json."""
        try:
            entry = self.entry(name)
        except KeyError:
            raise BankError(f"{self.path / MANIFEST}: no objective named {name!r}; "
                            f"see `harness bank list {self.path}`") from None
        file = self.path / f"{name}.pkl"
        data = _read_pickle_bytes(file, entry)
        try:
            obj = pickle.loads(data)
        except Exception as exc:  # a trusted but damaged file: any unpickling failure means the same
            raise BankError(f"{file}: cannot unpickle ({type(exc).__name__}: {exc}); {_REBUILD}") from None
        missing = [a for a in ("dim", "noisy", "value", "evaluate", "gradient") if not hasattr(obj, a)]
        if missing or obj.dim != entry.dim:
            raise BankError(f"{file}: not a bank objective of dim {entry.dim} (missing {missing or 'dim match'}); "
                            f"{_REBUILD}")
        # pickles hold data, the code lives in the harness: a harness whose landscapes changed since the build
        # would silently grade against other functions, so x* must still give f* to the bit
        if obj.value(entry.x_star) != entry.f_star:
            raise BankError(f"{file}: x* no longer evaluates to f* = {entry.f_star!r} (got {obj.value(entry.x_star)!r}"
                            f"; the harness's landscape code changed since this bank was built); {_REBUILD}")
        return obj


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seed_hash(seed: int) -> str:
    """What bank.json records of the secret seed: enough to tell two builds apart, not to recover it."""
    return sha256_bytes(f"harness-bank-seed|{int(seed)}".encode())


def _read_bytes(file: Path, missing: str) -> bytes:
    """The file's bytes; BankError `<file>: <missing>` when it is absent, naming the OS error otherwise."""
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise BankError(f"{file}: {missing}") from None
    except OSError as exc:
        raise BankError(f"{file}: unreadable ({exc})") from None


def _read_pickle_bytes(file: Path, entry: BankEntry) -> bytes:
    data = _read_bytes(file, f"missing (bank.json lists objective {entry.name!r}); {_REBUILD}")
    if sha256_bytes(data) != entry.sha256:
        raise BankError(f"{file}: its sha256 does not match bank.json (changed, truncated or from another "
                        f"build); {_REBUILD}, or restore the file")
    return data


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` so a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; bank files are meant to be shared and committed
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_objective(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=PICKLE_PROTOCOL)


def manifest_text(seed_hash_hex: str, entries: list[BankEntry], extra: dict[str, Any] | None = None) -> str:
    """bank.json's text: keys sorted, two-space indent, a trailing newline, no timestamps."""
    doc = {"schema_version": BANK_SCHEMA_VERSION, "seed_hash": seed_hash_hex,
           "objectives": [to_jsonable(e) for e in entries], **(extra or {})}
    return json.dumps(doc, sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_bank(out_dir: Path, seed_hash_hex: str, items: list[tuple[BankEntry, bytes]],
               extra: dict[str, Any] | None = None) -> Bank:
    """Write every pickle, then bank.json last (so a half-written bank fails its hash check, loudly)."""
    out_dir = Path(out_dir)
    entries = []
    try:
        for entry, data in items:
            atomic_write_bytes(out_dir / f"{entry.name}.pkl", data)
            entries.append(_with(entry, sha256=sha256_bytes(data)))
        text = manifest_text(seed_hash_hex, entries, extra)
        atomic_write_bytes(out_dir / MANIFEST, text.encode())
    except OSError as exc:
        raise BankError(f"{out_dir}: cannot write the bank there ({exc}); pass a writable folder to --out") from None
    return Bank(path=out_dir, hash=sha256_bytes(text.encode()), seed_hash=seed_hash_hex, entries=tuple(entries),
                public=bool((extra or {}).get("public")))


def _with(entry: BankEntry, **changes: Any) -> BankEntry:
    return BankEntry(**{**entry.__dict__, **changes})


_REQUIRED = {"name": str, "kinds": list, "dim": int, "bounds": list, "x_star": list, "f_star": (int, float),
             "local_minima": list, "target": (int, float), "budget": int, "starts": dict,
             "reference_evaluations": (int, type(None)), "verification": dict, "sha256": str}


def load_bank(path: Path) -> Bank:
    """Read a bank folder; raises BankError naming the file and the fix."""
    path = Path(path)
    file = path / MANIFEST if path.is_dir() or not path.name.endswith(".json") else path
    raw = _read_bytes(file, f"no such file; pass a bank folder holding bank.json, or {_REBUILD}")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankError(f"{file}: not valid JSON ({exc}); {_REBUILD}") from None
    if not isinstance(doc, dict):
        raise BankError(f"{file}: not a bank manifest (expected a JSON object); {_REBUILD}")
    version = doc.get("schema_version")
    if version != BANK_SCHEMA_VERSION:
        raise BankError(f"{file}: schema_version {version!r}, but this harness reads version "
                        f"{BANK_SCHEMA_VERSION}; {_REBUILD} with this harness")
    if not isinstance(doc.get("objectives"), list) or not isinstance(doc.get("seed_hash"), str):
        raise BankError(f"{file}: needs `seed_hash` (string) and `objectives` (list); {_REBUILD}")
    entries = []
    for i, row in enumerate(doc["objectives"]):
        entry = _entry(file, i, row)
        _read_pickle_bytes(file.parent / f"{entry.name}.pkl", entry)
        entries.append(entry)
    return Bank(path=file.parent, hash=sha256_bytes(raw), seed_hash=doc["seed_hash"], entries=tuple(entries),
                public=doc.get("public") is True)


def _entry(file: Path, index: int, row: Any) -> BankEntry:
    if not isinstance(row, dict):
        raise BankError(f"{file}: objectives[{index}] is not an object; {_REBUILD}")
    for key, kind in _REQUIRED.items():
        if key not in row:
            raise BankError(f"{file}: objectives[{index}] ({row.get('name', '?')}) lacks field `{key}`; {_REBUILD}")
        if not isinstance(row[key], kind) or (kind is int and isinstance(row[key], bool)):
            raise BankError(f"{file}: objectives[{index}] ({row.get('name', '?')}) field `{key}` has the wrong "
                            f"type ({type(row[key]).__name__}); {_REBUILD}")
    try:
        entry = from_jsonable(BankEntry, row)
    except (TypeError, ValueError, KeyError) as exc:
        raise BankError(f"{file}: objectives[{index}] ({row['name']}) is malformed ({exc}); {_REBUILD}") from None
    if len(entry.x_star) != entry.dim or len(entry.bounds) != entry.dim:
        raise BankError(f"{file}: objectives[{index}] ({entry.name}): x_star/bounds do not have dim "
                        f"{entry.dim} entries; {_REBUILD}")
    return entry


def format_bank_table(bank: Bank, reveal: bool) -> str:
    """A plain-text table of a bank's objectives; minima (x*, f*) only when `reveal`."""
    head = ["name", "kinds", "dim", "budget", "target", "ref evals"] + (["f*", "x*"] if reveal else [])
    rows = []
    for e in bank.entries:
        row = [e.name, ",".join(e.kinds), str(e.dim), str(e.budget), f"{e.target:.3g}",
               "-" if e.reference_evaluations is None else str(e.reference_evaluations)]
        if reveal:
            xs = ", ".join(f"{v:.6g}" for v in e.x_star[:4]) + (", ..." if e.dim > 4 else "")
            row += [f"{e.f_star:.10g}", f"({xs})"]
        rows.append(row)
    lines = [f"bank {bank.path}  ({len(bank.entries)} objectives, bank hash {bank.hash[:12]})", render_table(head, rows)]
    if not reveal:
        lines.append("minima hidden: add --reveal to print x* and f*")
    return "\n".join(lines)


def render_table(head: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns separated by two spaces, with a rule under the header."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)])

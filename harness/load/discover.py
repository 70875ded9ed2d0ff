"""What a submission path is, its stable id and hash, and the candidate's source files read from it.

A submission becomes a `Tree`: its Python and notebook sources as bytes keyed by relative POSIX path, the
other files' names (not staged), and notes. Folders are walked without following symlinks, so nothing
outside the submission (a link to the bank, say) is ever read or staged.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import SubmissionError
from harness.results import SubmissionStatus

SOURCE_SUFFIXES = (".py", ".ipynb")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".rar", ".7z", ".gz")
# Folders that are tooling, not the candidate's code: never staged or counted.
IGNORED_DIRS = {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", ".idea", ".vscode", "node_modules",
                "__MACOSX", ".mypy_cache", ".pytest_cache", ".tox", "site-packages", ".venv", "venv"}
IGNORED_FILES = {".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class Limits:
    """Caps on what a folder or zip may hold; past any of them the submission is a `bad_archive`."""

    members: int = 1000  # files (zip members, directories excluded)
    total_bytes: int = 64 * 1024 * 1024  # uncompressed, all files together
    source_bytes: int = 4 * 1024 * 1024  # one .py or .ipynb
    nesting: int = 1  # zips inside the zip


DEFAULT_LIMITS = Limits()


class LoadProblem(Exception):
    """Internal: the submission cannot be graded; becomes a Submission status and message, never escapes."""

    def __init__(self, status: SubmissionStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Tree:
    """A submission's sources (relative POSIX path -> bytes), the names of its other files, and notes."""

    sources: dict[str, bytes] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def submission_kind(path: Path) -> str:
    """The kind: folder, py, ipynb, zip or archive (tar and co.), by type, suffix and, failing those, first bytes."""
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    for suffix, kind in ((".py", "py"), (".ipynb", "ipynb"), (".zip", "zip")):
        if name.endswith(suffix):
            return kind
    if any(name.endswith(s) for s in TAR_SUFFIXES):
        return "archive"
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "py"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.lstrip().startswith(b"{") and b'"cells"' in head:
        return "ipynb"
    return "py"


def submission_id(path: Path, taken: set[str]) -> str:
    """The file or folder name without extension, made filesystem-safe and unique against `taken`.

    Comparison with `taken` ignores case (ids become folder names on case-insensitive disks too); `taken`
    is not modified: the caller adds the returned id.
    """
    name = Path(path).name or Path(path).resolve().name
    lower = name.lower()
    for suffix in (".ipynb", ".py", ".zip") + TAR_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:80] or "submission"
    used = {t.lower() for t in taken}
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def submission_sha256(path: Path) -> str:
    """sha256 of a file's bytes; for a folder, of each kept file's relative path, size and bytes, sorted."""
    path = Path(path)
    digest = hashlib.sha256()
    if not path.is_dir():
        _hash_file(digest, path)
        return digest.hexdigest()
    for rel, full in sorted(_walk(path)):
        data_size = os.lstat(full).st_size
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0" + str(data_size).encode() + b"\0")
        try:
            _hash_file(digest, Path(full))
        except SubmissionError:  # one unreadable file inside: a load status later, not a failed batch
            digest.update(b"\0unreadable\0")
    return digest.hexdigest()


def _hash_file(digest: "hashlib._Hash", path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot be read ({exc.strerror or exc}); check the path and its "
                              "permissions") from None


def _walk(root: Path) -> list[tuple[str, str]]:
    """(relative POSIX path, full path) of the regular files kept under `root`; symlinks are not followed."""
    out: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")
                             and not os.path.islink(os.path.join(dirpath, d))
                             and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg")))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if name in IGNORED_FILES or name.startswith("._"):
                continue
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode):
                out.append((Path(full).relative_to(root).as_posix(), full))
    return out


def _symlinks(root: Path) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                found.append(Path(full).relative_to(root).as_posix())
    return sorted(found)


def read_folder(root: Path, limits: Limits = DEFAULT_LIMITS) -> Tree:
    """Read a folder's sources within `limits`; symlinks are skipped with a note, never followed."""
    tree = Tree()
    files = _walk(root)
    if len(files) > limits.members:
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                          f"folder {root.name} holds {len(files)} files, more than the {limits.members} "
                          "allowed; submit only the code (leave out data, environments and outputs)")
    total = 0
    for rel, full in files:
        size = os.lstat(full).st_size
        total += size
        if total > limits.total_bytes:
            raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                              f"folder {root.name} holds more than {limits.total_bytes // (1024 * 1024)} MB; "
                              "submit only the code")
        if rel.lower().endswith(SOURCE_SUFFIXES):
            tree.sources[rel] = read_source(Path(full), rel, limits, follow=False)
        else:
            tree.others.append(rel)
    links = _symlinks(root)
    if links:
        tree.notes.append(f"symbolic links not followed (not staged): {', '.join(links[:5])}"
                          + (f" and {len(links) - 5} more" if len(links) > 5 else ""))
    return tree


def read_source(path: Path, rel: str, limits: Limits = DEFAULT_LIMITS, follow: bool = True) -> bytes:
    """The bytes of one source file, refusing files past the per-file cap (and symlinks unless `follow`)."""
    flags = os.O_RDONLY if follow else os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(limits.source_bytes + 1)
    except OSError as exc:
        raise LoadProblem(SubmissionStatus.LOAD_ERROR,
                          f"{rel}: cannot be read ({exc.strerror or exc}); check its permissions") from None
    if len(data) > limits.source_bytes:
        raise LoadProblem(SubmissionStatus.LOAD_ERROR,
                          f"{rel}: larger than {limits.source_bytes // (1024 * 1024)} MB; that is not "
                          "hand-written code (remove embedded data or outputs)")
    return data


def check_readable(path: Path) -> None:
    """Raise SubmissionError when the path does not exist or cannot be read at all."""
    if not os.path.lexists(path):
        raise SubmissionError(f"{path}: no such file or folder; give the path of a .py, .ipynb, .zip or folder")
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise SubmissionError(f"{path}: folder cannot be read (permission denied); check its permissions")
        return
    if not path.exists():
        raise SubmissionError(f"{path}: a broken symbolic link; give the path of the submission itself")
    if not path.is_file():
        raise SubmissionError(f"{path}: not a regular file or folder (a device, pipe or socket); give the path of "
                              "a .py, .ipynb, .zip or folder")
    if not os.access(path, os.R_OK):
        raise SubmissionError(f"{path}: cannot be read (permission denied); check its permissions")

"""The candidate's code as bytes: read once from the grader-owned staging folder, copied into every trial.

The sandbox never sees the staging folder: its files travel as a JSON bundle in an unlinked temporary file
whose descriptor the zygote inherits, and the zygote writes them into a wiped /tmp/code before each trial.
Links and special files are left out, so nothing a submission planted can point the grader elsewhere.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import IO

from harness.errors import SandboxError

CODE_LIMIT = 32 << 20
FILE_LIMIT = 2000


def read_code(code_dir: Path, entry: str) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The candidate's files as (relative path, bytes), from the grader-owned staging folder; links skipped."""
    if not code_dir.is_dir():
        raise SandboxError(f"{code_dir}: the submission's staging folder does not exist")
    files: list[tuple[str, bytes]] = []
    notes: list[str] = []
    total = 0
    for folder, dirs, names in os.walk(code_dir, followlinks=False):
        for name in sorted(d for d in dirs if (Path(folder) / d).is_symlink()):
            notes.append(f"{(Path(folder) / name).relative_to(code_dir).as_posix()}: a link to a folder; left out")
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(code_dir).as_posix()
            if path.is_symlink() or not path.is_file():
                notes.append(f"{rel}: not a regular file; left out of the sandbox")
                continue
            size = path.stat().st_size
            if total + size > CODE_LIMIT or len(files) >= FILE_LIMIT:
                notes.append(f"{rel}: over the sandbox's {CODE_LIMIT >> 20} MiB / {FILE_LIMIT}-file limit; left out")
                continue
            files.append((rel, path.read_bytes()))
            total += size
    if not any(rel == entry for rel, _ in files):
        raise SandboxError(f"{code_dir}: the entry file {entry!r} is not among the submission's files")
    return files, notes


def write_bundle(files: list[tuple[str, bytes]]) -> IO[bytes]:
    """An unlinked temporary file holding the files as JSON (relative path, base64 bytes); caller closes it."""
    handle = tempfile.TemporaryFile()
    handle.write(json.dumps({"files": [[rel, base64.b64encode(data).decode("ascii")]
                                       for rel, data in files]}).encode("ascii"))
    handle.flush()
    return handle

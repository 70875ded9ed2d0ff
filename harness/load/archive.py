"""Reading a candidate's .zip safely: into memory, within caps, never writing a member where it asks to go.

Refused (status `bad_archive`, the message names the member): absolute or `..` paths, symlinks, encrypted
members, duplicate names, more members or uncompressed bytes than `Limits` allows, zips nested deeper than
`Limits.nesting`, and anything the zip module cannot read. Only .py and .ipynb members are decompressed.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass

from harness.load.discover import IGNORED_DIRS, IGNORED_FILES, SOURCE_SUFFIXES, Limits, LoadProblem, Tree
from harness.results import SubmissionStatus

_BAD = SubmissionStatus.BAD_ARCHIVE
_REZIP = "re-create the zip from the submission folder (for example `zip -r solution.zip solution/`)"


@dataclass
class _Budget:
    members: int = 0
    bytes: int = 0


def read_zip(data: bytes, label: str, limits: Limits) -> Tree:
    """The sources of a zip given as bytes; `label` (its file name) starts every message."""
    tree = Tree()
    _read_into(tree, data, label, "", 0, limits, _Budget())
    return tree


def _declared_entries(data: bytes) -> int:
    """The entry count the end-of-central-directory record declares (0 when not found or zip64)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if at < 0 or at + 12 > len(data):
        return 0
    count = int.from_bytes(data[at + 10: at + 12], "little")
    return 0 if count == 0xFFFF else count


def _read_into(tree: Tree, data: bytes, label: str, prefix: str, depth: int, limits: Limits,
               budget: _Budget) -> None:
    declared = _declared_entries(data)
    if declared > 4 * limits.members + 100:  # refuse before the zip module parses a huge directory
        raise LoadProblem(_BAD, f"{label}: declares {declared} entries, more than the {limits.members} files "
                          "allowed; submit only the code (leave out data, environments and outputs)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # the zip module parsing hostile bytes raises many kinds: each is a bad zip
        raise LoadProblem(_BAD, f"{label}: not a readable zip ({type(exc).__name__}: {exc}); {_REZIP}") from None
    with archive:
        members = _checked_members(archive, label, limits, budget)
        for info, rel in members:
            path = prefix + rel
            lower = rel.lower()
            if lower.endswith(".zip"):
                if depth + 1 > limits.nesting:
                    raise LoadProblem(_BAD, f"{label}: member {info.filename} is a zip inside a zip inside "
                                      f"the submission; only {limits.nesting} level of nesting is accepted; "
                                      f"{_REZIP}")
                inner = _read_member(archive, info, label, limits.total_bytes)
                _read_into(tree, inner, f"{label}!{info.filename}", path[:-4] + "/", depth + 1, limits, budget)
            elif lower.endswith(SOURCE_SUFFIXES):
                tree.sources[path] = _read_member(archive, info, label, limits.source_bytes)
            else:
                tree.others.append(path)


def _checked_members(archive: zipfile.ZipFile, label: str, limits: Limits,
                     budget: _Budget) -> list[tuple[zipfile.ZipInfo, str]]:
    """The file members worth reading, after every safety check on every member."""
    kept: list[tuple[zipfile.ZipInfo, str]] = []
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        rel = _safe_name(name, label)
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            raise LoadProblem(_BAD, f"{label}: member {name} is a symbolic link; links are not accepted "
                              f"(they can point outside the submission); {_REZIP} without links")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise LoadProblem(_BAD, f"{label}: member {name} is password-protected; submit an unencrypted zip")
        if rel in seen:
            raise LoadProblem(_BAD, f"{label}: member {name} appears twice; {_REZIP}")
        seen.add(rel)
        budget.members += 1
        budget.bytes += info.file_size
        if budget.members > limits.members:
            raise LoadProblem(_BAD, f"{label}: holds more than {limits.members} files; submit only the code "
                              "(leave out data, environments and outputs)")
        if budget.bytes > limits.total_bytes:
            raise LoadProblem(_BAD, f"{label}: unpacks to more than {limits.total_bytes // (1024 * 1024)} MB "
                              f"(member {name} alone declares {info.file_size} bytes); submit only the code")
        parts = rel.split("/")
        if any(p in IGNORED_DIRS for p in parts[:-1]) or parts[-1] in IGNORED_FILES or parts[-1].startswith("._"):
            continue
        kept.append((info, rel))
    return kept


def _safe_name(name: str, label: str) -> str:
    """The member's relative POSIX path, or a bad_archive problem when it could land outside the folder."""
    if "\0" in name:
        raise LoadProblem(_BAD, f"{label}: a member name contains a NUL byte; {_REZIP}")
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        raise LoadProblem(_BAD, f"{label}: member {name} has an absolute path; members must be relative; "
                          f"{_REZIP}")
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise LoadProblem(_BAD, f"{label}: member {name} climbs out of the archive with '..' (path traversal); "
                          f"{_REZIP}")
    return "/".join(parts)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, cap: int) -> bytes:
    """A member's bytes, at most `cap`; the zip module checks the CRC, so a lying size header fails here."""
    if info.file_size > cap:
        raise LoadProblem(_BAD, f"{label}: member {info.filename} is {info.file_size} bytes, more than the "
                          f"{cap} allowed for one file; submit only the code")
    try:
        with archive.open(info) as fh:
            data = fh.read(cap + 1)
    except Exception as exc:  # as above: bad CRC, unsupported method, truncated data ...
        raise LoadProblem(_BAD, f"{label}: member {info.filename} cannot be unpacked ({exc}); {_REZIP}") from None
    if len(data) > cap:
        raise LoadProblem(_BAD, f"{label}: member {info.filename} unpacks past {cap} bytes; submit only the code")
    return data

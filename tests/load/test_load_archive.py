"""Zip safety: every refusal names the member and the fix; nothing is written outside the staging folder."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from harness.load import Limits, load_submission
from harness.results import SubmissionStatus

GOOD = b"def minimize(func, x0):\n    return x0\n\n\ndef gradient(func, x):\n    return [0.0 for _ in x]\n"


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return path


def test_parent_traversal_fixture_is_refused_and_nothing_escapes(load, tmp_path):
    sub = load("traversal.zip")
    assert sub.status is SubmissionStatus.BAD_ARCHIVE
    assert "../evil.py" in sub.message and "path traversal" in sub.message
    assert not list(tmp_path.rglob("evil.py")) and sub.code_dir == ""


@pytest.mark.parametrize("member, words", [
    ("/etc/cron.d/evil.py", "absolute path"),
    ("C:\\Windows\\evil.py", "absolute path"),
    ("pkg\\..\\..\\evil.py", "path traversal"),
    ("ok/./../../evil.py", "path traversal"),
])
def test_unsafe_member_names_are_refused(load, tmp_path, member, words):
    sub = load(_zip(tmp_path / "bad.zip", [("solution.py", GOOD), (member, b"x = 1\n")]))
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and words in sub.message


def test_symlink_member_is_refused(load, tmp_path):
    link = zipfile.ZipInfo("solution.py")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    sub = load(_zip(tmp_path / "link.zip", [(link, b"/work/objectives/default/bank.json")]))
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "symbolic link" in sub.message


def test_member_count_fixture_is_refused_before_reading(load):
    sub = load("many_members.zip")
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "more than 1000 files" in sub.message


def test_uncompressed_size_cap_uses_declared_sizes(load, tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", [("solution.py", GOOD), ("data.bin", bytes(70 * 1024 * 1024))])
    assert bomb.stat().st_size < 200_000
    sub = load(bomb)
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "unpacks to more than 64 MB" in sub.message


def test_lying_size_header_fails_on_crc_not_on_memory(load, tmp_path):
    path = _zip(tmp_path / "lie.zip", [("solution.py", GOOD + b"#" * 5000)])
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24: central + 28] = (100).to_bytes(4, "little")  # claim 100 bytes uncompressed
    path.write_bytes(bytes(data))
    sub = load(path)
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "solution.py" in sub.message


def test_one_level_of_nesting_is_read_two_are_refused(load, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("solution.py", GOOD)
    one = load(_zip(tmp_path / "one.zip", [("sub/inner.zip", inner.getvalue())]))
    assert one.status is SubmissionStatus.GRADED and one.entry == "sub/inner/solution.py"
    two = load(_zip(tmp_path / "two.zip", [("outer.zip", (tmp_path / "one.zip").read_bytes())]))
    assert two.status is SubmissionStatus.BAD_ARCHIVE and "zip inside a zip" in two.message


def test_corrupt_and_encrypted_zips_are_bad_archives(load, write, tmp_path):
    corrupt = load(write("broken.zip", b"PK\x03\x04 definitely not a zip"))
    assert corrupt.status is SubmissionStatus.BAD_ARCHIVE and "not a readable zip" in corrupt.message
    path = _zip(tmp_path / "enc.zip", [("solution.py", GOOD)])
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(sig)
        data[at + offset] |= 0x1
    path.write_bytes(bytes(data))
    enc = load(path)
    assert enc.status is SubmissionStatus.BAD_ARCHIVE and "password-protected" in enc.message


def test_duplicate_members_and_macos_litter(load, tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dup = load(_zip(tmp_path / "dup.zip", [("solution.py", GOOD), ("solution.py", b"x = 1\n")]))
    assert dup.status is SubmissionStatus.BAD_ARCHIVE and "appears twice" in dup.message
    mac = load(_zip(tmp_path / "mac.zip", [("solution.py", GOOD), ("__MACOSX/._solution.py", b"\x00\x05\x16"),
                                           ("._solution.py", b"\x00\x05\x16")]))
    assert mac.status is SubmissionStatus.GRADED and mac.entry == "solution.py"


def test_limits_are_adjustable_for_callers(tmp_path):
    path = _zip(tmp_path / "three.zip", [("solution.py", GOOD), ("a.txt", b""), ("b.txt", b"")])
    sub = load_submission(path, tmp_path / "staging", limits=Limits(members=2))
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "more than 2 files" in sub.message


def test_staged_files_are_plain_files_the_sandbox_can_read(load):
    sub = load("good.zip")
    entry = Path(sub.code_dir) / sub.entry
    assert entry.is_file() and not entry.is_symlink()
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o644


def test_huge_declared_directory_is_refused_before_parsing(load, tmp_path):
    path = _zip(tmp_path / "dir.zip", [("solution.py", GOOD)])
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 10: end + 12] = (60000).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    sub = load(path)
    assert sub.status is SubmissionStatus.BAD_ARCHIVE and "declares 60000 entries" in sub.message


def test_member_names_the_disk_refuses_are_a_load_error_leaving_nothing(load, tmp_path):
    long_name = "a" * 300 + ".py"
    sub = load(_zip(tmp_path / "long.zip", [("solution.py", GOOD), (long_name, b"x = 1\n")]))
    assert sub.status is SubmissionStatus.LOAD_ERROR and "cannot be written as a file" in sub.message
    both = load(_zip(tmp_path / "both.zip", [("solution.py", GOOD), ("pkg.py", b""), ("pkg.py/inner.py", b"")]))
    assert both.status is SubmissionStatus.LOAD_ERROR
    assert list((tmp_path / "staging").iterdir()) == []

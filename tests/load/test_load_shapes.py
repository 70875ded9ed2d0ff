"""load_submission on each shape: .py, folder, notebook, zip; statuses, messages, staging, ids, hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from harness.errors import SubmissionError
from harness.load import load_submission, submission_id
from harness.results import SubmissionStatus

from .conftest import FIXTURES

GOOD = "def minimize(func, x0):\n    return x0\n\n\ndef gradient(func, x):\n    return [0.0 for _ in x]\n"


def test_plain_file_is_staged_in_a_fresh_folder_with_its_own_name(load, tmp_path):
    sub = load("two_d_only.py")
    assert sub.status is SubmissionStatus.GRADED and sub.kind == "py"
    code_dir = Path(sub.code_dir)
    assert code_dir.parent == tmp_path / "staging"
    assert (code_dir / sub.entry).read_bytes() == (FIXTURES / "two_d_only.py").read_bytes()
    assert sub.sha256 == hashlib.sha256((FIXTURES / "two_d_only.py").read_bytes()).hexdigest()
    again = load("two_d_only.py")
    assert again.code_dir != sub.code_dir  # each load gets its own folder: no run sees another's files


def test_classic_article_with_bodyless_if_is_one_python_style_message(load):
    sub = load("classic_article_broken.py")
    assert sub.status is SubmissionStatus.SYNTAX_ERROR
    first, code, caret = sub.message.splitlines()
    assert first.startswith("classic_article_broken.py, line 30, column 13: IndentationError: expected an "
                            "indented block after 'if' statement on line 29")
    assert code.strip() == "return" and caret.strip() == "^^^^^^"
    assert caret.index("^") == code.index("r")
    assert sub.minimize is None and sub.code_dir == ""


def test_other_syntax_errors_name_line_and_column(load, write):
    sub = load(write("sol.py", "def minimize(func, x0):\n    return (x0,\n"))
    assert sub.status is SubmissionStatus.SYNTAX_ERROR
    assert sub.message.startswith("sol.py, line 2, column 12: SyntaxError: '(' was never closed")
    binary = load(write("bin.py", b"def minimize(f, x):\x00 pass\n"))
    assert binary.status is SubmissionStatus.SYNTAX_ERROR and "NUL byte" in binary.message


def test_folder_picks_the_file_defining_both_and_says_why(load):
    sub = load(FIXTURES / "two_candidates")
    assert sub.status is SubmissionStatus.GRADED and sub.kind == "folder"
    assert sub.entry == "solution.py"
    note = next(n for n in sub.notes if n.startswith("entry file"))
    assert "solution.py chosen from 3 candidates" in note and "defines both minimize and gradient" in note
    staged = sorted(p.name for p in Path(sub.code_dir).iterdir())
    assert staged == ["helpers.py", "scratch.py", "solution.py"]  # helpers stay importable


def test_folder_tie_broken_by_name_then_depth(load, write, tmp_path):
    write("a/deep/solution.py", GOOD)
    write("a/work.py", GOOD)
    sub = load(tmp_path / "src" / "a")
    assert sub.entry == "a/deep/solution.py".split("/", 1)[1]
    assert any("its name" in n for n in sub.notes)
    write("b/x/work.py", GOOD)
    write("b/other.py", GOOD)
    assert load(tmp_path / "src" / "b").entry == "other.py"


def test_folder_hash_covers_paths_and_bytes_in_sorted_order(load, write, tmp_path):
    write("h/one.py", GOOD)
    write("h/data.txt", "1")
    first = load(tmp_path / "src" / "h").sha256
    assert load(tmp_path / "src" / "h").sha256 == first
    (tmp_path / "src" / "h" / "data.txt").write_text("2")
    assert load(tmp_path / "src" / "h").sha256 != first
    (tmp_path / "src" / "h" / "data.txt").rename(tmp_path / "src" / "h" / "data2.txt")
    assert load(tmp_path / "src" / "h").sha256 not in (first,)


def test_folder_symlink_is_not_followed_or_staged(load, write, tmp_path):
    secret = write("secret.py", "TOKEN = 'bank answers'\n")
    folder = tmp_path / "src" / "linked"
    folder.mkdir()
    (folder / "solution.py").write_text(GOOD)
    (folder / "answers.py").symlink_to(secret)
    sub = load(folder)
    assert sub.status is SubmissionStatus.GRADED
    assert not (Path(sub.code_dir) / "answers.py").exists()
    assert any("symbolic links not followed" in n and "answers.py" in n for n in sub.notes)


def test_folder_without_python_is_no_entry_listing_what_it_holds(load, write, tmp_path):
    write("empty/readme.md", "hello")
    sub = load(tmp_path / "src" / "empty")
    assert sub.status is SubmissionStatus.NO_ENTRY and "readme.md" in sub.message


def test_no_entry_says_what_was_defined_and_where_a_misplaced_one_sits(load, write):
    sub = load(write("helpers.py", "def helper(x):\n    return x\n\nclass Thing:\n    pass\n\n"
                     "def main():\n    def minimize(func, x0):\n        return x0\n"
                     "if __name__ == '__main__':\n    def gradient(func, x):\n        return x\n"))
    assert sub.status is SubmissionStatus.NO_ENTRY
    assert "helper, main, class Thing" in sub.message
    assert "minimize is defined inside main() (line 8)" in sub.message
    assert "gradient is defined under `if __name__" in sub.message


def test_only_one_function_is_graded_with_a_note(load, write):
    sub = load(write("half.py", "def minimize(func, x0):\n    return x0\n"))
    assert sub.status is SubmissionStatus.GRADED and sub.gradient is None
    assert any(n.startswith("no gradient function found in half.py") for n in sub.notes)


def test_zip_is_read_in_memory_and_only_python_is_staged(load):
    sub = load("good.zip")
    assert sub.status is SubmissionStatus.GRADED and sub.kind == "zip"
    assert sub.entry == "alice/solution.py"
    assert [p.relative_to(sub.code_dir).as_posix() for p in Path(sub.code_dir).rglob("*") if p.is_file()] == [
        "alice/solution.py"]
    assert any("not staged" in n and "alice/README.md" in n for n in sub.notes)


def test_missing_path_and_unwritable_staging_raise_submission_error(tmp_path):
    with pytest.raises(SubmissionError, match="no such file or folder"):
        load_submission(tmp_path / "nope.py", tmp_path / "staging")
    (tmp_path / "sol.py").write_text(GOOD)
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(SubmissionError, match="cannot stage"):
        load_submission(tmp_path / "sol.py", tmp_path / "blocked")


def test_odd_extensions_are_sniffed_or_refused(load, write):
    txt = load(write("solution.py.txt", GOOD))
    assert txt.status is SubmissionStatus.GRADED and txt.entry == "solution.py"
    assert any("read as Python source" in n for n in txt.notes)
    tar = load(write("solution.tar.gz", b"\x1f\x8b\x08\x00"))
    assert tar.status is SubmissionStatus.BAD_ARCHIVE and "submit a .zip" in tar.message


def test_huge_source_file_is_a_load_error_not_a_hang(load, write):
    sub = load(write("big.py", "x = 1\n" * 800_000))
    assert sub.status is SubmissionStatus.LOAD_ERROR and "larger than 4 MB" in sub.message


@pytest.mark.parametrize("name, taken, expected", [
    ("alice.py", set(), "alice"),
    ("Alice Smith (2).ipynb", set(), "Alice_Smith_2"),
    ("bob.zip", {"bob"}, "bob-2"),
    ("bob.zip", {"BOB", "bob-2"}, "bob-3"),
    ("...", set(), "submission"),
    ("résumé.py", set(), "r_sum"),
])
def test_submission_id_is_safe_stable_and_unique(name, taken, expected):
    assert submission_id(Path("/subs") / name, taken) == expected
    assert submission_id(Path("/subs") / name, set(taken)) == expected  # same input, same id


def test_submission_is_json_serialisable(load):
    from harness.results import to_jsonable

    for name in ("classic_article.py", "two_candidates", "good.zip", "notebook_magics.ipynb"):
        json.dumps(to_jsonable(load(FIXTURES / name)))


def test_device_path_is_refused_without_reading(tmp_path):
    with pytest.raises(SubmissionError, match="not a regular file"):
        load_submission(Path("/dev/zero"), tmp_path / "staging")

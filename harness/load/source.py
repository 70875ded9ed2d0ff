"""Parsing a candidate's Python source (never running it) and syntax errors told as Python would tell them."""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path

from harness.load.notebook import cell_locator, where


@dataclass(frozen=True)
class Parsed:
    """One source file: its text and syntax tree, or the message saying why it does not parse."""

    rel: str
    text: str
    tree: ast.Module | None
    error: str = ""  # the readable syntax-error message when tree is None

    def where(self, line: int) -> str:
        """'solution.py:12' or, for a converted notebook, 'solution.ipynb cell 3, line 2'."""
        return where(self.rel, line, cell_locator(self.text))


def source_location(code_dir: Path, rel: str, line: int) -> str:
    """Where line `line` of staged file `rel` is in the candidate's terms ('nb.ipynb cell 6, line 1' or 'x.py:19').

    For the grader side to restate the child's load notes ("line 19: ... failed") about a converted notebook.
    """
    try:
        text = decode((Path(code_dir) / rel).read_bytes())
    except OSError:
        return f"{rel}:{line}"
    return where(rel, line, cell_locator(text))


def decode(data: bytes) -> str:
    """Source bytes to text by Python's own rules (BOM, PEP 263 cookie, else UTF-8); undecodable bytes -> U+FFFD."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", "replace")


def parse(rel: str, data: bytes) -> Parsed:
    """Parse without running; a syntax error becomes a message naming file, line, column, the line and a caret."""
    text = decode(data)
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        return Parsed(rel, text, None, f"{_loc(rel, text, line)}: the file contains a NUL byte (it is binary "
                      "or corrupt, not Python source); save it again as plain text")
    if "\ufffd" in text and "\ufffd" not in data.decode("utf-8", "ignore"):
        line = text[: text.index("\ufffd")].count("\n") + 1
        return Parsed(rel, text, None, f"{_loc(rel, text, line)}: SyntaxError: bytes that are not UTF-8 and no "
                      "encoding declared; save the file as UTF-8")
    try:
        with warnings.catch_warnings():  # SyntaxWarnings about the candidate's code are not the grader's output
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=rel)
    except SyntaxError as exc:
        return Parsed(rel, text, None, syntax_message(rel, text, exc))
    except (RecursionError, MemoryError, ValueError) as exc:
        return Parsed(rel, text, None, f"{rel}: cannot be parsed ({type(exc).__name__}: nested too deeply); "
                      "simplify the deepest expression")
    return Parsed(rel, text, tree)


def _loc(rel: str, text: str, line: int) -> str:
    locator = cell_locator(text)
    return f"{rel}, line {line}" if locator is None else where(rel, line, locator)


def syntax_message(rel: str, text: str, exc: SyntaxError) -> str:
    """'solution.py, line 21, column 9: IndentationError: expected ...' then the line and a caret."""
    locator = cell_locator(text)
    line = exc.lineno or 1
    msg = exc.msg or "invalid syntax"
    if locator is not None:  # "on line 20" inside Python's message counts converted lines: say the cell
        msg = re.sub(r"on line (\d+)", lambda m: "at " + where(rel, int(m.group(1)), locator), msg)
    head = f"{_loc(rel, text, line)}"
    source_lines = text.splitlines()
    shown = exc.text if exc.text is not None else (source_lines[line - 1] if 0 < line <= len(source_lines) else "")
    shown = shown.rstrip("\r\n").expandtabs(8) if "\t" in shown else shown.rstrip("\r\n")
    column = exc.offset or 1
    if column > 0:
        head += f", column {column}"
    head += f": {type(exc).__name__}: {msg}"
    if not shown.strip():
        return head
    stripped = shown.lstrip()
    indent = len(shown) - len(stripped)
    start = max(column - 1 - indent, 0)
    width = 1
    if exc.end_lineno == exc.lineno and exc.end_offset and exc.end_offset > column:
        width = exc.end_offset - column
    start = min(start, len(stripped))
    return f"{head}\n    {stripped}\n    {' ' * start}{'^' * max(width, 1)}"

"""A Jupyter notebook (nbformat 4) becomes one Python file: its code cells in order, IPython syntax dropped.

Each cell starts with a `# %% cell N` marker (N counts every cell from the top, markdown included, as a
reader scrolling the notebook would), so any line of the staged file maps back to "cell N, line M".
Line magics (`%matplotlib`), shell escapes (`!pip`), `x = !ls`, help queries (`f?`) become `pass` (keeping
line numbers and indented blocks intact); `%%time`-like cell magics keep their body; other cell magics
(`%%bash`, `%%html` ...) drop the cell; `%%writefile NAME.py` becomes the file NAME.py. Each with a note.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

import nbformat

from harness.load.discover import LoadProblem
from harness.results import SubmissionStatus

HEADER = "# harness: converted from {name} (code cells in order; IPython magics and shell escapes dropped)"
_HEADER_RE = re.compile(r"^# harness: converted from (.+?) \(code cells in order")
_MARKER_RE = re.compile(r"^# %% cell (\d+)$")
_KEEP_BODY = {"time", "timeit", "capture", "prun", "memit", "debug", "skip"}
_LINE_MAGIC = re.compile(
    r"^\s*(%[A-Za-z_].*|!(?!=)\s*\S.*|[\w.,\s\[\]]+=\s*(%[A-Za-z_]|!(?!=)\s*\S).*|\?{1,2}[\w.]+\??|[\w.]+\?{1,2})$")


@dataclass(frozen=True)
class Converted:
    """A notebook as Python text, the extra files its `%%writefile` cells made, and the loader's notes."""

    text: str
    extra: dict[str, bytes] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def convert(rel: str, data: bytes) -> Converted:
    """Turn the notebook at `rel` (bytes) into Python; a bad_archive problem when it is not nbformat 4 JSON."""
    nb = _read(rel, data)
    out = [HEADER.format(name=rel.rsplit("/", 1)[-1])]
    notes: list[str] = []
    extra: dict[str, bytes] = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not source.strip():
            continue
        lines = source.splitlines()
        first = lines[0].strip()
        if first.startswith("%%"):
            magic = first[2:].split()[0] if first[2:].split() else ""
            if magic == "writefile" and len(first.split()) >= 2:
                target = first.split()[-1]
                extra[target] = ("\n".join(lines[1:]) + "\n").encode("utf-8")
                notes.append(f"{rel} cell {number}: `%%writefile {target}` staged as the file {target}")
                continue
            if magic not in _KEEP_BODY:
                notes.append(f"{rel} cell {number}: cell magic `{first[:60]}` dropped with its whole cell")
                continue
            notes.append(f"{rel} cell {number}: cell magic `{first[:60]}` dropped, its Python body kept")
            lines = [f"pass  # harness dropped the cell magic %%{magic}"] + lines[1:]
        out.append(f"# %% cell {number}")
        for line in lines:
            if _LINE_MAGIC.match(line) and not line.lstrip().startswith("pass  # harness dropped"):
                indent = line[: len(line) - len(line.lstrip())]
                notes.append(f"{rel} cell {number}: IPython line `{line.strip()[:60]}` dropped")
                out.append(f"{indent}pass  # harness dropped an IPython line")
            else:
                out.append(line)
    return Converted(text="\n".join(out) + "\n", extra=extra, notes=tuple(notes))


def _read(rel: str, data: bytes) -> nbformat.NotebookNode:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                          f"{rel}: not a notebook: not UTF-8 text (byte {exc.start}); save it again from "
                          "Jupyter or submit a .py file") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                          f"{rel}: not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno} "
                          f"({exc.msg}); save it again from Jupyter or submit a .py file") from None
    except RecursionError:
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                          f"{rel}: not a notebook: JSON nested too deeply; save it again from Jupyter") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                          f"{rel}: JSON but not a Jupyter notebook (no list of cells); submit the .ipynb "
                          "Jupyter saved, or a .py file")
    if raw.get("nbformat") != 4:
        raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                          f"{rel}: nbformat {raw.get('nbformat')!r} notebook; only nbformat 4 is read; convert it "
                          "with `jupyter nbconvert --to notebook --nbformat 4` or submit a .py file")
    for i, cell in enumerate(raw["cells"], start=1):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise LoadProblem(SubmissionStatus.BAD_ARCHIVE,
                              f"{rel}: cell {i} is malformed (no text source); save it again from Jupyter")
    logging.getLogger("nbformat").setLevel(logging.CRITICAL)
    return nbformat.from_dict(raw)


def cell_locator(text: str) -> tuple[str, list[tuple[int, int]]] | None:
    """For a converted notebook's text: (notebook name, [(first line, cell number)]); None for plain .py."""
    lines = text.splitlines()
    match = _HEADER_RE.match(lines[0]) if lines else None
    if not match:
        return None
    starts = [(i + 2, int(m.group(1))) for i, line in enumerate(lines) if (m := _MARKER_RE.match(line))]
    return match.group(1), starts


def where(rel: str, line: int, locator: tuple[str, list[tuple[int, int]]] | None) -> str:
    """'solution.py:12', or for a converted notebook 'solution.ipynb cell 3, line 2'."""
    if locator is None:
        return f"{rel}:{line}"
    name, starts = locator
    folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
    cell = [(first, n) for first, n in starts if first <= line]
    if not cell:
        return f"{folder}{name} (converted line {line})"
    first, number = cell[-1]
    return f"{folder}{name} cell {number}, line {line - first + 1}"

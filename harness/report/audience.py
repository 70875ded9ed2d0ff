"""Who reads a page decides what it may hold: the candidate audience never sees where a hidden minimum is.

Structured data (points, paths, landscapes, bounds) is simply not passed to candidate templates. Free text
written by other stages (diagnoses, evidence, messages, notes) can still carry coordinates, so it goes through
a scrubber that blanks any number matching a sensitive value at the precision it is printed with, and any
bracketed tuple of numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

AUDIENCES = ("team", "candidate")
REDACTED = "\u2026"  # an ellipsis stands where a coordinate was

_NUM = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(_NUM)
_TUPLE = re.compile(r"(?:array\()?[\(\[]\s*" + _NUM + r"(?:\s*[,;]?\s+" + _NUM + r"|\s*[,;]\s*" + _NUM
                    + r")+\s*,?\s*[\)\]]\)?")
# A number used as a count, share, ratio or run label is not a coordinate: "46 of 59 runs", "92%", "0.5x", "#4".
_COUNT_AFTER = re.compile(r"\s*(?:%|x\b|\u00d7|-D\b|of\b|(?:runs?|starts?|objectives?|probes?|calls?|trials?|"
                          r"evaluations?|dimensions?|seconds?|s|MiB|MB)\b)")
_COUNT_BEFORE = re.compile(r"#$")
_NEAR = re.compile(r"(?i)\b(near|around|at x\s*=|x\*?\s*=|x0\s*=|f\*?\s*=)\s*(" + _NUM + r")")


def check_audience(audience: str) -> str:
    """Return `audience` if known, else raise ValueError naming the choices (a caller's bug, not a user's)."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; use one of {', '.join(AUDIENCES)}")
    return audience


def is_hidden(row: dict[str, Any]) -> bool:
    """An objective is hidden unless its summary row says otherwise (practice banks publish their answers)."""
    return bool(row.get("hidden", True))


def _tolerance(literal: str) -> float:
    mantissa, _, exponent = literal.lower().lstrip("+-").partition("e")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** (int(exponent) if exponent else 0)
    return 0.5 * 10.0 ** (-decimals) * scale * (1 + 1e-9)


def _significant(literal: str) -> int:
    mantissa = literal.lower().lstrip("+-").partition("e")[0]
    if "." in mantissa:
        mantissa = mantissa.rstrip("0")  # "1.0" is as vague as "1"
    return len(mantissa.replace(".", "").lstrip("0"))


def make_scrubber(sensitive: Iterable[float]) -> Callable[[str], str]:
    """A function blanking, in free text, numbers that match any sensitive value and any tuple of numbers."""
    values = sorted({float(v) for v in sensitive if v is not None and math.isfinite(float(v))})

    def matches(literal: str) -> bool:
        if _significant(literal) < 2:
            return False  # a one-digit number ("4 of 5 starts") reveals nothing
        try:
            number = float(literal)
        except ValueError:
            return False
        tol = _tolerance(literal)
        return any(abs(number - v) <= max(tol, 1e-3 * abs(v)) for v in values)

    def scrub(text: str) -> str:
        if not text:
            return text
        text = _TUPLE.sub(REDACTED, text)
        text = _NEAR.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        def blank(m: re.Match) -> str:
            literal = m.group(0)
            if _COUNT_AFTER.match(text, m.end()) or _COUNT_BEFORE.search(text[max(0, m.start() - 1):m.start()]):
                return literal
            return REDACTED if matches(literal) else literal

        return _NUMBER.sub(blank, text)

    return scrub


def identity(text: str) -> str:
    """The team audience's scrubber: text as written."""
    return text


def sensitive_values(result: Any, bank: Any, hidden: set[str]) -> list[float]:
    """Numbers that locate a hidden objective's minimum or box: the bank's minima and bounds, and each run's start
    and returned point (a successful run returns x* to within the target, even when there is no bank)."""
    out: list[float] = []
    for name in sorted(hidden):
        entry = _entry(bank, name)
        if entry is not None:
            out.extend(entry.x_star)
            out.append(entry.f_star)
            for lm in entry.local_minima:
                out.extend(lm.x)
                out.append(lm.f)
            for lo, hi in entry.bounds:
                out.extend((lo, hi))
    for trial in result.trials:
        if trial.objective in hidden:
            for point in (trial.x0, trial.returned):
                out.extend(point or ())
    return out


def _entry(bank: Any, name: str) -> Any:
    if bank is None:
        return None
    try:
        return bank.entry(name)
    except KeyError:
        return None

"""The candidate audience: no coordinate of a hidden minimum, start, path or returned point, in any format."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import F_STAR, LOCAL, X_STAR, make_result
from harness.report import render_submission
from harness.report.audience import REDACTED, make_scrubber


def spellings(v: float) -> set[str]:
    """The ways a coordinate could be printed: repr, %g, fixed, scientific, rounded, numpy."""
    out = {repr(v), str(v), str(np.float64(v)), str(np.round(np.float64(v), 2)), str(round(v, 1)),
           str(round(v, 2)), str(round(v, 3)), str(int(round(v)))}
    for f in (".8g", ".6g", ".5g", ".4g", ".3g", ".4f", ".3f", ".2f", ".1f", ".0f", "e", ".4e", ".3e", ".2e", ".1e"):
        out.add(format(v, f))
    out.add(np.array2string(np.array([v]), precision=4).strip("[]").strip())
    return {s for s in out if len(s.lstrip("-").replace(".", "").lstrip("0")) >= 3}


def leaks(html: str, values) -> list[str]:
    return sorted({s for v in values for s in spellings(v) if s in html})


GEOMETRY = re.compile(r'\s(?:points|x|y|x1|x2|y1|y2|cx|cy|r|dy|width|height|viewBox|transform|stroke-width|'
                      r'stroke-opacity|stroke-dasharray|size)="[^"]*"')
TOKEN = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def token_leaks(html: str, values) -> list[str]:
    """Whole number tokens of the page (text and data attributes, not SVG pixel geometry) that spell a value."""
    tokens = set(TOKEN.findall(GEOMETRY.sub(" ", html)))
    return sorted({s for v in values for s in spellings(v) if s in tokens})


SECRET = [*X_STAR, *LOCAL, F_STAR]


def test_spellings_cover_the_usual_formats():
    s = spellings(X_STAR[1])
    assert {"1234.5678", "1235", "1.235e+03", "1234.57", "1234.6", "1.23e+03"} <= s


@pytest.mark.parametrize("with_bank", [True, False])
def test_candidate_page_holds_no_hidden_coordinates(bank, with_bank):
    result = make_result(quality=0.5, seed=3)
    html = render_submission(result, bank if with_bank else None, "candidate")
    assert leaks(html, SECRET) == [] and token_leaks(html, SECRET) == []
    # nor any start, returned point or path point of a hidden objective (formats that would identify them)
    points = [v for t in result.trials for p in (t.x0 or (), t.returned or ()) for v in p if abs(v) > 10]
    points += [v for t in result.trials for p in t.path for v in p if abs(v) > 10]
    html_nums = set(re.findall(r"-?\d+\.\d+", html))
    assert not [v for v in points if f"{v:.2f}" in html_nums or f"{v:.3f}" in html_nums or repr(v) in html]
    assert "search paths" not in html and "evaluated points" not in html  # no landscapes
    assert bank.opened == []  # the landscape values were never even computed


def test_team_page_does_show_them(bank):
    """The leak check has teeth: the same search finds the minimum on the team page."""
    html = render_submission(make_result(quality=0.5, seed=3), bank, "team")
    assert "-237.061" in html and "1234.57" in html
    assert token_leaks(html, X_STAR)
    assert "search paths" in html and "evaluated points" in html


def test_candidate_page_keeps_scores_statuses_and_gap_terms(bank):
    html = render_submission(make_result(quality=0.5, seed=3), bank, "candidate")
    assert "convergence" in html and "best gap" in html
    assert "from 2 of 4 starts" in html  # the diagnosis survives, minus its coordinates
    assert f"near {REDACTED}" in html
    assert "timeout" in html and "IndexError" in html
    assert "iter 1 f=3.2" not in html  # printed output of hidden objectives could print the answer
    assert "x0 =" not in html and "returned =" not in html


def test_public_objective_is_shown_to_candidates(bank):
    result = make_result(quality=0.5, seed=3)
    rows = tuple({"name": r["name"], "hidden": r["name"] != "forrester-1d"} for r in result.objectives)
    html = render_submission(type(result)(**{**result.__dict__, "objectives": rows}), bank, "candidate")
    assert "forrester-1d: evaluated points" in html
    assert "takehome-2d: search paths" not in html
    assert leaks(html, SECRET) == []


def test_scrubber_blanks_matching_numbers_and_tuples_only():
    scrub = make_scrubber([412.7318, -3.25])
    assert scrub("ended near 412.73 after 12 of 15 runs") == f"ended near {REDACTED} after 12 of 15 runs"
    assert scrub("value 4.127e+02 and 413") == f"value {REDACTED} and {REDACTED}"
    assert scrub("returned [0.5 0.25] and (1, 2)") == f"returned {REDACTED} and {REDACTED}"
    assert scrub("array([ 1.5, -2.5])") == REDACTED
    assert scrub("x = 7.77") == f"x = {REDACTED}"
    assert scrub("-3.25 but 3.25 is far from -3.25? no: 3.2 is") .count(REDACTED) == 2
    assert scrub("38% error with step 1.0 in 4 of 5 starts") == "38% error with step 1.0 in 4 of 5 starts"
    counts = make_scrubber([46.2, 59.0, 92.1, 41.0, 4.0])
    kept = "in 46 of 59 runs, 92% of calls, 41 evaluations, runs lunacek_2d#4, 5-D"
    assert counts(kept) == kept
    assert counts("minimum of 46.2, 59.0 away") == f"minimum of {REDACTED}, {REDACTED} away"


def test_unknown_audience_is_refused(result):
    with pytest.raises(ValueError, match="team, candidate"):
        render_submission(result, None, "public")

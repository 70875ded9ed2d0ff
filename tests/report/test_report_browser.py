"""The pages in a real browser (headless chromium): rendered, no script errors, plots sized, sorting works."""

from __future__ import annotations

import struct

import pytest

from .conftest import make_result
from harness.report import render_cohort, render_submission
from harness.results import SubmissionStatus
from .report_browser import CHROMIUM, probe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def cohort_page(tmp_path_factory):
    results = [make_result(f"c{i:02d}", (i * 37 % 20) / 20, i) for i in range(30)]
    results.append(make_result("broken", status=SubmissionStatus.NO_ENTRY))
    path = tmp_path_factory.mktemp("cohort") / "cohort.html"
    path.write_text(render_cohort(results, {r.submission["id"]: "x.html" for r in results}), encoding="utf-8")
    return path, results


def test_submission_page_renders_with_plots_and_verdict_on_first_screen(tmp_path, bank):
    page = tmp_path / "report.html"
    page.write_text(render_submission(make_result(quality=0.6, seed=4), bank, "team"), encoding="utf-8")
    data = probe(page)
    assert data["errors"] == [] and data["console"] == []
    kinds = sorted(p[0] for p in data["plots"])
    assert kinds == ["plot convergence"] * 3 + ["plot curve", "plot gradient", "plot landscape"]
    assert all(w > 100 and h > 100 and n > 10 for _, w, h, n in data["plots"])
    top, bottom, height = data["verdict"]
    assert height > 40 and 0 <= top and bottom <= data["vh"] / 2
    assert data["open"] == []
    assert probe(page, "#t-sphere-5d-1-32")["open"] == ["t-sphere-5d-1-32"]  # a failure link unfolds its run
    shot = screenshot(page, tmp_path / "report.png")
    assert png_size(shot) == (1200, 900) and shot.stat().st_size > 20_000


def test_failing_script_is_caught(tmp_path):
    """The probe itself works: a page whose script throws is reported, not passed."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head></head><body><p id=verdict>x</p>"
                    "<script>null.boom()</script></body></html>")
    data = probe(page)
    assert data["errors"] and "null" in data["errors"][0]
    assert data["console"] and "Uncaught TypeError" in data["console"][0]


def test_cohort_sorts_from_the_url_hash_and_on_click(cohort_page):
    path, results = cohort_page
    by_score = sorted(results, key=lambda r: (r.score, r.submission["id"]))
    data = probe(path, "#sort=score")
    assert data["errors"] == [] and data["console"] == []
    assert data["sorted"] == "score"
    assert data["rows"] == [r.submission["id"] for r in by_score]
    assert any(p[0] == "plot histogram" and p[1] > 100 for p in data["plots"])
    assert sum(1 for p in data["plots"] if p[0] == "spark" and p[1] > 50) == len(results) - 1
    # a click on the "escape" header sorts by it, best first; a second click reverses
    click = "function(){var h=document.querySelector('th[data-key=escape]');h.click();h.click();}"
    data = probe(path, "", click)
    esc = lambda r: r.criteria["escape"].score if "escape" in r.criteria else -1  # noqa: E731
    assert data["sorted"] == "escape"
    assert [esc(next(r for r in results if r.submission["id"] == i)) for i in data["rows"]] == \
        sorted(esc(r) for r in results)

"""Submission and cohort pages: sections in order, links that land, escaping, self-containment, determinism."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .conftest import make_result
from harness.report import render_cohort, render_submission
from harness.results import SubmissionStatus


class Index(HTMLParser):
    """Collects ids, hrefs, tags with src/href attributes and the order of section ids."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if "href" in a and tag == "a":
            self.hrefs.append(a["href"])
        for key in ("src", "href", "xlink:href"):
            if key in a and tag != "a":
                self.external.append(f"{tag} {key}={a[key]}")


def parse(html: str) -> Index:
    idx = Index()
    idx.feed(html)
    return idx


def test_sections_in_reading_order_and_links_land(bank, result):
    html = render_submission(result, bank, "team")
    idx = parse(html)
    order = [i for i in idx.ids if i in ("verdict", "criteria", "objectives", "gradient", "notes")]
    assert order == ["verdict", "criteria", "objectives", "gradient", "notes"]
    local = [h[1:] for h in idx.hrefs if h.startswith("#")]
    assert local and set(local) <= set(idx.ids)
    # the sphere-5d row links its timeout and its error to the trials that have them
    assert "#t-sphere-5d-1-32" in idx.hrefs and "#t-sphere-5d-2-33" in idx.hrefs
    assert len(idx.ids) == len(set(idx.ids))


def test_verdict_band_has_score_status_and_three_diagnoses(bank, result):
    html = render_submission(result, bank, "team")
    band = html[html.index('id="verdict"'):html.index("</section>")]
    assert f"{result.score:.1f}" in band and "graded" in band
    assert band.count("<li>") == 3 and result.diagnoses[0][:20] in band and result.diagnoses[3] not in band
    assert result.diagnoses[3] in html  # the fourth is listed further down
    assert '<a href="#t-takehome-2d-2-13">takehome-2d#2</a>' in band  # run references link to the run


def test_objective_rows_and_criteria_rows(bank):
    result = make_result(quality=0.5, seed=3)
    html = render_submission(result, bank, "team")
    table = html[html.index('id="objectives"'):html.index('id="o-takehome-2d"')]
    for s in ("takehome-2d", "forrester-1d", "sphere-5d", "take-home-2d, deceptive"):
        assert s in table
    runs = [t for t in result.trials if t.objective == "takehome-2d"]
    assert f"{sum(t.success for t in runs)}/{len(runs)}" in table
    assert "<td class=\"n\">404</td><td class=\"n\">1/3</td>" in table  # ERT, beats random search
    for name, c in result.criteria.items():
        assert f"<td>{name}</td><td class=\"n\">{100 * c.score:.0f}%</td>" in html


def test_candidate_text_is_escaped_not_executed(bank, result):
    html = render_submission(result, bank, "team")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_is_self_contained(bank, result):
    for html in (render_submission(result, bank, "team"),
                 render_cohort([result], {"strong": "strong/report.html"})):
        idx = parse(html)
        assert idx.external == []
        assert "link" not in idx.tags and not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
        assert "@import" not in html and "url(" not in html


def test_pictures_for_each_kind_of_objective(bank, result):
    html = render_submission(result, bank, "team")
    assert html.count('class="plot landscape"') == 1
    assert html.count('class="plot curve"') == 1
    assert html.count('class="plot convergence"') == 3
    assert html.count('class="plot gradient"') == 1
    assert html.count("<details") == len(result.trials)
    no_bank = render_submission(result, None, "team")
    assert 'class="plot landscape"' not in no_bank and no_bank.count('class="plot convergence"') == 3


def test_same_inputs_same_bytes(bank):
    a = render_submission(make_result(seed=5, quality=0.6), bank, "team")
    b = render_submission(make_result(seed=5, quality=0.6), bank, "team")
    assert a == b
    rs = [make_result(f"s{i}", i / 10, i) for i in range(10)]
    assert render_cohort(rs, {}) == render_cohort(list(rs), {})


def test_unloadable_submission_still_gets_a_page(bank):
    failed = make_result("broken", status=SubmissionStatus.SYNTAX_ERROR)
    html = render_submission(failed, bank, "team")
    assert "syntax error" in html and "line 3, column 7" in html and "No trials ran" in html
    assert 'class="band bad"' in html


def test_cohort_of_200_is_small_readable_and_linked():
    results = [make_result(f"cand-{i:03d}", (i % 50) / 50, i) for i in range(199)]
    results.append(make_result("broken", status=SubmissionStatus.LOAD_ERROR))
    links = {r.submission["id"]: f"{r.submission['id']}/report.html" for r in results}
    html = render_cohort(results, links)
    assert len(html.encode()) < 2_000_000
    idx = parse(html)
    assert sum(1 for h in idx.hrefs if h.endswith("/report.html")) == 200
    rows = re.findall(r'<tr id="s-([^"]+)"', html)
    assert len(rows) == 200
    scores = {r.submission["id"]: r.score for r in results}
    assert [scores[i] for i in rows] == sorted(scores.values(), reverse=True)  # best first before any click
    assert rows[-1] == "broken" and "load_error" in html
    assert html.count('<svg class="spark"') == 199


def test_odd_results_render_everywhere(bank):
    """Nothing scored, nothing converged, no returned point, zero evaluations, odd text: still a page, not a crash."""
    from dataclasses import replace

    from harness.report import export_csv, export_gradescope, export_junit
    from harness.results import GradientProbe, TrialStatus

    base = make_result(quality=0.3, seed=9)
    odd = [replace(t, f_gap=None, convergence=(), path=(), returned=None, x0=None, evaluations=0, success=False,
                   status=TrialStatus.CRASHED, message="segfault \u2603 " + "x" * 5000, scored_on="nothing")
           for t in base.trials[:4]]
    odd.append(replace(base.trials[5], convergence=((1, 0.0), (2, 0.0)), f_gap=0.0))
    probe = GradientProbe(objective="sphere-5d", x=(0.0,) * 5, status=TrialStatus.BAD_RETURN, message="tuple",
                          rel_error=None, cosine=None, evaluations=0)
    weird = replace(base, trials=tuple(odd) + base.trials[6:], gradient_probes=(probe,), criteria={},
                    objectives=({"name": "takehome-2d", "dim": "two"},))
    for audience in ("team", "candidate"):
        html = render_submission(weird, bank, audience)
        assert "crashed 4" in html and "\u2603" in html
    assert "segfault" in export_csv([weird]) and "crashed" in export_junit([weird])
    assert export_gradescope(weird) and render_cohort([weird, base], {})

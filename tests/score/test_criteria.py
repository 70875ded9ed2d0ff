"""The criteria formulas as docs/rubric.md states them."""

import pytest

from harness.results import Criterion, GradientProbe, TrialStatus
from harness.score.criteria import ert_score, probe_score, total_score


@pytest.mark.parametrize("ert, ref, expect", [(50, 100, 1.0), (100, 100, 1.0), (1000, 100, 0.5), (10000, 100, 0.0),
                                              (1e6, 100, 0.0), (None, 100, 0.0), (100, None, None)])
def test_ert_score_is_log_scaled_against_the_reference(ert, ref, expect):
    got = ert_score(ert, ref)
    assert got == expect if expect is None else got == pytest.approx(expect)


def _probe(rel, cos, evals, status=TrialStatus.OK):
    return GradientProbe(objective="o", x=(0.0,) * 3, status=status, message="", rel_error=rel, cosine=cos,
                         evaluations=evals)


def test_probe_score_accuracy_direction_and_cost():
    assert probe_score(_probe(1e-9, 1.0, 6), 3) == 1.0
    assert probe_score(_probe(1e-3, 1.0, 6), 3) == pytest.approx(0.5)
    assert probe_score(_probe(0.4, 0.9, 6), 3) == pytest.approx(1 - 5.60206 / 6, abs=1e-4)  # log10(0.4 / 1e-6) = 5.602
    assert probe_score(_probe(1e-9, -0.5, 6), 3) == 0.0
    assert probe_score(_probe(1e-9, 1.0, 16), 3) == pytest.approx(8 / 16)  # 2n + 2 = 8 allowed
    assert probe_score(_probe(None, None, 6, TrialStatus.BAD_RETURN), 3) == 0.0


def test_total_is_the_weighted_mean_of_applicable_criteria():
    crits = {"a": Criterion(1.0, 30.0, ""), "b": Criterion(0.5, 10.0, ""), "c": Criterion(0.0, 0.0, "n/a")}
    assert total_score(crits) == pytest.approx(100 * (30 + 5) / 40)

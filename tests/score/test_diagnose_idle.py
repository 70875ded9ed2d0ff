"""Doing nothing and diverging are named for what they are, and doing nothing earns no robustness."""

from .score_fakes import outcome
from .test_score import _grade


def idle(entry, planned):
    """Hands back its start without a single evaluation."""
    return outcome(returned=planned.x0, evaluations=0)


def blow_up(entry, planned):
    """Evaluates near its start, then returns a point far outside the box (a fixed step that grew)."""
    far = tuple(1e9 for _ in entry.x_star)
    return outcome(returned=far, evaluations=20, trajectory=[(1, entry.f_star + 4.0), (3, entry.f_star + 2.0)])


def test_a_do_nothing_minimize_is_diagnosed_and_scores_no_robustness(tmp_path):
    result = _grade(tmp_path, idle)
    robustness = result.criteria["robustness"]  # only its gradient probes (which work) count as clean calls
    assert robustness.score < 0.2 and "0% of runs stopped within the budget" in robustness.evidence
    assert result.diagnoses[0].startswith("Returned without calling func in 11 of 11 runs")
    assert not any("Stuck in the local minimum" in d for d in result.diagnoses)
    assert result.criteria["correctness"].score == 0.0 and result.criteria["escape"].score == 0.0


def test_a_diverging_minimize_is_diagnosed(tmp_path):
    result = _grade(tmp_path, blow_up)
    assert any(d.startswith("Diverges: the returned point is far worse than the best point it evaluated in 11 of 11")
               for d in result.diagnoses), result.diagnoses

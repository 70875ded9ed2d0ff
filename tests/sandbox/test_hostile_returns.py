"""Hostile and odd return values, exceptions and top-level code, run through the real sandbox.

What a candidate hands back (generators, lying floats, exceptions whose message never prints) must become a
status with a message, quickly, without running anything it should not; the same checks as test_hostile.py
apply (hostile_support.Harness).
"""

from __future__ import annotations

import dataclasses

import pytest
from .hostile_support import NEEDS_BWRAP, POLICY, Harness, report_of, request

from harness.results import CallPlan, Phase, TrialStatus

pytestmark = NEEDS_BWRAP


@pytest.fixture
def harness(tmp_path) -> Harness:
    return Harness(tmp_path)


def test_returning_generators_is_a_bad_return_and_they_never_run(harness):
    minimize, gradient = harness.run("return_generator", request(), request("gradient", Phase.GRADIENT))
    for outcome in (minimize, gradient):
        assert outcome.status is TrialStatus.BAD_RETURN, outcome.message
        assert outcome.returned_kind == "generator" and "generator" in outcome.message
        assert outcome.evaluations == 0


def test_objects_lying_about_being_floats_are_refused_without_hanging(harness):
    minimize, gradient = harness.run("lying_float", request(), request("gradient", Phase.GRADIENT))
    assert minimize.status is TrialStatus.BAD_RETURN and minimize.returned_kind == "bad_number"
    assert ("minimize returned a point whose item 0 is a Liar that claims to be a number, but float() of it "
            "raised") in minimize.message
    assert minimize.evaluations == 2 - len(report_of(minimize)["refused"])
    assert gradient.status is TrialStatus.BAD_RETURN and "Raiser" in gradient.message




def test_exceptions_whose_message_never_prints_are_still_reported_fast(harness):
    quick = dataclasses.replace(POLICY, wall_s=2.0)
    minimize, gradient = harness.run("exception_hangs", request(), request("gradient", Phase.GRADIENT), policy=quick)
    assert minimize.status is TrialStatus.ERROR, minimize.message
    assert "Sneaky" in minimize.message and minimize.evaluations == 1
    assert gradient.status is TrialStatus.ERROR, gradient.message
    assert "KeyError" in gradient.message
    (note,) = minimize.load_notes
    assert note.startswith("line 30: `_boom()` failed (Sneaky") and note.endswith("graded without it")


def test_top_level_failures_are_noted_by_line_and_the_functions_graded(harness):
    (outcome,) = harness.run("loads_badly")
    assert outcome.status is TrialStatus.OK, outcome.message
    assert outcome.evaluations == report_of(outcome)["calls"]
    notes = outcome.load_notes
    assert [note.split(":")[0] for note in notes] == ["line 12", "line 13", "line 14", "line 22"], notes
    assert "EOFError" in notes[0]  # input() meets an empty stdin at once instead of hanging
    assert "FileNotFoundError" in notes[1] and "objective.pkl" in notes[1]
    assert "ModuleNotFoundError" in notes[2] and "matplotlib_is_not_installed_here" in notes[2]
    assert "NameError" in notes[3]
    assert "colorsys" in outcome.imported_modules  # imported under a computed name, seen at run time


def test_article_style_answer_is_diagnosed_not_scored(harness):
    own_start = CallPlan(target="minimize", args=("func",), own_start=True, note="runs from its own start")
    minimize, gradient = harness.run(
        "article_style", dataclasses.replace(request(), plan=own_start, point=None),
        request("gradient", Phase.GRADIENT))
    assert minimize.status is TrialStatus.BAD_RETURN and minimize.returned_kind == "none"
    assert "returned None" in minimize.message and "it printed `Minimum Point: (600.0, 590.0)`" in minimize.message
    assert minimize.best_x is not None and minimize.evaluations == 80
    assert gradient.status is TrialStatus.BAD_RETURN and gradient.returned_kind == "point_and_difference"
    assert gradient.message.startswith("gradient returns a neighbouring point and a difference, not a gradient "
                                       "vector: got ((")
    assert gradient.message.endswith("2.0)), -59.5)")  # x arrives as a numpy array, so the point holds np.float64
    assert gradient.returned is None and gradient.evaluations == 8

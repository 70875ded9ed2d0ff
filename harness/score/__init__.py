"""Scoring: the rubric, the trial plan, judging each call, the five criteria and plain-words diagnoses."""

from harness.score.judge import judge_probe, judge_trial
from harness.score.plan import PlannedProbe, PlannedTrial, TrialPlan, budget_for, plan_trials, target_for
from harness.score.policy import policy_flags_from_imports, runtime_policy_flags
from harness.score.rubric import Rubric, load_rubric
from harness.score.summary import failed_submission_result, score_submission

__all__ = [
    "PlannedProbe", "PlannedTrial", "Rubric", "TrialPlan", "budget_for", "failed_submission_result",
    "judge_probe", "judge_trial", "load_rubric", "plan_trials", "policy_flags_from_imports", "runtime_policy_flags",
    "score_submission",
    "target_for",
]

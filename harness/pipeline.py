"""The stage order, written once: load -> plan -> run in the sandbox -> judge -> score -> write -> report.

Every stage's failure becomes a scored result with a status and a message; nothing here stops a batch.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.bank import Bank
from harness.load import load_submission, static_policy_flags
from harness.report import render_submission
from harness.results import (
    CallOutcome, CallPlan, GradientProbe, Phase, Submission, SubmissionResult, SubmissionStatus,
    TrialResult, atomic_write_text, write_results,
)
from harness.sandbox import CallRequest, open_session
from harness.score import (
    Rubric, TrialPlan, failed_submission_result, judge_probe, judge_trial, plan_trials, runtime_policy_flags,
    score_submission,
)


def grade_one(source: Path, bank: Bank, rubric: Rubric, out_dir: Path, staging_root: Path,
              audience: str = "team", submission_id: str | None = None) -> SubmissionResult:
    """Grade one submission end to end and write OUT/<id>/results.json and report.html atomically."""
    started = time.perf_counter()
    submission = load_submission(source, staging_root)
    if submission_id:
        submission = replace(submission, id=submission_id)
    if submission.status is not SubmissionStatus.GRADED:
        result = failed_submission_result(submission, bank, rubric)
    else:
        submission = replace(submission, policy_flags=static_policy_flags(
            Path(submission.code_dir), submission.entry, rubric.forbidden_modules))
        plan = plan_trials(bank, rubric)
        objectives = {name: bank.objective(name) for name in plan.objective_names()}
        trials, probes, modules, sandbox = _run_plan(submission, bank, rubric, plan, objectives)
        result = score_submission(submission, bank, rubric, plan, trials, probes,
                                  runtime_policy_flags(modules, rubric), objectives=objectives, sandbox=sandbox)
    result = replace(result, grading_s=round(time.perf_counter() - started, 3))
    folder = out_dir / result.submission["id"]
    # results.json last: a run stopped between the two writes leaves the old results.json, which no longer
    # matches the submission, so the next run grades it again instead of keeping a report of another version
    atomic_write_text(folder / "report.html", render_submission(result, bank, audience))
    write_results(result, folder / "results.json")
    return result


def _run_plan(submission: Submission, bank: Bank, rubric: Rubric, plan: TrialPlan, objectives: dict[str, Any]
              ) -> tuple[list[TrialResult], list[GradientProbe], set[str], str]:
    """Run every planned minimize trial and gradient probe through one sandbox session."""
    trials: list[TrialResult] = []
    probes: list[GradientProbe] = []
    modules: set[str] = set()
    sandbox = ""
    with open_session(Path(submission.code_dir), submission.entry, rubric.policy()) as session:
        if submission.minimize is not None:
            minimize_plan = _with_bounds_rule(submission.minimize, rubric)
            for planned in plan.minimize_trials_for(submission.minimize.own_start):
                entry, objective = bank.entry(planned.objective), objectives[planned.objective]
                request = CallRequest(
                    phase=Phase.MINIMIZE, plan=minimize_plan, dim=entry.dim,
                    point=None if minimize_plan.own_start else tuple(planned.x0), bounds=entry.bounds,
                    seed=planned.seed, budget=planned.budget, target_value=entry.f_star + planned.target,
                    record_path=entry.dim <= 2, trial_id=planned.trial_id,
                )
                outcome = session.run(request, objective)
                sandbox = sandbox or outcome.sandbox
                modules.update(outcome.imported_modules)
                trials.append(judge_trial(entry, objective, planned, outcome))
        if submission.gradient is not None:
            for planned in plan.gradient_probes:
                entry, objective = bank.entry(planned.objective), objectives[planned.objective]
                request = CallRequest(
                    phase=Phase.GRADIENT, plan=submission.gradient, dim=entry.dim, point=tuple(planned.x),
                    bounds=entry.bounds, seed=planned.seed, budget=planned.budget,
                    trial_id=planned.trial_id,
                )
                outcome: CallOutcome = session.run(request, objective)
                modules.update(outcome.imported_modules)
                probes.append(judge_probe(entry, objective, planned, outcome))
    return trials, probes, modules, sandbox


def _with_bounds_rule(plan: CallPlan, rubric: Rubric) -> CallPlan:
    """Drop the `bounds` role when the rubric does not hand bounds to candidates."""
    if rubric.allow_bounds or ("bounds" not in plan.args and "bounds" not in plan.kwargs.values()):
        return plan
    return replace(plan, kwargs={k: v for k, v in plan.kwargs.items() if v != "bounds"})


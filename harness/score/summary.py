"""One submission's result: criteria, total, policy consequence, per-objective rows and diagnoses."""

from __future__ import annotations

from typing import Any, Iterable

from harness import __version__
from harness.results import (
    SCHEMA_VERSION, Criterion, GradientProbe, PolicyFlag, Submission, SubmissionResult, SubmissionStatus,
    TrialResult,
)
from harness.score import criteria as crit
from harness.score.diagnose import diagnose
from harness.score.judge import SCORED_ON_BEST_NOTE
from harness.score.metrics import objective_stats
from harness.score.plan import TrialPlan
from harness.score.policy import applicable_flags, apply_policy
from harness.score.rubric import CRITERIA, Rubric

_NOT_APPLICABLE = {
    "correctness": "not applicable: the plan has no ordinary starts",
    "efficiency": "not applicable: no runs",
    "escape": "not applicable: no deceptive objective with local-basin starts was selected",
    "gradient": "not applicable: no gradient probes (no smooth noise-free objective, or gradient_probes: 0)",
    "robustness": "not applicable: no runs",
}


def _rounded(c: Criterion) -> Criterion:
    return Criterion(score=round(min(max(c.score, 0.0), 1.0), 6), weight=c.weight, evidence=c.evidence)


def _header(submission: Submission, bank: Any, rubric: Rubric) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION, "harness_version": __version__,
        "bank": {"path": str(bank.path), "hash": bank.hash},
        "rubric": {"path": str(rubric.path), "hash": rubric.hash},
        "submission": {"id": submission.id, "source": submission.source, "sha256": submission.sha256,
                       "kind": submission.kind},
    }


def _notes(submission: Submission, trials: Iterable[TrialResult]) -> tuple[str, ...]:
    notes = list(submission.notes)
    for plan in (submission.minimize, submission.gradient):
        if plan is not None and plan.note and plan.note not in notes:
            notes.append(plan.note)
    seen = set(notes)
    for t in sorted(trials, key=lambda t: (t.objective, t.start, t.seed)):
        for note in t.notes:
            if note != SCORED_ON_BEST_NOTE and not note.startswith("the grader could not") and note not in seen:
                seen.add(note)
                notes.append(note)
    return tuple(notes)


def score_submission(submission: Submission, bank: Any, rubric: Rubric, plan: TrialPlan,
                     trials: Iterable[TrialResult], probes: Iterable[GradientProbe],
                     runtime_flags: Iterable[PolicyFlag] = (), *, objectives: dict[str, Any] | None = None,
                     sandbox: str = "", grading_s: float = 0.0) -> SubmissionResult:
    """Score judged trials and probes into a SubmissionResult; the same inputs give the same result.

    `objectives` (name -> loaded objective) saves unpickling again for the random-search floor."""
    trial_order = {(t.objective, t.start, t.seed): i for i, t in enumerate(plan.trials)}
    probe_order = {(p.objective, tuple(p.x)): i for i, p in enumerate(plan.probes)}
    trials = tuple(sorted(trials, key=lambda t: (trial_order.get((t.objective, t.start, t.seed), len(trial_order)),
                                                 t.objective, t.start, t.seed)))
    probes = tuple(sorted(probes, key=lambda p: (probe_order.get((p.objective, tuple(p.x)), len(probe_order)),
                                                 p.objective, p.x)))
    stats = objective_stats(bank, rubric, plan, trials, objectives)
    dims = {s.name: s.dim for s in stats}
    w = rubric.weights
    found = {
        "correctness": crit.correctness(stats, w["correctness"]),
        "efficiency": crit.efficiency(stats, w["efficiency"]),
        "escape": crit.escape(stats, w["escape"]),
        "gradient": crit.gradient(probes, len(plan.probes), dims, w["gradient"], submission.gradient is not None),
        "robustness": crit.robustness(stats, probes, w["robustness"]),
    }
    criteria = {name: _rounded(found[name]) if found[name] is not None
                else Criterion(score=0.0, weight=0.0, evidence=_NOT_APPLICABLE[name]) for name in CRITERIA}
    flags = applicable_flags(rubric, tuple(submission.policy_flags) + tuple(runtime_flags))
    score, policy_note = apply_policy(rubric, crit.total_score(criteria), flags)
    notes = _notes(submission, trials) + ((policy_note,) if policy_note else ())
    return SubmissionResult(
        **_header(submission, bank, rubric), status=SubmissionStatus.GRADED, message=submission.message,
        score=round(score, 2), criteria=criteria, trials=trials, gradient_probes=probes, policy_flags=flags,
        notes=notes, diagnoses=diagnose(stats, probes, flags, rubric, policy_note),
        objectives=tuple({**s.row(), "hidden": not getattr(bank, "public", False)} for s in stats), plan=plan.to_json(), sandbox=sandbox, grading_s=grading_s)


def failed_submission_result(submission: Submission, bank: Any, rubric: Rubric,
                             plan: TrialPlan | None = None) -> SubmissionResult:
    """The result of a submission that could not be run at all: its load status and message, score 0."""
    message = submission.message or f"the submission could not be loaded ({submission.status.value})"
    criteria = {name: Criterion(score=0.0, weight=rubric.weights[name], evidence="not run: " + message.splitlines()[0])
                for name in CRITERIA}
    return SubmissionResult(
        **_header(submission, bank, rubric), status=submission.status, message=message, score=0.0,
        criteria=criteria, trials=(), gradient_probes=(),
        policy_flags=applicable_flags(rubric, submission.policy_flags),
        notes=tuple(submission.notes), diagnoses=(f"Not graded: {message.splitlines()[0]}",),
        plan=plan.to_json() if plan is not None else {})

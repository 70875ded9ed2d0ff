"""Report speed and size: a submission page on a real bank, a 200-submission cohort, hand-built SVG vs matplotlib.

    python benchmarks/bench_report.py [--bank objectives/default] [--screenshots docs/screenshots]

Results come from synthetic grading of the bank's own objectives (paths walking from each start to x*), so the
page has the real number of objectives, dimensions and landscapes. Figures go in docs/performance.md, "Reports".
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from harness.bank import load_bank
from harness.report import export_csv, export_junit, render_cohort, render_submission
from harness.report import plots
from harness.report.summary import objective_summaries
from harness.results import (SCHEMA_VERSION, Criterion, GradientProbe, SubmissionResult, SubmissionStatus,
                             TrialResult, TrialStatus, read_results)


def synthetic(bank, sid: str, quality: float, seed: int, starts: int = 5) -> SubmissionResult:
    """A plausible graded result on every objective of `bank`: better `quality` reaches x* more often."""
    rng = np.random.RandomState(seed)
    trials, probes, rows = [], [], []
    for entry in bank.entries:
        lo, hi = np.array(entry.starts.box, dtype=float).T
        budget = max(2000, 2000 * entry.dim)
        for s in range(starts):
            ok = rng.rand() < quality
            x0 = lo + rng.rand(entry.dim) * (hi - lo)
            goal = np.array(entry.x_star if ok or not entry.local_minima else entry.local_minima[0].x)
            n = int(200 * entry.dim * (1.5 - quality) + rng.randint(50))
            t = np.linspace(0, 1, 150)[:, None] ** 0.4
            path = x0 + t * (goal - x0) if entry.dim <= 2 else np.zeros((0, entry.dim))
            evals = sorted({int(v) for v in np.geomspace(1, n, 40)})
            gap = 10 ** (-7 * quality - 1) if ok else 1.0
            conv = tuple((e, float(g)) for e, g in zip(evals, np.geomspace(100, gap, len(evals))))
            trials.append(TrialResult(
                objective=entry.name, start=s, start_kind="uniform", seed=seed * 100 + s,
                x0=tuple(map(float, x0)), status=TrialStatus.OK, message="", evaluations=n, success=ok,
                f_gap=gap, basin="global" if ok else "local:0", returned=tuple(map(float, goal)),
                scored_on="returned", evaluations_to_target=int(n * 0.9) if ok else None, convergence=conv,
                path=tuple(tuple(map(float, p)) for p in path), stdout_head="step 1\n" * 5, wall_s=0.2))
        for k in range(3):
            probes.append(GradientProbe(objective=entry.name, x=tuple(map(float, lo + rng.rand(entry.dim) * (hi - lo))),
                                        status=TrialStatus.OK, message="", rel_error=10 ** (-2 - 4 * quality * rng.rand()),
                                        cosine=0.999, evaluations=2 * entry.dim))
        rows.append({"name": entry.name, "kinds": list(entry.kinds), "dim": entry.dim, "target": entry.target,
                     "budget": budget, "reference_evaluations": entry.reference_evaluations})
    crit = {name: Criterion(min(1.0, quality * (0.7 + 0.3 * rng.rand())), w, f"synthetic evidence for {name}")
            for name, w in (("correctness", 0.35), ("efficiency", 0.2), ("escape", 0.15), ("gradient", 0.15),
                            ("robustness", 0.15))}
    return SubmissionResult(
        schema_version=SCHEMA_VERSION, harness_version="bench", bank={"path": str(bank.path), "hash": bank.hash},
        rubric={"path": "rubrics/default.yaml", "hash": "0" * 64},
        submission={"id": sid, "source": f"{sid}.py", "sha256": "0" * 64, "kind": "py"},
        status=SubmissionStatus.GRADED, message="", score=100 * sum(c.score * c.weight for c in crit.values()),
        criteria=crit, trials=tuple(trials), gradient_probes=tuple(probes), policy_flags=(), notes=(),
        diagnoses=("synthetic diagnosis one", "synthetic diagnosis two", "synthetic diagnosis three"),
        objectives=tuple(rows), sandbox="bwrap")


def best_of(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def matplotlib_convergence(summary) -> str:
    """The same convergence plot drawn by matplotlib's SVG backend, for the comparison only."""
    import matplotlib
    matplotlib.use("svg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "harness"
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4.2, 2.6))
    ax = fig.add_subplot()
    for t in summary.trials:
        e, g = zip(*t.convergence)
        ax.step(e, g, where="post")
    ax.set_yscale("log")
    if summary.target:
        ax.axhline(summary.target, ls="--", color="k")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bank", default="objectives/default")
    ap.add_argument("--cohort", type=int, default=200)
    ap.add_argument("--results", nargs="*", default=[], help="saved results.json files to time as well")
    args = ap.parse_args()
    bank = load_bank(Path(args.bank))
    result = synthetic(bank, "bench", 0.7, 1)
    dims = [e.dim for e in bank.entries]
    print(f"bank {args.bank}: {len(dims)} objectives, dims {sorted(dims)}, {len(result.trials)} trials")

    bank.objective(bank.entries[0].name)  # warm the imports (contourpy, pickle) outside the timing
    render_submission(result, bank, "candidate")

    def cold():
        plots._GRIDS.clear()  # a fresh process: every landscape grid evaluated again
        return render_submission(result, bank, "team")

    t_cold, team = best_of(cold)
    print(f"submission page, team, cold: {t_cold * 1000:6.1f} ms  {len(team.encode()) / 1024:7.1f} KiB "
          f"(landscape grids evaluated)")
    t_team, team = best_of(lambda: render_submission(result, bank, "team"))
    t_cand, cand = best_of(lambda: render_submission(result, bank, "candidate"))
    print(f"submission page, team, warm: {t_team * 1000:6.1f} ms  {len(team.encode()) / 1024:7.1f} KiB")
    print(f"submission page, candidate: {t_cand * 1000:7.1f} ms  {len(cand.encode()) / 1024:7.1f} KiB")

    cohort = [synthetic(bank, f"s{i:03d}", (i % 40) / 40, i, starts=3) for i in range(args.cohort)]
    links = {r.submission["id"]: f"{r.submission['id']}/report.html" for r in cohort}
    t_coh, coh = best_of(lambda: render_cohort(cohort, links), 3)
    print(f"cohort page, {args.cohort} submissions: {t_coh * 1000:7.1f} ms  {len(coh.encode()) / 1024:7.1f} KiB")
    t_csv, csv_text = best_of(lambda: export_csv(cohort), 3)
    t_junit, junit = best_of(lambda: export_junit(cohort), 3)
    print(f"export csv {t_csv * 1000:.1f} ms ({len(csv_text) / 1024:.0f} KiB), junit {t_junit * 1000:.1f} ms "
          f"({len(junit) / 1024:.0f} KiB)")

    for path in sorted(Path(p) for p in args.results):
        saved = read_results(path)
        t_real, page = best_of(lambda: render_submission(saved, bank, "team"), 3)
        print(f"  graded {path.parent.name}: {t_real * 1000:.1f} ms, {len(page.encode()) / 1024:.1f} KiB")

    summaries = objective_summaries(result, bank)
    from harness.report.html import environment
    macro = environment().get_template("plot.svg.j2").module.figure
    ours = [best_of(lambda s=s: str(macro(plots.convergence_figure(s))), 3) for s in summaries]
    svg_ours = [svg for _, svg in ours]
    ours = [t for t, _ in ours]
    matplotlib_convergence(summaries[0])  # import and font cache outside the timing
    theirs = [best_of(lambda s=s: matplotlib_convergence(s), 3) for s in summaries]
    t_ours, t_mpl = statistics.median(ours), statistics.median(t for t, _ in theirs)
    size_ours = statistics.median(len(s) for s in svg_ours)
    size_mpl = statistics.median(len(s) for _, s in theirs)
    print(f"convergence plot: hand-built {t_ours * 1000:.2f} ms / {size_ours / 1024:.1f} KiB (geometry + template), "
          f"matplotlib svg {t_mpl * 1000:.1f} ms / {size_mpl / 1024:.1f} KiB: "
          f"{t_mpl / t_ours:.0f}x slower, {size_mpl / size_ours:.1f}x larger")
    ok = t_cold <= 1.0 and len(team.encode()) <= 1_000_000
    print(f"goal (submission page <= 1 s and <= 1 MB): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

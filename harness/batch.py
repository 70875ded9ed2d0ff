"""Many submissions: ids, parallel workers, progress, resume (skip what has not changed), cohort outputs."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness import __version__
from harness.bank import Bank, load_bank
from harness.errors import HarnessError, SubmissionError
from harness.load import submission_id
from harness.results import SubmissionResult, atomic_write_text, read_results
from harness.score import Rubric, load_rubric

Say = Callable[[str], None]


@dataclass(frozen=True)
class Job:
    source: Path
    id: str


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """'K/N' (1-based K) -> (K, N); None when not sharding."""
    if not text:
        return None
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise HarnessError(f"--shard {text!r}: write K/N with whole numbers, e.g. --shard 2/4") from None
    if not 1 <= k <= n:
        raise HarnessError(f"--shard {text!r}: K must be between 1 and N, e.g. --shard 1/{max(n, 1)}")
    return k, n


def plan_jobs(sources: list[Path], shard: tuple[int, int] | None) -> list[Job]:
    """Stable ids from the paths (unique, filesystem-safe), then this shard's slice."""
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise SubmissionError(f"no such submission: {', '.join(missing)}; check the path")
    taken: set[str] = set()
    jobs = []
    for source in sorted(sources, key=lambda p: str(p)):
        sid = submission_id(source, taken)
        taken.add(sid)
        jobs.append(Job(source=source, id=sid))
    if shard:
        k, n = shard
        jobs = [job for i, job in enumerate(jobs) if i % n == k - 1]
    return jobs


def _entries_inside(source: Path) -> int:
    """How many top-level .py/.ipynb files of a folder define `minimize` (text only: nothing is run)."""
    if not source.is_dir():
        return 0
    count = 0
    for path in sorted(source.iterdir())[:500]:
        if path.suffix in (".py", ".ipynb") and path.is_file():
            with path.open("rb") as fh:
                count += b"def minimize" in fh.read(1_000_000)
    return count


def _up_to_date(job: Job, out_dir: Path, bank: Bank, rubric: Rubric) -> SubmissionResult | None:
    """The saved result when its inputs (submission bytes, bank, rubric, harness version) are unchanged."""
    path = out_dir / job.id / "results.json"
    if not path.exists() or not (out_dir / job.id / "report.html").exists():
        return None
    try:
        saved = read_results(path)
    except HarnessError:
        return None
    from harness.load import submission_sha256

    same = (saved.harness_version == __version__ and saved.bank.get("hash") == bank.hash
            and saved.rubric.get("hash") == rubric.hash and saved.submission.get("sha256") == submission_sha256(job.source))
    return saved if same else None


_STOPPING = False  # set in a worker process by SIGINT/SIGTERM: finish nothing more


def _worker_init() -> None:
    """A pool worker stops at once on Ctrl-C (which reaches every process of the terminal's group) or SIGTERM."""
    signal.signal(signal.SIGINT, _stop_worker)
    signal.signal(signal.SIGTERM, _stop_worker)


def _stop_worker(signum: int, frame: object) -> None:
    """Raise once, so `finally` blocks close the sandbox and remove the staging folder; ignore repeats."""
    global _STOPPING
    if not _STOPPING:
        _STOPPING = True
        raise SystemExit(128 + signum)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers now (not after the whole queue has run)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()  # SIGTERM -> _stop_worker: the submission in hand is dropped cleanly
    deadline = time.monotonic() + 10
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()


def _grade_job(job: Job, bank_dir: Path, rubric_path: Path, out_dir: Path, audience: str) -> SubmissionResult:
    """Worker entry: one submission, its own staging folder, removed afterwards."""
    from harness.pipeline import grade_one

    if _STOPPING:  # a job the pool had queued before the interrupt
        raise SystemExit(130)
    bank, rubric = load_bank(bank_dir), load_rubric(rubric_path)
    staging = Path(tempfile.mkdtemp(prefix=f"harness-stage-{job.id}-"))
    try:
        return grade_one(job.source, bank, rubric, out_dir, staging, audience=audience, submission_id=job.id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def grade_many(sources: list[Path], bank_dir: Path, rubric_path: Path, out_dir: Path, jobs: int | None,
               audience: str, shard: str | None, say: Say) -> int:
    """`harness grade`: every submission gets a results.json and report.html; then the cohort outputs."""
    from harness.score import plan_trials

    bank, rubric = load_bank(bank_dir), load_rubric(rubric_path)
    plan_trials(bank, rubric)  # a rubric that does not fit the bank fails here, before any grading starts
    shard_kn = parse_shard(shard)
    everything = plan_jobs(sources, None)
    work = plan_jobs(sources, shard_kn)
    for job in work:
        many = _entries_inside(job.source)
        if many > 1:
            say(f"  note: {job.source} is graded as ONE submission, but {many} of its files each define "
                f"minimize; to grade each file on its own, pass them one by one, e.g. {job.source / '*.py'}")
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, SubmissionResult] = {}
    todo: list[Job] = []
    for job in work:
        saved = _up_to_date(job, out_dir, bank, rubric)
        if saved is not None:
            results[job.id] = saved
            say(f"  {job.id}: unchanged since the last run, kept ({saved.score:.1f}/100)")
        else:
            todo.append(job)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    say(f"grading {len(todo)} submission(s) on {bank.path} with {rubric.path} ({workers} worker(s))")
    started = time.perf_counter()
    done, broken = 0, []

    def report(job: Job, result: SubmissionResult | None, error: BaseException | None = None) -> None:
        nonlocal done
        done += 1
        if result is None:  # a harness bug while grading this one: keep going, keep the evidence
            if isinstance(error, HarnessError):
                raise error
            broken.append(job.id)
            trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            atomic_write_text(out_dir / job.id / "internal-error.txt", trace)
            say(f"[{done}/{len(todo)}] {job.id}: INTERNAL ERROR (a harness bug, not the candidate's): "
                f"{type(error).__name__}: {error}; traceback in {out_dir / job.id / 'internal-error.txt'}")
            return
        results[job.id] = result
        what = f"{result.score:.1f}/100" if result.status.value == "graded" else f"{result.status.value}: {result.message}"
        say(f"[{done}/{len(todo)}] {job.id}: {what} ({result.grading_s:.1f} s)")

    try:
        if workers == 1:
            for job in todo:
                try:
                    result = _grade_job(job, bank_dir, rubric_path, out_dir, audience)
                except Exception as exc:  # noqa: BLE001 - one submission's grading bug must not stop the batch
                    report(job, None, exc)
                else:
                    report(job, result)
        else:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
            try:
                futures = {pool.submit(_grade_job, job, bank_dir, rubric_path, out_dir, audience): job
                           for job in todo}
                for future in as_completed(futures):
                    error = future.exception()
                    report(futures[future], None if error else future.result(), error)
            except BaseException:
                _stop_pool(pool)
                raise
            pool.shutdown()
    except KeyboardInterrupt:
        say(f"interrupted after {done} of {len(todo)} submission(s): their results are kept; rerun the same "
            f"command to grade the other {len(todo) - done} (finished ones are not graded again)")
        raise
    if audience == "team":  # cohort pages compare candidates and are not blanked: team documents only
        cohort = _cohort_results(everything, results, out_dir, bank, rubric)
        write_cohort(cohort, bank, out_dir)
        if shard_kn and len(cohort) < len(everything):
            say(f"shard {shard_kn[0]}/{shard_kn[1]}: the cohort page lists the {len(cohort)} of {len(everything)} "
                "submission(s) graded so far in this folder; it fills in as the other shards finish (or run "
                f"`harness report {out_dir}` once they all have)")
        say(f"done in {time.perf_counter() - started:.1f} s: {out_dir / 'cohort.html'}, {out_dir / 'results.csv'}")
    else:
        say(f"done in {time.perf_counter() - started:.1f} s: reports under {out_dir}")
    if broken:
        say(f"{len(broken)} submission(s) could not be graded because of a harness bug: {', '.join(broken)}")
        return 1
    return 0


def _cohort_results(everything: list[Job], results: dict[str, SubmissionResult], out_dir: Path, bank: Bank,
                    rubric: Rubric) -> list[SubmissionResult]:
    """This run's results plus, for submissions of other shards, their up-to-date saved results."""
    cohort = []
    for job in everything:
        result = results.get(job.id) or _up_to_date(job, out_dir, bank, rubric)
        if result is not None:
            cohort.append(result)
    return cohort


def write_cohort(results: list[SubmissionResult], bank: Bank | None, out_dir: Path,
                 links: dict[str, str] | None = None) -> None:
    """cohort.html and results.csv for everything in this output folder's batch."""
    from harness.report import export_csv, render_cohort

    links = links or {r.submission["id"]: f"{r.submission['id']}/report.html" for r in results}
    atomic_write_text(out_dir / "cohort.html", render_cohort(results, links))
    atomic_write_text(out_dir / "results.csv", export_csv(results))


def find_results(paths: list[Path]) -> list[Path]:
    """results.json files named directly or found one level below the given folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            direct = path / "results.json"
            found.extend([direct] if direct.exists() else sorted(path.glob("*/results.json")))
        elif path.exists():
            found.append(path)
        else:
            raise HarnessError(f"{path}: no such results file or folder; give a results.json or its folder")
    if not found:
        raise HarnessError(f"no results.json under {', '.join(map(str, paths))}; run `harness grade` first")
    return found


def _practice_paths() -> tuple[Path, Path]:
    """The practice bank and rubric: beside the current folder, else beside the installed package's checkout."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        bank, rubric = root / "objectives" / "practice", root / "rubrics" / "practice.yaml"
        if (bank / "bank.json").exists() and rubric.exists():
            return bank, rubric
    raise HarnessError("cannot find objectives/practice and rubrics/practice.yaml; run `harness check` from the "
                       "harness checkout, or use `harness grade --bank DIR --rubric FILE --audience candidate`")


def check_submission(source: Path, out_dir: Path, say: Say) -> int:
    """`harness check`: a candidate's self-check on the public practice bank, candidate-audience report."""
    bank_dir, rubric_path = _practice_paths()
    code = grade_many([source], bank_dir, rubric_path, out_dir, jobs=1, audience="candidate", shard=None, say=say)
    (job,) = plan_jobs([source], None)
    path = out_dir / job.id / "results.json"  # this submission's only: earlier checks may share the folder
    if path.exists():
        result = read_results(path)
        say(f"{result.submission['id']}: {result.score:.1f}/100 on the practice bank")
        for line in result.diagnoses[:5]:
            say(f"  - {line}")
        say(f"  report: {path.parent / 'report.html'}")
    return code


def rerender_reports(paths: list[Path], bank_dir: Path | None, audience: str, say: Say) -> int:
    """`harness report`: report.html beside each results.json, and a cohort.html when several are given."""
    from harness.report import render_submission

    bank = load_bank(bank_dir) if bank_dir else None
    files = find_results(paths)
    results = [read_results(p) for p in files]
    for path, result in zip(files, results):
        atomic_write_text(path.parent / "report.html", render_submission(result, bank, audience))
        say(f"wrote {path.parent / 'report.html'}")
    if len(results) > 1 and audience == "team":  # the cohort page compares candidates: a team document only
        common = Path(os.path.commonpath([str(p.parent.parent.resolve()) for p in files]))
        links = {r.submission["id"]: os.path.relpath(p.parent.resolve() / "report.html", common)
                 for p, r in zip(files, results)}  # results from several output folders: links still work
        write_cohort(results, bank, common, links)
        say(f"wrote {common / 'cohort.html'}")
    return 0


def export_results(paths: list[Path], fmt: str, out: Path | None, say: Say) -> int:
    """`harness export`: one file (or standard output) in the chosen format."""
    from harness.report import export_csv, export_gradescope, export_junit

    results = [read_results(p) for p in find_results(paths)]
    if fmt == "gradescope":
        if len(results) != 1:
            raise HarnessError("--format gradescope takes one submission's results.json (Gradescope grades one "
                               f"submission per container); {len(results)} were given")
        text = export_gradescope(results[0])
    elif fmt == "junit":
        text = export_junit(results)
    else:
        text = export_csv(results)
    if out is None:
        say(text.rstrip("\n"))
    else:
        atomic_write_text(out, text)
        say(f"wrote {out}")
    return 0

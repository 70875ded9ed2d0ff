"""The `harness` command: subcommands in a user's workflow order; the only place errors map to exit codes.

Exit codes: 0 done (whatever the scores), 2 a user's mistake (a message naming the file or field and the fix,
never a traceback), 1 an internal error (a bug in the harness: the traceback is shown).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Callable, Sequence

from harness import __version__
from harness.errors import HarnessError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


def _say(text: str = "") -> None:
    print(text, flush=True)


# ---------------------------------------------------------------- bank
def cmd_bank_build(args: argparse.Namespace) -> int:
    from harness.bank.build import build_bank

    bank = build_bank(Path(args.spec), seed=args.seed, out_dir=Path(args.out), progress=_say)
    _say(f"built {len(bank.entries)} objectives into {bank.path} (bank hash {bank.hash[:12]})")
    return EXIT_OK


def cmd_bank_verify(args: argparse.Namespace) -> int:
    from harness.bank.build import verify_bank

    ok, table = verify_bank(Path(args.bank))
    _say(table)
    return EXIT_OK if ok else EXIT_USAGE


def cmd_bank_list(args: argparse.Namespace) -> int:
    from harness.bank.store import format_bank_table, load_bank

    _say(format_bank_table(load_bank(Path(args.bank)), reveal=args.reveal))
    return EXIT_OK


def cmd_bank_add(args: argparse.Namespace) -> int:
    from harness.bank.add import add_objective

    # the team's pickle names its own modules: let them load from the folder the command runs in (after
    # everything else, so no file there shadows a library); never done for grading, where it may hold submissions
    cwd = os.getcwd()
    sys.path.append(cwd)
    before = set(sys.modules)
    _say(add_objective(Path(args.pickle), bank_dir=Path(args.bank), dim=args.dim, bounds=args.bounds,
                       name=args.name, seed=args.seed, progress=_say))
    local = sorted(name for name in set(sys.modules) - before
                   if str(getattr(sys.modules[name], "__file__", "") or "").startswith(cwd + os.sep))
    if local:
        _say(f"note: the pickle needs {', '.join(local)} from {cwd}; `harness grade` and `harness bank verify` "
             f"need it too: run them with PYTHONPATH={cwd}")
    return EXIT_OK


# ---------------------------------------------------------------- grading
def cmd_check(args: argparse.Namespace) -> int:
    from harness.batch import check_submission

    return check_submission(Path(args.submission), out_dir=Path(args.out), say=_say)


def _shipped(given: str | None, default: str) -> Path:
    """A path the user gave as is; the default from the working folder, else from the harness checkout."""
    if given is not None:
        return Path(given)
    here, checkout = Path(default), Path(__file__).resolve().parents[1] / default
    return here if here.exists() or not checkout.exists() else checkout


def cmd_grade(args: argparse.Namespace) -> int:
    from harness.batch import grade_many

    bank, rubric = _shipped(args.bank, "objectives/default"), _shipped(args.rubric, "rubrics/default.yaml")
    return grade_many([Path(p) for p in args.submissions], bank_dir=bank, rubric_path=rubric,
                      out_dir=Path(args.out), jobs=args.jobs, audience=args.audience, shard=args.shard,
                      say=_say)


def cmd_report(args: argparse.Namespace) -> int:
    from harness.batch import rerender_reports

    return rerender_reports([Path(p) for p in args.results], bank_dir=Path(args.bank) if args.bank else None,
                            audience=args.audience, say=_say)


def cmd_export(args: argparse.Namespace) -> int:
    from harness.batch import export_results

    return export_results([Path(p) for p in args.results], fmt=args.format,
                          out=Path(args.out) if args.out else None, say=_say)


def cmd_merge(args: argparse.Namespace) -> int:
    raise HarnessError("`harness merge` is not built yet; give every `--shard K/N` run the same --out folder: "
                       "its cohort.html and results.csv fill in as the shards finish")


def cmd_doctor(args: argparse.Namespace) -> int:
    from harness.sandbox import describe_environment

    _say(describe_environment())
    return EXIT_OK


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; write e.g. --jobs 4") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} worker(s) cannot grade anything; write --jobs 1 or more")
    return value


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bank = sub.add_parser("bank", help="make, check, inspect a bank of hidden objectives; bring your own pickle")
    bsub = bank.add_subparsers(dest="bank_command", metavar="ACTION")
    p = bsub.add_parser("build", help="build a bank folder from a YAML spec")
    p.add_argument("spec", help="bank spec YAML, e.g. objectives/default/spec.yaml")
    p.add_argument("--seed", type=int, required=True, help="the bank's secret seed")
    p.add_argument("--out", required=True, help="folder to write the pickles and bank.json into")
    p.set_defaults(func=cmd_bank_build)
    p = bsub.add_parser("verify", help="re-check every minimum and every file hash of a bank")
    p.add_argument("bank", help="bank folder (holds bank.json)")
    p.set_defaults(func=cmd_bank_verify)
    p = bsub.add_parser("list", help="a table of a bank's objectives")
    p.add_argument("bank", help="bank folder (holds bank.json)")
    p.add_argument("--reveal", action="store_true", help="also print the minima (x*, f*)")
    p.set_defaults(func=cmd_bank_list)
    p = bsub.add_parser("add", help="add a team's own pickled function: find and verify its minimum")
    p.add_argument("pickle", help="the pickled callable you give candidates")
    p.add_argument("--bank", required=True, help="bank folder to add it to (created if missing)")
    p.add_argument("--dim", type=int, required=True, help="number of inputs the function takes")
    p.add_argument("--bounds", required=True, help="search box, 'LO,HI' for every axis or 'LO1,HI1;LO2,HI2;...' "
                   "(write --bounds=-5,5 when LO is negative)")
    p.add_argument("--name", default=None, help="objective name (default: the pickle's file name)")
    p.add_argument("--seed", type=int, default=0, help="seed of the global search")
    p.set_defaults(func=cmd_bank_add)

    p = sub.add_parser("check", help="a candidate's self-check on the practice bank (candidate audience)")
    p.add_argument("submission", help=".py, .ipynb, folder or .zip")
    p.add_argument("--out", default="reports/check", help="output folder (default: reports/check)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("grade", help="grade submissions on a bank with a rubric")
    p.add_argument("submissions", nargs="+", help=".py, .ipynb, folders or .zip files")
    p.add_argument("--bank", default=None, help="bank folder (default: objectives/default, in the working "
                   "folder or else in the harness checkout)")
    p.add_argument("--rubric", default=None, help="rubric YAML (default: rubrics/default.yaml, likewise)")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--jobs", type=_workers, default=None, help="parallel workers (default: the core count)")
    p.add_argument("--shard", default=None, help="K/N: grade only the K-th of N slices of the submissions")
    p.add_argument("--audience", choices=("team", "candidate"), default="team", help="who reads the reports")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("report", help="re-render report.html (and cohort.html) from saved results.json files")
    p.add_argument("results", nargs="+", help="results.json files or the folders holding them")
    p.add_argument("--bank", default=None, help="bank folder, to draw landscapes (team audience)")
    p.add_argument("--audience", choices=("team", "candidate"), default="team")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="write results as CSV, Gradescope results.json or JUnit XML")
    p.add_argument("results", nargs="+", help="results.json files or the folders holding them")
    p.add_argument("--format", choices=("csv", "gradescope", "junit"), required=True)
    p.add_argument("--out", default=None, help="output file (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("merge", help="merge the output folders of --shard runs")
    p.add_argument("shard_dirs", nargs="+")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("doctor", help="say which sandbox mode this machine gives, and why")
    p.set_defaults(func=cmd_doctor)
    return parser


def _safe_sys_path() -> None:
    """`python -m harness` puts the working folder first on sys.path; graders run it in folders of submissions,
    and a candidate's `yaml.py` or `json.py` there would then be imported into the grader. Drop it."""
    if sys.path and (sys.path[0] in ("", ".") or os.path.abspath(sys.path[0]) == os.getcwd()):
        del sys.path[0]  # only the entry `-m` inserted: a folder the user put on PYTHONPATH stays


def _joined_negative_values(argv: list[str]) -> list[str]:
    """`--bounds -5,5` as `--bounds=-5,5` (argparse would read -5,5 as an option)."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if out and out[-1] == "--bounds" and arg.startswith("-") and i > 0:
            out[-1] = f"--bounds={arg}"
        else:
            out.append(arg)
    return out


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI timeout, `kill`) stops like Ctrl-C: workers stopped, staging folders removed."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    _safe_sys_path()
    parser = build_parser()
    args = parser.parse_args(_joined_negative_values(list(sys.argv[1:] if argv is None else argv)))
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread (an embedding program): leave its signals alone
        previous = None
    try:
        return func(args)
    except HarnessError as err:
        print(f"harness: error: {err}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("harness: interrupted; finished results are kept, rerun to resume", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

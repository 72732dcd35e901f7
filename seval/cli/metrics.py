"""The metrics' command line (``evaluate_metric.py``): EvaLearn's report, or the runner view of a runs.jsonl.

Every error, bad flags included, exits 1 as EvaLearn's script does, on one
line prefixed ``evaluate_metric.py: error:``; the error edge is the shared one
(``run_main``), so a bug keeps its traceback instead of passing for bad input.
"""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console

from seval.cli.common import OneLineParser, run_main
from seval.cli.numbers import MAX_BOOTSTRAP, MAX_SEQUENCE_LENGTH, check_range
from seval.metrics.evalearn import (
    DEFAULT_PROBLEMS,
    DEFAULT_WARMUP,
    EvaLearnMetrics,
    default_output,
    is_runs_file,
    write_report_json,
)
from seval.metrics.load import InputError

PROG = "evaluate_metric.py"


def build_parser() -> argparse.ArgumentParser:
    """The flags of EvaLearn's script, plus the bootstrap, seed and chart switches."""
    p = OneLineParser(
        prog=PROG, exit_code=1, description="EvaLearn sequential-learning metrics (or the runner view of a runs.jsonl)."
    )
    p.add_argument(
        "--results",
        required=True,
        help="results file: JSON list or JSONL of sequential results, or the runner's runs.jsonl",
    )
    p.add_argument(
        "--problems", type=int, default=DEFAULT_PROBLEMS, help=f"problems per sequence M (default {DEFAULT_PROBLEMS})"
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help=f"warmup K for post-warmup accuracy (default {DEFAULT_WARMUP})",
    )
    p.add_argument(
        "--output", default=None, help="report path (default report_<results name> in the current directory)"
    )
    p.add_argument(
        "--bootstrap", type=int, default=1000, help="bootstrap resamples for 95%% intervals (default 1000, 0 to skip)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap (default 0)")
    p.add_argument(
        "--zero-shot",
        default=None,
        help="zero-shot results of the same sequences: adds first_learned_correct_offset and the paired gain",
    )
    p.add_argument(
        "--baseline",
        default=None,
        help="another run of the same sequences to pair with (default: the --zero-shot file), e.g. demonstration",
    )
    p.add_argument(
        "--no-charts", action="store_true", help="write the markdown companion of the report without its position chart"
    )
    return p


def _check_args(args: argparse.Namespace) -> None:
    check_range("--problems", args.problems, 1, MAX_SEQUENCE_LENGTH, error=InputError)
    check_range("--warmup", args.warmup, 0, MAX_SEQUENCE_LENGTH, error=InputError)
    check_range("--bootstrap", args.bootstrap, 0, MAX_BOOTSTRAP, error=InputError)
    for flag, path in (("--results", args.results), ("--zero-shot", args.zero_shot), ("--baseline", args.baseline)):
        if path is not None and not os.path.exists(path):
            raise InputError(f"{flag} {path}: no such file")
    for path in (args.results, args.zero_shot, args.baseline):
        if path is not None and os.path.exists(args.output) and os.path.samefile(args.output, path):
            raise InputError(f"--output {args.output} is one of the input files: choose another path")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise InputError(f"--output {args.output}: folder {folder} does not exist")


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        sys.stderr.write(f"{PROG}: warning: {warning}\n")
    sys.stderr.flush()


def run(args: argparse.Namespace, console: Console) -> int:
    """Compute and write the report the flags ask for; InputError (exit 1) for anything the user can fix."""
    args.output = args.output or default_output(args.results)
    _check_args(args)
    try:
        return _report(args)
    except KeyboardInterrupt:
        raise InputError("interrupted; no report written") from None
    except OSError as exc:
        raise InputError(f"cannot write the report {args.output}: {exc.strerror or exc}") from None


def _load_charts() -> None:
    import seval.charts  # noqa: F401  (imported for its side effect: matplotlib loaded, fonts found)


def _report(args: argparse.Namespace) -> int:
    from seval.metrics.console import print_runner, print_sequential  # rich, only once there is something to show

    if is_runs_file(args.results):
        from seval.metrics.runner_view import RunnerView

        if args.zero_shot or args.baseline:
            raise InputError("--zero-shot and --baseline compare sequential results; a runs.jsonl has none")
        report = RunnerView(args.results).report(args.bootstrap, args.seed)
        write_report_json(args.output, report)
        print_runner(report, args.output)
        _warn(report["runner_evaluation"]["data_quality"]["warnings"])
        return 0
    for flag, path in (("--zero-shot", args.zero_shot), ("--baseline", args.baseline)):
        if path is not None and is_runs_file(path):
            raise InputError(f"{flag} {path} is a runner runs.jsonl file, not sequential results")
    metrics = EvaLearnMetrics(
        args.results,
        args.problems,
        args.zero_shot,
        baseline_file=args.baseline,
        bootstrap=args.bootstrap,
        seed=args.seed,
        # loading matplotlib (about a second) overlaps the parsing processes of a large file
        while_waiting=None if args.no_charts else _load_charts,
    )
    report = metrics.generate_report(args.output, args.warmup)
    from seval.metrics.markdown import write_markdown

    print_sequential(report, args.output)
    print(f"Markdown report: {write_markdown(report, args.output, with_charts=not args.no_charts)}")
    _warn(report["model_evaluation"]["data_quality"]["warnings"])
    return 0


def main(argv: list[str] | None = None) -> int:
    """``evaluate_metric.py``: exit 0, or 1 with one error line."""
    return run_main(build_parser, run, argv, error_prefix=f"{PROG}: error: ", with_config=False)


if __name__ == "__main__":
    sys.exit(main())

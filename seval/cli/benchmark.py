#!/usr/bin/env python3
"""Self-evolving benchmark: one model writes questions, a second answers, a third judges.

Command-line edge of the tool: parses flags (``benchmark_settings`` checks
them), runs (or resumes, or replays) one benchmark run, prints the summary,
and turns the project's errors into one line on stderr with an exit code (2
for bad input, 1 for an endpoint that failed for good, 130 for Ctrl-C). See
README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import threading
from pathlib import Path

from rich.console import Console

from seval.benchmark.dataset import export_dataset
from seval.benchmark.panel import AGGREGATIONS
from seval.benchmark.planning import RunPreview, preview_run
from seval.benchmark.prompts import DEFAULT_REASONING_TYPES
from seval.benchmark.report.markdown import Prices, report_path, write_report
from seval.benchmark.report.summary import print_run_summary
from seval.benchmark.runner import run_benchmark
from seval.benchmark.settings import ROLES, RunSettings
from seval.benchmark.store import RUNS_FILE, STATE_FILE, journal_path, load_runs
from seval.cli.benchmark_config import build_settings, validate_flags
from seval.cli.common import (
    OneLineParser,
    add_client_flags,
    build_client,
    parse_prices,
    parse_temperature,
    print_view,
    run_main,
)
from seval.cli.dry_run import dry_run
from seval.client.core import LLMClient
from seval.compare.folders import compare_folders
from seval.compare.report import print_comparison
from seval.compare.run import comparison_of_run, comparison_path, self_preference_notes, write_comparison
from seval.console import configure_logging
from seval.engine import Engine
from seval.errors import Cancelled, UsageError
from seval.io.folders import check_free_space, check_output_folder, check_writable
from seval.io.lock import exclusive_lock, folder_in_use

DEFAULT_OUT_DIR = Path("out_benchmark")
DEMO_OUT_DIR = DEFAULT_OUT_DIR / "demo"
DEMO_COMPARE_OUT_DIR = DEFAULT_OUT_DIR / "demo-compare"
LOG_FILE = "benchmark.log"
# --dry-run --demo starts no simulator; its plan names "the simulated endpoint" instead of this placeholder.
DRY_RUN_DEMO_URL = "http://127.0.0.1:0/v1"
# Flags that ask for something else than a page of the existing runs (flag -> its argparse name).
VIEW_EXCLUDES = {
    "--compare": "compare",
    "--dry-run": "dry_run",
    "--export-dataset": "export_dataset",
    "--replay": "replay",
    "--new-cycle": "new_cycle",
}
# The seed design's sampling per role: creative questions, focused answers, steady verdicts.
SAMPLING_DEFAULTS = {"generation": (0.8, 500), "answering": (0.5, 700), "evaluation": (0.3, 250)}

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        description="Generate questions with one model, answer them with a second, judge them with a third; "
        "track scores as moving averages across runs.",
    )
    parser.config_tables = {"answering-models": "answering_models"}
    parser.set_defaults(answering_models=None)
    parser.add_argument(
        "--base-url",
        help="OpenAI-compatible base URL for all roles (no path: /v1 is added; a .../chat/completions URL is cut back; "
        "any other path is used as given); default: environment OPENAI_BASE_URL",
    )
    for role in ROLES:
        parser.add_argument(
            f"--base-url-{role}",
            help=f"endpoint for the {role} model (default: --base-url)"
            + ("; one URL, or one per judge" if role == "evaluation" else ""),
        )
    parser.add_argument(
        "--api-key", help="key for all roles (default: environment OPENAI_API_KEY; none: no auth header)"
    )
    for role in ROLES:
        parser.add_argument(f"--api-key-{role}", help=f"key for the {role} endpoint (default: --api-key)")
    for role in ROLES:
        parser.add_argument(
            f"--model-{role}",
            help=f"model for {role} (required unless --demo)"
            + ("; a comma-separated list is a panel of judges" if role == "evaluation" else "")
            + (
                "; a comma-separated list answers every question with each model and compares them"
                if role == "answering"
                else ""
            ),
        )
    for role in ROLES:
        temperature, max_tokens = SAMPLING_DEFAULTS[role]
        parser.add_argument(
            f"--temperature-{role}",
            type=parse_temperature,
            default=temperature,
            metavar="T",
            help=f"sampling temperature for {role}, 0-2, or none to send none (default {temperature})",
        )
        parser.add_argument(
            f"--max-tokens-{role}", type=int, default=max_tokens, help=f"max_tokens for {role} (default {max_tokens})"
        )
        parser.add_argument(
            f"--extra-body-{role}",
            metavar="JSON",
            help=f"JSON object merged into each {role} request (e.g. top_p, seed, reasoning_effort)",
        )
    parser.add_argument("--n", type=int, default=10, help="difficulty levels to run this session, 1-10 (default 10)")
    parser.add_argument(
        "--num-questions", type=int, default=1, help="questions per (difficulty, type) cell (default 1)"
    )
    parser.add_argument("--alpha", type=float, default=0.3, help="EMA smoothing factor in (0, 1] (default 0.3)")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help=f"output folder (default {DEFAULT_OUT_DIR}, or {DEMO_OUT_DIR} with --demo; {DEMO_COMPARE_OUT_DIR} for a "
        "demo with several answering models)",
    )
    parser.add_argument(
        "--reasoning-types",
        default=",".join(DEFAULT_REASONING_TYPES),
        help="comma-separated reasoning types (default: the 8 built-in types)",
    )
    parser.add_argument(
        "--new-cycle", action="store_true", help="start again at difficulty 1, keeping the EMAs and question history"
    )
    _add_trust_flags(parser)
    parser.add_argument(
        "--demo", action="store_true", help="run against a built-in SIMULATED endpoint on loopback: no key, no network"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated endpoint with --demo (default 0)")
    parser.add_argument(
        "--price",
        action="append",
        metavar="ROLE=IN,OUT",
        help="USD per million prompt,completion tokens for a role, to print a cost line (repeatable)",
    )
    parser.add_argument(
        "--no-charts", action="store_true", help="write the report without PNG charts (skips loading matplotlib)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (levels, types, items, calls per role) and exit without a request",
    )
    parser.add_argument(
        "--view",
        nargs="?",
        const=True,
        type=Path,
        metavar="OUT_DIR",
        help="write OUT_DIR/index.html, one self-contained page to browse the folder's runs (default: --out-dir, "
        f"or {DEMO_OUT_DIR} with --demo), print its path and exit; --price adds costs",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add_client_flags(parser)
    return parser


def _add_trust_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-reference-answers",
        action="store_true",
        help="ask for plain questions without a reference answer (the seed's behaviour)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="have the evaluation model solve each question first; regenerate questions whose "
        "reference answer does not hold up, and leave still-unverified ones out of all scores",
    )
    parser.add_argument(
        "--exclude-truncated",
        action="store_true",
        help="leave answers cut by their token limit out of the scores (counted and shown, as excluded questions)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=1,
        help="answers per model and question, each judged; a question's score is their mean, and the report adds "
        "pass@1, pass@k and agreement (default 1)",
    )
    parser.add_argument(
        "--judge-aggregation",
        default="majority",
        choices=AGGREGATIONS,
        help="how a panel's verdicts combine (default majority; a tie is incorrect)",
    )
    parser.add_argument(
        "--novelty-threshold",
        type=float,
        default=0.85,
        help="regenerate a question more similar than this to an earlier one of its type (default 0.85)",
    )
    parser.add_argument(
        "--embedding-model", help="compare questions with this /v1/embeddings model instead of character n-gram TF-IDF"
    )
    parser.add_argument("--base-url-embedding", help="endpoint of --embedding-model (default: the generation endpoint)")
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="PATH",
        help="evaluate the answering model on the questions of a runs.jsonl or exported dataset, "
        "in their order, with no generation",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="compare the answering models of finished output folders on the questions they share (replays of one "
        "frozen set); writes comparison.json and comparison.md to --out-dir (default: here) and sends nothing",
    )
    parser.add_argument(
        "--export-dataset",
        type=Path,
        metavar="PATH.jsonl",
        help="write the questions of this output folder's runs to a new JSONL file and exit",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    """Run, resume or replay one benchmark run as the flags say (or export, or show the plan); the exit code."""
    types = validate_flags(args)
    out_dir = args.out_dir or (_demo_folder(args) if args.demo else DEFAULT_OUT_DIR)
    prices = parse_prices(args.price, ROLES)
    if args.view is not None:
        return write_view(args, out_dir, prices, console)
    if args.compare:
        comparison, written = compare_folders(
            args.compare, args.out_dir or Path("."), prices, charts=not args.no_charts
        )
        print_comparison(console, comparison)
        console.print(f"Comparison: {' and '.join(str(path) for path in written)}")
        return 0
    if args.export_dataset:
        runs, _ = load_runs(out_dir)
        count = export_dataset(runs, args.export_dataset, out_dir)
        console.print(f"Wrote {count} questions from {out_dir} to {args.export_dataset}")
        return 0
    if args.dry_run:
        check_output_folder(out_dir, create=False)
        settings = build_settings(args, out_dir, types, DRY_RUN_DEMO_URL if args.demo else None)
        return dry_run(settings, preview_run(settings), console, args.demo)
    # Check every flag and the folder's state, runs and journal before writing anything, not even the log.
    for folder in (out_dir, args.cache_dir) if args.cache_dir is not None else (out_dir,):
        check_output_folder(folder, create=False)
    server = _start_demo_endpoint(args) if args.demo else None  # a loopback server writes nothing
    try:
        cancel = threading.Event()
        client = build_client(args, cancel)
        settings = build_settings(args, out_dir, types, server.base_url if server else None, client)
        _warn_self_preference(settings, console)
        with contextlib.ExitStack() as held:
            preview = _preview_holding_the_folder(settings, held)
            configure_logging(out_dir / LOG_FILE, args.log_level)
            if server is not None:
                log.info("demo: SIMULATED endpoint (no real model) at %s", server.base_url)
            return _execute(args, settings, preview, client, console, prices)
    finally:
        if server is not None:
            server.stop()


def write_view(args: argparse.Namespace, out_dir: Path, prices: Prices, console: Console) -> int:
    """``--view``: the folder's page written, its path printed; nothing is run."""
    others = [flag for flag, given in VIEW_EXCLUDES.items() if getattr(args, given)]
    if others:
        raise UsageError(f"--view writes the page of existing runs and exits; it cannot be combined with {others[0]}")
    from seval.view import build_benchmark_view  # the viewer's modules load only when a page is written

    page = build_benchmark_view(out_dir if args.view is True else args.view, prices)
    print_view(console, page)
    return 0


def _preview_holding_the_folder(settings: RunSettings, held: contextlib.ExitStack) -> RunPreview:
    """The run's preview, read while this process holds the output folder's lock (kept until ``held`` closes).

    An existing folder is locked before it is read, so two runs can never plan the
    same run. A new folder is made only once the preview (which reads nothing there)
    has passed, then locked and read again, in case another run made it meanwhile.
    """
    out_dir = settings.out_dir
    existed = out_dir.is_dir()
    if existed:
        held.enter_context(exclusive_lock(out_dir, folder_in_use(out_dir)))
    preview = preview_run(settings)
    if not existed:
        check_output_folder(out_dir)
        held.enter_context(exclusive_lock(out_dir, folder_in_use(out_dir)))
        preview = preview_run(settings)
    if preview.plan is not None:  # what this run will write, checked before a request is paid for
        run_id = preview.plan.run_id
        check_writable(
            [out_dir / name for name in (STATE_FILE, RUNS_FILE, LOG_FILE)]
            + [journal_path(out_dir, run_id), report_path(out_dir, run_id)]
        )
        check_free_space(out_dir)
    return preview


def _demo_folder(args: argparse.Namespace) -> Path:
    """The demo's folder; a demo comparing answering models gets its own, so both demos run from a fresh clone."""
    return DEMO_COMPARE_OUT_DIR if args.model_answering and "," in args.model_answering else DEMO_OUT_DIR


def _warn_self_preference(settings: RunSettings, console: Console) -> None:
    """Say at the start, not only in the report, when a judge grades its own answers or questions."""
    notes = self_preference_notes(
        [judge.endpoint.model for judge in settings.panel],
        [answerer.endpoint.model for answerer in settings.answering],
        settings.roles["generation"].endpoint.model,
    )
    for note in notes:
        console.print(f"warning: {note}", style="yellow")


def _start_demo_endpoint(args: argparse.Namespace):
    from seval.sim.server import SimServer  # only the demo needs the simulator

    return SimServer(seed=args.seed).start()


def _execute(
    args: argparse.Namespace,
    settings: RunSettings,
    preview: RunPreview,
    client: LLMClient,
    console: Console,
    prices: dict[str, tuple[float, float]],
) -> int:
    out_dir = settings.out_dir
    plan = preview.plan
    chains = 0 if plan is None or plan.replay else len(plan.reasoning_types)
    # One worker per type chain of the plan (none for a replay), plus `concurrency` for items per answering
    # endpoint (an item holds its worker for its answer and its verdict): enough to keep each endpoint's
    # allowance busy. More threads only queue for the GIL (twice as many made each chain step wait ~2x
    # longer, bench/bench_runner.py).
    answering_endpoints = len({answerer.endpoint.base_url for answerer in settings.answering})
    engine = Engine(workers=chains + args.concurrency * answering_endpoints, cancel_event=client.cancel_event)
    report_paths, comparisons = [], []

    def write_outputs(record, state_after, runs) -> None:
        comparison = comparison_of_run(record, prices)
        if comparison is not None:
            write_comparison(comparison_path(out_dir, record.run_id), comparison)
            comparisons.append(comparison)
        report_paths.append(
            write_report(
                out_dir, record, state_after, prices, runs, with_charts=not args.no_charts, comparison=comparison
            )
        )

    try:
        outcome = run_benchmark(settings, client, engine, preview, write_outputs)
    except (KeyboardInterrupt, Cancelled):
        engine.interrupted(lambda text: console.print(text, style="yellow"), "finished steps")
        console.print(
            f"Interrupted. Finished steps are saved in {out_dir}; rerun the same command to resume.", style="yellow"
        )
        return 130
    except BaseException:
        engine.shutdown()
        raise
    engine.close()
    if outcome.status == "complete":
        console.print(
            f"All 10 difficulty levels are done in {out_dir} (cycle {outcome.state.cycle}); "
            "nothing to run. Use --new-cycle to start again at difficulty 1, keeping the EMAs."
        )
        return 0
    assert outcome.record is not None, "a finished run carries its record"
    print_run_summary(console, outcome.record, outcome.state, prices)
    # Written with the report; worked out again only when an earlier session wrote the report.
    comparison = comparisons[0] if comparisons else comparison_of_run(outcome.record, prices)
    if comparison is not None:
        print_comparison(console, comparison)
        console.print(f"Comparison: {comparison_path(out_dir, outcome.record.run_id)}")
    if client.cache is not None:
        hits, misses = client.cache.hits, client.cache.misses
        console.print("Cache: " + ", ".join(f"{role} {hits[role]} hit / {misses[role]} miss" for role in ROLES))
    console.print(f"Report: {report_paths[0] if report_paths else report_path(out_dir, outcome.record.run_id)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser, run, argv)


if __name__ == "__main__":
    sys.exit(main())

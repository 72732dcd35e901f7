#!/usr/bin/env python3
"""Self-evolving benchmark: one model writes questions, a second answers, a third judges.

Command-line edge of the tool: parses and checks flags, builds the endpoints,
runs (or resumes) one benchmark run, prints the summary, and turns the
project's errors into one line on stderr with an exit code (2 for bad input,
1 for an endpoint that failed for good, 130 for Ctrl-C). See README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from rich.console import Console

from benchmark_prompts import DEFAULT_REASONING_TYPES
from benchmark_runner import ROLES, RoleSettings, RunSettings, preview_run, round_robin_keys, run_benchmark
from cli_common import (
    add_client_flags,
    build_client,
    check_output_folder,
    configure_logging,
    fail,
    parse_args_with_config,
    parse_extra_body,
    parse_prices,
    resolve_base_url,
    resolve_key,
    validate_client_flags,
)
from engine import Engine
from errors import Cancelled, EndpointError, UsageError
from llm_client import Endpoint, normalize_base_url
from reporting_layer import print_summary, write_report

DEFAULT_OUT_DIR = Path("out_benchmark")
DEMO_OUT_DIR = DEFAULT_OUT_DIR / "demo"
DEMO_MODELS = {"generation": "sim-generator", "answering": "sim-solver", "evaluation": "sim-judge"}
# The seed design's sampling per role: creative questions, focused answers, steady verdicts.
SAMPLING_DEFAULTS = {"generation": (0.8, 500), "answering": (0.5, 700), "evaluation": (0.3, 250)}

log = logging.getLogger("benchmark")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Generate questions with one model, answer them with a second, judge them with a third; "
                    "track scores as moving averages across runs.",
    )
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint for all roles (with or without /v1); "
                                           "default: environment OPENAI_BASE_URL")
    for role in ROLES:
        parser.add_argument(f"--base-url-{role}", help=f"endpoint for the {role} model (default: --base-url)")
    parser.add_argument("--api-key", help="key for all roles (default: environment OPENAI_API_KEY; none: no auth header)")
    for role in ROLES:
        parser.add_argument(f"--api-key-{role}", help=f"key for the {role} endpoint (default: --api-key)")
    for role in ROLES:
        parser.add_argument(f"--model-{role}", help=f"model for {role} (required unless --demo)")
    for role in ROLES:
        temperature, max_tokens = SAMPLING_DEFAULTS[role]
        parser.add_argument(f"--temperature-{role}", type=float, default=temperature,
                            help=f"sampling temperature for {role} (default {temperature})")
        parser.add_argument(f"--max-tokens-{role}", type=int, default=max_tokens,
                            help=f"max_tokens for {role} (default {max_tokens})")
    for role in ROLES:
        parser.add_argument(f"--extra-body-{role}", metavar="JSON",
                            help=f"JSON object merged into each {role} request (e.g. top_p, seed, reasoning_effort)")
    parser.add_argument("--price", action="append", metavar="ROLE=IN,OUT",
                        help="USD per million prompt,completion tokens for a role, to print a cost line (repeatable)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan (levels, types, items, calls per role) and exit without a request")
    parser.add_argument("--n", type=int, default=10, help="difficulty levels to run this session, 1-10 (default 10)")
    parser.add_argument("--num-questions", type=int, default=1, help="questions per (difficulty, type) cell (default 1)")
    parser.add_argument("--alpha", type=float, default=0.3, help="EMA smoothing factor in (0, 1] (default 0.3)")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help=f"output folder (default {DEFAULT_OUT_DIR}, or {DEMO_OUT_DIR} with --demo)")
    parser.add_argument("--reasoning-types", default=",".join(DEFAULT_REASONING_TYPES),
                        help="comma-separated reasoning types (default: the 8 built-in types)")
    parser.add_argument("--new-cycle", action="store_true",
                        help="start again at difficulty 1, keeping the EMAs and question history")
    parser.add_argument("--demo", action="store_true",
                        help="run against a built-in SIMULATED endpoint on loopback: no key, no network")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated endpoint with --demo (default 0)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add_client_flags(parser)
    return parser


def _validate(args: argparse.Namespace) -> tuple[str, ...]:
    """Reject bad flags before anything is written; returns the reasoning types."""
    if not 1 <= args.n <= 10:
        raise UsageError(f"--n must be between 1 and 10 (got {args.n})")
    if args.num_questions < 1:
        raise UsageError(f"--num-questions must be at least 1 (got {args.num_questions})")
    if not 0 < args.alpha <= 1:
        raise UsageError(f"--alpha must be in (0, 1] (got {args.alpha})")
    types = tuple(part.strip() for part in args.reasoning_types.split(","))
    if not any(types) or any(not part for part in types):
        raise UsageError(f"--reasoning-types has an empty entry: {args.reasoning_types!r}")
    duplicates = sorted({kind for kind in types if types.count(kind) > 1})
    if duplicates:
        raise UsageError(f"--reasoning-types lists {', '.join(duplicates)} more than once")
    for role in ROLES:
        if getattr(args, f"temperature_{role}") < 0:
            raise UsageError(f"--temperature-{role} must not be negative")
        if getattr(args, f"max_tokens_{role}") < 1:
            raise UsageError(f"--max-tokens-{role} must be at least 1")
    validate_client_flags(args)
    return types


def _role_settings(args: argparse.Namespace, demo_url: str | None) -> dict[str, RoleSettings]:
    roles = {}
    for role in ROLES:
        model = getattr(args, f"model_{role}") or (DEMO_MODELS[role] if demo_url else None)
        if not model:
            raise UsageError(f"--model-{role} is required (or use --demo to try the tool on a simulated endpoint)")
        base_url = normalize_base_url(demo_url) if demo_url else resolve_base_url(
            role, getattr(args, f"base_url_{role}"), args.base_url, f"--base-url or --base-url-{role}")
        key = None if demo_url else resolve_key(getattr(args, f"api_key_{role}"), args.api_key)
        endpoint = Endpoint(role=role, base_url=base_url, model=model, api_key=key,
                            key_hint=f"--api-key-{role}, --api-key or OPENAI_API_KEY",
                            extra_body=parse_extra_body(f"--extra-body-{role}", getattr(args, f"extra_body_{role}")))
        roles[role] = RoleSettings(endpoint, getattr(args, f"temperature_{role}"), getattr(args, f"max_tokens_{role}"))
    return roles


def _start_demo_endpoint(args: argparse.Namespace):
    from sim_endpoint import SimServer  # only the demo needs the simulator

    server = SimServer(seed=args.seed).start()
    log.info("demo: SIMULATED endpoint (no real model) at %s", server.base_url)
    return server


def _settings(args: argparse.Namespace, roles: dict[str, RoleSettings], out_dir: Path,
              types: tuple[str, ...]) -> RunSettings:
    return RunSettings(roles=roles, out_dir=out_dir, n=args.n, num_questions=args.num_questions,
                       alpha=args.alpha, reasoning_types=types, new_cycle=args.new_cycle)


def dry_run(settings: RunSettings, console: Console, demo: bool) -> int:
    """Print what the next invocation would do; send nothing, write nothing."""
    preview = preview_run(settings)
    for warning in preview.warnings:
        console.print(f"warning: {warning}")
    if preview.plan is None:
        console.print(f"All 10 difficulty levels are done in {settings.out_dir}; nothing to run (see --new-cycle).")
        return 0
    plan = preview.plan
    items = len(round_robin_keys(plan)) - preview.items_done
    verb = "resume interrupted" if preview.resumed else "start"
    console.print(f"Would {verb} run {plan.run_id} in {settings.out_dir}: difficulties "
                  f"{plan.difficulty_start}-{plan.difficulty_end}, {len(plan.reasoning_types)} reasoning types "
                  f"({', '.join(plan.reasoning_types)}), {plan.num_questions_per_cell} question(s) per cell.")
    console.print(f"Items to do: {items}" + (f" ({preview.items_done} already done)" if preview.resumed else ""))
    for role in ROLES:
        endpoint = settings.roles[role].endpoint
        where = "the simulated endpoint" if demo else endpoint.base_url
        console.print(f"  {role}: {items} calls to {endpoint.model} at {where}")
    console.print("Plus one more evaluation call for each verdict that has to be asked for again. Nothing was sent.")
    return 0


def run(args: argparse.Namespace, console: Console) -> int:
    types = _validate(args)
    out_dir = args.out_dir or (DEMO_OUT_DIR if args.demo else DEFAULT_OUT_DIR)
    prices = parse_prices(args.price, ROLES)
    if args.dry_run:
        check_output_folder(out_dir, create=False)
        roles = _role_settings(args, "http://127.0.0.1:0/v1" if args.demo else None)
        return dry_run(_settings(args, roles, out_dir, types), console, args.demo)
    server = None
    if not args.demo:
        _role_settings(args, None)  # check flags before touching the output folder
    check_output_folder(out_dir)
    configure_logging(out_dir / "benchmark.log", args.log_level)
    if args.demo:
        server = _start_demo_endpoint(args)
    try:
        roles = _role_settings(args, server.base_url if server else None)
        return _execute(_settings(args, roles, out_dir, types), args, console, prices)
    finally:
        if server is not None:
            server.stop()


def _execute(settings: RunSettings, args: argparse.Namespace, console: Console,
             prices: dict[str, tuple[float, float]]) -> int:
    cancel = threading.Event()
    client = build_client(args, cancel)
    engine = Engine(workers=len(settings.reasoning_types) + 2 * args.concurrency, cancel_event=cancel)
    try:
        outcome = run_benchmark(settings, client, engine)
    except (KeyboardInterrupt, Cancelled):
        _stop_on_interrupt(engine, console)
        console.print(f"Interrupted. Finished steps are saved in {settings.out_dir}; "
                      "rerun the same command to resume.", style="yellow")
        return 130
    except BaseException:
        engine.shutdown()
        raise
    engine.close()
    if outcome.status == "complete":
        console.print(f"All 10 difficulty levels are done in {settings.out_dir} (cycle {outcome.state.cycle}); "
                      "nothing to run. Use --new-cycle to start again at difficulty 1, keeping the EMAs.")
        return 0
    report = write_report(settings.out_dir, outcome.record, outcome.state, prices)
    print_summary(console, outcome.record, outcome.state, prices)
    if client.cache is not None:
        hits, misses = client.cache.hits, client.cache.misses
        console.print("Cache: " + ", ".join(f"{role} {hits[role]} hit / {misses[role]} miss" for role in ROLES))
    console.print(f"Report: {report}")
    return 0


def _stop_on_interrupt(engine: Engine, console: Console) -> None:
    """First Ctrl-C: let requests in flight finish so their results are journaled. Second: quit now."""
    console.print("Stopping: waiting for requests in flight (Ctrl-C again to quit at once; "
                  "finished steps are already saved).", style="yellow")
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    engine.shutdown()


def main(argv: list[str] | None = None) -> int:
    console = Console()
    try:
        args = parse_args_with_config(build_parser(), argv)
        return run(args, console)
    except UsageError as exc:
        return fail(exc, exc.exit_code)
    except EndpointError as exc:
        return fail(exc, exc.exit_code, "Everything finished so far is kept; rerun the same command to resume.")


if __name__ == "__main__":
    sys.exit(main())

"""The sequential evaluation's command line: flags in, ``sequentialEval`` run, one-line errors out."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from rich.console import Console

from seval.cli.common import (
    OneLineParser,
    add_client_flags,
    build_client,
    fail,
    parse_extra_body,
    parse_prices,
    parse_temperature,
    print_view,
    run_main,
    validate_client_flags,
)
from seval.cli.numbers import MAX_SEQUENCE_LENGTH, MAX_TOKENS, MAX_WORKERS, check_range
from seval.console import configure_logging
from seval.errors import UsageError
from seval.sequential.compare import (
    ALL,
    ALL_ORDER,
    compare_paradigms,
    paradigm_output,
    print_comparison,
    write_comparison,
)
from seval.sequential.data import DEFAULT_SEQ_LEN
from seval.sequential.fewshot import DEFAULT_FEW_SHOT_SEED, DEFAULT_SHOTS
from seval.sequential.paradigms import DEFAULT_PARADIGM, PARADIGMS
from seval.sequential.report import write_sequential_report
from seval.sequential.rubrics import DEFAULT_RUBRIC_LANG, RUBRIC_LANGS
from seval.sequential.runner import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL,
    DEFAULT_TEMPERATURE,
    DEFAULT_WORKERS,
    DEMO_DIR,
    DEMO_MODELS,
    DEMO_OUTPUT,
    JUDGE_MAX_TOKENS,
    JUDGE_TEMPERATURE,
    sequentialEval,
)

log = logging.getLogger(__name__)
ROLES = ("client", "judge")
MAX_SHOTS = 50  # more examples than that is not few-shot, and would not fit most context windows


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        description="EvaLearn sequential evaluation: a model solves each sequence's problems in order, "
        "seeing its earlier answers and the judge's grading, on any OpenAI-compatible endpoint."
    )
    parser.add_argument("--input", type=Path, help="problem JSON file, or a benchmark runs.jsonl (or its folder)")
    parser.add_argument("--seq", type=Path, help="sequence JSON file (optional with a runs.jsonl --input)")
    parser.add_argument(
        "--output",
        type=Path,
        help="results JSON (a .jsonl path writes only the journal); with --demo default "
        f"{DEMO_OUTPUT} (results_<paradigm>.json for another paradigm); with --paradigm all, NAME_<paradigm>.json",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help=f"sequences evaluated at once (default {DEFAULT_WORKERS})"
    )
    parser.add_argument(
        "--no-check-empty",
        action="store_false",
        dest="check_empty",
        help="grade empty answers as given instead of asking again and stopping the sequence",
    )
    parser.add_argument("--judge-api-key", help="judge key (default: JUDGE_API_KEY, then OPENAI_API_KEY)")
    parser.add_argument("--client-api-key", help="client key (default: CLIENT_API_KEY, then OPENAI_API_KEY)")
    parser.add_argument("--judge-model", help=f"judge model (default {DEFAULT_MODEL})")
    parser.add_argument("--client-model", help=f"evaluated model (default {DEFAULT_MODEL})")
    parser.add_argument(
        "--client-base-url",
        "--client-api-base-url",
        dest="client_base_url",
        help="client base URL (no path: /v1 is added; default: CLIENT_API_BASE_URL, then OPENAI_BASE_URL, "
        f"else {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--judge-base-url",
        "--judge-api-base-url",
        dest="judge_base_url",
        help=f"judge endpoint (default: JUDGE_API_BASE_URL, then OPENAI_BASE_URL, else {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--paradigm",
        choices=[*PARADIGMS, ALL],
        default=DEFAULT_PARADIGM,
        help="what the student sees before each question: feedback (its earlier answers and their grading, "
        "the default), zero-shot (nothing), few-shot (--shots solved examples of the type), demonstration "
        "(the earlier problems with their standard answers); all: the four, one after another, and a table",
    )
    parser.add_argument(
        "--rubric-lang",
        choices=list(RUBRIC_LANGS),
        default=DEFAULT_RUBRIC_LANG,
        help="the rubric the judge grades by: zh (rubric_zh where present, as EvaLearn's scripts; the default) "
        "or en (rubric_en first); either falls back to the other, then to 'rubric' (the 2025 schema)",
    )
    parser.add_argument(
        "--shots", type=int, help=f"few-shot: examples shown before each question (default {DEFAULT_SHOTS})"
    )
    parser.add_argument(
        "--few-shot-seed",
        type=int,
        help=f"few-shot: seed of the examples' draw (default {DEFAULT_FEW_SHOT_SEED}, EvaLearn's)",
    )
    parser.add_argument("--num-sequences", type=int, help="evaluate this many sequences, drawn with --seed")
    parser.add_argument("--sequence-ids", help="comma-separated sequence ids to evaluate")
    parser.add_argument("--types", help="comma-separated task types to evaluate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --num-sequences draw and the demo (default 0)")
    _add_role_flags(parser)
    parser.add_argument(
        "--seq-len",
        type=int,
        default=DEFAULT_SEQ_LEN,
        help=f"sequence length when built from runs.jsonl (default {DEFAULT_SEQ_LEN})",
    )
    parser.add_argument(
        "--no-charts", action="store_true", help="write the report without its PNG chart (skips loading matplotlib)"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the bundled demo set against a SIMULATED endpoint on loopback: no key, no network",
    )
    parser.add_argument(
        "--view",
        type=Path,
        metavar="RESULTS",
        help="write one self-contained page to browse a results file (JSON list or .jsonl journal) beside it "
        "(results.json -> results.view.html), print its path and exit",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add_client_flags(parser)
    return parser


def _add_role_flags(parser: argparse.ArgumentParser) -> None:
    """Sampling and extra fields per role, as the benchmark's; EvaLearn's settings by default."""
    defaults = {"client": (DEFAULT_TEMPERATURE, DEFAULT_MAX_TOKENS), "judge": (JUDGE_TEMPERATURE, JUDGE_MAX_TOKENS)}
    for role, (temperature, max_tokens) in defaults.items():
        # The client's flags keep their earlier names (--temperature, --max-tokens) as aliases.
        parser.add_argument(
            f"--temperature-{role}",
            *(("--temperature",) if role == "client" else ()),
            dest="temperature" if role == "client" else "temperature_judge",
            type=parse_temperature,
            default=temperature,
            metavar="T",
            help=f"{role} sampling temperature, 0-2, or none to send none (default {temperature})",
        )
        parser.add_argument(
            f"--max-tokens-{role}",
            *(("--max-tokens",) if role == "client" else ()),
            dest="max_tokens" if role == "client" else "max_tokens_judge",
            type=int,
            default=max_tokens,
            help=f"{role} max_tokens (default {max_tokens}; raise it for reasoning models)",
        )
        parser.add_argument(
            f"--extra-body-{role}",
            metavar="JSON",
            help=f"JSON object merged into each {role} request (e.g. top_p, seed, reasoning_effort)",
        )
    parser.add_argument(
        "--price",
        action="append",
        metavar="ROLE=IN,OUT",
        help="USD per million prompt,completion tokens for client or judge, to print a cost line (and cost the "
        "--view page) (repeatable)",
    )


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _validate(args: argparse.Namespace) -> None:
    """Reject bad flags before anything is read or written."""
    if args.demo and (args.input or args.seq):
        raise UsageError("--demo uses its own example set; drop --input and --seq")
    if not args.demo and (args.input is None or args.output is None):
        raise UsageError("--input and --output are required (or use --demo to try the tool on a simulated endpoint)")
    ranges = (
        ("workers", "--workers", MAX_WORKERS),
        ("seq_len", "--seq-len", MAX_SEQUENCE_LENGTH),
        ("max_tokens", "--max-tokens-client", MAX_TOKENS),
        ("max_tokens_judge", "--max-tokens-judge", MAX_TOKENS),
    )
    for name, flag, high in ranges:
        check_range(flag, getattr(args, name), 1, high)
    if args.num_sequences is not None and args.num_sequences < 1:
        raise UsageError(f"--num-sequences must be at least 1 (got {args.num_sequences})")
    few_shot = args.paradigm in ("few-shot", ALL)
    for flag, value in (("--shots", args.shots), ("--few-shot-seed", args.few_shot_seed)):
        if value is not None and not few_shot:
            raise UsageError(f"{flag} applies to --paradigm few-shot (or all), not {args.paradigm}")
    if args.shots is not None:
        check_range("--shots", args.shots, 1, MAX_SHOTS)
    validate_client_flags(args)


def _evaluate(
    args: argparse.Namespace, console: Console, paradigm: str, output: Path, inputs, urls, models, roles: dict
):
    """One paradigm's evaluation as the flags describe it (``roles``: extra bodies and prices); its EvalOutcome."""
    return sequentialEval(
        inputs[0],
        inputs[1],
        output,
        args.workers,
        args.check_empty,
        None if args.demo else args.judge_api_key,
        None if args.demo else args.client_api_key,
        models[1],
        models[0],
        judge_api_base_url=urls[1],
        client_api_base_url=urls[0],
        paradigm=paradigm,
        rubric_lang=args.rubric_lang,
        shots=DEFAULT_SHOTS if args.shots is None else args.shots,
        few_shot_seed=DEFAULT_FEW_SHOT_SEED if args.few_shot_seed is None else args.few_shot_seed,
        num_sequences=args.num_sequences,
        sequence_ids=_split(args.sequence_ids),
        sequence_types=_split(args.types),
        seed=args.seed,
        seq_len=args.seq_len,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        client=lambda: build_client(args, threading.Event()),
        console=console,
        env_keys=not args.demo,
        judge_temperature=args.temperature_judge,
        judge_max_tokens=args.max_tokens_judge,
        client_extra_body=roles["client"],
        judge_extra_body=roles["judge"],
        prices=roles["prices"],
    )


def write_view(args: argparse.Namespace, console: Console) -> int:
    """``--view RESULTS``: the results file's page written beside it, its path printed; nothing is run."""
    others = [flag for flag in ("input", "seq", "output", "demo") if getattr(args, flag)]
    if others:
        raise UsageError(f"--view writes the page of an existing results file and exits; drop --{others[0]}")
    prices = parse_prices(args.price, ROLES)
    from seval.view import build_sequential_view  # the viewer's modules load only when a page is written

    print_view(console, build_sequential_view(args.view, prices))
    return 0


def run(args: argparse.Namespace, console: Console) -> int:
    """Run the evaluation the flags describe (or write ``--view``'s page); returns the exit code."""
    if args.view is not None:
        return write_view(args, console)
    _validate(args)
    roles: dict = {
        role: parse_extra_body(f"--extra-body-{role}", getattr(args, f"extra_body_{role}")) for role in ROLES
    }
    roles["prices"] = parse_prices(args.price, ROLES)
    configure_logging(None, args.log_level)
    server, inputs = None, (args.input, args.seq)
    urls = (args.client_base_url, args.judge_base_url)
    models = (args.client_model or DEFAULT_MODEL, args.judge_model or DEFAULT_MODEL)
    if args.demo:
        from seval.sim.server import SimServer  # only the demo needs the simulator

        server = SimServer(seed=args.seed).start()
        log.info("demo: SIMULATED endpoint (no real model) at %s", server.base_url)
        inputs, urls = (DEMO_DIR / "problems.json", DEMO_DIR / "sequences.json"), (server.base_url, server.base_url)
        models = (args.client_model or DEMO_MODELS[0], args.judge_model or DEMO_MODELS[1])
    output = args.output or DEMO_OUTPUT
    paradigms = list(ALL_ORDER) if args.paradigm == ALL else [args.paradigm]
    # Each paradigm its own file (a rerun into another's is refused); the demo's feedback keeps results.json.
    separate = args.paradigm == ALL or (args.output is None and args.paradigm != DEFAULT_PARADIGM)
    outputs = {p: paradigm_output(output, p) if separate else output for p in paradigms}
    stopped, length, cut = [], 0, 0
    try:
        for paradigm in paradigms:
            if len(paradigms) > 1:
                console.rule(f"--paradigm {paradigm} -> {outputs[paradigm]}")
            outcome = _evaluate(args, console, paradigm, outputs[paradigm], inputs, urls, models, roles)
            if outcome.items:
                report = write_sequential_report(outcome, with_charts=not args.no_charts, prices=roles["prices"])
                console.print(f"Report: {report}")
            stopped += outcome.stopped
            cut += outcome.stopped_truncated
            length = max([length, *(len(seq["question_ids"]) for seq in outcome.sequences)])
    finally:
        if server is not None:
            server.stop()
    if len(paradigms) > 1 and not stopped:
        rows = compare_paradigms(outputs, length)
        print_comparison(console, rows, simulated=args.demo, path=write_comparison(rows, output, simulated=args.demo))
    if stopped:
        shown = ", ".join(f"sequence {s} position {p}" for s, p in stopped[:5])
        why = f"; {cut} of them cut by the token limit (raise --max-tokens-client)" if cut else ""
        return fail(
            f"{len(stopped)} answers stayed empty ({shown}){why}",
            1,
            "Rerun the same command to ask again, or pass --no-check-empty to grade empty answers as given.",
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser, run, argv)


if __name__ == "__main__":
    sys.exit(main())

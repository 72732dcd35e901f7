"""What the command-line tools share: one-line argparse errors, the client's flags, and the error edge.

Keeping them here is what makes the tools agree on how a flag is checked, how
the client is built from flags, and how an error is shown (``run_main``).
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console

from seval.cli.config import parse_args_with_config
from seval.cli.numbers import MAX_BACKOFF_S, MAX_CONCURRENCY, MAX_PRICE, MAX_RETRIES, MAX_TIMEOUT_S, check_range
from seval.console import make_console
from seval.errors import Cancelled, EndpointError, TransportError, UsageError
from seval.io import strict_json
from seval.io.folders import WRITE_ERRNOS, check_output_folder

if TYPE_CHECKING:  # imported where they are used: evaluate_metric.py never loads the client, nor a tool the viewer
    from seval.client.core import LLMClient
    from seval.view import ViewPage


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line, like every other error of these tools (exit code 2 by default)."""

    def __init__(self, *args: Any, exit_code: int = 2, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.exit_code = exit_code
        self.config_tables: dict[str, str] = {}  # --config tables the tool reads itself: table name -> dest

    def error(self, message: str) -> NoReturn:
        if self.exit_code == 2:
            self.exit(2, f"error: {message} (see --help)\n")
        self.exit(self.exit_code, f"{self.prog}: error: {message}\n")


def add_client_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of the shared client: pacing, retries, timeout, cache."""
    from seval.client.core import DEFAULT_BACKOFF_S, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S

    parser.add_argument(
        "--concurrency", type=int, default=8, help="requests in flight per endpoint at most (default 8)"
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        default=DEFAULT_MAX_RETRIES,
        help=f"retries of a failed request before giving up (default {DEFAULT_MAX_RETRIES})",
    )
    parser.add_argument(
        "--retry-backoff",
        type=float,
        default=DEFAULT_BACKOFF_S,
        help=f"first backoff in seconds, doubled each retry, with jitter (default {DEFAULT_BACKOFF_S})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds to wait for one reply (default {DEFAULT_TIMEOUT_S:.0f})",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="reuse identical requests' replies from this folder (off by default)",
    )


MAX_TEMPERATURE = 2.0  # the OpenAI API's range, which every compatible server follows


def parse_temperature(text: str) -> float | None:
    """A ``--temperature`` value: a number from 0 to 2, or ``none`` to leave temperature out of requests
    (for models that take only their default, such as OpenAI's reasoning models)."""
    if text.strip().lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_TEMPERATURE:  # NaN fails too
        raise argparse.ArgumentTypeError(
            f"must be a number from 0 to {MAX_TEMPERATURE:g}, or none to leave it out (got {text!r})"
        )
    return value


def validate_client_flags(args: argparse.Namespace) -> None:
    """Reject bad client flags (before anything is written)."""
    check_range("--concurrency", args.concurrency, 1, MAX_CONCURRENCY)
    check_range("--max-retries", args.max_retries, 0, MAX_RETRIES)
    check_range("--retry-backoff", args.retry_backoff, 0, MAX_BACKOFF_S)
    check_range("--timeout", args.timeout, 0, MAX_TIMEOUT_S, above_low=True)


def build_client(args: argparse.Namespace, cancel: threading.Event) -> LLMClient:
    """The shared client configured from the flags of ``add_client_flags``."""
    from seval.client.cache import ResponseCache
    from seval.client.core import LLMClient, RetryPolicy

    validate_client_flags(args)
    cache = None
    if args.cache_dir is not None:
        check_output_folder(args.cache_dir, create=False)
        cache = ResponseCache(args.cache_dir)
    policy = RetryPolicy(max_retries=args.max_retries, backoff_s=args.retry_backoff, timeout_s=args.timeout)
    return LLMClient(retry=policy, concurrency=args.concurrency, cache=cache, cancel_event=cancel)


def fail(message: object, code: int, hint: str | None = None, prefix: str = "error: ") -> int:
    """Print one error line (and an optional hint line) on stderr; return the exit code."""
    text = str(message).replace("\n", " ")
    print(f"{prefix}{text}", file=sys.stderr)
    if hint:
        print(hint, file=sys.stderr)
    return code


def parse_prices(entries: list[str] | None, roles: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``ROLE=IN,OUT`` (USD per million prompt / completion tokens) for each entry.

    ``answering:MODEL=IN,OUT`` prices one answering model of several (the
    others take ``answering=``'s price).
    """
    prices = {}
    for entry in entries or []:
        role, _, numbers = entry.partition("=")
        parts = numbers.split(",")
        base, _, model = role.partition(":")
        try:
            if base not in roles or len(parts) != 2 or (":" in role and (base != "answering" or not model)):
                raise ValueError
            price_in, price_out = float(parts[0]), float(parts[1])
            if not (0 <= price_in <= MAX_PRICE and 0 <= price_out <= MAX_PRICE):  # NaN fails both
                raise ValueError
        except ValueError:
            raise UsageError(
                f"--price {entry!r}: expected ROLE=IN,OUT with ROLE one of {', '.join(roles)} (or answering:MODEL) "
                "and prices in USD per million tokens"
            ) from None
        prices[role] = (price_in, price_out)
    return prices


# Request fields the tool sets itself: an extra body that replaced them would make the record name one model
# while another answered, or send other messages than the ones recorded. temperature has its own flags; a
# streamed or multi-choice reply is not what the client reads.
OWNED_FIELDS = ("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "stream", "n")


def model_names(flag: str, text: str | None) -> list[str]:
    """The models a comma-separated flag names, in order; an empty entry or a model named twice is refused."""
    models = [part.strip() for part in text.split(",")] if text else []
    if any(not model for model in models):
        raise UsageError(f"{flag} has an empty entry: {text!r}")
    twice = sorted({model for model in models if models.count(model) > 1})
    if twice:
        raise UsageError(f"{flag} names {', '.join(twice)} more than once")
    return models


def parse_extra_body(flag: str, text: str | None) -> dict:
    """A JSON object given on the command line, merged into each request of a role (never a field the tool owns)."""
    if not text:
        return {}
    try:
        value = strict_json.loads(text)
    except (ValueError, RecursionError):
        raise UsageError(f"{flag} must be a JSON object, e.g. '{{\"top_p\": 0.9}}' (got {text!r})") from None
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object, not {type(value).__name__}")
    owned = [name for name in OWNED_FIELDS if name in value]
    if owned:
        raise UsageError(
            f"{flag} sets {', '.join(owned)}, which the tool sets itself (models, messages, token limits and "
            "temperature have their own flags)"
        )
    return value


def print_view(console: Console, page: ViewPage) -> None:
    """What ``--view`` wrote: its warnings, then the page's path."""
    for warning in page.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"Viewer: {page.path} ({page.items} items, {page.size / 1024:.0f} KB; opens from disk, no server)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def run_main(
    build_parser: Callable[[], argparse.ArgumentParser],
    run: Callable[[argparse.Namespace, Console], int],
    argv: list[str] | None,
    *,
    error_prefix: str = "error: ",
    with_config: bool = True,
) -> int:
    """A CLI's ``main``: parse flags (with ``--config``), run, and turn errors into one line and an exit code.

    2 for bad flags or input (a ``UsageError`` may carry its own code), 1 for an
    endpoint that failed for good, 130 for Ctrl-C. Anything else is a bug and
    keeps its traceback.
    """
    console = make_console()
    try:
        parser = build_parser()
        args = parse_args_with_config(parser, argv) if with_config else parser.parse_args(argv)
        return run(args, console)
    except UsageError as exc:
        return fail(exc, exc.exit_code, prefix=error_prefix)
    except TransportError as exc:
        return fail(
            exc,
            exc.exit_code,
            "Everything finished so far is kept; rerun the same command to resume.",
            prefix=error_prefix,
        )
    except EndpointError as exc:  # a key, a model name or a request to fix: the same command would fail again
        return fail(
            exc, exc.exit_code, "Everything finished so far is kept; fix that and rerun to resume.", prefix=error_prefix
        )
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        return fail(
            f"cannot write {exc.filename or 'a file'}: {exc.strerror}",
            1,
            "Everything finished so far is kept; free some space (or fix the permissions) and rerun the same "
            "command to resume.",
            prefix=error_prefix,
        )
    except (KeyboardInterrupt, Cancelled):
        console.print("Interrupted. Finished work is saved; rerun the same command to resume.", style="yellow")
        return 130

"""Pieces both command-line tools share: client flags, keys, URLs, logging, errors.

Keeping them here is what makes the benchmark and the sequential mode agree
on how a base URL is read, where a key comes from, and how an error is shown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import threading
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

from errors import Cancelled, EndpointError, TransportError, UsageError
from llm_client import DEFAULT_BACKOFF_S, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_S, LLMClient, RetryPolicy, normalize_base_url
from response_cache import ResponseCache

LOG_FORMAT_FILE = "%(asctime)s %(levelname)s %(name)s: %(message)s"
def make_console(stderr: bool = False, **options) -> Console:
    """A rich console; off a terminal (CI, ``| tee``) lines run long instead of wrapping at 80
    columns, so a printed path stays whole and greppable."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, **options)
    return Console(stderr=stderr, width=200, soft_wrap=True, **options)


# One stderr console for logs and the progress bar, so log lines print above the bar.
STDERR = make_console(stderr=True)


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line, like every other error of these tools (exit code 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {message} (see --help)\n")


def add_client_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of the shared client: pacing, retries, timeout, cache."""
    parser.add_argument("--concurrency", type=int, default=8,
                        help="requests in flight per endpoint at most (default 8)")
    parser.add_argument("--max-retries", type=int, default=DEFAULT_MAX_RETRIES,
                        help=f"retries of a failed request before giving up (default {DEFAULT_MAX_RETRIES})")
    parser.add_argument("--retry-backoff", type=float, default=DEFAULT_BACKOFF_S,
                        help=f"first backoff in seconds, doubled each retry, with jitter (default {DEFAULT_BACKOFF_S})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                        help=f"seconds to wait for one reply (default {DEFAULT_TIMEOUT_S:.0f})")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="reuse identical requests' replies from this folder (off by default)")


def validate_client_flags(args: argparse.Namespace) -> None:
    """Reject bad client flags (before anything is written)."""
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1 (got {args.concurrency})")
    if args.max_retries < 0 or args.retry_backoff < 0 or args.timeout <= 0:
        raise UsageError("--max-retries and --retry-backoff must not be negative, --timeout must be positive")


def build_client(args: argparse.Namespace, cancel: threading.Event) -> LLMClient:
    """The shared client configured from the flags of ``add_client_flags``."""
    validate_client_flags(args)
    cache = None
    if args.cache_dir is not None:
        check_output_folder(args.cache_dir)
        cache = ResponseCache(args.cache_dir)
    policy = RetryPolicy(max_retries=args.max_retries, backoff_s=args.retry_backoff, timeout_s=args.timeout)
    return LLMClient(retry=policy, concurrency=args.concurrency, cache=cache, cancel_event=cancel)


def resolve_base_url(role: str, specific: str | None, general: str | None, flags: str) -> str:
    """A role's endpoint: its own flag, else the shared flag, else OPENAI_BASE_URL."""
    raw = specific or general or os.environ.get("OPENAI_BASE_URL")
    if not raw:
        raise UsageError(f"no base URL for the {role} role: give {flags} (or set OPENAI_BASE_URL)")
    try:
        return normalize_base_url(raw)
    except ValueError:
        raise UsageError(f"the {role} base URL {raw!r} is not an http(s) URL") from None


def resolve_key(specific: str | None, general: str | None, env_names: tuple[str, ...] = ("OPENAI_API_KEY",)) -> str | None:
    """A role's key: its own flag, the shared flag, then the environment; None sends no auth header."""
    if specific:
        return specific
    if general:
        return general
    for name in env_names:
        if os.environ.get(name):
            return os.environ[name]
    return None


def check_output_folder(folder: Path, create: bool = True) -> None:
    """Fail with one line, before anything is written, if ``folder`` cannot hold output."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"output folder {folder} exists and is not a folder")
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"output folder {folder} cannot be made: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"output folder {folder} is not writable")
    if create:
        folder.mkdir(parents=True, exist_ok=True)


def configure_logging(log_file: Path | None, level: str) -> None:
    """Log to stderr (rich when it is a terminal) and, when given, to a file in the output folder."""
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.DEBUG)
    if STDERR.is_terminal:
        to_screen: logging.Handler = RichHandler(console=STDERR, show_path=False)
    else:  # CI, pipes: plain lines, no wrapping or colour codes
        to_screen = logging.StreamHandler(sys.stderr)
        to_screen.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    to_screen.setLevel(level)
    root.addHandler(to_screen)
    if log_file is not None:
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(logging.DEBUG)
        to_file.setFormatter(logging.Formatter(LOG_FORMAT_FILE))
        root.addHandler(to_file)
    # urllib3 logs each retry with the full URL at WARNING; ours say it once, with the role.
    logging.getLogger("urllib3").setLevel(logging.ERROR)


def fail(message: object, code: int, hint: str | None = None) -> int:
    """Print one error line (and an optional hint line) on stderr; return the exit code."""
    text = str(message).replace("\n", " ")
    print(f"error: {text}", file=sys.stderr)
    if hint:
        print(hint, file=sys.stderr)
    return code


def parse_args_with_config(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse flags, taking defaults from ``--config FILE.toml`` first; flags on the command line win.

    The file's keys are the long flag names (``model-answering`` or ``model_answering``).
    Keys belong in the environment: a file that holds one is used, with a warning.
    """
    parser.add_argument("--config", type=Path, default=None, help="TOML file whose keys are long flag names")
    first, _ = parser.parse_known_args(argv)
    if first.config is not None:
        parser.set_defaults(**_read_config(parser, first.config))
    return parser.parse_args(argv)


def _read_config(parser: argparse.ArgumentParser, path: Path) -> dict:
    import tomllib

    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    known = {action.dest: action for action in parser._actions}
    values = {}
    for key, value in raw.items():
        dest = key.replace("-", "_")
        if dest not in known or dest in ("help", "config"):
            raise UsageError(f"config file {path}: unknown key {key!r} (keys are the long flag names)")
        if "api_key" in dest:
            logging.getLogger("config").warning(
                "config file %s holds %s; prefer the environment (OPENAI_API_KEY) so keys stay out of files", path, key)
        values[dest] = _config_value(known[dest], key, value, path)
    return values


def _config_value(action: argparse.Action, key: str, value: object, path: Path) -> object:
    """A config value checked and converted as the flag's own value would be (type, choices;
    true/false for a switch), so a wrong one is one error line rather than a crash later."""
    if action.nargs == 0:  # a switch such as --no-charts
        if not isinstance(value, bool):
            raise UsageError(f"config file {path}: {key} must be true or false (got {value!r})")
        return value
    many = isinstance(action, argparse._AppendAction)
    converted = []
    for item in value if many and isinstance(value, list) else [value]:
        try:
            if isinstance(item, (bool, list, dict)) or (action.type is int and isinstance(item, float)):
                raise ValueError
            item = action.type(str(item)) if action.type else str(item)
            if action.choices is not None and item not in action.choices:
                raise ValueError
        except (TypeError, ValueError, argparse.ArgumentTypeError):
            raise UsageError(f"config file {path}: {key} = {item!r} is not a valid value for --{key.replace('_', '-')}"
                             + (f" (one of {', '.join(map(str, action.choices))})" if action.choices else "")) from None
        converted.append(item)
    return converted if many else converted[0]


def parse_prices(entries: list[str] | None, roles: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """``ROLE=IN,OUT`` (USD per million prompt / completion tokens) for each entry."""
    prices = {}
    for entry in entries or []:
        role, _, numbers = entry.partition("=")
        parts = numbers.split(",")
        try:
            if role not in roles or len(parts) != 2:
                raise ValueError
            price_in, price_out = float(parts[0]), float(parts[1])
            if price_in < 0 or price_out < 0:
                raise ValueError
        except ValueError:
            raise UsageError(f"--price {entry!r}: expected ROLE=IN,OUT with ROLE one of {', '.join(roles)} "
                             "and prices in USD per million tokens") from None
        prices[role] = (price_in, price_out)
    return prices


def parse_extra_body(flag: str, text: str | None) -> dict:
    """A JSON object given on the command line, merged into each request of a role."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise UsageError(f"{flag} must be a JSON object, e.g. '{{\"top_p\": 0.9}}' (got {text!r})") from None
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object, not {type(value).__name__}")
    return value


@contextlib.contextmanager
def log_to_file(path: Path):
    """Also log to ``path`` while the block runs (for a run whose output folder is known only late)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter(LOG_FORMAT_FILE))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


def run_main(build_parser, run, argv: list[str] | None) -> int:
    """A CLI's ``main``: parse flags (with ``--config``), run, and turn errors into one line and an exit code.

    2 for bad flags or input, 1 for an endpoint that failed for good, 130 for Ctrl-C.
    """
    console = make_console()
    try:
        args = parse_args_with_config(build_parser(), argv)
        return run(args, console)
    except UsageError as exc:
        return fail(exc, exc.exit_code)
    except TransportError as exc:
        return fail(exc, exc.exit_code, "Everything finished so far is kept; rerun the same command to resume.")
    except EndpointError as exc:  # a key, a model name or a request to fix: the same command would fail again
        return fail(exc, exc.exit_code, "Everything finished so far is kept; fix that and rerun to resume.")
    except (KeyboardInterrupt, Cancelled):
        console.print("Interrupted. Finished work is saved; rerun the same command to resume.", style="yellow")
        return 130

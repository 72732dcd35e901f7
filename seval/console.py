"""Where the tools write for people: rich consoles and the logging set-up."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

LOG_FORMAT_FILE = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def make_console(stderr: bool = False, **options: Any) -> Console:
    """A rich console; off a terminal (CI, ``| tee``) lines run long instead of wrapping at 80
    columns, so a printed path stays whole and greppable."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, **options)
    return Console(stderr=stderr, width=200, soft_wrap=True, **options)


@functools.cache
def stderr_console() -> Console:
    """The one stderr console for logs and the progress bar, so log lines print above the bar.

    Made on first use, not at import: importing a module must not touch the terminal.
    """
    return make_console(stderr=True)


def configure_logging(log_file: Path | None, level: str) -> None:
    """Log to stderr (rich when it is a terminal) and, when given, to a file in the output folder."""
    root = logging.getLogger()
    root.handlers.clear()
    # A log line that cannot be written (a full disk) must not print a traceback per line; the write that
    # matters (the journal's) fails on its own and is reported in one line.
    logging.raiseExceptions = False
    root.setLevel(logging.DEBUG)
    console = stderr_console()
    if console.is_terminal:
        to_screen: logging.Handler = RichHandler(console=console, show_path=False)
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


@contextlib.contextmanager
def log_to_file(path: Path) -> Iterator[None]:
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

"""What the person at the terminal sees while a run goes: one display for both modes.

On a terminal: a rich progress bar with ETA, and a line of per-role calls,
retries, errors and tokens so far, plus what the run is working on. When
output is not a terminal (CI, ``| tee``), plain log lines every tenth of the
work instead of redraws.
"""

from __future__ import annotations

import logging
import threading

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from seval.client.core import LLMClient
from seval.console import stderr_console

log = logging.getLogger(__name__)
PLAIN_STEPS = 10  # plain mode logs this many lines over a whole run


def stats_line(client: LLMClient, compact: bool = False) -> str:
    """Calls, retries, errors and tokens per role, as one line (``compact`` for the bar)."""
    parts = []
    for role, stats in sorted(client.stats.items()):
        tokens = stats.prompt_tokens + stats.completion_tokens
        if compact:
            parts.append(f"{role[:3]} {stats.calls}c {stats.retries}r {stats.errors}e {tokens / 1000:.1f}k tok")
        else:
            parts.append(
                f"{role}: {stats.calls} calls, {stats.retries} retries, {stats.errors} errors, {tokens} tokens"
            )
    return ("  " if compact else "; ").join(parts) or "no calls yet"


class RunProgress:
    """Progress of ``total`` units of work (items judged, positions answered)."""

    def __init__(self, client: LLMClient, total: int, what: str, console: Console | None = None, done: int = 0):
        self.client = client
        self.total = max(total, 1)
        self.what = what
        self.done = done
        self.status = ""
        self.console = console or stderr_console()
        self.interactive = self.console.is_terminal
        self._lock = threading.Lock()
        self._next_plain = self._plain_threshold(done)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def _plain_threshold(self, done: int) -> int:
        step = max(1, self.total // PLAIN_STEPS)
        return (done // step + 1) * step

    def __enter__(self) -> RunProgress:
        if self.interactive:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[status]}"),
                console=self.console,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.what, total=self.total, completed=self.done, status="")
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._refresh()
            self._progress.stop()
        log.info("%s: %d/%d done; %s", self.what, self.done, self.total, stats_line(self.client))

    def advance(self, units: int = 1) -> None:
        """Count finished work; refresh the bar or log a plain line when due."""
        with self._lock:
            self.done += units
            due = not self.interactive and self.done >= self._next_plain
            if due:
                self._next_plain = self._plain_threshold(self.done)
        if self.interactive:
            self._refresh()
        elif due:
            log.info("%s: %d/%d done %s; %s", self.what, self.done, self.total, self.status, stats_line(self.client))

    def set_status(self, status: str) -> None:
        """What the run is on now (a difficulty, a sequence)."""
        self.status = status
        if self.interactive:
            self._refresh()

    def _refresh(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, completed=self.done, status=f"{self.status}  {stats_line(self.client, compact=True)}"
            )

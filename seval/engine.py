"""The one worker pool, shared by the benchmark runner and the sequential mode.

Both modes are made of *chains*: steps that must run in order (a reasoning
type's question generations; a sequence's positions), plus, for the runner,
side work hanging off each step (answering and judging a question). Chains
are independent of each other, so they run at once on this pool; how many
requests reach one endpoint at a time is the client's pacer's business, not
the pool's.

The pool stops cleanly: the first step that fails for good, or Ctrl-C, sets
the shared cancel event; steps not yet started are skipped, steps in flight
finish (their results are journaled), and the failure is raised once to the
caller.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from seval.errors import Cancelled

POLL_S = 0.2  # how often a waiting main thread wakes, so Ctrl-C is seen at once


class Engine:
    """A thread pool that runs steps until the first failure or a cancel."""

    def __init__(self, workers: int, cancel_event: threading.Event | None = None):
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="engine")
        self.cancel_event = cancel_event or threading.Event()
        self.failure: BaseException | None = None
        self._lock = threading.Lock()

    def submit(self, step: Callable, *args, **kwargs) -> Future:
        """Run ``step(*args, **kwargs)`` on the pool; raises the stop reason when the engine is stopping."""
        self.check()
        try:
            return self._pool.submit(self._guarded, step, args, kwargs)
        except RuntimeError:  # the pool was shut down between the check and the submit
            raise self._stop_reason() from None

    def _guarded(self, step: Callable, args: tuple, kwargs: dict):
        if self.cancel_event.is_set():
            raise Cancelled()
        try:
            return step(*args, **kwargs)
        except Cancelled:
            raise
        except BaseException as exc:
            self.fail(exc)
            raise

    def fail(self, exc: BaseException) -> None:
        """Record the first failure and stop everything else."""
        with self._lock:
            if self.failure is None:
                self.failure = exc
        self.cancel_event.set()

    @property
    def stopping(self) -> bool:
        return self.cancel_event.is_set()

    def check(self) -> None:
        """Raise the stop reason when the engine is stopping; chains call it between steps."""
        if self.cancel_event.is_set():
            raise self._stop_reason()

    def _stop_reason(self) -> BaseException:
        # The first failure, not a bare Cancelled: a caller that meets the stop before it
        # waits for its futures (submitting the chains, say) must still report the real
        # error, not what looks like Ctrl-C.
        return self.failure if self.failure is not None else Cancelled()

    def wait_for(self, futures: Iterable[Future]) -> None:
        """Block until every future is done, waking often so Ctrl-C reaches the caller."""
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=POLL_S)

    def wait_until(self, condition: threading.Condition, predicate: Callable[[], bool]) -> bool:
        """Wait on ``condition`` until ``predicate`` holds (True) or the engine stops (False)."""
        with condition:
            while not predicate():
                if self.cancel_event.is_set():
                    return False
                condition.wait(POLL_S)
            return True

    def interrupted(self, notice: Callable[[str], None], saved: str) -> None:
        """The first Ctrl-C: say so, let requests in flight finish (their results are ``saved``), drop the rest.

        A second Ctrl-C quits at once (exit 130): what is journaled is already safe.
        """
        notice(f"Stopping: waiting for requests in flight (Ctrl-C again to quit at once; {saved} are already saved).")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, lambda *_: os._exit(130))
        self.shutdown()

    def shutdown(self) -> None:
        """Stop taking work, drop what has not started, wait for steps in flight."""
        self.cancel_event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Wait for all submitted work, then release the threads."""
        self._pool.shutdown(wait=True)

    def raise_failure(self) -> None:
        """Re-raise the first failure, if any step failed."""
        if self.failure is not None:
            raise self.failure

"""How fast one endpoint is asked, and how long to wait before asking again.

``EndpointPacer`` caps the requests in flight per endpoint, serves them by
priority, halves its allowance when the endpoint shows it is overloaded (a
429, or a reply that did not come within the timeout) and wins it back on
successes that came back well within the timeout. ``retry_after_seconds`` reads a ``Retry-After`` header.
"""

from __future__ import annotations

import threading
import time
from email.utils import parsedate_to_datetime

from seval.errors import Cancelled

RECOVER_AFTER_SUCCESSES = 4  # successes needed to widen a throttled endpoint by one
WAKE_S = 0.25  # how often a request waiting for a slot looks at the clock and the cancel event
# Only a success that came back within this share of the timeout counts towards widening: replies that take
# most of the timeout mean the server is queueing, and one more request in flight would push the last in
# line past the timeout (the server then works on a request nobody waits for).
FAST_SHARE_OF_TIMEOUT = 0.75


class EndpointPacer:
    """Caps requests in flight for one endpoint; adapts to overload; serves by priority.

    Lower priority numbers go first, so calls on a run's critical path (question
    generation) are not queued behind work that can wait (answers, verdicts).
    """

    def __init__(self, limit: int):
        self.max_limit = max(1, limit)
        self.limit = self.max_limit
        self.in_flight = 0
        self._successes = 0
        self._waiting: list[tuple[int, int]] = []
        self._ticket = 0
        self._abandoned: list[float] = []  # until when each timed-out request still counts as in flight
        self._cond = threading.Condition()

    def _busy(self) -> int:
        """Requests in flight, counting those the client gave up on that the server is likely still working on."""
        now = time.monotonic()
        self._abandoned = [until for until in self._abandoned if until > now]
        return self.in_flight + len(self._abandoned)

    def acquire(self, priority: int, cancel: threading.Event | None = None) -> None:
        """Wait for a slot (lower ``priority`` first); raises Cancelled when ``cancel`` is set meanwhile."""
        with self._cond:
            self._ticket += 1
            me = (priority, self._ticket)
            self._waiting.append(me)
            try:
                while self._busy() >= self.limit or min(self._waiting) != me:
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()
                    # Woken by a release, or in time to see an abandoned request's hold end (or a cancel).
                    self._cond.wait(WAKE_S if self._abandoned or cancel is not None else None)
            finally:
                self._waiting.remove(me)
            self.in_flight += 1
            self._cond.notify_all()

    def release(self, success: bool, fast: bool = True) -> None:
        """A request is done; a ``success`` that was ``fast`` (well within the timeout) counts towards widening."""
        with self._cond:
            self.in_flight -= 1
            if success and fast and self.limit < self.max_limit:
                self._successes += 1
                if self._successes >= RECOVER_AFTER_SUCCESSES:
                    self.limit += 1
                    self._successes = 0
            self._cond.notify_all()

    def throttled(self) -> None:
        """The endpoint is overloaded (a 429): halve the allowance (never below one)."""
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self._successes = 0

    def timed_out(self, hold_s: float) -> None:
        """A reply did not come within the timeout: halve the allowance as for a 429, and let the request
        count as in flight for ``hold_s`` more seconds.

        A server that queues requests (llama.cpp with one slot, a busy vLLM) goes on working on a
        request its client gave up on. Sending its retry, or anything else, at once only queues it
        behind that abandoned work, where it times out too: the work of both is thrown away.
        """
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self._successes = 0
            self._abandoned.append(time.monotonic() + hold_s)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number, or an HTTP date); None when absent or unreadable.

    ``Retry-After: 0`` (or a date already past) means now. An unreadable value ("soon")
    counts as no header, so the usual backoff applies.
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)

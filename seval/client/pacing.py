"""How fast one endpoint is asked, and how long to wait before asking again.

``EndpointPacer`` caps the requests in flight per endpoint, serves them by
priority, halves its allowance when the endpoint shows it is overloaded (a
429, or a reply that did not come within the timeout) and wins it back on
successes. ``retry_after_seconds`` reads a ``Retry-After`` header.
"""

from __future__ import annotations

import threading
import time
from email.utils import parsedate_to_datetime

RECOVER_AFTER_SUCCESSES = 4  # successes needed to widen a throttled endpoint by one


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
        self._cond = threading.Condition()

    def acquire(self, priority: int) -> None:
        with self._cond:
            self._ticket += 1
            me = (priority, self._ticket)
            self._waiting.append(me)
            while self.in_flight >= self.limit or min(self._waiting) != me:
                self._cond.wait()
            self._waiting.remove(me)
            self.in_flight += 1
            self._cond.notify_all()

    def release(self, success: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if success and self.limit < self.max_limit:
                self._successes += 1
                if self._successes >= RECOVER_AFTER_SUCCESSES:
                    self.limit += 1
                    self._successes = 0
            self._cond.notify_all()

    def throttled(self) -> None:
        """The endpoint is overloaded (a 429, or a read timeout): halve the allowance (never below one).

        A timeout counts like a 429 because a server that queues requests (llama.cpp with
        one slot, a busy vLLM) goes on working on a request the client gave up on: sending
        the same number again only lengthens the queue and throws more of its work away.
        """
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self._successes = 0


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

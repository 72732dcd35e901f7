"""How fast one endpoint is asked, and how a failed request is retried.

``EndpointPacer`` caps the requests in flight per endpoint, serves them by
priority, halves its allowance on a 429 and wins it back on successes.
``PacedRetry`` is urllib3's ``Retry`` (backoff, jitter, ``Retry-After``) that
also reports each retry, so the pacer hears of 429s and the client counts retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import InvalidHeader
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

RECOVER_AFTER_SUCCESSES = 4  # successes needed to widen a throttled endpoint by one


class EndpointPacer:
    """Caps requests in flight for one endpoint; adapts to 429s; serves by priority.

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
        """A 429 arrived: halve the allowance (never below one)."""
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self._successes = 0


class PacedRetry(Retry):
    """urllib3's Retry that tells the endpoint's pacer about 429s, counts retries, and waits by ``wait``.

    ``wait(seconds)`` is the client's cancel-aware pause: urllib3's own sleep is
    a ``time.sleep`` that Ctrl-C cannot cut short, so a backoff or a long
    ``Retry-After`` in a worker thread would hold the whole run up.
    """

    def __init__(
        self,
        *args: Any,
        on_retry: Callable[[int | None], None] | None = None,
        wait: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.on_retry = on_retry
        self.wait = wait

    def new(self, **kwargs: Any) -> PacedRetry:
        fresh = super().new(**kwargs)
        fresh.on_retry, fresh.wait = self.on_retry, self.wait
        return fresh

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if self.on_retry is not None:
            self.on_retry(response.status if response is not None else None)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait before the next attempt: the server's ``Retry-After`` when it gave one, else the backoff."""
        retry_after = self._retry_after(response) if self.respect_retry_after_header and response else None
        self.wait(self.get_backoff_time() if retry_after is None else retry_after)

    def _retry_after(self, response: BaseHTTPResponse) -> float | None:
        # "Retry-After: 0" (or a date already past) means now; urllib3 would back off instead.
        # An unreadable value ("soon") counts as no header, where urllib3 would fail the run.
        try:
            return self.get_retry_after(response)
        except InvalidHeader:
            return None

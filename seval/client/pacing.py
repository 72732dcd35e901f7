"""How fast one endpoint is asked, and how a failed request is retried.

``EndpointPacer`` caps the requests in flight per endpoint, serves them by
priority, halves its allowance on a 429 and wins it back on successes.
``PacedRetry`` is urllib3's ``Retry`` (backoff, jitter, ``Retry-After``) that
also reports each retry, so the pacer hears of 429s and the client counts retries.
"""

from __future__ import annotations

import threading

from urllib3.exceptions import InvalidHeader
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
    """urllib3's Retry that also tells the endpoint's pacer about 429s and counts retries."""

    def __init__(self, *args, on_retry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_retry = on_retry

    def new(self, **kwargs):
        fresh = super().new(**kwargs)
        fresh.on_retry = self.on_retry
        return fresh

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if self.on_retry is not None:
            self.on_retry(response.status if response is not None else None)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep_for_retry(self, response):
        # urllib3 reads "Retry-After: 0" (or a date already past) as no header and falls
        # back to the exponential backoff; the server said to retry now. An unreadable
        # value ("soon") raised InvalidHeader and failed the run: back off as without one.
        try:
            retry_after = self.get_retry_after(response)
        except InvalidHeader:
            return False
        if retry_after == 0:
            return True
        return super().sleep_for_retry(response)

"""The one HTTP client for OpenAI-compatible endpoints, shared by every mode.

Transport only: it sends ``POST {base}/chat/completions`` (and ``GET
{base}/models`` to explain a 404), retries what is worth retrying, paces each
endpoint, adapts to parameters a model refuses, and turns failures into the
user-facing errors of ``errors.py``. It knows nothing about benchmarks,
prompts or verdicts.

Retries (``_exchange``): one loop per call, here rather than inside urllib3, because
only here is every outcome seen whole: statuses (408, 409, 429, 5xx), timeouts,
refused connections, dropped connections, replies too large, and 200s without a
usable reply. Each attempt holds one of the endpoint's slots only while it is on
the wire; the wait before the next one (``Retry-After`` when the server gave one,
else exponential backoff with jitter; never longer than the timeout) watches the
cancel event, so Ctrl-C ends it at once.

Pacing (``pacing``): each endpoint (base URL) allows at most ``concurrency`` requests in
flight. A 429 or a read timeout halves that endpoint's allowance and successes win it
back one at a time, so an overloaded server is slowed down rather than failed.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seval.client.adapt import ParameterAdapter
from seval.client.cache import ResponseCache, request_fingerprint
from seval.client.endpoints import Endpoint
from seval.client.pacing import FAST_SHARE_OF_TIMEOUT, EndpointPacer, retry_after_seconds
from seval.client.replies import (
    ChatReply,
    error_body,
    is_key_problem,
    parse_chat_reply,
    parse_embeddings,
    parse_models,
)
from seval.client.transport import (
    DROPPED,
    MAX_REDIRECTS,
    MAX_REPLY_BYTES,
    REDIRECTS,
    TIMEOUT,
    TLS,
    TOO_LARGE,
    EndpointTransport,
    HttpReply,
    TransportFailure,
)
from seval.errors import AuthError, BadRequestError, Cancelled, ModelNotFoundError, TransportError
from seval.records import TokenUsage

__all__ = ["ChatReply", "LLMClient", "RetryPolicy", "RoleStats"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_BACKOFF_S = 1.0
BACKOFF_MAX_S = 60.0
MAX_ADAPTATIONS_PER_CALL = 8  # each one drops or renames a different parameter, so this is never reached honestly
MODELS_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry; one policy for every call."""

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_s: float = DEFAULT_BACKOFF_S
    timeout_s: float = DEFAULT_TIMEOUT_S

    def delay(self, attempt: int) -> float:
        """Backoff before retry number ``attempt`` (1-based), with jitter."""
        base = min(BACKOFF_MAX_S, self.backoff_s * (2 ** (attempt - 1)))
        return base + random.uniform(0, self.backoff_s)

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt``: the server's ``Retry-After`` when it gave one,
        else the backoff; never more than the timeout (a ``Retry-After: 99999`` waits ``timeout_s``)."""
        seconds = self.delay(attempt) if retry_after is None else retry_after
        return max(0.0, min(seconds, self.timeout_s))


@dataclass
class RoleStats:
    """Counters per role, for progress and the run summary."""

    calls: int = 0
    retries: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class _Retryable:
    """Why an attempt failed in a way worth another try, in the words of the final error."""

    message: str  # the final error reads "{role}: {message} after N retries ({detail})"
    detail: str = ""
    retry_after: float | None = None

    def final(self, role: str, retries: int) -> str:
        return f"{role}: {self.message} {_after(retries)}" + (f" ({self.detail})" if self.detail else "")


_ADAPTED = object()  # the attempt was refused for a parameter the client now leaves out: send again at once


class LLMClient:
    """Sends chat requests for any role; safe to share between threads."""

    def __init__(
        self,
        retry: RetryPolicy | None = None,
        concurrency: int = 8,
        cache: ResponseCache | None = None,
        cancel_event: threading.Event | None = None,
    ):
        self.retry = retry or RetryPolicy()
        self.concurrency = max(1, concurrency)
        self.cache = cache
        self.cancel_event = cancel_event or threading.Event()
        self.stats: dict[str, RoleStats] = defaultdict(RoleStats)
        self.adapter = ParameterAdapter()
        self._pacers: dict[str, EndpointPacer] = {}
        self._transports: dict[str, EndpointTransport] = {}
        self._lock = threading.Lock()

    @property
    def adaptation_notes(self) -> list[str]:
        """One line per parameter a model refused and the client adapted to, in the order learned."""
        return list(self.adapter.notes)

    # -- plumbing -----------------------------------------------------------
    def _pacer(self, base_url: str) -> EndpointPacer:
        with self._lock:
            if base_url not in self._pacers:
                self._pacers[base_url] = EndpointPacer(self.concurrency)
            return self._pacers[base_url]

    def _transport(self, endpoint: Endpoint) -> EndpointTransport:
        """One keep-alive pool per endpoint and role."""
        key = f"{endpoint.role}|{endpoint.base_url}"
        with self._lock:
            transport = self._transports.get(key)
            if transport is None:
                transport = EndpointTransport(endpoint.base_url, self.concurrency + 4)
                self._transports[key] = transport
            return transport

    @staticmethod
    def _headers(endpoint: Endpoint) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        return headers

    def _pause(self, seconds: float) -> None:
        if self.cancel_event.wait(seconds):
            raise Cancelled()

    # -- public -------------------------------------------------------------
    def chat(
        self,
        endpoint: Endpoint,
        messages: list[dict],
        temperature: float | None,
        max_tokens: int,
        priority: int = 1,
        seed: int | None = None,
    ) -> ChatReply:
        """Send one chat request; its final answer, reasoning, finish reason and usage.

        ``temperature`` None leaves it out of the request (the model's default).
        ``seed`` asks for that sampling seed (OpenAI's ``seed``): repeated samples of one
        question are distinct requests, reproducible where the server honours it.
        Raises AuthError, ModelNotFoundError, BadRequestError or TransportError;
        Cancelled when the run is stopping before the request was sent.
        """
        body: dict[str, Any] = {"model": endpoint.model, "messages": messages}
        if temperature is not None:
            body["temperature"] = temperature
        body["max_tokens"] = max_tokens
        body.update(endpoint.extra_body)
        if seed is not None:
            body["seed"] = seed
        if self.cache is None:
            return self._exchange(endpoint, body, priority, "chat/completions", parse_chat_reply)
        key = request_fingerprint(endpoint.cache_identity, endpoint.model, body)
        stored = self.cache.get(key, endpoint.role)
        if stored is not None:
            return stored
        reply = self._exchange(endpoint, body, priority, "chat/completions", parse_chat_reply)
        self.cache.put(key, reply)
        return reply

    def embed(self, endpoint: Endpoint, texts: list[str]) -> list[list[float]]:
        """Vectors for ``texts`` from ``POST {base}/embeddings``, with the same retries and errors as chat."""
        body = {"model": endpoint.model, "input": texts}
        vectors, _ = self._exchange(endpoint, body, 0, "embeddings", parse_embeddings)
        return vectors

    def list_models(self, endpoint: Endpoint) -> list[str] | None:
        """Model ids from ``GET {base}/models``, or None when the endpoint does not say."""
        try:
            # The endpoint's own pool: no netrc, the same proxies and CA bundle.
            response = self._transport(endpoint).request(
                "GET", endpoint.url("models"), self._headers(endpoint), MODELS_TIMEOUT_S
            )
            return parse_models(response.json()) if response.status_code == 200 else None
        except (TransportFailure, ValueError):
            return None

    # -- one call: attempts, waits, the final error --------------------------
    def _exchange(self, endpoint: Endpoint, body: dict, priority: int, path: str, parse: Callable[[Any], Any]) -> Any:
        """POST until a usable reply arrives, retrying what is worth retrying; the parsed reply."""
        retries = adaptations = 0
        while True:
            if self.cancel_event.is_set():
                raise Cancelled()
            outcome = self._attempt(endpoint, body, priority, path, parse)
            if outcome is _ADAPTED:
                adaptations += 1
                if adaptations > MAX_ADAPTATIONS_PER_CALL:
                    self._fail(endpoint.role)
                    raise BadRequestError(
                        f"{endpoint.role}: {endpoint.base_url} refused {adaptations} parameters of one request in "
                        f"turn ({', '.join(self.adaptation_notes[-3:])}); check --extra-body-{endpoint.role}"
                    )
                continue
            if not isinstance(outcome, _Retryable):
                self._count(endpoint.role, outcome)
                return outcome
            if retries >= self.retry.max_retries:
                self._fail(endpoint.role)
                raise TransportError(outcome.final(endpoint.role, retries))
            retries += 1
            with self._lock:
                self.stats[endpoint.role].retries += 1
            self._pause(self.retry.wait(retries, outcome.retry_after))

    def _attempt(self, endpoint: Endpoint, body: dict, priority: int, path: str, parse: Callable[[Any], Any]):
        """One attempt on one of the endpoint's slots: the parsed reply, ``_ADAPTED`` or a ``_Retryable``.

        Raises the errors retrying cannot mend (a key, a model, a request to fix).
        """
        pacer = self._pacer(endpoint.base_url)
        pacer.acquire(priority, self.cancel_event)
        ok, started = False, time.monotonic()
        try:
            if self.cancel_event.is_set():  # stopped while queued for a slot: send nothing new
                raise Cancelled()
            # The body as the endpoint is known to take it, worked out once a slot is free, so a
            # request queued while another one learned what the model refuses goes out adapted.
            sent = self.adapter.wire_body(endpoint.base_url, endpoint.model, body)
            try:
                response = self._transport(endpoint).request(
                    "POST", endpoint.url(path), self._headers(endpoint), self.retry.timeout_s, sent
                )
            except TransportFailure as failure:
                if failure.kind == TIMEOUT:  # the server is likely still on it: held for one more timeout
                    pacer.timed_out(self.retry.timeout_s)
                return self._failed_transport(endpoint, failure, path)
            if response.status_code == 200:
                try:
                    parsed = parse(response.json())
                except ValueError:
                    parsed = None
                ok = parsed is not None
                return parsed if ok else _Retryable(f"{endpoint.base_url} kept replying without a usable {path} reply")
            if response.status_code == 429:
                pacer.throttled()
            return self._refused(endpoint, response, sent, path)
        finally:
            pacer.release(ok, fast=time.monotonic() - started < FAST_SHARE_OF_TIMEOUT * self.retry.timeout_s)

    def _failed_transport(self, endpoint: Endpoint, failure: TransportFailure, path: str) -> _Retryable:
        """A retryable description of a failure without a reply; raises for those retrying cannot mend."""
        where = endpoint.base_url
        if failure.kind == REDIRECTS:
            self._fail(endpoint.role)
            raise BadRequestError(
                f"{endpoint.role}: {endpoint.url(path)} redirected more than "
                f"{MAX_REDIRECTS} times (a redirect loop?); check the base URL"
            )
        if failure.kind == TLS:
            self._fail(endpoint.role)
            raise TransportError(
                f"{endpoint.role}: the TLS connection to {where} failed ({failure.detail}); check the URL, "
                "or the CA bundle (REQUESTS_CA_BUNDLE)"
            )
        if failure.kind == TIMEOUT:
            return _Retryable(
                f"{where} did not send a whole reply within --timeout {self.retry.timeout_s:g} s",
                "overloaded? lower --concurrency or raise --timeout",
            )
        if failure.kind == DROPPED:
            return _Retryable(f"{where} dropped the connection before its reply was complete", failure.detail)
        if failure.kind == TOO_LARGE:
            limit = MAX_REPLY_BYTES // (1024 * 1024)
            return _Retryable(f"{where} sent replies larger than the {limit} MiB limit", failure.detail)
        return _Retryable(f"could not reach {where}", failure.detail)

    def _refused(self, endpoint: Endpoint, response: HttpReply, sent: dict, path: str):
        """A non-200 reply: ``_ADAPTED``, a ``_Retryable``, or the error that ends the call."""
        status, error = response.status_code, error_body(response)
        where = endpoint.base_url
        if status == 400 and self.adapter.learn(endpoint.role, where, endpoint.model, error, sent):
            return _ADAPTED
        if is_key_problem(status, error.message):
            self._fail(endpoint.role)
            raise AuthError(
                f"{endpoint.role}: {where} refused the key (HTTP {status}: {error.message}); check {endpoint.key_hint}"
            )
        if status in RETRY_STATUSES or status >= 500:
            wait = retry_after_seconds(response.retry_after)
            return _Retryable(f"{where} still answered HTTP {status}", error.message, wait)
        self._fail(endpoint.role)
        if status == 404:
            raise self._not_found(endpoint, error.message, path)
        raise BadRequestError(f"{endpoint.role}: {where} rejected the request (HTTP {status}: {error.message})")

    def _not_found(self, endpoint: Endpoint, detail: str, path: str) -> ModelNotFoundError:
        served = self.list_models(endpoint)
        if served is None:
            return ModelNotFoundError(
                f"{endpoint.role}: {endpoint.url(path)} answered 404 ({detail}); "
                f"check the base URL and the model name {endpoint.model!r}"
            )
        if endpoint.model in served:
            return ModelNotFoundError(
                f"{endpoint.role}: {endpoint.base_url} answered 404 for model {endpoint.model!r} ({detail})"
            )
        listing = ", ".join(served[:20]) + (" ..." if len(served) > 20 else "")
        return ModelNotFoundError(
            f"{endpoint.role}: model {endpoint.model!r} is not served by {endpoint.base_url}; "
            f"it serves: {listing or '(none)'}"
        )

    def _fail(self, role: str) -> None:
        with self._lock:
            self.stats[role].errors += 1

    def _count(self, role: str, parsed: Any) -> None:
        usage: TokenUsage | None = parsed.usage if isinstance(parsed, ChatReply) else parsed[1]
        with self._lock:
            stats = self.stats[role]
            stats.calls += 1
            if usage is not None:
                stats.prompt_tokens += usage.prompt_tokens
                stats.completion_tokens += usage.completion_tokens


def _after(retries: int) -> str:
    """How the final error says how hard the client tried."""
    return f"after {retries} {'retry' if retries == 1 else 'retries'}" if retries else "(no retries: --max-retries 0)"

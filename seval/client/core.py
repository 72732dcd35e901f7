"""The one HTTP client for OpenAI-compatible endpoints, shared by every mode.

Transport only: it sends ``POST /v1/chat/completions`` (and ``GET /v1/models``
to explain a 404), retries what is worth retrying, paces each endpoint, and
turns failures into the user-facing errors of ``errors.py``. It knows nothing
about benchmarks, prompts or verdicts.

Retries: status codes and connection/read failures are retried by urllib3's
``Retry`` mounted on each endpoint's connection pool (``http_transport``; exponential backoff with jitter,
``Retry-After`` honoured). A 200 whose body has no usable ``choices`` cannot be
seen by urllib3, so it is retried here with the same policy.

Pacing (``pacing``): each endpoint (base URL) allows at most ``concurrency`` requests in
flight. A 429 halves that endpoint's allowance and successes win it back one
at a time, so a rate-limited provider is slowed down rather than failed.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict
from dataclasses import dataclass

from urllib3.util.retry import Retry

from seval.client.cache import ResponseCache, request_fingerprint
from seval.client.endpoints import Endpoint
from seval.client.pacing import EndpointPacer, PacedRetry
from seval.client.replies import error_message, parse_chat_reply, parse_embeddings
from seval.client.transport import EndpointTransport, HttpReply, TransportFailure
from seval.errors import AuthError, BadRequestError, Cancelled, ModelNotFoundError, TransportError
from seval.records import TokenUsage

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_BACKOFF_S = 1.0
BACKOFF_MAX_S = 60.0


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


@dataclass(frozen=True)
class ChatReply:
    """The assistant text of a reply, its usage, and whether the cache served it."""

    text: str
    usage: TokenUsage
    cached: bool = False


@dataclass
class RoleStats:
    """Counters per role, for progress and the run summary."""

    calls: int = 0
    retries: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


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
        self._pacers: dict[str, EndpointPacer] = {}
        self._transports: dict[str, EndpointTransport] = {}
        self._lock = threading.RLock()  # re-entered when a new transport looks up its pacer
        self._completion_tokens_endpoints: set[tuple[str, str]] = set()

    # -- plumbing -----------------------------------------------------------
    def _pacer(self, base_url: str) -> EndpointPacer:
        with self._lock:
            if base_url not in self._pacers:
                self._pacers[base_url] = EndpointPacer(self.concurrency)
            return self._pacers[base_url]

    def _transport(self, endpoint: Endpoint) -> EndpointTransport:
        """One keep-alive pool per endpoint and role, with the retry policy mounted."""
        key = f"{endpoint.role}|{endpoint.base_url}"
        with self._lock:
            transport = self._transports.get(key)
            if transport is None:
                transport = EndpointTransport(endpoint.base_url, self._retry_for(endpoint), self.concurrency + 4)
                self._transports[key] = transport
            return transport

    def _retry_for(self, endpoint: Endpoint) -> Retry:
        pacer = self._pacer(endpoint.base_url)

        def on_retry(status: int | None) -> None:
            with self._lock:
                self.stats[endpoint.role].retries += 1
            if status == 429:
                pacer.throttled()

        return PacedRetry(
            total=self.retry.max_retries,
            connect=self.retry.max_retries,
            read=self.retry.max_retries,
            status=self.retry.max_retries,
            other=0,
            allowed_methods=None,  # POSTs here are idempotent: a chat request has no side effects
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.retry.backoff_s,
            backoff_jitter=self.retry.backoff_s,
            backoff_max=BACKOFF_MAX_S,
            respect_retry_after_header=True,
            raise_on_status=False,
            on_retry=on_retry,
            wait=self._pause,
        )

    @staticmethod
    def _headers(endpoint: Endpoint) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        return headers

    # -- public -------------------------------------------------------------
    def chat(
        self,
        endpoint: Endpoint,
        messages: list[dict],
        temperature: float,
        max_tokens: int,
        priority: int = 1,
    ) -> ChatReply:
        """Send one chat request and return its reply text and usage.

        Raises AuthError, ModelNotFoundError, BadRequestError or TransportError;
        Cancelled when the run is stopping before the request was sent.
        """
        body = {"model": endpoint.model, "messages": messages, "temperature": temperature, "max_tokens": max_tokens}
        body.update(endpoint.extra_body)
        if self.cache is None:
            text, usage = self._post_with_retries(endpoint, body, priority)
            return ChatReply(text=text, usage=usage)
        key = request_fingerprint(endpoint.base_url, endpoint.model, body)
        stored = self.cache.get(key, endpoint.role)
        if stored is not None:
            return ChatReply(text=stored["text"], usage=TokenUsage(**stored.get("usage", {})), cached=True)
        text, usage = self._post_with_retries(endpoint, body, priority)
        self.cache.put(key, {"text": text, "usage": usage.__dict__})
        return ChatReply(text=text, usage=usage)

    def _wire_body(self, endpoint: Endpoint, body: dict) -> dict:
        """The body as this endpoint wants it: some (OpenAI's reasoning models) take
        ``max_completion_tokens`` instead of ``max_tokens``."""
        with self._lock:
            renamed = (endpoint.base_url, endpoint.model) in self._completion_tokens_endpoints
        if not renamed or "max_tokens" not in body:
            return body
        wire = {name: value for name, value in body.items() if name != "max_tokens"}
        wire["max_completion_tokens"] = body["max_tokens"]
        return wire

    def embed(self, endpoint: Endpoint, texts: list[str]) -> list[list[float]]:
        """Vectors for ``texts`` from ``POST /v1/embeddings``, with the same retries and errors as chat."""
        body = {"model": endpoint.model, "input": texts}
        vectors, _ = self._post_with_retries(endpoint, body, 0, path="embeddings", parse=parse_embeddings)
        return vectors

    def _post_with_retries(
        self, endpoint: Endpoint, body: dict, priority: int, path: str = "chat/completions", parse=None
    ) -> tuple:
        """POST until a usable reply arrives; status-level retries happen inside urllib3."""
        parse = parse or parse_chat_reply
        for attempt in range(self.retry.max_retries + 1):
            if self.cancel_event.is_set():
                raise Cancelled()
            response, sent = self._post(endpoint, body, priority, path)
            if self._wants_completion_tokens(endpoint, response, sent):
                response, _ = self._post(endpoint, body, priority, path)
            parsed = self._check(endpoint, response, parse)
            if parsed is not None:
                self._count(endpoint.role, parsed[1])
                return parsed
            with self._lock:
                self.stats[endpoint.role].retries += 1
            if attempt < self.retry.max_retries:
                self._pause(self.retry.delay(attempt + 1))
        with self._lock:
            self.stats[endpoint.role].errors += 1
        raise TransportError(
            f"{endpoint.role}: {endpoint.base_url} kept replying without a usable {path} reply "
            f"after {self.retry.max_retries} retries"
        )

    def _wants_completion_tokens(self, endpoint: Endpoint, response: HttpReply, sent: dict) -> bool:
        """True (and remembered for the endpoint) when a 400 to a body ``sent`` with ``max_tokens``
        asks for ``max_completion_tokens``. Requests sent before the first such 400 came back
        (concurrent, or queued for a slot) get one too: they are resent, not failed."""
        if response.status_code != 400 or "max_tokens" not in sent:
            return False
        if "max_completion_tokens" not in error_message(response):
            return False
        with self._lock:
            if (endpoint.base_url, endpoint.model) in self._completion_tokens_endpoints:
                return True
            self._completion_tokens_endpoints.add((endpoint.base_url, endpoint.model))
        log.info(
            "%s: %s takes max_completion_tokens instead of max_tokens; using it from now on",
            endpoint.role,
            endpoint.model,
        )
        return True

    def _pause(self, seconds: float) -> None:
        if self.cancel_event.wait(seconds):
            raise Cancelled()

    def _post(
        self, endpoint: Endpoint, body: dict, priority: int, path: str = "chat/completions"
    ) -> tuple[HttpReply, dict]:
        """POST ``body`` in the form the endpoint is known to want once a slot is free (so a request
        queued while the endpoint was found to want ``max_completion_tokens`` uses it); the
        response and the body as sent."""
        pacer = self._pacer(endpoint.base_url)
        pacer.acquire(priority)
        ok = False
        try:
            if self.cancel_event.is_set():  # stopped while queued for a slot: send nothing new
                raise Cancelled()
            sent = self._wire_body(endpoint, body)
            response = self._transport(endpoint).request(
                "POST", endpoint.url(path), self._headers(endpoint), self.retry.timeout_s, sent
            )
            ok = response.status_code == 200
            return response, sent
        except TransportFailure as exc:
            with self._lock:
                self.stats[endpoint.role].errors += 1
            raise TransportError(
                f"{endpoint.role}: could not reach {endpoint.base_url} after {self.retry.max_retries} retries ({exc})"
            ) from None
        finally:
            pacer.release(ok)

    def _check(self, endpoint: Endpoint, response: HttpReply, parse=None) -> tuple | None:
        """Raise the right error for a final non-200; None for a garbled 200."""
        parse = parse or parse_chat_reply
        status = response.status_code
        if status == 200:
            try:
                return parse(response.json())
            except ValueError:
                return None
        with self._lock:
            self.stats[endpoint.role].errors += 1
        detail = error_message(response)
        if status in (401, 403):
            raise AuthError(
                f"{endpoint.role}: {endpoint.base_url} refused the key (HTTP {status}: {detail}); "
                f"check {endpoint.key_hint}"
            )
        if status == 404:
            raise self._not_found(endpoint, detail)
        if status in RETRY_STATUSES or status >= 500:
            raise TransportError(
                f"{endpoint.role}: {endpoint.base_url} still answered HTTP {status} after "
                f"{self.retry.max_retries} retries ({detail})"
            )
        raise BadRequestError(f"{endpoint.role}: {endpoint.base_url} rejected the request (HTTP {status}: {detail})")

    def _not_found(self, endpoint: Endpoint, detail: str) -> ModelNotFoundError:
        served = self.list_models(endpoint)
        if served is None:
            return ModelNotFoundError(
                f"{endpoint.role}: {endpoint.url('chat/completions')} answered 404 ({detail}); "
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

    def list_models(self, endpoint: Endpoint) -> list[str] | None:
        """Model ids from ``GET /v1/models``, or None when the endpoint does not say."""
        try:
            # The endpoint's own pool: no netrc, the same proxies and CA bundle.
            response = self._transport(endpoint).request("GET", endpoint.url("models"), self._headers(endpoint), 10)
            data = response.json().get("data") if response.status_code == 200 else None
        except (TransportFailure, ValueError, AttributeError):
            return None
        if not isinstance(data, list):
            return None
        return [str(item.get("id")) for item in data if isinstance(item, dict) and item.get("id")]

    def _count(self, role: str, usage: TokenUsage) -> None:
        with self._lock:
            stats = self.stats[role]
            stats.calls += 1
            stats.prompt_tokens += usage.prompt_tokens
            stats.completion_tokens += usage.completion_tokens

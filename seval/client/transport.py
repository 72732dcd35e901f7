"""One endpoint's connection pool: urllib3 directly, with the client's ``Retry`` mounted.

Why not a ``requests.Session``: the same request through requests costs about
twice the CPU (header merging, environment and netrc lookups, a second
response model), and a benchmark's generation chain pays it on every step.
What requests added is kept: environment proxies (honouring ``NO_PROXY``) and
the CA bundle are read once per endpoint, and no ``~/.netrc`` entry can
replace the Bearer key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import certifi
import urllib3
from requests.utils import get_environ_proxies
from urllib3.exceptions import HTTPError, MaxRetryError
from urllib3.util.retry import Retry


class TransportFailure(Exception):
    """The request got no HTTP reply at all (refused, reset, timed out) after the retries."""


@dataclass(frozen=True)
class HttpReply:
    """Status and body of one HTTP reply."""

    status_code: int
    data: bytes
    reason: str = ""

    def json(self):
        """The body as JSON; ValueError when it is not JSON."""
        return json.loads(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


class EndpointTransport:
    """Keep-alive connections to one endpoint, retried by ``retry``."""

    def __init__(self, base_url: str, retry: Retry, maxsize: int):
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
        # Mixed value types, all passed through to urllib3's pools (typed there as **Any).
        options: dict[str, Any] = dict(
            num_pools=4, maxsize=maxsize, block=False, retries=retry, cert_reqs="CERT_REQUIRED", ca_certs=ca_bundle
        )
        scheme = base_url.split("://", 1)[0]
        proxy = get_environ_proxies(base_url).get(scheme) or get_environ_proxies(base_url).get("all")
        self.pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)

    def request(
        self, method: str, url: str, headers: dict[str, str], timeout: float, body: dict | None = None
    ) -> HttpReply:
        """Send one request (retried as the policy says); TransportFailure when no reply came."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        try:
            reply = self.pool.request(method, url, body=payload, headers=headers, timeout=timeout)
        except MaxRetryError as exc:
            raise TransportFailure(type(exc.reason).__name__ if exc.reason else "MaxRetryError") from None
        except HTTPError as exc:
            raise TransportFailure(type(exc).__name__) from None
        return HttpReply(reply.status, reply.data, reply.reason or "")

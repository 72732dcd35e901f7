"""One endpoint's connection pool: urllib3 directly, one attempt per call, a deadline and a size cap per reply.

Why not a ``requests.Session``: the same request through requests costs about
twice the CPU (header merging, environment and netrc lookups, a second
response model), and a benchmark's generation chain pays it on every step.
What requests added is kept: environment proxies (honouring ``NO_PROXY``) and
the CA bundle are read once per endpoint, and no ``~/.netrc`` entry can
replace the Bearer key.

Each ``request`` is one attempt (redirects aside); retrying is the client's
business (``seval.client.core``), which sees every failure and every reply.

Bounds on a reply:

* ``timeout`` is a deadline for the whole reply, headers and body: socket
  timeouts bound each read, so a server trickling one byte a second would
  never time out. Every read of the reply's socket is given only the time left
  (``_DeadlineReader``);
* the decoded body may hold at most ``MAX_REPLY_BYTES``; it is read in chunks
  (urllib3 >= 2.6 bounds decompression per read), so a small gzip body that
  expands to gigabytes is refused after 16 MiB, not held in memory. The body of
  a redirect, which urllib3 reads itself before following it, is held to the
  same bound (``_DeadlineResponse.read``).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import certifi
import urllib3
from requests.utils import get_environ_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

MAX_REPLY_BYTES = 16 * 1024 * 1024  # decoded; a chat reply is kilobytes, a larger one is a failed request
MAX_REDIRECTS = 5
READ_CHUNK = 256 * 1024
# One attempt: the client retries. Redirects are followed (with Authorization dropped off-host), up to a bound.
ONE_ATTEMPT = Retry(
    total=None,
    connect=0,
    read=0,
    status=0,
    other=0,
    redirect=MAX_REDIRECTS,
    raise_on_redirect=True,
    raise_on_status=False,
    respect_retry_after_header=False,
)

# Kinds of TransportFailure: what the client says and whether it retries.
CONNECT, TIMEOUT, DROPPED, TOO_LARGE, REDIRECTS, TLS = "connect", "timeout", "dropped", "too_large", "redirects", "tls"

_deadline = threading.local()  # the deadline of the reply this thread is reading, if any


class TransportFailure(Exception):
    """The request got no usable HTTP reply: ``kind`` is one of the names above, ``detail`` what happened."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class HttpReply:
    """Status, body and the ``Retry-After`` header of one HTTP reply."""

    status_code: int
    data: bytes
    reason: str = ""
    retry_after: str | None = None

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON (nesting too deep to parse included)."""
        try:
            return json.loads(self.data)
        except RecursionError:
            raise ValueError("JSON nested too deeply to parse") from None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


# -- the deadline: every read of a reply gets only the time left --------------------------------


class _DeadlineReader(io.RawIOBase):
    """The raw stream http.client reads a reply from: each read waits only until the thread's deadline.

    It holds a reference on the socket as ``socket.makefile``'s stream does: http.client
    closes the connection right after the headers of a reply that ends it (``Connection:
    close``, HTTP/1.0), and the descriptor must stay open until the body has been read.
    """

    def __init__(self, sock: socket.socket):
        super().__init__()
        self._sock = sock
        sock._io_refs += 1  # type: ignore[attr-defined]  # socket.makefile's own bookkeeping

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._sock._decref_socketios()  # type: ignore[attr-defined]  # closes the socket if it is closing

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        deadline = getattr(_deadline, "at", None)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the reply took longer than the timeout")
            self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What http.client's response is built on: only ``makefile`` is used, to read."""

    def __init__(self, sock: socket.socket):
        self._sock = sock

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any):
        super().__init__(_DeadlineSocket(sock), *args, **kwargs)  # type: ignore[arg-type]

    def read(self, amt: int | None = None) -> bytes:
        """As http.client's, but a read of the whole body stops at MAX_REPLY_BYTES.

        urllib3 reads a redirect's body this way, whole and undecoded, before it follows the
        redirect (``drain_conn``); ``_read_capped`` never sees that body.
        """
        if amt is not None:
            return super().read(amt)
        if self.length is not None:  # Content-Length: refused before a byte is read
            if self.length > MAX_REPLY_BYTES:
                raise TransportFailure(TOO_LARGE, f"Content-Length {self.length}")
            return super().read()
        chunks, size = [], 0
        while chunk := super().read(READ_CHUNK):
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise TransportFailure(TOO_LARGE, f"more than {MAX_REPLY_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


class _HTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


# -- the pool -------------------------------------------------------------------------------------


class EndpointTransport:
    """Keep-alive connections to one endpoint; one attempt per ``request``."""

    def __init__(self, base_url: str, maxsize: int):
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
        # Mixed value types, all passed through to urllib3's pools (typed there as **Any).
        options: dict[str, Any] = dict(
            num_pools=4,
            maxsize=maxsize,
            block=False,
            retries=ONE_ATTEMPT,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_bundle,
        )
        scheme = base_url.split("://", 1)[0]
        proxy = get_environ_proxies(base_url).get(scheme) or get_environ_proxies(base_url).get("all")
        self.pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        self.pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def request(
        self, method: str, url: str, headers: dict[str, str], timeout: float, body: dict | None = None
    ) -> HttpReply:
        """Send one request and read its whole reply within ``timeout`` seconds; TransportFailure otherwise."""
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        _deadline.at = time.monotonic() + timeout
        try:
            reply = self.pool.request(
                method,
                url,
                body=payload,
                headers=headers,
                timeout=Timeout(connect=timeout, read=timeout),
                preload_content=False,
            )
            data = _read_capped(reply)
            return HttpReply(reply.status, data, reply.reason or "", reply.headers.get("Retry-After"))
        except MaxRetryError as exc:
            raise _failure(exc.reason or exc, timeout) from None
        except (HTTPError, OSError) as exc:
            raise _failure(exc, timeout) from None
        finally:
            _deadline.at = None


def _read_capped(reply: urllib3.BaseHTTPResponse) -> bytes:
    """The decoded body, at most MAX_REPLY_BYTES; the connection goes back to the pool (closed if unread)."""
    chunks, size = [], 0
    try:
        length = reply.headers.get("Content-Length")
        plain = not reply.headers.get("Content-Encoding")
        if plain and length and length.isdigit():  # the usual reply: read in one call, a length above the cap
            return reply.read()  # refused before a byte is read (_DeadlineResponse.read)
        while chunk := reply.read(READ_CHUNK, decode_content=True):
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise TransportFailure(TOO_LARGE, f"more than {MAX_REPLY_BYTES} bytes once decoded")
            chunks.append(chunk)
    except BaseException:
        reply.close()  # the rest of the body is not read: this connection cannot be reused
        raise
    finally:
        reply.release_conn()
    return b"".join(chunks)


def _failure(error: BaseException, timeout: float) -> TransportFailure:
    """The kind of a failure from urllib3's exception (or the reason inside its MaxRetryError)."""
    if isinstance(error, TransportFailure):
        return error
    if isinstance(error, ResponseError) and "redirect" in str(error).lower():
        return TransportFailure(REDIRECTS, f"more than {MAX_REDIRECTS} redirects")
    if isinstance(error, ReadTimeoutError | TimeoutError):  # the builtin one is socket.timeout
        return TransportFailure(TIMEOUT, f"no whole reply within {timeout:g} s")
    if isinstance(error, ConnectTimeoutError):  # refused, unresolvable or too slow to accept
        return TransportFailure(CONNECT, _detail(error))
    if isinstance(error, SSLError):
        return TransportFailure(TLS, _detail(error))
    if isinstance(error, ProtocolError):
        return TransportFailure(DROPPED, _detail(error))
    return TransportFailure(CONNECT, _detail(error))


def _detail(error: BaseException) -> str:
    """The end of urllib3's message ("[Errno 111] Connection refused"), or the exception's name."""
    text = str(error).rsplit("): ", 1)[-1].strip()
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__

"""SIMULATED OpenAI-compatible endpoint: no real model, no key, no network.

A real HTTP server on loopback that answers the OpenAI chat-completions,
models and embeddings routes with the simulated models of ``seval.sim.models``,
so the tools can be tried and tested offline. Optional faults, latency, a
required key, flawed references and judge errors exercise a client's error
handling; faults are transient by construction (a given body faults at most
``MAX_FAULTS_PER_BODY`` times in a row). ``quirks`` (``seval.sim.quirks``) switch on the
shapes real servers send: reasoning fields, lists of parts, string errors, refused
parameters, no usage, one request at a time, a path other than ``/v1``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from seval.sim.items import (  # re-exported: tests and other modules import them from here
    KINDS,
    find_item_tags,
    make_item,
    plausible_wrong,
    solve_item,
    true_answer_for,
)
from seval.sim.models import (
    EMBED_MODEL,
    FINGERPRINT,
    MODEL_IDS,
    SimCall,
    answers_match,
    embed_text,
    estimate_tokens,
    generator_reply,
    judge_reply,
    model_role,
    solver_accuracy,
    solver_reply,
    unit,
)
from seval.sim.quirks import QUIRKS, Quirks, parse_quirks

MAX_FAULTS_PER_BODY = 2  # a body faults at most this many times in a row: faults stay transient
FAULT_KINDS = ("rate_limit", "unavailable", "invalid_json", "no_choices")

__all__ = [
    "SimServer",
    "make_item",
    "solve_item",
    "find_item_tags",
    "true_answer_for",
    "plausible_wrong",
    "answers_match",
    "solver_accuracy",
    "embed_text",
    "KINDS",
    "main",
]

# --- HTTP payloads --------------------------------------------------------------------


def _no_headers(result: tuple[int, dict]) -> tuple[int, dict, dict]:
    return result[0], {}, result[1]


def _models_payload() -> dict:
    return {
        "object": "list",
        "data": [
            {
                "id": model,
                "object": "model",
                "created": 0,
                "owned_by": FINGERPRINT,
                "description": f"SIMULATED {model_role(model)} (procedural, no real model)",
            }
            for model in MODEL_IDS
        ],
    }


def _completion_payload(call: SimCall, content: str, max_tokens: object, quirks: Quirks) -> dict:
    shaped = quirks.shape(content, max_tokens if isinstance(max_tokens, int) else None, call.unit("think"))
    payload = {
        "id": "chatcmpl-sim-" + call.hex("id")[:24],
        "object": "chat.completion",
        "created": 0,  # constant: replies must be byte-identical whenever they are asked
        "model": call.model,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "message": shaped.message, "finish_reason": shaped.finish_reason}],
    }
    usage = quirks.usage(estimate_tokens(call.full_text), shaped)
    if usage is not None:
        payload["usage"] = usage
    return payload


def _fault_response(fault: str, chat: bool, quirks: Quirks) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one simulated fault."""
    if fault == "rate_limit":
        status, payload = quirks.error(
            429, "Rate limit reached (simulated fault)", "rate_limit_exceeded", "rate_limit_error"
        )
        return status, {"Retry-After": "0"}, json.dumps(payload).encode()
    if fault == "unavailable":
        status, payload = quirks.error(
            503, "The server is overloaded (simulated fault)", "service_unavailable", "server_error"
        )
        return status, {}, json.dumps(payload).encode()
    if fault == "invalid_json":
        return 200, {}, b'{"id": "chatcmpl-sim-fault", "object": "chat.completion", "choices": ['
    missing = "choices" if chat else "data"
    body = {
        "id": "sim-fault",
        "object": "simulated.fault",
        "system_fingerprint": FINGERPRINT,
        "note": f"simulated fault: no {missing}",
    }
    return 200, {}, json.dumps(body).encode()


# --- server ---------------------------------------------------------------------------


class SimServer:
    """The simulated endpoint, served from a daemon thread on loopback."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        require_key: str | None = None,
        flawed_rate: float = 0.0,
        judge_error_rate: float = 0.0,
        on_request=None,
        quirks: str | Iterable[str] | None = None,
    ) -> None:
        self.host, self.port, self.seed = host, port, seed
        self.quirks = Quirks(parse_quirks(quirks))  # ValueError for an unknown quirk, before anything starts
        self._serial = threading.Lock()  # held for a whole request with the `serial` quirk
        # Called with the running request count before each reply: tests use it to
        # interrupt a client at an exact moment, with no sleeps or polling.
        self.on_request = on_request
        self.latency, self.fault_rate, self.require_key = latency, fault_rate, require_key
        self.flawed_rate, self.judge_error_rate = flawed_rate, judge_error_rate
        self.requests: list[dict] = []
        self.peak_in_flight = 0  # most requests being answered at once (1 with the `serial` quirk)
        self._in_flight = 0
        self._request_count = 0
        self._arrivals: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set = set()

    @property
    def request_count(self) -> int:
        """All requests received, faulted and rejected ones included."""
        with self._lock:
            return self._request_count

    @property
    def base_url(self) -> str:
        """e.g. ``http://127.0.0.1:54321/v1`` (the bound port once started; ``/v1beta/openai`` with ``path-prefix``)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}{self.quirks.prefix}"

    def start(self) -> SimServer:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.sim = self
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sim-endpoint", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close kept-alive connections."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # handler threads would otherwise keep serving them
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:  # set together with _httpd by start
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SimServer:
        return self if self._httpd else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn, alive: bool) -> None:
        with self._lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    # -- request handling (no HTTP here: pure inputs to (status, headers, body)) --

    def handle(self, method: str, path: str, authorization: str | None, body: bytes) -> tuple[int, dict, bytes]:
        """Answer one request: ``(status, extra_headers, body_bytes)``."""
        with self._lock:
            self._request_count += 1
            count = self._request_count
        if self.on_request is not None:
            self.on_request(count)
        # One request at a time with `serial`: the others wait their turn, as on a one-slot llama.cpp server
        # (which goes on with a request whose client has given up).
        with self._serial if "serial" in self.quirks else contextlib.nullcontext():
            with self._lock:
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            try:
                if self.latency > 0:
                    time.sleep(self.latency)  # simulated server-side latency
                path = path.split("?", 1)[0].rstrip("/") or "/"
                status, headers, payload = self._route(method, path, authorization, body)
            finally:
                with self._lock:
                    self._in_flight -= 1
        if isinstance(payload, bytes):
            return status, headers, payload
        return status, headers, json.dumps(payload).encode("utf-8")

    def _error(self, status: int, message: str, code: str, kind: str = "invalid_request_error") -> tuple[int, dict]:
        return self.quirks.error(status, message, code, kind)

    def _model_not_found(self, model: str) -> tuple[int, dict]:
        return self._error(404, f"The model `{model}` does not exist", "model_not_found")

    def _paths(self, name: str) -> tuple[str, ...]:
        """Where a route is served: under ``/v1`` and at the root, or only under the ``path-prefix`` quirk's prefix."""
        prefixes = (self.quirks.prefix,) if "path-prefix" in self.quirks else ("/v1", "")
        return tuple(f"{prefix}/{name}" for prefix in prefixes)

    def _route(self, method: str, path: str, authorization: str | None, body: bytes):
        chat_paths, models_paths, embed_paths = (
            self._paths(name) for name in ("chat/completions", "models", "embeddings")
        )
        if self.require_key is not None and authorization != f"Bearer {self.require_key}":
            return _no_headers(self._error(401, "Incorrect API key provided", "invalid_api_key"))
        if path in models_paths and method == "GET":
            return 200, {}, _models_payload()
        if path not in chat_paths + embed_paths:
            return _no_headers(self._error(404, f"Unknown route {method} {path}", "unknown_url"))
        if method != "POST":
            return _no_headers(self._error(405, f"Use POST for {path}", "method_not_allowed"))
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            request = None
        if isinstance(request, dict):
            with self._lock:
                self.requests.append(request)
        fault = self._fault_for(path, body)
        if fault:
            return _fault_response(fault, path in chat_paths, self.quirks)
        if not isinstance(request, dict):
            return _no_headers(self._error(400, "We could not parse the JSON body of your request.", "invalid_json"))
        handler = self._chat if path in chat_paths else self._embeddings
        return _no_headers(handler(request))

    def _fault_for(self, path: str, body: bytes) -> str | None:
        """A fault name or None: only the first arrivals of a body can fault."""
        if self.fault_rate <= 0:
            return None
        key = hashlib.sha256(path.encode() + b"\0" + body).hexdigest()
        with self._lock:  # the arrival number n of this exact body
            n = self._arrivals.get(key, 0)
            self._arrivals[key] = n + 1
        if n >= MAX_FAULTS_PER_BODY or unit(self.seed, "fault", key, n) >= self.fault_rate:
            return None
        return FAULT_KINDS[int(unit(self.seed, "fault-kind", key, n) * len(FAULT_KINDS))]

    def _chat(self, request: dict) -> tuple[int, dict]:
        model, messages = request.get("model"), request.get("messages")
        if not isinstance(model, str) or not model:
            return self._error(400, "You must provide a model parameter.", "missing_model")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            return self._error(400, "'messages' must be a non-empty array of message objects.", "invalid_messages")
        if request.get("stream"):
            return self._error(400, "The simulated endpoint does not support streaming.", "stream_unsupported")
        role = model_role(model)
        if role is None:
            return self._model_not_found(model)
        if role == "embed":
            return self._error(400, f"`{model}` is an embedding model, not a chat model.", "wrong_model_kind")
        refused = self.quirks.refuse(request)
        if refused is not None:
            return refused
        call = SimCall(self.seed, model, messages, request.get("seed"))
        if role == "generator":
            content = generator_reply(call, self.flawed_rate)
        elif role == "solver" or "<answer>" not in call.full_text:
            content = solver_reply(call)  # a judge with nothing to grade is being asked to solve
        else:
            content = judge_reply(call, self.judge_error_rate)
        max_tokens = request.get("max_completion_tokens", request.get("max_tokens"))
        return 200, _completion_payload(call, content, max_tokens, self.quirks)

    def _embeddings(self, request: dict) -> tuple[int, dict]:
        model, raw = request.get("model"), request.get("input")
        if not isinstance(model, str) or not model:
            return self._error(400, "You must provide a model parameter.", "missing_model")
        if model_role(model) is None:
            return self._model_not_found(model)
        if model != EMBED_MODEL:
            return self._error(400, f"`{model}` does not support embeddings; use {EMBED_MODEL}.", "wrong_model_kind")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return self._error(400, "'input' must be a string or a non-empty array of strings.", "invalid_input")
        tokens = sum(estimate_tokens(t) for t in texts)
        return 200, {
            "object": "list",
            "model": model,
            "data": [{"object": "embedding", "index": i, "embedding": embed_text(t)} for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


class _HTTPServer(ThreadingHTTPServer):
    sim: SimServer  # set by SimServer.start before serving; handlers reach the simulator through it
    daemon_threads = True  # a stuck client never keeps the process alive
    block_on_close = False
    request_queue_size = 128  # the default 5 drops bursts of connects (1 s SYN retry)

    def handle_error(self, request, client_address) -> None:
        # A client killed mid-request (the durability tests do that on purpose) is not a server error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer  # always ours: only _HTTPServer serves this handler
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    server_version = "SimulatedOpenAI/1.0"

    def setup(self) -> None:
        super().setup()
        self.server.sim._track(self.connection, True)
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle
        # plus the client's delayed ACK would add ~40 ms to every reply.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        self.server.sim._track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass  # no per-request lines on stderr

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            try:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            except ValueError:  # not chunked after all: give up on this connection
                self.close_connection = True
                return b""
            if size == 0:
                while self.rfile.readline().strip():  # optional trailers
                    pass
                return body
            body += self.rfile.read(size)
            self.rfile.readline()  # the CRLF after each chunk

    def _serve(self, method: str) -> None:
        # Always read the whole body, so the next request on this connection starts clean.
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = self._read_chunked()
        else:
            length = self.headers.get("Content-Length") or "0"
            body = self.rfile.read(int(length)) if length.isdigit() else b""
        status, headers, payload = self.server.sim.handle(method, self.path, self.headers.get("Authorization"), body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Simulated", "true")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


# --- command line -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Serve the simulated endpoint until Ctrl-C."""
    parser = argparse.ArgumentParser(
        description="SIMULATED OpenAI-compatible endpoint (no real model): procedural generator, "
        "solver, judge and embedding models for trying and testing the CLI offline."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any free port)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every simulated decision")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each request waits")
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        help="share of requests answered with a transient fault (429, 503, garbage)",
    )
    parser.add_argument("--require-key", default=None, help="reject requests without 'Bearer KEY'")
    parser.add_argument(
        "--flawed-rate", type=float, default=0.0, help="share of generated items given a wrong reference_answer"
    )
    parser.add_argument(
        "--judge-error-rate", type=float, default=0.0, help="probability that a simulated judge flips its verdict"
    )
    parser.add_argument(
        "--quirks",
        default=None,
        metavar="LIST",
        help=f"comma-separated shapes of real servers to reproduce: {', '.join(QUIRKS)}",
    )
    args = parser.parse_args(argv)
    try:
        quirks = parse_quirks(args.quirks)
    except ValueError as exc:
        parser.error(f"--quirks: {exc}")
    server = SimServer(
        host=args.host,
        port=args.port,
        seed=args.seed,
        latency=args.latency,
        fault_rate=args.fault_rate,
        require_key=args.require_key,
        flawed_rate=args.flawed_rate,
        judge_error_rate=args.judge_error_rate,
        quirks=quirks,
    )
    try:
        server.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    try:  # the announcement is inside: a Ctrl-C right after it must still end cleanly
        shown = f" with quirks {', '.join(sorted(quirks))}" if quirks else ""
        print(f"Simulated OpenAI-compatible endpoint (no real model) at {server.base_url}{shown}", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

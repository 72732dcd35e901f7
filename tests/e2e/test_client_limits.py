"""The client against servers that misbehave, over loopback: every failure ends, with its own words.

Bounds on a reply (a whole-reply deadline, a decoded-size cap, JSON that cannot be parsed), waits
(a ``Retry-After`` longer than the timeout), retries counted as made, key problems in a 500, the
server's own words whatever its error body, and distinct messages for timeouts and redirect loops.
Each call runs in a worker thread joined with a generous bound: a client that hung would fail the
join, not make the suite wait for hours.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
from dataclasses import replace

import pytest
from scripted_endpoint import ScriptedServer, chat_payload

from seval.client.cache import ResponseCache
from seval.client.core import LLMClient, RetryPolicy
from seval.client.endpoints import Endpoint
from seval.errors import AuthError, BadRequestError, EndpointError, ModelNotFoundError, TransportError

BOUND_S = 30  # far beyond any honest outcome here


def call(client: LLMClient, base_url: str, model: str = "ans"):
    """``client.chat`` in a thread: the reply, or the exception it raised."""
    outcome: list = []

    def ask() -> None:
        endpoint = Endpoint(role="answering", base_url=base_url, model=model, key_hint="--api-key-answering")
        try:
            outcome.append(client.chat(endpoint, [{"role": "user", "content": "Q"}], 0.0, 10))
        except Exception as exc:  # the outcome under test
            outcome.append(exc)

    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(BOUND_S)
    assert not worker.is_alive(), "the call did not end"
    return outcome[0]


def client(retries: int = 0, timeout: float = 30.0) -> LLMClient:
    return LLMClient(RetryPolicy(max_retries=retries, backoff_s=0.0, timeout_s=timeout))


def always(status: int, body: object, headers: dict | None = None):
    return lambda call: (status, headers or {}, body)


# -- waits ----------------------------------------------------------------------------------------


def test_a_retry_after_longer_than_the_timeout_waits_only_the_timeout():
    sent: list = []

    def once_retry_after_a_day(call):
        if sent:
            return None
        sent.append(call)
        return 503, {"Retry-After": "99999"}, {"error": {"message": "come back tomorrow"}}

    with ScriptedServer(override=once_retry_after_a_day) as server:
        reply = call(client(retries=1, timeout=1.0), server.base_url)
        assert reply.text == "Final answer: A"
        assert len(server.chat_calls()) == 2


# -- bounds on a reply --------------------------------------------------------------------------


class TrickleServer:
    """Answers every request with headers promising 1000 bytes, then one byte every 50 ms until the client leaves."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.requests = 0
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.requests += 1
                data = b""
                while b"\r\n\r\n" not in data:
                    data += self.request.recv(65536)
                head, _, rest = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":")[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                while len(rest) < length:
                    rest += self.request.recv(65536)
                try:
                    self.request.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
                    )
                    while not outer.stop.wait(0.05):
                        self.request.sendall(b" ")
                except OSError:
                    return  # the client gave up: what should happen

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> TrickleServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def test_timeout_is_a_deadline_for_the_whole_reply_not_for_each_read():
    with TrickleServer() as server:
        failure = call(client(retries=1, timeout=0.5), server.base_url)
        assert server.requests == 2
    assert isinstance(failure, TransportError)
    message = str(failure)
    assert "did not send a whole reply within --timeout 0.5 s after 1 retry" in message
    assert "could not reach" not in message


@pytest.mark.parametrize("encoded", [True, False], ids=["gzip-bomb", "plain"])
def test_a_reply_larger_than_16_mib_once_decoded_is_a_failed_request_not_a_memory_error(encoded):
    body = b" " * (17 * 1024 * 1024)
    if encoded:
        body = gzip.compress(body)  # about 17 KB on the wire
    headers = {"Content-Encoding": "gzip"} if encoded else {}
    with ScriptedServer(override=always(200, body, headers)) as server:
        failure = call(client(retries=1), server.base_url)
        assert len(server.chat_calls()) == 2
    assert isinstance(failure, TransportError)
    assert "sent replies larger than the 16 MiB limit after 1 retry" in str(failure)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_redirect_whose_body_is_larger_than_16_mib_is_refused_not_read_into_memory(framing):
    """urllib3 reads a redirect's whole body before following it; the cap holds for that body too."""
    headers = {"Location": "/v1/chat/completions"}
    if framing == "chunked":
        headers["Transfer-Encoding"] = "chunked"
    with ScriptedServer(override=always(307, b" " * (17 * 1024 * 1024), headers)) as server:
        failure = call(client(), server.base_url)
        assert len(server.chat_calls()) == 1  # not followed
    assert isinstance(failure, TransportError)
    assert "sent replies larger than the 16 MiB limit" in str(failure)


def test_a_small_gzipped_reply_is_read():
    body = gzip.compress(json.dumps(chat_payload("ans", "Final answer: gz")).encode())
    with ScriptedServer(override=always(200, body, {"Content-Encoding": "gzip"})) as server:
        reply = call(client(), server.base_url)
    assert reply.text == "Final answer: gz"


def test_json_nested_too_deep_to_parse_is_a_garbled_reply_retried_as_often_as_asked():
    with ScriptedServer(override=always(200, b"[" * 200_000)) as server:
        asking = client(retries=2)
        failure = call(asking, server.base_url)
        assert len(server.chat_calls()) == 3  # one try and two retries
    assert isinstance(failure, TransportError)
    assert "kept replying without a usable chat/completions reply after 2 retries" in str(failure)
    assert asking.stats["answering"].retries == 2  # counted once per retry made, not once per bad reply
    assert asking.stats["answering"].errors == 1


def test_a_usage_figure_that_overflows_keeps_the_answer_and_drops_the_usage():
    body = (
        b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "Final answer: A"}, '
        b'"finish_reason": "stop"}], "usage": {"prompt_tokens": 1e400, "completion_tokens": "many"}}'
    )
    with ScriptedServer(override=always(200, body)) as server:
        reply = call(client(retries=2), server.base_url)
        assert len(server.chat_calls()) == 1  # not a garbled reply: no retry
    assert reply.text == "Final answer: A" and reply.usage is None


# -- errors in the server's own words -----------------------------------------------------------


def test_a_500_saying_no_key_was_passed_is_a_key_problem_not_retried():
    body = {"error": {"message": "Authentication Error, No api key passed in.", "type": "auth_error", "code": "500"}}
    with ScriptedServer(override=always(500, body)) as server:
        failure = call(client(retries=5), server.base_url)
        assert len(server.chat_calls()) == 1
    assert isinstance(failure, AuthError)
    assert str(failure) == (
        f"answering: {server.base_url} refused the key (HTTP 500: Authentication Error, No api key passed in.); "
        "check --api-key-answering"
    )


@pytest.mark.parametrize(
    "status, body, words, kind",
    [
        (
            400,
            {"error": "Input validation error: `inputs` too long", "error_type": "validation"},
            "Input validation error: `inputs` too long",
            BadRequestError,
        ),
        (503, {"error": None, "message": "model is loading"}, "model is loading", TransportError),
        (
            502,
            b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            "502 Bad Gateway",
            TransportError,
        ),
        (500, b"", "Internal Server Error", TransportError),
    ],
    ids=["tgi-string-error", "null-error", "html", "empty"],
)
def test_every_error_body_ends_in_one_line_naming_role_status_and_the_servers_words(status, body, words, kind):
    with ScriptedServer(override=always(status, body)) as server:
        failure = call(client(retries=1), server.base_url)
    assert isinstance(failure, kind)
    message = str(failure)
    assert message.startswith(f"answering: {server.base_url} ") and f"HTTP {status}" in message and words in message
    assert "\n" not in message


def test_a_redirect_loop_is_named_as_one():
    def back_to_itself(call):
        return 307, {"Location": call.path}, b""

    with ScriptedServer(override=back_to_itself) as server:
        failure = call(client(retries=3), server.base_url)
        assert len(server.chat_calls()) == 6  # the first request and 5 redirects; never retried
    assert isinstance(failure, BadRequestError)
    assert "redirected more than 5 times (a redirect loop?)" in str(failure)
    assert "could not reach" not in str(failure)


def test_errors_of_an_embeddings_call_name_the_embeddings_url_not_the_chat_one():
    embedder = Endpoint(role="embedding", base_url="", model="emb")
    with ScriptedServer(override=always(404, {"error": {"message": "no such route"}})) as server:
        with pytest.raises(ModelNotFoundError) as not_found:
            client().embed(replace(embedder, base_url=server.base_url), ["a text"])
    assert str(not_found.value).startswith(f"embedding: {server.base_url}/embeddings answered 404 (no such route)")

    with ScriptedServer(override=lambda call: (307, {"Location": call.path}, b"")) as server:
        with pytest.raises(BadRequestError) as looped:
            client().embed(replace(embedder, base_url=server.base_url), ["a text"])
    assert str(looped.value).startswith(f"embedding: {server.base_url}/embeddings redirected more than 5 times")


def test_a_refused_connection_still_says_could_not_reach():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failure = call(client(retries=1), f"http://127.0.0.1:{port}/v1")
    assert isinstance(failure, EndpointError)
    assert str(failure).startswith(f"answering: could not reach http://127.0.0.1:{port}/v1 after 1 retry")


# -- timeouts slow an endpoint down -----------------------------------------------------------------


def test_a_read_timeout_halves_the_endpoints_allowance_as_a_429_does():
    release = threading.Event()
    held: list = []

    def hold_the_first(call):
        if not held:
            held.append(call)
            release.wait(BOUND_S)  # the server is still working on it when the client gives up
        return None

    with ScriptedServer(override=hold_the_first) as server:
        asking = LLMClient(RetryPolicy(max_retries=1, backoff_s=0.0, timeout_s=1.0), concurrency=8)
        reply = call(asking, server.base_url)
        release.set()
    assert reply.text == "Final answer: A"
    assert asking._pacer(server.base_url).limit == 4


# -- the reply cache ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ['{"usage": {}}', "[1]", '{"text": null, "usage": null}'])
def test_a_damaged_cache_entry_is_asked_again_and_replaced_not_a_crash(tmp_path, damage):
    with ScriptedServer() as server:
        asking = LLMClient(RetryPolicy(max_retries=0), cache=ResponseCache(tmp_path))
        assert call(asking, server.base_url).text == "Final answer: A"
        (entry,) = tmp_path.rglob("*.json")
        entry.write_text(damage, encoding="utf-8")
        again = call(asking, server.base_url)
        assert again.text == "Final answer: A" and not again.cached
        assert len(server.chat_calls()) == 2
        third = call(asking, server.base_url)  # the entry was replaced: served from the cache now
        assert third.text == "Final answer: A" and third.cached and len(server.chat_calls()) == 2

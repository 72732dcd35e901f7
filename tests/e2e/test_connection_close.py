"""Replies that end their connection (``Connection: close``, HTTP/1.0) are read whole, however long."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from seval.client.core import LLMClient, RetryPolicy
from seval.client.endpoints import Endpoint

BODY = json.dumps(
    {
        "id": "chatcmpl-close",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "x" * 200_000}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
).encode()


class ClosingServer:
    """Answers each request with headers first, then a 200 KB body in another write, then closes the connection."""

    def __init__(self, status_line: bytes):
        self.status_line = status_line
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.listener.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536)
                head, _, rest = request.partition(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":")[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                while len(rest) < length:
                    rest += conn.recv(65536)
                conn.sendall(
                    self.status_line
                    + b"\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(BODY)}\r\nConnection: close\r\n\r\n".encode()
                )
                conn.sendall(BODY)


@pytest.mark.parametrize("status_line", [b"HTTP/1.1 200 OK", b"HTTP/1.0 200 OK"], ids=["connection-close", "http-1.0"])
def test_a_long_reply_that_closes_its_connection_is_read_whole(status_line):
    with ClosingServer(status_line) as server:
        client = LLMClient(RetryPolicy(max_retries=0, backoff_s=0, timeout_s=30))
        endpoint = Endpoint(role="answering", base_url=server.base_url, model="m")
        for _ in range(3):  # a new connection each time: the server closed the last one
            reply = client.chat(endpoint, [{"role": "user", "content": "hi"}], 0.0, 10)
            assert reply.text == "x" * 200_000

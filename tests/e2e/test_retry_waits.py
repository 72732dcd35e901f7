"""Waits between retries: ``Retry-After`` is obeyed (0 means now), and Ctrl-C (the cancel event) ends any wait."""

from __future__ import annotations

import threading

from scripted_endpoint import ScriptedServer, error_payload

from seval.client.core import LLMClient, RetryPolicy
from seval.client.endpoints import Endpoint
from seval.errors import Cancelled


def once_rate_limited(retry_after: str, served: threading.Event):
    """A 429 with ``Retry-After`` for the first request only; ``served`` is set when it has gone out."""
    sent = []

    def override(call):
        if sent:
            return None
        sent.append(call)
        served.set()
        return 429, {"Retry-After": retry_after}, error_payload("slow down", "rate_limit_exceeded")

    return override


def ask(client: LLMClient, server: ScriptedServer, outcome: list) -> None:
    endpoint = Endpoint(role="answering", base_url=server.base_url, model="ans")
    try:
        outcome.append(client.chat(endpoint, [{"role": "user", "content": "hi"}], 0.0, 10).text)
    except Cancelled as exc:
        outcome.append(exc)


def test_cancel_ends_a_long_retry_after_wait_at_once():
    served = threading.Event()
    with ScriptedServer(override=once_rate_limited("3600", served)) as server:
        client = LLMClient(RetryPolicy(max_retries=2, backoff_s=0, timeout_s=30))
        outcome: list = []
        worker = threading.Thread(target=ask, args=(client, server, outcome), daemon=True)
        worker.start()
        assert served.wait(30)
        client.cancel_event.set()  # what the first Ctrl-C does
        worker.join(10)  # a wait that ignored the cancel would hold the worker for an hour
        assert not worker.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
        assert len(server.chat_calls()) == 1  # nothing was sent after the cancel


def test_retry_after_zero_is_retried_at_once_even_with_a_long_backoff():
    served = threading.Event()
    with ScriptedServer(override=once_rate_limited("0", served)) as server:
        client = LLMClient(RetryPolicy(max_retries=2, backoff_s=1000, timeout_s=30))
        outcome: list = []
        worker = threading.Thread(target=ask, args=(client, server, outcome), daemon=True)
        worker.start()
        worker.join(20)  # a 1000 s backoff instead of "now" would still be waiting
        assert not worker.is_alive()
        assert outcome == ["Final answer: A"]
        assert len(server.chat_calls()) == 2

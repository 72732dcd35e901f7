"""The simulator's quirks, each the shape of a real server, through the handler in-process (no socket)."""

from __future__ import annotations

import json

import pytest

from seval.sim.quirks import REASONING_MARKER, parse_quirks
from seval.sim.server import SimServer, make_item

QUESTION, TRUTH = make_item("mathematical_reasoning", 3, "0a1b2c3d")


def ask(server: SimServer, path: str = "/v1/chat/completions", **request) -> tuple[int, dict]:
    body = {"model": "sim-solver-strong", "messages": [{"role": "user", "content": QUESTION}], **request}
    status, _, data = server.handle("POST", path, None, json.dumps(body).encode())
    return status, json.loads(data)


def message(payload: dict) -> dict:
    return payload["choices"][0]["message"]


def test_an_unknown_quirk_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown quirk.*known: string-errors"):
        SimServer(quirks="reasoning,tiny-context")
    assert parse_quirks(" reasoning , no-usage ") == {"reasoning", "no-usage"}


def test_without_quirks_max_tokens_still_cuts_a_reply_with_finish_reason_length():
    server = SimServer()
    status, full = ask(server, max_tokens=500)
    assert status == 200 and full["choices"][0]["finish_reason"] == "stop"
    status, cut = ask(server, max_tokens=3)
    assert cut["choices"][0]["finish_reason"] == "length"
    assert full["choices"][0]["message"]["content"].startswith(message(cut)["content"])
    assert len(message(cut)["content"]) < len(message(full)["content"])


def test_reasoning_is_sent_apart_and_a_small_budget_leaves_content_null():
    server = SimServer(quirks="reasoning")
    _, thought = ask(server, max_tokens=4000)
    reply = message(thought)
    assert reply["reasoning_content"].startswith(REASONING_MARKER) and REASONING_MARKER not in reply["content"]
    assert thought["choices"][0]["finish_reason"] == "stop"
    assert thought["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    _, cut = ask(server, max_tokens=100)
    assert message(cut)["content"] is None and cut["choices"][0]["finish_reason"] == "length"
    assert message(cut)["reasoning_content"].startswith(REASONING_MARKER)


def test_think_tags_leave_the_reasoning_in_content():
    server = SimServer(quirks="think-tags")
    _, whole = ask(server, max_tokens=4000)
    assert (
        message(whole)["content"].startswith(f"<think>\n{REASONING_MARKER}") and "</think>" in message(whole)["content"]
    )
    _, cut = ask(server, max_tokens=100)
    assert "</think>" not in message(cut)["content"] and cut["choices"][0]["finish_reason"] == "length"


def test_list_content_splits_the_answer_into_text_parts():
    _, payload = ask(SimServer(quirks="list-content"), max_tokens=500)
    parts = message(payload)["content"]
    assert [part["type"] for part in parts] == ["text", "text"]
    _, plain = ask(SimServer(), max_tokens=500)
    assert "".join(part["text"] for part in parts) == message(plain)["content"]


def test_no_usage_sends_no_usage():
    _, payload = ask(SimServer(quirks="no-usage"), max_tokens=500)
    assert "usage" not in payload


def test_no_temperature_refuses_any_other_than_1_as_openai_words_it():
    server = SimServer(quirks="no-temperature")
    status, payload = ask(server, temperature=0.5, max_tokens=500)
    assert status == 400 and payload["error"]["param"] == "temperature"
    assert payload["error"]["message"].startswith("Unsupported value: 'temperature' does not support 0.5")
    assert ask(server, temperature=1, max_tokens=500)[0] == 200
    assert ask(server, max_tokens=500)[0] == 200


def test_string_errors_are_tgi_shaped():
    status, payload = ask(SimServer(quirks="string-errors"), model="nope")
    assert status == 404 and payload == {
        "error": "The model `nope` does not exist",
        "error_type": "invalid_request_error",
    }


def test_path_prefix_serves_only_under_v1beta_openai():
    server = SimServer(quirks="path-prefix")
    assert server.base_url.endswith("/v1beta/openai")
    assert ask(server, "/v1beta/openai/chat/completions", max_tokens=500)[0] == 200
    assert ask(server, "/v1/chat/completions", max_tokens=500)[0] == 404
    assert ask(server, "/v1beta/openai/v1/chat/completions", max_tokens=500)[0] == 404

"""Every reply and error shape real servers send, read by the client's pure functions (``seval.client.replies``)."""

from __future__ import annotations

import json

import pytest

from seval.client.replies import error_body, is_key_problem, parse_chat_reply, parse_models, parse_usage, split_think
from seval.client.transport import HttpReply
from seval.records import TokenUsage


def chat(message: dict, finish: object = "stop", usage: object = None) -> dict:
    body: dict = {"choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}]}
    if usage is not None:
        body["usage"] = usage
    return body


USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


# -- content ----------------------------------------------------------------------------------


def test_content_as_a_list_of_text_parts_is_joined_not_taken_for_a_garbled_reply():
    parts = [{"type": "text", "text": "Final "}, {"type": "text", "text": "answer: 4"}]
    reply = parse_chat_reply(chat({"content": parts}))
    assert reply is not None and reply.text == "Final answer: 4" and reply.reasoning is None


def test_mistral_thinking_parts_are_reasoning_not_answer():
    parts = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "2 and 2 make 4"}]},
        {"type": "text", "text": "Final answer: 4"},
    ]
    reply = parse_chat_reply(chat({"content": parts}))
    assert reply is not None and reply.text == "Final answer: 4" and reply.reasoning == "2 and 2 make 4"


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields_are_kept_apart_from_the_answer(field):
    reply = parse_chat_reply(chat({"content": "Final answer: 4", field: "Let me add 2 and 2."}, usage=USAGE))
    assert reply is not None
    assert (reply.text, reply.reasoning, reply.finish_reason) == ("Final answer: 4", "Let me add 2 and 2.", "stop")
    assert reply.usage == TokenUsage(**USAGE) and not reply.truncated


def test_a_reasoning_model_cut_while_thinking_is_an_empty_truncated_answer_not_a_garbled_reply():
    reply = parse_chat_reply(chat({"content": None, "reasoning_content": "First, I"}, finish="length"))
    assert reply is not None
    assert (reply.text, reply.reasoning, reply.truncated) == ("", "First, I", True)


@pytest.mark.parametrize(
    "content, answer, reasoning",
    [
        ("<think>\n2+2=4\n</think>\n\nFinal answer: 4", "Final answer: 4", "2+2=4"),
        ("  <think>hm</think>Final answer: 4", "Final answer: 4", "hm"),
        ("<think>\nstill thinking when the budget ran out", "", "still thinking when the budget ran out"),
        ("2+2=4\n</think>\n\nFinal answer: 4", "Final answer: 4", "2+2=4"),  # R1's template opens the tag
        ("Final answer: 4, with <think> mentioned later", "Final answer: 4, with <think> mentioned later", None),
    ],
    ids=["closed", "leading-space", "unclosed", "close-only", "not-leading"],
)
def test_think_tags_at_the_start_of_content_are_reasoning(content, answer, reasoning):
    assert split_think(content) == (answer, reasoning)
    reply = parse_chat_reply(chat({"content": content}))
    assert reply is not None and (reply.text, reply.reasoning) == (answer, reasoning)


@pytest.mark.parametrize("content", [42, {"text": "x"}])
def test_content_of_no_known_shape_is_garbled(content):
    assert parse_chat_reply(chat({"content": content})) is None


# -- usage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "usage",
    [None, {}, {"prompt_tokens": None}, "12"],
    ids=["missing", "empty", "nulls", "not-an-object"],
)
def test_usage_the_endpoint_did_not_report_is_none_not_zero(usage):
    body = chat({"content": "hi"})
    if usage is not None:
        body["usage"] = usage
    reply = parse_chat_reply(body)
    assert reply is not None and reply.text == "hi" and reply.usage is None


@pytest.mark.parametrize(
    "raw",
    [
        '{"prompt_tokens": 1e400, "completion_tokens": 3}',
        '{"prompt_tokens": "many"}',
        '{"prompt_tokens": -5}',
        '{"prompt_tokens": true}',
        '{"completion_tokens": 1e30}',
    ],
    ids=["overflow", "not-a-number", "negative", "boolean", "absurd"],
)
def test_a_usage_figure_that_is_not_a_count_drops_the_usage_and_keeps_the_answer(raw):
    body = json.loads(
        f'{{"choices": [{{"message": {{"content": "Final answer: 4"}}, "finish_reason": "stop"}}], "usage": {raw}}}'
    )
    reply = parse_chat_reply(body)
    assert reply is not None and reply.text == "Final answer: 4" and reply.usage is None


def test_a_missing_total_is_the_sum():
    assert parse_usage({"usage": {"prompt_tokens": 3, "completion_tokens": 4}}) == TokenUsage(
        prompt_tokens=3, completion_tokens=4, total_tokens=7
    )


# -- model lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, ids",
    [
        ({"object": "list", "data": [{"id": "b"}, {"id": "a", "object": "model"}]}, ["b", "a"]),
        ({"data": [{"id": "m"}, {"name": "no id"}, "text", {"id": ""}, {"id": 7}]}, ["m", "7"]),
        ({"data": []}, []),
        ({"data": None}, None),
        ([{"id": "m"}], None),
        ("models", None),
    ],
    ids=["openai", "odd-entries", "empty", "null-data", "bare-list", "string"],
)
def test_a_model_list_is_read_from_data_and_anything_else_is_not_one(body, ids):
    assert parse_models(body) == ids


# -- error bodies -----------------------------------------------------------------------------


def reply(status: int, data: bytes | str, reason: str = "Bad Request") -> HttpReply:
    return HttpReply(status, data.encode() if isinstance(data, str) else data, reason)


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"error": {"message": "Invalid model", "param": "model", "code": "x"}}', "Invalid model"),
        (
            '{"error": "Input validation error: inputs too long", "error_type": "validation"}',
            "Input validation error: inputs too long",
        ),
        ('{"error": null, "message": "upstream failed"}', "upstream failed"),
        ('{"error": null}', "Bad Request"),
        ('{"detail": "Not authenticated"}', "Not authenticated"),
        (
            '{"detail": [{"loc": ["body", "top_k"], "msg": "Extra inputs are not permitted"}]}',
            "Extra inputs are not permitted",
        ),
        ('"a bare JSON string"', "a bare JSON string"),
        ("<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>", "502 Bad Gateway"),
        ("<!DOCTYPE html><html><body><p>Service\n   Unavailable</p></body></html>", "Service Unavailable"),
        ("", "Bad Request"),
        ("plain text\nover two lines", "plain text over two lines"),
    ],
    ids=[
        "openai",
        "tgi-string",
        "null-error-message",
        "null-error",
        "fastapi-detail",
        "pydantic-list",
        "json-string",
        "html-title",
        "html-text",
        "empty",
        "text",
    ],
)
def test_every_error_shape_gives_the_servers_own_words_on_one_line(body, message):
    assert error_body(reply(400, body)).message == message


def test_the_error_names_the_refused_parameter_when_the_server_does():
    body = '{"error": {"message": "Unsupported value", "param": "temperature", "code": "unsupported_value"}}'
    found = error_body(reply(400, body))
    assert (found.param, found.code) == ("temperature", "unsupported_value")


def test_deeply_nested_json_is_not_json_rather_than_a_crash():
    with pytest.raises(ValueError):
        reply(200, "[" * 100_000).json()
    assert error_body(reply(500, "[" * 100_000, "Internal Server Error")).message.startswith("[[[")


@pytest.mark.parametrize(
    "status, message, key",
    [
        (500, "Authentication Error, No api key passed in.", True),
        (400, "Incorrect API key provided: sk-...", True),
        (401, "anything", True),
        (403, "Forbidden", True),
        (429, "Rate limit reached for requests on your API key", False),
        (503, "The server is overloaded", False),
        (500, "Internal error", False),
    ],
)
def test_key_problems_are_known_by_status_and_by_the_servers_words(status, message, key):
    assert is_key_problem(status, message) is key

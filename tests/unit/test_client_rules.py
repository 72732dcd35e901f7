"""The client's rules as pure functions: base URLs, refused parameters, waits between retries, cache entries."""

from __future__ import annotations

import json
import threading

import pytest

from seval.client.adapt import Adaptation, ParameterAdapter, refused_parameter
from seval.client.cache import ResponseCache, request_fingerprint
from seval.client.core import BACKOFF_MAX_S, RetryPolicy
from seval.client.endpoints import Endpoint, endpoint_identity, normalize_base_url
from seval.client.pacing import EndpointPacer, retry_after_seconds
from seval.client.replies import ChatReply, ErrorBody
from seval.errors import Cancelled
from seval.records import TokenUsage

# -- the base-URL rule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, chat_url",
    [
        ("https://api.openai.com", "https://api.openai.com/v1/chat/completions"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
        ("https://NAME.openai.azure.com/openai/v1", "https://NAME.openai.azure.com/openai/v1/chat/completions"),
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
        ),
        ("https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1/chat/completions"),
        ("http://localhost:8000", "http://localhost:8000/v1/chat/completions"),  # vLLM, TGI
        ("http://localhost:11434/v1", "http://localhost:11434/v1/chat/completions"),  # Ollama
        ("http://localhost:1234", "http://localhost:1234/v1/chat/completions"),  # LM Studio
        ("http://0.0.0.0:4000/", "http://0.0.0.0:4000/v1/chat/completions"),  # LiteLLM
        ("http://localhost:8080/v1/chat/completions", "http://localhost:8080/v1/chat/completions"),  # llama.cpp
        ("http://host/chat/completions/", "http://host/chat/completions"),
        (
            "https://x.openai.azure.com/openai/v1?api-version=preview",
            "https://x.openai.azure.com/openai/v1/chat/completions?api-version=preview",
        ),
    ],
)
def test_one_rule_reaches_every_providers_chat_url(given, chat_url):
    assert Endpoint("answering", normalize_base_url(given), "m").chat_url == chat_url


@pytest.mark.parametrize("given", ["localhost:8000", "ftp://h/v1", "", "http://"])
def test_what_is_not_an_http_url_is_refused(given):
    with pytest.raises(ValueError):
        normalize_base_url(given)


def test_replies_cached_under_the_old_base_url_form_are_still_found():
    """Before the rule changed, ``http://h:8000/v1`` was stored as ``http://h:8000``; the cache is keyed that way."""
    body = {"model": "m", "messages": []}
    old_key = request_fingerprint("http://h:8000", "m", body)
    endpoint = Endpoint("answering", normalize_base_url("http://h:8000"), "m")
    assert request_fingerprint(endpoint.cache_identity, "m", body) == old_key
    assert endpoint_identity("https://g.example/v1beta/openai") == "https://g.example/v1beta/openai"


# -- parameters a model refuses -----------------------------------------------------------------

SENT = {"model": "o3", "messages": [], "temperature": 0.5, "max_tokens": 700, "top_p": 0.9}
OPENAI_TEMPERATURE = ErrorBody(
    "Unsupported value: 'temperature' does not support 0.5 with this model. Only the default (1) value is supported.",
    "temperature",
    "unsupported_value",
)


@pytest.mark.parametrize(
    "error, change",
    [
        (OPENAI_TEMPERATURE, Adaptation("temperature")),
        (
            ErrorBody(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "max_tokens",
            ),
            Adaptation("max_tokens", "max_completion_tokens"),
        ),
        (
            ErrorBody("litellm.UnsupportedParamsError: openai does not support parameters: ['top_p'], for model=o3."),
            Adaptation("top_p"),
        ),
        (
            ErrorBody(
                "[{'type': 'extra_forbidden', 'loc': ('body', 'top_p'), 'msg': 'Extra inputs are not permitted'}]"
            ),
            Adaptation("top_p"),
        ),
        (ErrorBody("temperature is not supported for this model"), Adaptation("temperature")),
    ],
    ids=["openai-temperature", "openai-max-tokens", "litellm", "vllm-extra", "plain-words"],
)
def test_a_refused_parameter_is_found_in_the_servers_words(error, change):
    assert refused_parameter(error, SENT) == change


@pytest.mark.parametrize(
    "error",
    [
        ErrorBody("top_p must be less than or equal to 1", "top_p"),  # a wrong value the user gave: theirs to fix
        ErrorBody("This model's maximum context length is 4096 tokens; you requested 5000"),
        ErrorBody("Unsupported parameter: 'messages' must not be empty", "messages"),  # never dropped
        ErrorBody("Unsupported parameter: 'max_tokens' is not supported with this model.", "max_tokens"),
        ErrorBody("Unsupported parameter: 'logprobs'", "logprobs"),  # not in the request
    ],
    ids=["out-of-range", "context-length", "protected", "token-limit-without-successor", "not-sent"],
)
def test_other_400s_are_not_adapted_to(error):
    assert refused_parameter(error, SENT) is None


def test_an_adaptation_is_remembered_per_endpoint_and_model_and_noted_once():
    adapter = ParameterAdapter()
    assert adapter.learn("answering", "http://a/v1", "o3", OPENAI_TEMPERATURE, SENT)
    assert adapter.learn("answering", "http://a/v1", "o3", OPENAI_TEMPERATURE, SENT)  # a concurrent request: resend
    assert len(adapter.notes) == 1 and "temperature" in adapter.notes[0] and "o3" in adapter.notes[0]
    assert "temperature" not in adapter.wire_body("http://a/v1", "o3", SENT)
    assert adapter.wire_body("http://a/v1", "gpt-4o", SENT) == SENT  # another model keeps it
    assert adapter.wire_body("http://b/v1", "o3", SENT) == SENT  # and so does another endpoint


# -- waits between retries ----------------------------------------------------------------------


@pytest.mark.parametrize("header", ["99999", "inf", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_no_wait_is_longer_than_the_timeout_whatever_retry_after_says(header):
    policy = RetryPolicy(max_retries=5, backoff_s=1.0, timeout_s=30.0)
    assert policy.wait(1, retry_after_seconds(header)) == 30.0


def test_backoff_doubles_and_is_capped_by_the_timeout_too():
    policy = RetryPolicy(max_retries=20, backoff_s=1.0, timeout_s=1000.0)
    assert 1.0 <= policy.wait(1) <= 2.0 and 4.0 <= policy.wait(3) <= 5.0
    assert policy.wait(15) <= BACKOFF_MAX_S + 1.0
    assert RetryPolicy(backoff_s=50.0, timeout_s=2.0).wait(4) == 2.0


@pytest.mark.parametrize("header, seconds", [("0", 0.0), ("2.5", 2.5), ("soon", None), (None, None), ("nan", None)])
def test_retry_after_values(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_a_timeout_halves_the_allowance_like_a_429_and_fast_successes_win_it_back():
    pacer = EndpointPacer(8)
    pacer.acquire(1)
    pacer.timed_out(0.0)
    pacer.release(False)
    assert pacer.limit == 4
    for _ in range(4):
        pacer.acquire(1)
        pacer.release(True, fast=False)  # replies that took most of the timeout: the server is queueing
    assert pacer.limit == 4
    for _ in range(4):
        pacer.acquire(1)
        pacer.release(True)
    assert pacer.limit == 5


def test_a_timed_out_request_keeps_its_slot_while_the_server_works_on_it_and_a_cancel_ends_the_wait():
    pacer = EndpointPacer(2)
    pacer.acquire(1)
    pacer.timed_out(3600.0)  # the server is still on it: its slot stays taken
    pacer.release(False)
    assert pacer.limit == 1
    cancel, outcome = threading.Event(), []

    def wait_for_a_slot() -> None:
        try:
            pacer.acquire(1, cancel)
            outcome.append("slot")
        except Cancelled:
            outcome.append("cancelled")

    waiter = threading.Thread(target=wait_for_a_slot, daemon=True)
    waiter.start()
    cancel.set()  # what Ctrl-C does
    waiter.join(10)
    assert outcome == ["cancelled"]


# -- cache entries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored",
    [
        '{"usage": {}}',
        "[1]",
        '{"text": null, "usage": null}',
        '{"text": "x"}',
        "not json",
        '{"text": "x", "usage": {"prompt_tokens": -1}}',
        "[" * 50_000,
    ],
    ids=["no-text", "list", "null-text", "no-usage-key", "not-json", "negative-usage", "deep"],
)
def test_a_cache_entry_that_does_not_validate_is_a_miss_and_is_replaced(tmp_path, stored):
    cache = ResponseCache(tmp_path)
    key = "ab" + "0" * 62
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / f"{key}.json").write_text(stored, encoding="utf-8")
    assert cache.get(key, "answering") is None
    assert cache.misses["answering"] == 1
    fresh = ChatReply(text="Final answer: 4", usage=None, reasoning="2+2", finish_reason="stop")
    cache.put(key, fresh)
    again = cache.get(key, "answering")
    assert again is not None and (again.text, again.usage, again.reasoning, again.cached) == (
        "Final answer: 4",
        None,
        "2+2",
        True,
    )


def test_an_entry_written_before_reasoning_was_kept_apart_is_still_a_hit(tmp_path):
    cache = ResponseCache(tmp_path)
    key = "cd" + "1" * 62
    (tmp_path / "cd").mkdir()
    old = {
        "text": "<think>hm</think>Final answer: 4",
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    (tmp_path / "cd" / f"{key}.json").write_text(json.dumps(old), encoding="utf-8")
    reply = cache.get(key, "answering")
    assert reply is not None and (reply.text, reply.reasoning) == ("Final answer: 4", "hm")
    assert reply.usage == TokenUsage(prompt_tokens=3, completion_tokens=2, total_tokens=5)

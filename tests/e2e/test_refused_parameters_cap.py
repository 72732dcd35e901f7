"""A server that refuses every parameter in turn: adapted a few times, then one clear error, never a traceback."""

from __future__ import annotations

import pytest
from scripted_endpoint import ScriptedServer, chat_payload

from seval.client.core import MAX_ADAPTATIONS_PER_CALL, LLMClient, RetryPolicy
from seval.client.endpoints import Endpoint
from seval.errors import BadRequestError

EXTRA = {f"p{i}": i for i in range(MAX_ADAPTATIONS_PER_CALL + 1)}


def refuse_each_extra_parameter(call):
    """OpenAI's 400 for the first parameter of ``EXTRA`` still in the request; a reply once none is."""
    refused = next((name for name in EXTRA if name in (call.body or {})), None)
    if refused is None:
        return 200, {}, chat_payload("m", "ok")
    error = {
        "message": f"Unsupported parameter: '{refused}' is not supported with this model.",
        "type": "invalid_request_error",
        "param": refused,
        "code": "unsupported_parameter",
    }
    return 400, {}, {"error": error}


def test_more_refused_parameters_than_the_cap_end_in_one_bad_request_error():
    with ScriptedServer(override=refuse_each_extra_parameter) as server:
        endpoint = Endpoint(role="answering", base_url=server.base_url, model="m", extra_body=dict(EXTRA))
        client = LLMClient(RetryPolicy(max_retries=0, backoff_s=0, timeout_s=30))
        with pytest.raises(BadRequestError, match="refused 9 parameters of one request in turn"):
            client.chat(endpoint, [{"role": "user", "content": "hi"}], 0.5, 10)
        assert len(server.chat_calls()) == MAX_ADAPTATIONS_PER_CALL + 1
    assert client.stats["answering"].errors == 1

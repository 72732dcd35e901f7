"""Reading what an endpoint sent back: chat replies, embeddings and error bodies.

Pure functions over a decoded body (or the raw reply for errors), so every
shape a server may send can be tested without a server.
"""

from __future__ import annotations

from seval.client.transport import HttpReply
from seval.records import TokenUsage


def error_message(response: HttpReply) -> str:
    """The provider's own error text, short, for one-line messages."""
    try:
        body = response.json()
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        if message:
            return str(message)[:300]
    except ValueError:
        pass
    return (response.text or response.reason or "").strip()[:300]


def _usage_object(body: dict) -> dict:
    """The reply's ``usage`` object; an empty one when it is missing or not an object."""
    usage = body.get("usage")
    return usage if isinstance(usage, dict) else {}


def parse_chat_reply(body: object) -> tuple[str, TokenUsage] | None:
    """Text and usage of an OpenAI chat reply, or None when it is not one."""
    if not isinstance(body, dict):
        return None
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    if not isinstance(message, dict):
        return None
    content = message.get("content")
    if content is None:
        content = ""
    if not isinstance(content, str):
        return None
    raw_usage = _usage_object(body)
    usage = TokenUsage(
        prompt_tokens=int(raw_usage.get("prompt_tokens") or 0),
        completion_tokens=int(raw_usage.get("completion_tokens") or 0),
        total_tokens=int(raw_usage.get("total_tokens") or 0),
    )
    return content, usage


def parse_embeddings(body: object) -> tuple[list[list[float]], TokenUsage] | None:
    """Vectors of an OpenAI embeddings reply, in input order, or None when it is not one."""
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    if not isinstance(data, list) or not data:
        return None
    try:
        ordered = sorted(data, key=lambda item: item.get("index", 0))
        vectors = [[float(value) for value in item["embedding"]] for item in ordered]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    raw_usage = _usage_object(body)
    return vectors, TokenUsage(
        prompt_tokens=int(raw_usage.get("prompt_tokens") or 0), total_tokens=int(raw_usage.get("total_tokens") or 0)
    )

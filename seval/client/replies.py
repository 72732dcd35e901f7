"""Reading what an endpoint sent back: chat replies, embeddings, model lists and error bodies.

Pure functions over a decoded body (or the raw reply for errors), so every
shape a server may send can be tested without a server. The shapes met in
the wild, all read here:

* ``content`` a string, a list of parts (``[{"type": "text", "text": ...}]``,
  Mistral; ``{"type": "thinking", ...}`` parts are reasoning), or null;
* reasoning in ``reasoning_content`` (DeepSeek, vLLM and SGLang parsers),
  ``reasoning`` (OpenRouter, newer vLLM, Ollama) or ``thinking``, or left in
  the content as ``<think>...</think>`` (a server without a reasoning parser);
* ``usage`` missing, null, or holding figures that are not numbers: the
  answer is kept and the usage counts as not reported;
* error bodies whose ``error`` is an object, a string (TGI) or null, a bare
  ``detail`` or ``message``, HTML from a proxy, or nothing at all.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from seval.client.transport import HttpReply
from seval.records import TokenUsage

ERROR_TEXT_CHARS = 300  # a server's own words, cut to fit a one-line error
TRUNCATION_REASONS = frozenset({"length", "max_tokens"})  # finish_reason of a reply cut by its token limit
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")
MAX_USAGE_FIGURE = 10**12  # larger token counts are not counts: the usage is dropped, the answer kept
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ChatReply:
    """One chat reply as the tools use it.

    ``text`` is the final answer without any reasoning; ``reasoning`` what the
    model thought before it (never shown to a judge); ``usage`` is None when the
    endpoint did not report it (so nobody claims 0 tokens or a cost);
    ``cached`` when the reply came from ``--cache-dir``.
    """

    text: str
    usage: TokenUsage | None
    reasoning: str | None = None
    finish_reason: str | None = None
    cached: bool = False

    @property
    def truncated(self) -> bool:
        """The reply was cut by its token limit (``finish_reason`` ``length``)."""
        return self.finish_reason in TRUNCATION_REASONS


# -- errors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorBody:
    """What an error reply says: the server's message and, when it names one, the parameter at fault."""

    message: str
    param: str | None = None
    code: str | None = None


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()[:ERROR_TEXT_CHARS]


def _html_text(text: str) -> str:
    """A proxy's HTML error page as a line: its title, else its visible text."""
    title = _TITLE.search(text)
    if title and title.group(1).strip():
        return html.unescape(title.group(1))
    return html.unescape(_TAGS.sub(" ", _SCRIPT.sub(" ", text)))


def _message_of(value: object) -> str | None:
    """The text of an error value: a string, an object's ``message``/``detail``/``msg``, or a list of those."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("message", "detail", "msg", "error"):
            found = _message_of(value.get(key))
            if found:
                return found
        return None
    if isinstance(value, list):
        parts = [part for part in (_message_of(item) for item in value[:5]) if part]
        return "; ".join(parts) or None
    return None


def error_body(response: HttpReply) -> ErrorBody:
    """The provider's own error text, whatever the body's shape, cut to one short line."""
    try:
        body, is_json = response.json(), True
    except ValueError:
        body, is_json = None, False
    message, param, code = None, None, None
    if isinstance(body, dict):
        error = body.get("error")
        message = _message_of(error) or _message_of({k: v for k, v in body.items() if k != "error"})
        details = error if isinstance(error, dict) else body
        param = details.get("param") if isinstance(details.get("param"), str) else None
        code = str(details["code"]) if details.get("code") is not None else None
    elif body is not None:
        message = _message_of(body)
    if not message and not is_json:
        text = response.text
        message = _html_text(text) if "<html" in text[:500].lower() or "<!doctype" in text[:500].lower() else text
    message = _one_line(message or "") or response.reason or "no message"
    return ErrorBody(message, param, code)


_KEY_WORDS = re.compile(
    r"api[ _-]?key|apikey|authenticat|unauthori[sz]ed|bearer|access token|credential", re.IGNORECASE
)


def is_key_problem(status: int, message: str) -> bool:
    """A refused or missing key, by status (401, 403) or by the server's words on a 400 or 5xx.

    LiteLLM answers a missing key with a bare 500 ("No api key passed in"); retrying
    cannot help, and the user needs the key hint, not "still answered HTTP 500".
    Rate limits and timeouts are never key problems, whatever they mention.
    """
    if status in (401, 403):
        return True
    if status in (408, 409, 429) or status < 400:
        return False
    return bool(_KEY_WORDS.search(message))


# -- chat replies ---------------------------------------------------------------------------------


def _usage_figure(value: object) -> int | None:
    """A token count, or None when the value is not a sane count."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not 0 <= value <= MAX_USAGE_FIGURE:
        return None
    return int(value)


def parse_usage(body: dict) -> TokenUsage | None:
    """The reply's token usage; None when the endpoint reported none, or figures that are not counts.

    A missing figure among present ones is 0 (``total_tokens`` is then the sum).
    """
    raw = body.get("usage")
    if not isinstance(raw, dict):
        return None
    names = ("prompt_tokens", "completion_tokens", "total_tokens")
    present = {name: raw[name] for name in names if raw.get(name) is not None}
    if not present:
        return None
    figures = {name: _usage_figure(value) for name, value in present.items()}
    if any(figure is None for figure in figures.values()):
        return None
    prompt, completion = figures.get("prompt_tokens") or 0, figures.get("completion_tokens") or 0
    total = figures.get("total_tokens")
    return TokenUsage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion if total is None else total
    )


def _part_text(part: object) -> tuple[str, str]:
    """(kind, text) of one content part: kind 'text' or 'reasoning' ('' for parts without text)."""
    if isinstance(part, str):
        return "text", part
    if not isinstance(part, dict):
        return "", ""
    kind = part.get("type")
    if kind in ("thinking", "reasoning"):
        inner = part.get("thinking", part.get("reasoning", part.get("text")))
        if isinstance(inner, list):
            return "reasoning", "".join(text for _, text in map(_part_text, inner))
        return "reasoning", inner if isinstance(inner, str) else ""
    text = part.get("text")
    return ("text", text) if isinstance(text, str) else ("", "")


def _content(value: object) -> tuple[str, list[str]] | None:
    """Final text and reasoning pieces of ``content``; None when it is not a content shape."""
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return None
    texts: list[str] = []
    thoughts: list[str] = []
    for kind, text in map(_part_text, value):
        if kind == "text":
            texts.append(text)
        elif kind == "reasoning":
            thoughts.append(text)
    return "".join(texts), thoughts


def split_think(content: str) -> tuple[str, str | None]:
    """``(answer, reasoning)`` of content that may start with ``<think>...</think>``.

    An unclosed ``<think>`` (cut while thinking) is all reasoning; a ``</think>``
    without its opening tag (chat templates that put ``<think>`` in the prompt, as
    DeepSeek-R1's does) ends the reasoning too.
    """
    stripped = content.lstrip()
    if stripped.startswith(THINK_OPEN):
        inner = stripped[len(THINK_OPEN) :]
        thought, closed, rest = inner.partition(THINK_CLOSE)
        return (rest.lstrip(), thought.strip()) if closed else ("", inner.strip())
    if THINK_CLOSE in content and THINK_OPEN not in content:
        thought, _, rest = content.partition(THINK_CLOSE)
        return rest.lstrip(), thought.strip()
    return content, None


def parse_chat_reply(body: object) -> ChatReply | None:
    """The final answer, reasoning, finish reason and usage of an OpenAI chat reply; None when it is not one."""
    if not isinstance(body, dict):
        return None
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    if not isinstance(message, dict):
        return None
    content = _content(message.get("content"))
    if content is None:
        return None
    text, thoughts = content
    if not text and isinstance(message.get("refusal"), str):
        text = message["refusal"]  # OpenAI's structured refusal: what the model said instead of an answer
    thoughts += [message[name] for name in REASONING_FIELDS if isinstance(message.get(name), str) and message[name]]
    text, tagged = split_think(text)
    if tagged:
        thoughts.append(tagged)
    finish = choices[0].get("finish_reason")
    return ChatReply(
        text=text,
        usage=parse_usage(body),
        reasoning="\n\n".join(thoughts) if thoughts else None,
        finish_reason=finish if isinstance(finish, str) else None,
    )


def parse_embeddings(body: object) -> tuple[list[list[float]], TokenUsage | None] | None:
    """Vectors of an OpenAI embeddings reply, in input order, and its usage; None when it is not one."""
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
    return vectors, parse_usage(body)


def parse_models(body: object) -> list[str] | None:
    """Model ids of an OpenAI ``/models`` reply, in its order; None when it is not one."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    return [str(item["id"]) for item in data if isinstance(item, dict) and item.get("id")]

"""Real servers' quirks, switched on one by one in the simulated endpoint (``sim_endpoint.py --quirks a,b``).

Each quirk reproduces a shape a real server sends, so the tools are tested
against it rather than against the tidiest reply:

* ``string-errors``: error bodies as ``{"error": "...", "error_type": ...}`` (TGI);
* ``list-content``: ``content`` as a list of text parts (Mistral);
* ``reasoning``: every model thinks first, in ``reasoning_content`` (DeepSeek-R1, Qwen3 behind a
  reasoning parser, o-series); a ``max_tokens`` below the call's thinking budget leaves
  ``content: null`` and ``finish_reason: "length"``;
* ``think-tags``: the same thinking, left in ``content`` as ``<think>...</think>`` (a server
  without a reasoning parser); ignored when ``reasoning`` is on too;
* ``no-usage``: replies carry no ``usage``;
* ``no-temperature``: a temperature other than 1 gets OpenAI's 400 (its reasoning models);
* ``serial``: one request at a time, the others queued (llama.cpp's server with one slot);
* ``path-prefix``: served under ``/v1beta/openai`` only (Gemini's OpenAI-compatible API).

Without any quirk the simulator still honours ``max_tokens``: a reply longer than
the limit is cut and ends with ``finish_reason: "length"``, as every server's does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from seval.sim.models import estimate_tokens

QUIRKS = (
    "string-errors",
    "list-content",
    "reasoning",
    "think-tags",
    "no-usage",
    "no-temperature",
    "serial",
    "path-prefix",
)
PATH_PREFIX = "/v1beta/openai"
DEFAULT_PREFIX = "/v1"
# Thinking budget of one call, in (estimated) tokens: drawn per call, so some answers at the
# benchmark's default 700 answering tokens are cut and others are not.
THINKING_TOKENS = (300, 1100)
REASONING_MARKER = "Thinking (simulated reasoning):"
_FILLER = "consider the item step by step, check each constraint again and compare the candidates".split()
_WORD = re.compile(r"\S+")


def parse_quirks(value: str | Iterable[str] | None) -> frozenset[str]:
    """The quirks named in ``a,b`` (or a list of names); ValueError naming the known ones for any other."""
    if value is None:
        return frozenset()
    names = [part.strip() for part in (value.split(",") if isinstance(value, str) else value) if part.strip()]
    unknown = sorted(set(names) - set(QUIRKS))
    if unknown:
        raise ValueError(f"unknown quirk(s) {', '.join(unknown)}; known: {', '.join(QUIRKS)}")
    return frozenset(names)


def cut_to_tokens(text: str, tokens: int) -> str:
    """The start of ``text`` that fits in ``tokens`` (estimated), cut after a whole word."""
    words = int(max(0, tokens) * 3 / 4)
    ends = [match.end() for match in _WORD.finditer(text)]
    return text if len(ends) <= words else text[: ends[words - 1]] if words else ""


def thinking(tokens: int) -> str:
    """``tokens`` worth of simulated reasoning, marked so a test can see where it went."""
    words = [REASONING_MARKER] + [_FILLER[i % len(_FILLER)] for i in range(max(0, int(tokens * 3 / 4) - 3))]
    return " ".join(words)


@dataclass(frozen=True)
class Shaped:
    """A reply's message, finish reason and token counts, as the quirks shape it."""

    message: dict
    finish_reason: str
    completion_tokens: int
    reasoning_tokens: int


@dataclass(frozen=True)
class Quirks:
    """The quirks a simulated server has on."""

    names: frozenset[str] = frozenset()

    def __contains__(self, name: object) -> bool:
        return name in self.names

    @property
    def prefix(self) -> str:
        """The path the OpenAI routes live under."""
        return PATH_PREFIX if "path-prefix" in self.names else DEFAULT_PREFIX

    def error(self, status: int, message: str, code: str, kind: str) -> tuple[int, dict]:
        """An error body: OpenAI's object, or TGI's string with ``string-errors``."""
        if "string-errors" in self.names:
            return status, {"error": message, "error_type": kind}
        return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def refuse(self, request: dict) -> tuple[int, dict] | None:
        """OpenAI's 400 for a temperature other than the default 1 (``no-temperature``), else None."""
        temperature = request.get("temperature")
        if "no-temperature" not in self.names or temperature is None or temperature == 1:
            return None
        status, payload = self.error(
            400,
            f"Unsupported value: 'temperature' does not support {temperature} with this model. "
            "Only the default (1) value is supported.",
            "unsupported_value",
            "invalid_request_error",
        )
        if isinstance(payload["error"], dict):
            payload["error"]["param"] = "temperature"
        return status, payload

    def shape(self, content: str, max_tokens: int | None, think_share: float) -> Shaped:
        """The message for ``content`` under a ``max_tokens`` limit; ``think_share`` in [0, 1) sizes the thinking."""
        limit = max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None
        thinks = "reasoning" in self.names or "think-tags" in self.names
        budget = int(THINKING_TOKENS[0] + think_share * (THINKING_TOKENS[1] - THINKING_TOKENS[0])) if thinks else 0
        reasoning = thinking(budget) if thinks else ""
        answer: str | None = content
        finish = "stop"
        if limit is not None and budget >= limit:  # the budget ran out while thinking
            reasoning, answer, finish = cut_to_tokens(reasoning, limit), None, "length"
        elif limit is not None and estimate_tokens(content) > limit - budget:
            answer, finish = cut_to_tokens(content, limit - budget), "length"
        used = estimate_tokens(reasoning) + estimate_tokens(answer or "")
        return Shaped(self._message(answer, reasoning, finish), finish, used, estimate_tokens(reasoning))

    def _message(self, answer: str | None, reasoning: str, finish: str) -> dict:
        message: dict = {"role": "assistant", "content": answer}
        if "reasoning" in self.names:
            message["reasoning_content"] = reasoning
        elif "think-tags" in self.names:
            closing = "" if answer is None else f"\n</think>\n\n{answer}"
            message["content"] = f"<think>\n{reasoning}{closing}"
        if "list-content" in self.names and isinstance(message["content"], str):
            text = message["content"]
            middle = text.find(" ", len(text) // 2)
            cut = middle if middle > 0 else len(text)
            message["content"] = [{"type": "text", "text": text[:cut]}, {"type": "text", "text": text[cut:]}]
        return message

    def usage(self, prompt_tokens: int, shaped: Shaped) -> dict | None:
        """The ``usage`` object (None with ``no-usage``)."""
        if "no-usage" in self.names:
            return None
        usage: dict = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": shaped.completion_tokens,
            "total_tokens": prompt_tokens + shaped.completion_tokens,
        }
        if shaped.reasoning_tokens:
            usage["completion_tokens_details"] = {"reasoning_tokens": shaped.reasoning_tokens}
        return usage

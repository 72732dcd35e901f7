"""Asking the student and grading its answer: the ``annotator`` of EvaLearn's API, on the shared client.

An empty answer is asked once more; a judge reply without a readable verdict
is asked once more, then counted as a judge error (score 0), never trusted
silently. Replies cut by their token limit say which flag raises it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from seval.client.core import ChatReply, LLMClient
from seval.client.endpoints import Endpoint
from seval.records import TokenUsage, add_usage
from seval.sequential.prompts import build_judge_messages, build_judge_retry_messages
from seval.verdict import parse_answer_score

log = logging.getLogger(__name__)

DEFAULT_TEMPERATURE = 0.2  # the reference implementation's sampling for both roles
DEFAULT_MAX_TOKENS = 4096  # fits every common server; raise it for reasoning models
JUDGE_TEMPERATURE = 0.2
JUDGE_MAX_TOKENS = 2048
JUDGE_ERROR_NO_VERDICT = "no readable answer_score verdict in the judge's reply, even when asked once more"
JUDGE_CUT_HINT = "its reply was cut by its token limit (finish_reason 'length'): raise --max-tokens-judge"


class EmptyAnswer(Exception):
    """The student's answer was empty even when asked twice (check_empty on).

    ``truncated``: its token limit cut it (a reasoning model that spent the budget thinking).
    """

    def __init__(self, truncated: bool = False):
        super().__init__("empty answer")
        self.truncated = truncated


@dataclass(frozen=True)
class Answer:
    """The student's final answer (stripped, without its reasoning), how its reply ended, and the tokens spent."""

    text: str
    reasoning: str | None
    finish_reason: str | None
    truncated: bool
    usage: TokenUsage


@dataclass(frozen=True)
class Verdict:
    """The judge's grading of one answer; ``first_reply`` is kept only when it had to be asked again.

    ``reply`` is the judge's final content (its reasoning, if any, is ``reasoning``);
    ``finish_reason`` that of its last reply.
    """

    score: int | float
    reply: str
    first_reply: str | None
    unreadable: bool
    usage: TokenUsage
    finish_reason: str | None = None
    reasoning: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class Annotator:
    """Everything a sequence needs to ask and grade: the ``annotator`` of the seed's API.

    ``client`` is the shared LLMClient; ``student`` and ``judge`` are the two
    endpoints (role, base URL, model, key, extra body fields);
    ``temperature``/``max_tokens`` sample the student and
    ``judge_temperature``/``judge_max_tokens`` the judge (a temperature of None
    is left out of requests); ``check_empty`` re-asks an empty answer once and,
    if it stays empty, stops the sequence there instead of grading it. The
    student's reasoning (``reasoning_content``, ``<think>``...) is kept in the
    record, never shown to the judge nor in the student's later history.
    """

    client: LLMClient
    student: Endpoint
    judge: Endpoint
    temperature: float | None = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS
    check_empty: bool = True
    judge_temperature: float | None = JUDGE_TEMPERATURE
    judge_max_tokens: int = JUDGE_MAX_TOKENS

    def answer(self, messages: list[dict]) -> Answer:
        """The student's final answer (stripped), how it ended, and the tokens it took."""
        replies = [self._ask(self.student, messages, self.temperature, self.max_tokens)]
        if self.check_empty and not replies[0].text.strip():
            cut = " (cut by its token limit: raise --max-tokens-client)" if replies[0].truncated else ""
            log.warning("client: %s returned an empty answer%s; asking once more", self.student.model, cut)
            replies.append(self._ask(self.student, messages, self.temperature, self.max_tokens))
        last = replies[-1]
        usage = add_usage(*[reply.usage for reply in replies])
        return Answer(last.text.strip(), last.reasoning, last.finish_reason, last.truncated, usage)

    def grade(self, criteria: str, question: str, answer: str) -> Verdict:
        """EvaLearn's 0/1 verdict, asking once more when the reply holds none; never a silent 0."""
        messages = build_judge_messages(criteria, question, answer)
        first = self._ask(self.judge, messages, self.judge_temperature, self.judge_max_tokens)
        score, parsed = parse_answer_score(first.text.strip())
        if parsed:
            return Verdict(
                score, first.text.strip(), None, False, add_usage(first.usage), *_ending(first), first.truncated
            )
        log.warning("judge reply held no answer_score verdict; asking once more")
        retry = self._ask(
            self.judge,
            build_judge_retry_messages(messages, first.text.strip()),
            self.judge_temperature,
            self.judge_max_tokens,
        )
        score, parsed = parse_answer_score(retry.text.strip())
        return Verdict(
            score if parsed else 0,
            retry.text.strip(),
            first.text.strip(),
            not parsed,
            add_usage(first.usage, retry.usage),
            *_ending(retry),
            retry.truncated,
        )

    def _ask(self, endpoint: Endpoint, messages: list[dict], temperature: float | None, max_tokens: int) -> ChatReply:
        return self.client.chat(endpoint, messages, temperature, max_tokens)


def _ending(reply: ChatReply) -> tuple[str | None, str | None]:
    return reply.finish_reason, reply.reasoning

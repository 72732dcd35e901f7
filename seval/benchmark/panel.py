"""Grading one answer with the evaluation model, or with a panel of them.

Every judge grades every answer; an unreadable verdict is asked for once
more in a follow-up turn, then recorded as missing (scored 0 in the
aggregate, never silently). ``aggregate`` combines the panel's verdicts
into one score.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from seval import verdict
from seval.benchmark.prompts import build_judge_prompt, build_judge_retry_prompt
from seval.benchmark.records import JudgeVerdict
from seval.client.core import LLMClient
from seval.records import TokenUsage, add_usage
from seval.verdict import read_score_verdict

log = logging.getLogger(__name__)

NO_VERDICT = "no readable verdict in the judge's reply, even when asked once more"
CONTRADICTORY_VERDICTS = "contradictory verdicts in the judge's reply, even when asked once more"
ERRORS = {verdict.NO_VERDICT: NO_VERDICT, verdict.CONTRADICTORY: CONTRADICTORY_VERDICTS}
CUT_HINT = "its reply was cut by its token limit (finish_reason 'length'): raise --max-tokens-evaluation"


@dataclass(frozen=True)
class PanelResult:
    """The panel's score for one answer, each judge's verdict, and the tokens spent."""

    score: float
    verdicts: list[JudgeVerdict]
    usage: TokenUsage

    @property
    def judge_error(self) -> str | None:
        failed = [judged for judged in self.verdicts if judged.score is None]
        if not failed:
            return None
        if len(self.verdicts) == 1:
            return failed[0].error or NO_VERDICT
        cut = f"; {CUT_HINT}" if any(judged.truncated for judged in failed) else ""
        return f"{NO_VERDICT} ({', '.join(judged.model for judged in failed)}){cut}"


AGGREGATIONS = ("majority", "mean", "unanimous")


def aggregate(verdicts: list[float | None], how: str) -> float:
    """The panel's score for one answer.

    majority: 1 when more than half the judges say correct (a tie is incorrect);
    mean: the share of judges saying correct; unanimous: 1 only when all do.
    """
    votes = [verdict or 0.0 for verdict in verdicts]
    if how == "majority":
        return 1.0 if sum(votes) * 2 > len(votes) else 0.0
    if how == "mean":
        return sum(votes) / len(votes)
    if how == "unanimous":
        return 1.0 if all(vote == 1.0 for vote in votes) else 0.0
    raise ValueError(f"unknown aggregation {how!r}; expected one of {', '.join(AGGREGATIONS)}")


class JudgePanel:
    """One or more evaluation endpoints (``RoleSettings``) and how their verdicts combine."""

    def __init__(self, client: LLMClient, judges: list, aggregation: str = "majority"):
        self.client = client
        self.judges = judges
        self.aggregation = aggregation

    def grade(
        self,
        reasoning_type: str,
        difficulty: int,
        question: str,
        answer: str,
        reference_answer: str | None = None,
        priority: int = 1,
    ) -> PanelResult:
        """Every judge's verdict on ``answer`` and the panel's aggregate score."""
        messages = build_judge_prompt(reasoning_type, difficulty, question, answer, reference_answer)
        verdicts, usage = [], TokenUsage()
        for judge in self.judges:
            verdict, spent = self._one_verdict(judge, messages, priority)
            verdicts.append(verdict)
            usage = add_usage(usage, spent)
        score = aggregate([verdict.score for verdict in verdicts], self.aggregation)
        return PanelResult(score=score, verdicts=verdicts, usage=usage)

    def _one_verdict(self, judge, messages: list[dict], priority: int) -> tuple[JudgeVerdict, TokenUsage]:
        endpoint = judge.endpoint
        reply = self.client.chat(endpoint, messages, judge.temperature, judge.max_tokens, priority)
        usage = add_usage(reply.usage)
        replies, thoughts = [reply.text], [reply.reasoning]
        parsed = read_score_verdict(reply.text)
        if isinstance(parsed, str):
            log.warning("%s gave %s; asking once more", endpoint.model, parsed)
            retry_messages = build_judge_retry_prompt(messages, reply.text, parsed)
            retry = self.client.chat(endpoint, retry_messages, judge.temperature, judge.max_tokens, priority)
            usage = add_usage(usage, retry.usage)
            replies.append(retry.text)
            thoughts.append(retry.reasoning)
            parsed = read_score_verdict(retry.text)
            reply = retry
        reply_text = "\n\n---\n\n".join(replies)
        reasoning = "\n\n---\n\n".join(thought for thought in thoughts if thought) or None
        ending = {"reasoning": reasoning, "finish_reason": reply.finish_reason, "truncated": reply.truncated}
        if isinstance(parsed, str):
            error = f"{ERRORS[parsed]}: {CUT_HINT}" if reply.truncated else ERRORS[parsed]
            return JudgeVerdict(model=endpoint.model, score=None, reply=reply_text, error=error, **ending), usage
        return JudgeVerdict(
            model=endpoint.model, score=parsed.score, rationale=parsed.rationale, reply=reply_text, **ending
        ), usage

"""Making one question fit to use: generate, check novelty, validate its reference.

A question is regenerated (at most ``MAX_EXTRA_TRIES`` more times) when it is
too similar to an earlier question of its type, or when ``--validate`` is on
and the evaluation model's own solution disagrees with its reference answer.
Each retry names the turned-down attempt in the prompt, so it is a new
request (and a new question) rather than the same one again. What is still
unfit after the last try is kept, flagged, and left out of every score.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from seval.benchmark.novelty import most_similar, tfidf_similarities
from seval.benchmark.panel import JudgePanel
from seval.benchmark.prompts import (
    build_answer_prompt,
    build_generation_prompt,
    clean_generated_question,
    parse_generated,
)
from seval.benchmark.records import QuestionChecks
from seval.benchmark.scoring import is_correct
from seval.client.core import LLMClient
from seval.errors import EndpointError
from seval.records import TokenUsage, add_usage

MAX_EXTRA_TRIES = 2
log = logging.getLogger(__name__)

NOT_VERIFIED = "unverified: the evaluation model's own solution disagreed with the reference answer"
NO_REFERENCE = "unverified: the generator gave no reference answer to check"
NO_VALIDATION_VERDICT = "unverified: no readable verdict on the evaluation model's own solution"
NO_SOLUTION = (
    "unverified: the evaluation model's own solution was empty (cut by its token limit? raise --max-tokens-evaluation)"
)


@dataclass(frozen=True)
class QuestionPolicy:
    """What a question must pass before it is used."""

    reference_answers: bool = True
    validate: bool = False
    novelty_threshold: float | None = 0.85  # None: no novelty check
    similarities: Callable[[str, list[str]], np.ndarray] = tfidf_similarities


@dataclass(frozen=True)
class MadeQuestion:
    """The question, what was checked, and the tokens of the generation and evaluation roles."""

    question: str
    checks: QuestionChecks
    usage: TokenUsage
    validation_usage: TokenUsage


class QuestionMaker:
    """Produces the question for one cell position, following a ``QuestionPolicy``."""

    def __init__(
        self, client: LLMClient, generator, solver, panel: JudgePanel, policy: QuestionPolicy, priority: int = 0
    ):
        self.client = client
        self.generator = generator  # RoleSettings of the generation role
        self.solver = solver  # RoleSettings of the (first) evaluation model, which solves to validate
        self.panel = panel
        self.policy = policy
        self.priority = priority

    def make(self, reasoning_type: str, difficulty: int, same_cell: list[str], other_cells: list[str]) -> MadeQuestion:
        """A question for the next position of a cell, with what was checked about it."""
        rejected: list[tuple[str, str]] = []
        usage, validation_usage = TokenUsage(), TokenUsage()
        for attempt in range(1, MAX_EXTRA_TRIES + 2):
            last_try = attempt == MAX_EXTRA_TRIES + 1
            question, reference, reply = self._generate(reasoning_type, difficulty, same_cell, other_cells, rejected)
            usage = add_usage(usage, reply.usage)
            checks = QuestionChecks(
                reference_answer=reference, attempts=attempt, generation_finish_reason=reply.finish_reason
            )
            reason = self._novelty(question, other_cells + same_cell, checks)
            if reason and not last_try:
                rejected.append((question, reason))
                continue
            if self.policy.validate and not reason:  # a near-duplicate on its last try is out anyway
                invalid, spent = self._validate(reasoning_type, difficulty, question, reference, checks)
                validation_usage = add_usage(validation_usage, spent)
                reason = reason or invalid
                if invalid and not last_try:
                    rejected.append((question, invalid))
                    continue
            checks.excluded_reason = reason
            return MadeQuestion(question, checks, usage, validation_usage)
        raise AssertionError("unreachable: the last try always returns")

    def _generate(self, reasoning_type, difficulty, same_cell, other_cells, rejected):
        role = self.generator
        messages = build_generation_prompt(
            reasoning_type, difficulty, same_cell, other_cells, self.policy.reference_answers, rejected
        )
        reply = self.client.chat(role.endpoint, messages, role.temperature, role.max_tokens, self.priority)
        if self.policy.reference_answers:
            question, reference = parse_generated(reply.text)
        else:
            question, reference = clean_generated_question(reply.text), None
        if not question:
            why = (
                f" (its reply was cut by its token limit, finish_reason {reply.finish_reason!r}: raise "
                f"--max-tokens-generation, now {role.max_tokens})"
                if reply.truncated
                else ""
            )
            raise EndpointError(
                f"generation: {role.endpoint.model} returned an empty question for {reasoning_type} at "
                f"difficulty {difficulty}{why}; rerun the same command to try again"
            )
        if reply.truncated:
            log.warning(
                "generation: a %s question at difficulty %d was cut by the token limit; raise --max-tokens-generation",
                reasoning_type,
                difficulty,
            )
        return question, reference, reply

    def _novelty(self, question: str, earlier: list[str], checks: QuestionChecks) -> str | None:
        """Store the closest earlier question; the reason to turn this one down, if it is too close."""
        if self.policy.novelty_threshold is None or not earlier:
            return None
        similarity, similar = most_similar(question, earlier, self.policy.similarities)
        checks.similarity, checks.similar_to = round(similarity, 4), similar
        if similarity > self.policy.novelty_threshold:
            return f"near-duplicate: similarity {similarity:.2f} to an earlier question of the type"
        return None

    def _validate(self, reasoning_type, difficulty, question, reference, checks) -> tuple[str | None, TokenUsage]:
        """Solve with the evaluation model and grade that against the reference."""
        if reference is None:
            checks.validation = "unverified"
            return NO_REFERENCE, TokenUsage()
        solver = self.solver
        solution = self.client.chat(
            solver.endpoint, build_answer_prompt(question), solver.temperature, solver.max_tokens, self.priority
        )
        checks.validation_answer, checks.validation_finish_reason = solution.text, solution.finish_reason
        if not solution.text.strip():  # nothing to compare with the reference: not a disagreement
            checks.validation = "unverified"
            return NO_SOLUTION, add_usage(solution.usage)
        graded = self.panel.grade(reasoning_type, difficulty, question, solution.text, reference, self.priority)
        checks.validation = "verified" if is_correct(graded.score) else "unverified"
        usage = add_usage(solution.usage, graded.usage)
        if checks.validation == "verified":
            return None, usage
        if all(verdict.score is None for verdict in graded.verdicts):
            return NO_VALIDATION_VERDICT, usage  # the judges said nothing: not a disagreement
        return NOT_VERIFIED, usage

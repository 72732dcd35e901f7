"""A resumed comparison keeps its answering models once any has answered; before that, the given ones are taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from seval.benchmark.planning import resumed_plan
from seval.benchmark.records import ItemStep, QuestionStep, RunPlan
from seval.benchmark.settings import RoleSettings, RunSettings
from seval.client.endpoints import Endpoint
from seval.errors import UsageError


def role(role_name: str, model: str) -> RoleSettings:
    return RoleSettings(Endpoint(role=role_name, base_url="http://h/v1", model=model), 0.5, 100)


def settings(*answering: str) -> RunSettings:
    answerers = tuple(role("answering", model) for model in answering)
    roles = {"generation": role("generation", "g"), "answering": answerers[0], "evaluation": role("evaluation", "j")}
    return RunSettings(roles=roles, out_dir=Path("out"), answerers=answerers)


PLAN = RunPlan(
    run_id=1,
    started_at="t",
    difficulty_start=1,
    difficulty_end=1,
    num_questions_per_cell=1,
    endpoint_generation="http://h/v1",
    endpoint_answering="http://h/v1",
    endpoint_evaluation="http://h/v1",
    model_generation="g",
    model_answering="a,b",
    model_evaluation="j",
    reasoning_types=["logic"],
    n=1,
    alpha=0.3,
)
QUESTION = QuestionStep(reasoning_type="logic", difficulty=1, question_index=1, question="q", created_at="t")
ANSWER = ItemStep(
    reasoning_type="logic", difficulty=1, question_index=1, model="a", answer="x", score=1.0, created_at="t"
)


def test_models_that_have_answered_are_kept():
    with pytest.raises(UsageError, match="--model-answering 'a,b' \\(now 'a'\\)"):
        resumed_plan(settings("a"), [PLAN, QUESTION, ANSWER])
    assert resumed_plan(settings("a", "b"), [PLAN, QUESTION, ANSWER]) == PLAN


def test_before_any_answer_the_models_given_now_are_taken():
    plan = resumed_plan(settings("a", "c"), [PLAN, QUESTION])
    assert plan.answering_models == ["a", "c"]

"""A resumed run keeps its plan: models and sampling of the roles that have answered; the rest is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from seval.benchmark.planning import ignored_flags, resumed_plan, sampling_of
from seval.benchmark.records import ItemStep, QuestionStep, RunPlan
from seval.benchmark.settings import RoleSettings, RunSettings
from seval.client.endpoints import Endpoint
from seval.errors import UsageError


def role(role_name: str, model: str, temperature: float | None = 0.5) -> RoleSettings:
    return RoleSettings(Endpoint(role=role_name, base_url="http://h/v1", model=model), temperature, 100)


def settings(*answering: str, temperature: float | None = 0.5, samples: int = 1) -> RunSettings:
    answerers = tuple(role("answering", model, temperature) for model in answering)
    roles = {"generation": role("generation", "g"), "answering": answerers[0], "evaluation": role("evaluation", "j")}
    return RunSettings(
        roles=roles, out_dir=Path("out"), reasoning_types=("logic",), answerers=answerers, samples=samples
    )


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


def test_a_role_that_has_answered_keeps_how_it_was_asked():
    planned = PLAN.model_copy(update={"sampling": sampling_of(settings("a", "b"))})
    with pytest.raises(UsageError, match="answering:a was asked with temperature 0.5 \\(now 1.9\\)"):
        resumed_plan(settings("a", "b", temperature=1.9), [planned, QUESTION, ANSWER])
    assert resumed_plan(settings("a", "b"), [planned, QUESTION, ANSWER]) == planned


def test_before_any_answer_the_sampling_given_now_is_taken_and_overridden_flags_are_named():
    planned = PLAN.model_copy(update={"sampling": sampling_of(settings("a", "b"))})
    resumed = resumed_plan(settings("a", "b", temperature=None), [planned, QUESTION])
    assert resumed.sampling["answering:b"]["temperature"] is None
    assert resumed.sampling["generation:g"] == planned.sampling["generation:g"]
    assert ignored_flags(settings("a", "b", samples=3), resumed) == [
        "run 1 resumes with its plan: --samples 3 is ignored (the run has 1)"
    ]

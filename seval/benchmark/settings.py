"""What the user asked a benchmark run to do, as typed settings (built from the flags by ``seval.cli``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seval.benchmark.dataset import DatasetItem
from seval.benchmark.questions import QuestionPolicy
from seval.client.endpoints import Endpoint

ROLES = ("generation", "answering", "evaluation")


@dataclass(frozen=True)
class RoleSettings:
    """Where a role's requests go and how they are sampled (``temperature`` None: left out of requests)."""

    endpoint: Endpoint
    temperature: float | None
    max_tokens: int


@dataclass(frozen=True)
class RunSettings:
    """What the user asked for; a resumed run takes its plan from the journal instead.

    ``judges`` is the evaluation panel (one or more); ``roles["evaluation"]``
    is its first judge, which also solves questions when validating.
    ``answerers`` are the answering models (one or more, each with its own
    endpoint); ``roles["answering"]`` is the first. ``samples`` answers each
    model gives to each question.
    """

    roles: dict[str, RoleSettings]
    out_dir: Path
    n: int = 10
    num_questions: int = 1
    alpha: float = 0.3
    reasoning_types: tuple[str, ...] = ()
    new_cycle: bool = False
    judges: tuple[RoleSettings, ...] = ()
    judge_aggregation: str = "majority"
    policy: QuestionPolicy = field(default_factory=QuestionPolicy)
    replay_items: tuple[DatasetItem, ...] = ()
    replay_source: str | None = None
    exclude_truncated: bool = False
    answerers: tuple[RoleSettings, ...] = ()
    samples: int = 1

    @property
    def panel(self) -> tuple[RoleSettings, ...]:
        return self.judges or (self.roles["evaluation"],)

    @property
    def answering(self) -> tuple[RoleSettings, ...]:
        return self.answerers or (self.roles["answering"],)

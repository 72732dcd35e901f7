"""The benchmark's records, as pydantic models: state, run records and journal events.

* ``BenchmarkState`` is ``state.json``;
* ``RunRecord`` is one line of ``runs.jsonl``: a finished run with its examples;
* ``RunPlan``, ``QuestionStep``, ``ItemStep`` and ``RunFinished`` are the lines
  of a run's journal (``journal_run_NNNN.jsonl``), told apart by ``kind``.

How they are read and written is ``seval.benchmark.store``'s business.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from seval.records import Record, Text, TokenUsage, left_out_at_default

MAX_DIFFICULTY = 10
# A score, a mean of scores or a moving average of them: a finite number from 0 to 1. A hand-edited
# state.json with NaN or 1.5 would otherwise move every later EMA silently.
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


# -- state -------------------------------------------------------------------
class EmaSet(Record):
    """Moving averages of one line of runs."""

    ema: Unit | None = None
    ema_by_reasoning_type: dict[str, Unit] = Field(default_factory=dict)
    ema_by_difficulty: dict[str, Unit] = Field(default_factory=dict)


class BenchmarkState(EmaSet):
    """``state.json``: where the benchmark stands and its moving averages.

    The top-level EMAs are those of generated runs. Replays of a fixed question
    set keep theirs apart in ``replay_emas``, keyed by source and answering
    model, so comparing two models on frozen questions never moves the
    benchmark's own EMAs.
    """

    run_count: int = Field(0, ge=0)
    current_difficulty: int = Field(1, ge=1, le=MAX_DIFFICULTY + 1)
    cycle: int = Field(1, ge=1)
    replay_emas: dict[str, EmaSet] = Field(default_factory=dict)
    # Each answering model's EMAs over the runs it answered since the folder first compared models (every run
    # from then on moves its models' lines). The top-level EMAs keep the folder's history: each run's first model.
    models: dict[str, EmaSet] = left_out_at_default(default_factory=dict)


# -- run records -------------------------------------------------------------
class ExampleTags(Record):
    """Which cell an example belongs to."""

    reasoning_type: str
    difficulty: int = Field(ge=1, le=MAX_DIFFICULTY)
    question_index: int = Field(ge=1)


class JudgeVerdict(Record):
    """One judge's verdict on one answer; ``score`` None when it gave no readable verdict.

    ``reply`` is the judge's final content; its reasoning, if it sent any, is kept apart.
    ``finish_reason`` is that of its last reply (``truncated``: cut by its token limit).
    """

    model: str
    score: float | None
    rationale: str = ""
    reply: str = ""
    error: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    truncated: bool = False


class QuestionChecks(Record):
    """What was checked about a question before it was used."""

    reference_answer: Text | None = None
    validation: Literal["verified", "unverified"] | None = None  # None: --validate was off
    validation_answer: str | None = None  # the evaluation model's own solution, when validated
    similarity: float | None = None  # highest similarity to an earlier question of the type
    similar_to: str | None = None
    attempts: int = 1
    excluded_reason: str | None = None  # set: the question is left out of every score and EMA
    generation_finish_reason: str | None = None  # of the generation call that wrote the question used
    validation_finish_reason: str | None = None  # of the evaluation model's own solution, when validated


class GradedAnswer(Record):
    """One model's answer to a question and how it was graded.

    The same fields make a journal's ``ItemStep`` and a record's ``Example``, and
    are what a list of per-model answers to one question will repeat.
    ``answer`` is the final answer without reasoning (what the judge saw);
    ``reasoning`` what the model thought first, never shown to a judge;
    ``truncated`` when the answer was cut by its token limit. An empty answer is
    not sent to the judge: it scores 0 and is counted apart from wrong answers.
    """

    answer: str
    reasoning: str | None = None
    finish_reason: str | None = None
    truncated: bool = False
    score: float
    rationale: str = ""
    judge_error: str | None = None
    judge_verdicts: list[JudgeVerdict] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.answer.strip()


class ModelAnswer(GradedAnswer):
    """One answering model's graded answer to a question, in a run with several models or samples.

    With several samples, ``samples`` holds each one; ``score`` is their mean and
    the other fields are the first sample's.
    """

    model: str
    samples: list[GradedAnswer] = left_out_at_default(default_factory=list)
    usage: TokenUsage = Field(default_factory=TokenUsage)


class _ExampleHead(Record):
    question: str
    tags: ExampleTags


class Example(GradedAnswer, QuestionChecks, _ExampleHead):
    """One judged question in a run record: the question, what was checked about it, the graded answer."""

    score: float = Field(ge=0.0, le=1.0)
    created_at: str
    excluded: bool = False
    # With several answering models (or samples): one entry per model, in the order named. The fields
    # above stay the first model's, so a reader of single-model records sees what it always saw.
    answers: list[ModelAnswer] = left_out_at_default(default_factory=list)


class RunDescription(Record):
    """What a run is: its range, types, models, endpoints and settings (shared by plan and record)."""

    run_id: int = Field(ge=1)
    started_at: str
    difficulty_start: int
    difficulty_end: int
    num_questions_per_cell: int
    endpoint_generation: str
    endpoint_answering: str
    endpoint_evaluation: str
    model_generation: str
    model_answering: str
    model_evaluation: str
    reasoning_types: list[str]
    n: int
    alpha: float = Field(gt=0.0, le=1.0, allow_inf_nan=False)
    cycle: int = 1
    judge_aggregation: str = "majority"
    reference_answers: bool = False
    validate_questions: bool = False
    novelty_threshold: float | None = None
    replay: bool = False
    replay_source: str | None = None
    exclude_truncated: bool = False  # answers cut by their token limit are left out of the scores
    adaptations: list[str] = Field(default_factory=list)  # parameters a model refused, and what was sent instead
    samples: int = left_out_at_default(1, ge=1)  # answers per model and question (--samples)

    @property
    def answering_models(self) -> list[str]:
        """The answering models in the order named (``model_answering`` lists them comma-separated)."""
        return self.model_answering.split(",")


def replay_key(run: RunDescription, model: str | None = None) -> str:
    """Whose moving averages a replay updates (``replay_emas``): the same questions answered by the same model
    (``model``; the run's first answering model by default)."""
    return f"{run.replay_source} :: {model or run.answering_models[0]}"


class RunRecord(RunDescription):
    """One line of ``runs.jsonl``: a finished run with its examples in round-robin order."""

    ended_at: str
    run_mean_score: Unit | None  # None when every question was excluded
    ema_score: Unit | None
    judge_errors: int = 0
    excluded: int = 0
    truncated: int = 0  # answers cut by their token limit (left out of the scores with exclude_truncated)
    empty_answers: int = 0  # answers that were empty once reasoning was set apart: scored 0, never judged
    usage_by_role: dict[str, TokenUsage] = Field(default_factory=dict)
    ema_by_reasoning_type: dict[str, Unit] = Field(default_factory=dict)  # state's type EMAs after this run
    examples: list[Example]
    usage_by_model: dict[str, TokenUsage] = left_out_at_default(default_factory=dict)  # answering tokens per model


# -- journal -----------------------------------------------------------------
class RunPlan(RunDescription):
    """First journal event: what the run will do, kept so a resume does the same."""

    kind: Literal["plan"] = "plan"
    # A replay's record order is its source's order, which need not be round-robin.
    item_order: list[tuple[int, str, int]] | None = None
    # How each role's model is asked ("answering:MODEL" -> temperature, max_tokens, extra_body), so a resume
    # cannot mix two ways of asking in one run. Empty in journals written before it was kept.
    sampling: dict[str, dict[str, Any]] = Field(default_factory=dict)


class QuestionStep(QuestionChecks):
    """A generated (or replayed) question, journaled before anything is asked about it."""

    kind: Literal["question"] = "question"
    reasoning_type: str
    difficulty: int
    question_index: int
    question: str
    created_at: str
    usage: TokenUsage = Field(default_factory=TokenUsage)
    validation_usage: TokenUsage = Field(default_factory=TokenUsage)  # evaluation-role tokens spent validating


class _ItemHead(Record):
    kind: Literal["item"] = "item"
    reasoning_type: str
    difficulty: int
    question_index: int


class ItemStep(GradedAnswer, _ItemHead):
    """One model's answered and judged question (one sample of it, with ``--samples``).

    ``model`` is None in journals written before several answering models existed: the plan's model.
    """

    model: str | None = None
    sample: int = Field(1, ge=1)
    created_at: str
    answer_usage: TokenUsage = Field(default_factory=TokenUsage)
    judge_usage: TokenUsage = Field(default_factory=TokenUsage)


class RunFinished(Record):
    """Last journal event: the run record was written."""

    kind: Literal["finished"] = "finished"
    run_id: int
    ended_at: str


JournalEvent = Annotated[RunPlan | QuestionStep | ItemStep | RunFinished, Field(discriminator="kind")]
JOURNAL_EVENT: TypeAdapter[JournalEvent] = TypeAdapter(JournalEvent)
RUN_RECORD = TypeAdapter(RunRecord)

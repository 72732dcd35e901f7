"""Turning a finished journal into the run record and the run's EMA updates.

``finish_run``'s writes are each idempotent, so a crash between them is mended
by the next invocation: a run already in runs.jsonl is not appended again, and
a state that already counts the run is not updated again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from statistics import fmean

from seval.benchmark.journal import CellKey, RunJournal
from seval.benchmark.planning import now_iso, record_order
from seval.benchmark.records import (
    BenchmarkState,
    EmaSet,
    Example,
    ExampleTags,
    GradedAnswer,
    ModelAnswer,
    QuestionChecks,
    RunDescription,
    RunFinished,
    RunPlan,
    RunRecord,
    replay_key,
)
from seval.benchmark.scoring import ScoredItem, commit_difficulty, commit_run, counts_in_scores, run_mean
from seval.benchmark.settings import ROLES
from seval.benchmark.store import append_run, save_state
from seval.records import TokenUsage, add_usage


def model_score(journal: RunJournal, cell: CellKey, model: str) -> float | None:
    """A model's score on a cell: the mean of its samples' scores, None when none counts (the question was
    left out as unfit, or, with ``exclude_truncated``, every sample was cut by its token limit)."""
    excluded = bool(journal.questions[cell].excluded_reason)
    counted = [
        item.score
        for item in journal.answers_of(cell)[model]
        if counts_in_scores(excluded, item.truncated, journal.plan.exclude_truncated)
    ]
    return fmean(counted) if counted else None


def scored_items(journal: RunJournal, cells: list[CellKey], model: str | None = None) -> list[ScoredItem]:
    """One model's scores (the first named by default) of the given cells that count in means and EMAs."""
    model = model or journal.plan.answering_models[0]
    scored = ((cell, model_score(journal, cell, model)) for cell in cells)
    return [ScoredItem(cell[1], cell[0], score) for cell, score in scored if score is not None]


def move_model_lines(state: BenchmarkState, models: list[str], move: Callable[[EmaSet, str], EmaSet]) -> BenchmarkState:
    """``state`` with each answering model's line of EMAs moved by ``move(line, model)``, once the folder compares
    models (this run has several, or an earlier one had); else ``state`` as it is."""
    if len(models) == 1 and not state.models:
        return state
    lines = {model: move(state.models.get(model, EmaSet()), model) for model in models}
    return state.model_copy(update={"models": {**state.models, **lines}})


def usage_by_role(journal: RunJournal, cells: list[CellKey]) -> dict[str, TokenUsage]:
    """Tokens per role of ``cells``, every model and sample (the viewer sums an unfinished run's too)."""
    usage = {role: TokenUsage() for role in ROLES}
    for cell in cells:
        question = journal.questions[cell]
        items = [item for samples in journal.answers_of(cell).values() for item in samples]
        usage["generation"] = add_usage(usage["generation"], question.usage)
        usage["answering"] = add_usage(usage["answering"], *[item.answer_usage for item in items])
        judged = [item.judge_usage for item in items]
        usage["evaluation"] = add_usage(usage["evaluation"], *judged, question.validation_usage)
    return usage


def _usage_by_model(journal: RunJournal, cells: list[CellKey]) -> dict[str, TokenUsage]:
    """Answering tokens per model, when the run has several (else empty: the role's figure says it)."""
    if len(journal.plan.answering_models) == 1:
        return {}
    return {
        model: add_usage(*[item.answer_usage for cell in cells for item in journal.answers_of(cell)[model]])
        for model in journal.plan.answering_models
    }


def _graded(journal: RunJournal, cell: CellKey, model: str) -> dict:
    """The graded-answer fields of a model's samples: the first sample's, with the score the run counted (the
    mean of the samples that count; of every sample when none does, as an excluded answer keeps its score)."""
    samples = journal.answers_of(cell)[model]
    first = samples[0].model_dump(include=set(GradedAnswer.model_fields))
    counted = model_score(journal, cell, model)
    return {**first, "score": counted if counted is not None else fmean(item.score for item in samples)}


def _model_answers(journal: RunJournal, cell: CellKey) -> list[ModelAnswer]:
    """One entry per answering model when the run has several models or samples (else none)."""
    plan = journal.plan
    if len(plan.answering_models) == 1 and plan.samples == 1:
        return []
    answers = []
    for model, samples in journal.answers_of(cell).items():
        every = [GradedAnswer(**item.model_dump(include=set(GradedAnswer.model_fields))) for item in samples]
        answers.append(
            ModelAnswer(
                **_graded(journal, cell, model),
                model=model,
                samples=every if plan.samples > 1 else [],
                usage=add_usage(*[item.answer_usage for item in samples]),
            )
        )
    return answers


def example_for(journal: RunJournal, cell: CellKey) -> Example:
    """The example of one cell whose items are all journaled: its own answer fields are the first answering
    model's (its first sample's, with the score the run counted); ``answers`` holds every model's when there are
    several models or samples. (The viewer shows an unfinished run's complete cells with it.)"""
    first_model = journal.plan.answering_models[0]
    question, samples = journal.questions[cell], journal.answers_of(cell)[first_model]
    checks = question.model_dump(include=set(QuestionChecks.model_fields))
    return Example(
        question=question.question,
        tags=ExampleTags(reasoning_type=cell[1], difficulty=cell[0], question_index=cell[2]),
        **checks,
        **_graded(journal, cell, first_model),
        created_at=samples[0].created_at,
        excluded=bool(question.excluded_reason),
        answers=_model_answers(journal, cell),
    )


def build_record(plan: RunPlan, journal: RunJournal, emas_after: EmaSet, ended_at: str) -> RunRecord:
    """The run record, examples in record order (``example_for`` each), derived from the journal."""
    cells = record_order(plan)
    examples = [example_for(journal, cell) for cell in cells]
    return RunRecord(
        **plan.model_dump(include=set(RunDescription.model_fields)),
        ended_at=ended_at,
        run_mean_score=run_mean(scored_items(journal, cells)),
        ema_score=emas_after.ema,
        ema_by_reasoning_type=emas_after.ema_by_reasoning_type,
        judge_errors=sum(1 for e in examples if e.judge_error),
        excluded=sum(1 for e in examples if e.excluded),
        truncated=sum(1 for e in examples if e.truncated),
        empty_answers=sum(1 for e in examples if e.empty),
        usage_by_role=usage_by_role(journal, cells),
        usage_by_model=_usage_by_model(journal, cells),
        examples=examples,
    )


def _replay_emas(emas: EmaSet, scored: list[ScoredItem], alpha: float) -> EmaSet:
    """A replay line's EMAs after this replay: every difficulty, then the run."""
    for difficulty in sorted({item.difficulty for item in scored}):
        emas = commit_difficulty(emas, difficulty, [i for i in scored if i.difficulty == difficulty], alpha)
    return commit_run(emas, scored, alpha)


def _state_after(state: BenchmarkState, plan: RunPlan, journal: RunJournal) -> tuple[BenchmarkState, EmaSet]:
    """The state once this run counts, and the EMAs the run record reports (the first answering model's)."""
    cells, models = record_order(plan), plan.answering_models
    if not plan.replay:
        after = commit_run(state, scored_items(journal, cells), plan.alpha)
        # Each model's line: its difficulties were committed as they finished.
        after = move_model_lines(
            after, models, lambda line, model: commit_run(line, scored_items(journal, cells, model), plan.alpha)
        )
        return after, after
    # A replay's EMAs live apart, per source and answering model; the benchmark's own do not move.
    replays = dict(state.replay_emas)
    for model in models:
        key = replay_key(plan, model)
        replays[key] = _replay_emas(replays.get(key, EmaSet()), scored_items(journal, cells, model), plan.alpha)
    after = state.model_copy(update={"replay_emas": replays, "run_count": state.run_count + 1})
    return after, replays[replay_key(plan)]


def finish_run(
    out_dir: Path,
    journal: RunJournal,
    state: BenchmarkState,
    runs: list[RunRecord],
    write_outputs: Callable[[RunRecord, BenchmarkState, list[RunRecord]], None] | None = None,
) -> tuple[RunRecord, BenchmarkState]:
    """Write the run record (once), its report (``write_outputs``), commit the run's EMAs, mark the journal finished.

    The report is written before the state counts the run: an interruption in
    between leaves the run unfinished, and the rerun writes the report again.
    """
    plan = journal.plan
    existing = next((record for record in runs if record.run_id == plan.run_id), None)
    counted = state.run_count >= plan.run_id
    after, emas = (state, state) if counted else _state_after(state, plan, journal)
    record = existing or build_record(plan, journal, emas, now_iso())
    if existing is None:
        append_run(out_dir, record)
    if write_outputs is not None and not counted:
        write_outputs(record, after, [run for run in runs if run.run_id != record.run_id] + [record])
    if not counted:
        save_state(out_dir, after)
    if not journal.finished:
        journal.finish(RunFinished(run_id=plan.run_id, ended_at=record.ended_at))
    return record, after

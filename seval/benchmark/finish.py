"""Turning a finished journal into the run record and the run's EMA updates.

``finish_run``'s writes are each idempotent, so a crash between them is mended
by the next invocation: a run already in runs.jsonl is not appended again, and
a state that already counts the run is not updated again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seval.benchmark.journal import CellKey, RunJournal
from seval.benchmark.planning import now_iso, record_order
from seval.benchmark.records import (
    BenchmarkState,
    EmaSet,
    Example,
    ExampleTags,
    GradedAnswer,
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


def scored_items(journal: RunJournal, keys: list[CellKey]) -> list[ScoredItem]:
    """Scores of the given cells, leaving out questions excluded from scoring (and, with
    ``exclude_truncated``, answers cut by their token limit)."""
    exclude_truncated = journal.plan.exclude_truncated
    return [
        ScoredItem(key[1], key[0], journal.items[key].score)
        for key in keys
        if counts_in_scores(
            bool(journal.questions[key].excluded_reason), journal.items[key].truncated, exclude_truncated
        )
    ]


def _usage_by_role(journal: RunJournal, keys: list[CellKey]) -> dict[str, TokenUsage]:
    usage = {role: TokenUsage() for role in ROLES}
    for key in keys:
        question, item = journal.questions[key], journal.items[key]
        usage["generation"] = add_usage(usage["generation"], question.usage)
        usage["answering"] = add_usage(usage["answering"], item.answer_usage)
        usage["evaluation"] = add_usage(add_usage(usage["evaluation"], item.judge_usage), question.validation_usage)
    return usage


def build_record(plan: RunPlan, journal: RunJournal, emas_after: EmaSet, ended_at: str) -> RunRecord:
    """The run record, examples in record order, derived from the journal."""
    keys = record_order(plan)
    examples = []
    for key in keys:
        question, item = journal.questions[key], journal.items[key]
        checks = question.model_dump(include=set(QuestionChecks.model_fields))
        graded = item.model_dump(include=set(GradedAnswer.model_fields))
        examples.append(
            Example(
                question=question.question,
                tags=ExampleTags(reasoning_type=key[1], difficulty=key[0], question_index=key[2]),
                **checks,
                **graded,
                created_at=item.created_at,
                excluded=bool(question.excluded_reason),
            )
        )
    return RunRecord(
        **plan.model_dump(include=set(RunDescription.model_fields)),
        ended_at=ended_at,
        run_mean_score=run_mean(scored_items(journal, keys)),
        ema_score=emas_after.ema,
        ema_by_reasoning_type=emas_after.ema_by_reasoning_type,
        judge_errors=sum(1 for e in examples if e.judge_error),
        excluded=sum(1 for e in examples if e.excluded),
        truncated=sum(1 for e in examples if e.truncated),
        empty_answers=sum(1 for e in examples if e.empty),
        usage_by_role=_usage_by_role(journal, keys),
        examples=examples,
    )


def _state_after(state: BenchmarkState, plan: RunPlan, journal: RunJournal) -> tuple[BenchmarkState, EmaSet]:
    """The state once this run counts, and the EMAs the run record reports."""
    scored = scored_items(journal, record_order(plan))
    if not plan.replay:
        after = commit_run(state, scored, plan.alpha)
        return after, after
    # A replay's EMAs live apart, per source and answering model; the benchmark's own do not move.
    emas = state.replay_emas.get(replay_key(plan), EmaSet())
    for difficulty in sorted({item.difficulty for item in scored}):
        emas = commit_difficulty(emas, difficulty, [i for i in scored if i.difficulty == difficulty], plan.alpha)
    emas = commit_run(emas, scored, plan.alpha)
    replays = {**state.replay_emas, replay_key(plan): emas}
    return state.model_copy(update={"replay_emas": replays, "run_count": state.run_count + 1}), emas


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

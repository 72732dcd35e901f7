"""Deciding what a benchmark invocation does: a new run, an interrupted one, a replay, or nothing.

``preview_run`` works it out from the files alone and writes nothing (it is
what ``--dry-run`` shows); ``start_or_resume`` then opens or creates the run's
journal. An interrupted run always comes first, with the plan it was started
with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from seval.benchmark.consistency import check_journals, check_records
from seval.benchmark.dataset import DatasetItem
from seval.benchmark.journal import CellKey, RunJournal
from seval.benchmark.records import (
    MAX_DIFFICULTY,
    BenchmarkState,
    ItemStep,
    QuestionStep,
    RunFinished,
    RunPlan,
    RunRecord,
)
from seval.benchmark.settings import ROLES, RunSettings
from seval.benchmark.store import journal_path, load_journal, load_runs, load_state, save_state
from seval.errors import DataError, UsageError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunPreview:
    """What the next invocation would do, worked out without writing anything."""

    plan: RunPlan | None  # None: all 10 levels are done and no new cycle was asked for
    state: BenchmarkState  # with a new cycle already applied, when one starts
    runs: list[RunRecord]
    resumed: bool
    items_done: int  # answered-and-judged items (one per cell, answering model and sample)
    warnings: tuple[str, ...]
    events: tuple = ()  # the interrupted run's journal as read, so resuming does not read it again


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_order(plan: RunPlan) -> list[CellKey]:
    """Record order: a replay's source order, else difficulty, types as given, question index."""
    if plan.item_order is not None:
        return [(difficulty, kind, index) for difficulty, kind, index in plan.item_order]
    return [
        (difficulty, kind, index)
        for difficulty in range(plan.difficulty_start, plan.difficulty_end + 1)
        for kind in plan.reasoning_types
        for index in range(1, plan.num_questions_per_cell + 1)
    ]


def sampling_of(settings: RunSettings) -> dict[str, dict]:
    """How each role's models are asked, keyed ``ROLE:MODEL``: what a resume must not change once used."""
    roles = [settings.roles["generation"], *settings.answering, *settings.panel]
    return {
        f"{role.endpoint.role}:{role.endpoint.model}": {
            "temperature": role.temperature,
            "max_tokens": role.max_tokens,
            "extra_body": dict(role.endpoint.extra_body),
        }
        for role in roles
    }


def planned_items(plan: RunPlan) -> int:
    """How many answered-and-judged items the plan makes: each cell, by each answering model, each sample."""
    return len(record_order(plan)) * len(plan.answering_models) * plan.samples


def _models(settings: RunSettings) -> dict[str, str]:
    models = {role: settings.roles[role].endpoint.model for role in ROLES}
    models["answering"] = ",".join(answerer.endpoint.model for answerer in settings.answering)
    models["evaluation"] = ",".join(judge.endpoint.model for judge in settings.panel)
    return models


def _endpoints(settings: RunSettings) -> dict[str, str]:
    urls = {role: settings.roles[role].endpoint.base_url for role in ROLES}
    urls["answering"] = ",".join(dict.fromkeys(answerer.endpoint.base_url for answerer in settings.answering))
    urls["evaluation"] = ",".join(dict.fromkeys(judge.endpoint.base_url for judge in settings.panel))
    return urls


def _plan_for(settings: RunSettings, state: BenchmarkState, run_id: int) -> RunPlan:
    models, urls, policy = _models(settings), _endpoints(settings), settings.policy
    common = dict(
        run_id=run_id,
        started_at=now_iso(),
        n=settings.n,
        alpha=settings.alpha,
        cycle=state.cycle,
        **{f"endpoint_{role}": urls[role] for role in ROLES},
        **{f"model_{role}": models[role] for role in ROLES},
        judge_aggregation=settings.judge_aggregation,
        exclude_truncated=settings.exclude_truncated,
        samples=settings.samples,
        sampling=sampling_of(settings),
    )
    if settings.replay_items:
        return _replay_plan(settings, common)
    return RunPlan(
        **common,
        difficulty_start=state.current_difficulty,
        difficulty_end=min(state.current_difficulty + settings.n - 1, MAX_DIFFICULTY),
        num_questions_per_cell=settings.num_questions,
        reasoning_types=list(settings.reasoning_types),
        reference_answers=policy.reference_answers,
        validate_questions=policy.validate,
        novelty_threshold=policy.novelty_threshold,
    )


def _replay_plan(settings: RunSettings, common: dict) -> RunPlan:
    order = replay_keys(settings.replay_items)
    common.update(model_generation="(replay)", endpoint_generation=settings.replay_source or "")
    return RunPlan(
        **common,
        difficulty_start=min(key[0] for key in order),
        difficulty_end=max(key[0] for key in order),
        num_questions_per_cell=max(key[2] for key in order),
        reasoning_types=list(dict.fromkeys(key[1] for key in order)),
        reference_answers=any(item.reference_answer for item in settings.replay_items),
        replay=True,
        replay_source=settings.replay_source,
        item_order=order,
    )


def replay_keys(items: tuple[DatasetItem, ...]) -> list[CellKey]:
    """A cell key per replayed question, in source order; repeats of a cell get the next index."""
    seen: dict[tuple[int, str], int] = {}
    keys = []
    for item in items:
        cell = (item.difficulty, item.reasoning_type)
        seen[cell] = seen.get(cell, 0) + 1
        keys.append((item.difficulty, item.reasoning_type, seen[cell]))
    return keys


def _roles_with_steps(plan: RunPlan, events: list) -> set[str]:
    """The roles whose model already produced a journaled step of this run."""
    used = set()
    if any(isinstance(event, QuestionStep) for event in events) and not plan.replay:
        used.add("generation")
        if plan.validate_questions:
            used.add("evaluation")  # validation asks the evaluation model too
    if any(isinstance(event, ItemStep) for event in events):
        used.update({"answering", "evaluation"})
    return used


def resumed_plan(settings: RunSettings, events: list) -> RunPlan:
    """The plan an interrupted run resumes with.

    It keeps its original plan; a role whose model has not produced a step
    yet may take the model given now (a mistyped model name must not lock the
    folder), but a role that has answered keeps its model: two models never
    share one run.
    """
    plan = [event for event in events if isinstance(event, RunPlan)][-1]
    if plan.replay != bool(settings.replay_items):
        kind = "a replay" if plan.replay else "a generated run"
        raise UsageError(
            f"run {plan.run_id} ({kind}) was interrupted; finish it first by rerunning the command "
            f"that started it ({'with' if plan.replay else 'without'} --replay)"
        )
    used = _roles_with_steps(plan, events)
    changes: dict[str, object] = {}
    urls = _endpoints(settings)
    for role, given in _models(settings).items():
        planned = getattr(plan, f"model_{role}")
        if planned == given or (role == "generation" and plan.replay):
            continue
        if role in used:
            raise UsageError(
                f"run {plan.run_id} was interrupted and is resumed with its original plan, but it was started with "
                f"--model-{role} {planned!r} (now {given!r}); rerun with the same models, or move "
                f"{journal_path(settings.out_dir, plan.run_id).name} away to abandon that run"
            )
        changes.update({f"model_{role}": given, f"endpoint_{role}": urls[role]})
    sampling = _resumed_sampling(settings, plan, used)
    if sampling != plan.sampling:
        changes["sampling"] = sampling
    return plan.model_copy(update=changes) if changes else plan


def _resumed_sampling(settings: RunSettings, plan: RunPlan, used: set[str]) -> dict[str, dict]:
    """The sampling a resumed run keeps: a role that has answered keeps how it was asked (a change is refused,
    so one run never mixes two ways of asking); a role that has not may take the flags given now."""
    if not plan.sampling:  # a journal from before sampling was kept: nothing to compare with
        return plan.sampling
    kept = dict(plan.sampling)
    for key, now in sampling_of(settings).items():
        role, then = key.split(":", 1)[0], plan.sampling.get(key)
        if role not in used:
            kept[key] = now
        elif then is not None and then != now:
            name = next(field for field in now if now[field] != then.get(field))
            raise UsageError(
                f"run {plan.run_id} was interrupted and is resumed with its original plan, but {key} was asked with "
                f"{name} {then.get(name)!r} (now {now[name]!r}); rerun with the settings it was started with, or "
                f"move {journal_path(settings.out_dir, plan.run_id).name} away to abandon that run"
            )
    return kept


def ignored_flags(settings: RunSettings, plan: RunPlan) -> list[str]:
    """What a resumed run's plan overrides among the flags given now, said rather than silently ignored."""
    given = {
        "--samples": (settings.samples, plan.samples),
        "--exclude-truncated": (settings.exclude_truncated, plan.exclude_truncated),
        "--judge-aggregation": (settings.judge_aggregation, plan.judge_aggregation),
    }
    if not plan.replay:
        given |= {
            "--num-questions": (settings.num_questions, plan.num_questions_per_cell),
            "--reasoning-types": (",".join(settings.reasoning_types), ",".join(plan.reasoning_types)),
            "--validate": (settings.policy.validate, plan.validate_questions),
        }
    return [
        f"run {plan.run_id} resumes with its plan: {flag} {now!r} is ignored (the run has {then!r})"
        for flag, (now, then) in given.items()
        if now != then
    ]


def preview_run(settings: RunSettings) -> RunPreview:
    """Read state, runs and the next run's journal; decide the plan. Writes nothing."""
    out_dir = settings.out_dir
    state = load_state(out_dir)
    runs, runs_warning = load_runs(out_dir)
    next_id = state.run_count + 1
    events, journal_warning = load_journal(journal_path(out_dir, next_id))
    warnings = tuple(w for w in (runs_warning, journal_warning) if w)
    if events and (not isinstance(events[0], RunPlan) or events[0].run_id != next_id):
        raise DataError(
            f"{journal_path(out_dir, next_id)} does not start with the plan of run {next_id}; "
            "move it away to start afresh"
        )
    check_records(out_dir, state, runs)
    check_journals(out_dir, state, runs, events)
    if events and not any(isinstance(event, RunFinished) for event in events):
        plan = resumed_plan(settings, events)
        warnings += tuple(ignored_flags(settings, plan))
        done = RunJournal.from_events(journal_path(out_dir, next_id), next_id, events, writable=False).items_done()
        if plan.cycle > state.cycle:  # the new cycle's plan was journaled, its state not yet saved
            state = state.model_copy(update={"current_difficulty": plan.difficulty_start, "cycle": plan.cycle})
        return RunPreview(plan, state, runs, True, done, warnings, tuple(events))
    if settings.replay_items:
        return RunPreview(_plan_for(settings, state, next_id), state, runs, False, 0, warnings)
    if settings.new_cycle and state.current_difficulty <= MAX_DIFFICULTY:
        # Refused rather than obeyed: a --new-cycle left in a script or config file would
        # otherwise restart the benchmark at difficulty 1 every session.
        raise UsageError(
            f"--new-cycle: cycle {state.cycle} is not finished (next difficulty "
            f"{state.current_difficulty}); run without --new-cycle to continue it"
        )
    if state.current_difficulty > MAX_DIFFICULTY:
        if not settings.new_cycle:
            return RunPreview(None, state, runs, False, 0, warnings)
        state = state.model_copy(update={"current_difficulty": 1, "cycle": state.cycle + 1})
    return RunPreview(_plan_for(settings, state, next_id), state, runs, False, 0, warnings)


def start_or_resume(settings: RunSettings, preview: RunPreview) -> RunJournal | None:
    """Open the interrupted run's journal or start a new one, as ``preview`` decided (None: nothing to run)."""
    for warning in preview.warnings:
        log.warning(warning)
    if preview.plan is None:
        return None
    if preview.resumed:
        path = journal_path(settings.out_dir, preview.plan.run_id)
        journal = RunJournal.from_events(path, preview.plan.run_id, list(preview.events))
        if preview.plan != journal.plan:
            journal.amend(preview.plan)
    else:
        journal = RunJournal.create(settings.out_dir, preview.plan)
    # After the plan: a crash in between leaves a journal whose cycle the resume applies again.
    if preview.state.cycle != load_state(settings.out_dir).cycle:
        save_state(settings.out_dir, preview.state)
    if preview.plan.replay:
        _journal_replay_questions(journal, settings.replay_items)
    return journal


def _journal_replay_questions(journal: RunJournal, items: tuple[DatasetItem, ...]) -> None:
    """A replay's questions go into its journal before any call; a resume adds those an interruption missed."""
    if replay_keys(items) != record_order(journal.plan):
        raise DataError(f"the --replay file no longer holds the questions run {journal.plan.run_id} started with")
    for key, item in zip(record_order(journal.plan), items, strict=True):
        if key in journal.questions:
            continue
        journal.record(
            QuestionStep(
                reasoning_type=key[1],
                difficulty=key[0],
                question_index=key[2],
                question=item.question,
                reference_answer=item.reference_answer,
                validation=item.validation,
                created_at=now_iso(),
            )
        )

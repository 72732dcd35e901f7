"""Executing one benchmark run on the shared client and engine.

Schedule. Reasoning types are independent, so each type's questions are
produced by a chain of its own, in round-robin order within the type
(difficulty, then question index): question k+1 of a cell lists question k
as must-differ, so it waits for it. As soon as a question exists, answering
and judging it are handed to the pool and overlap the next generation. The
main thread commits difficulties to ``state.json`` in order, each as soon as
all of its cells are judged. Every prompt is a pure function of earlier
questions of the same type, so this schedule sends exactly the prompts of a
one-at-a-time run, in any interleaving. A replay has no generation: its
questions are in the journal from the start and only items run.

Durability. Every finished step is journaled (fsynced) before it counts; a
rerun of an interrupted run reuses every journaled step and finishes with the
original plan and run id (see ``run_planning`` and ``run_records``).
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass, replace

from seval.benchmark.finish import finish_run, move_model_lines, scored_items
from seval.benchmark.journal import CellKey, RunJournal
from seval.benchmark.panel import JudgePanel
from seval.benchmark.planning import RunPreview, now_iso, planned_items, preview_run, record_order, start_or_resume
from seval.benchmark.prompts import build_answer_prompt
from seval.benchmark.questions import QuestionMaker
from seval.benchmark.records import BenchmarkState, ItemStep, QuestionStep, RunRecord
from seval.benchmark.scoring import cell_means, commit_difficulty, difficulty_mean
from seval.benchmark.settings import RoleSettings, RunSettings
from seval.benchmark.store import save_state
from seval.client.core import ChatReply, LLMClient
from seval.engine import Engine
from seval.errors import Cancelled
from seval.progress import RunProgress
from seval.records import TokenUsage, add_usage

log = logging.getLogger(__name__)

GENERATION_PRIORITY = 0  # generations are the critical path; item calls use their difficulty (1..10)
EMPTY_ANSWER = "the final answer was empty: scored 0 without asking the judge"


def empty_rationale(answer: ChatReply) -> str:
    """Why an empty answer was not judged, with the flag that helps when its token limit cut it."""
    if answer.truncated:
        reason = answer.finish_reason
        return f"{EMPTY_ANSWER} (cut by its token limit, finish_reason {reason!r}: raise --max-tokens-answering)"
    return EMPTY_ANSWER


def sample_seed(role: RoleSettings, sample: int) -> int:
    """The sampling seed of sample ``sample`` (1-based): the role's own ``seed`` (``--extra-body``) counted on."""
    base = role.endpoint.extra_body.get("seed", 0)
    return (base if isinstance(base, int) else 0) + sample - 1


@dataclass(frozen=True)
class RunOutcome:
    """What a call of ``run_benchmark`` did: ``status`` is 'finished' or 'complete'."""

    status: str
    state: BenchmarkState
    record: RunRecord | None = None


def earlier_questions_by_type(runs: list[RunRecord]) -> dict[str, list[str]]:
    """Questions of finished generated runs per reasoning type, oldest first (the avoid-repeating pool)."""
    by_type: dict[str, list[str]] = {}
    for record in runs:
        if record.replay:
            continue
        for example in record.examples:
            by_type.setdefault(example.tags.reasoning_type, []).append(example.question)
    return by_type


class BenchmarkRun:
    """Executes one planned run: question chains, answer-and-judge items, ordered commits."""

    def __init__(
        self,
        settings: RunSettings,
        client: LLMClient,
        engine: Engine,
        journal: RunJournal,
        state: BenchmarkState,
        history: dict[str, list[str]],
        progress: RunProgress | None = None,
    ):
        self.settings = settings
        self.client = client
        self.engine = engine
        self.journal = journal
        self.plan = journal.plan
        self.state = state
        self.history = history
        self.progress = progress
        self.panel = JudgePanel(client, list(settings.panel), self.plan.judge_aggregation)
        # A resumed run checks questions as its plan says, whatever this invocation's flags are.
        policy = replace(
            settings.policy,
            reference_answers=self.plan.reference_answers,
            validate=self.plan.validate_questions,
            novelty_threshold=self.plan.novelty_threshold,
        )
        self.maker = QuestionMaker(
            client, settings.roles["generation"], settings.panel[0], self.panel, policy, GENERATION_PRIORITY
        )
        self._item_futures: list[Future] = []
        self._futures_lock = threading.Lock()
        # The plan's answering models, each with its endpoint and sampling (a resumed run keeps its plan's models).
        self.answerers = {answerer.endpoint.model: answerer for answerer in settings.answering}

    # -- chains and steps -----------------------------------------------------
    def type_chain(self, reasoning_type: str) -> None:
        """Produce this type's questions in order; hand each to the pool for answering."""
        asked_this_run: list[str] = []
        for difficulty in range(self.plan.difficulty_start, self.plan.difficulty_end + 1):
            same_cell: list[str] = []
            for index in range(1, self.plan.num_questions_per_cell + 1):
                key = (difficulty, reasoning_type, index)
                step = self.journal.questions.get(key)
                if step is None:
                    other_cells = self.history.get(reasoning_type, []) + asked_this_run
                    step = self.generate(key, same_cell, other_cells)
                self.submit_item(key, step)
                same_cell.append(step.question)
            asked_this_run.extend(same_cell)

    def submit_item(self, key: CellKey, step: QuestionStep) -> None:
        """Hand every answer the cell still needs (each answering model, each sample) to the pool."""
        for cell, model, sample in self.journal.wanted(key):
            if (cell, model, sample) in self.journal.items:
                continue
            future = self.engine.submit(self.answer_and_judge, key, step, self.answerers[model], sample)
            with self._futures_lock:
                self._item_futures.append(future)

    def generate(self, key: CellKey, same_cell: list[str], other_cells: list[str]) -> QuestionStep:
        difficulty, reasoning_type, index = key
        self.engine.check()
        made = self.maker.make(reasoning_type, difficulty, same_cell, other_cells)
        step = QuestionStep(
            reasoning_type=reasoning_type,
            difficulty=difficulty,
            question_index=index,
            question=made.question,
            created_at=now_iso(),
            usage=made.usage,
            validation_usage=made.validation_usage,
            **made.checks.model_dump(),
        )
        self.journal.record(step)
        return step

    def answer_and_judge(self, key: CellKey, step: QuestionStep, role: RoleSettings, sample: int = 1) -> None:
        """One answering model's answer to a question (one sample of it), graded by the panel, then journaled."""
        difficulty, reasoning_type, index = key
        answer = self.client.chat(
            role.endpoint,
            build_answer_prompt(step.question),
            role.temperature,
            role.max_tokens,
            priority=difficulty,
            seed=sample_seed(role, sample) if self.plan.samples > 1 else None,
        )
        self.engine.check()
        if answer.text.strip():  # the final answer alone: the model's reasoning never reaches the judge
            graded = self.panel.grade(
                reasoning_type, difficulty, step.question, answer.text, step.reference_answer, priority=difficulty
            )
            score, rationale, verdicts = graded.score, graded.verdicts[0].rationale, graded.verdicts
            judge_error, judge_usage = graded.judge_error, graded.usage
        else:  # nothing to grade: 0, counted as empty rather than wrong, and no judge call spent on it
            score, rationale, verdicts, judge_error, judge_usage = 0.0, empty_rationale(answer), [], None, TokenUsage()
        self.journal.record(
            ItemStep(
                reasoning_type=reasoning_type,
                difficulty=difficulty,
                question_index=index,
                model=role.endpoint.model,
                sample=sample,
                answer=answer.text,
                reasoning=answer.reasoning,
                finish_reason=answer.finish_reason,
                truncated=answer.truncated,
                score=score,
                rationale=rationale,
                judge_error=judge_error,
                judge_verdicts=verdicts,
                created_at=now_iso(),
                answer_usage=add_usage(answer.usage),
                judge_usage=judge_usage,
            )
        )
        if self.progress is not None:
            self.progress.advance()

    # -- the run ---------------------------------------------------------------
    def execute(self) -> BenchmarkState:
        """Run every chain and commit difficulties in order; raise the first failure."""
        if self.plan.replay:
            chains = []
            for key in record_order(self.plan):
                self.submit_item(key, self.journal.questions[key])
        else:
            chains = [self.engine.submit(self.type_chain, kind) for kind in self.plan.reasoning_types]
        order = record_order(self.plan)
        for difficulty in range(self.plan.difficulty_start, self.plan.difficulty_end + 1):
            keys = [key for key in order if key[0] == difficulty]
            done = self.engine.wait_until(self.journal.changed, functools.partial(self.journal.has_items, keys))
            if not done:
                break
            if not self.plan.replay and self.state.current_difficulty == difficulty:
                self.commit(difficulty, keys)
        self.engine.wait_for(chains)
        with self._futures_lock:
            items = list(self._item_futures)
        self.engine.wait_for(items)
        self.note_adaptations()
        self.engine.raise_failure()
        if self.engine.stopping:
            raise Cancelled()
        return self.state

    def note_adaptations(self) -> None:
        """Keep what the client adapted to (parameters a model refused) in the run's plan, for the record and report;
        in the journal, so a resumed run still reports what an earlier session adapted to."""
        learned = [note for note in self.client.adaptation_notes if note not in self.plan.adaptations]
        if learned:
            self.plan = self.plan.model_copy(update={"adaptations": [*self.plan.adaptations, *learned]})
            self.journal.amend(self.plan)

    def commit(self, difficulty: int, keys: list[CellKey]) -> None:
        scored = scored_items(self.journal, keys)
        self.state = move_model_lines(
            commit_difficulty(self.state, difficulty, scored, self.plan.alpha),
            self.plan.answering_models,
            lambda line, model: commit_difficulty(
                line, difficulty, scored_items(self.journal, keys, model), self.plan.alpha
            ),
        )
        save_state(self.settings.out_dir, self.state)
        ema = self.state.ema_by_difficulty.get(str(difficulty))
        if scored:  # the mean of cell means, as the EMA and the report use
            log.info(
                "difficulty %d done: mean %.3f, EMA %.3f",
                difficulty,
                difficulty_mean(cell_means(scored), difficulty),
                ema,
            )
        else:
            log.warning("difficulty %d done, but every question was excluded: its EMA is unchanged", difficulty)
        if self.progress is not None and difficulty < self.plan.difficulty_end:
            self.progress.set_status(f"difficulty {difficulty + 1}")


def run_benchmark(
    settings: RunSettings, client: LLMClient, engine: Engine, preview: RunPreview | None = None, write_outputs=None
) -> RunOutcome:
    """Run (or resume) one benchmark run to its end and write its record, report and state.

    ``preview`` is what ``preview_run(settings)`` decided (worked out here when not given).
    ``write_outputs(record, state_after, runs)`` writes the report; it runs
    before the state counts the run (see ``finish.finish_run``).
    """
    preview = preview or preview_run(settings)
    journal = start_or_resume(settings, preview)
    state, runs, resumed = preview.state, preview.runs, preview.resumed
    if journal is None:
        return RunOutcome(status="complete", state=state)
    plan = journal.plan
    total = planned_items(plan)
    if resumed:
        log.warning(
            "resuming interrupted run %d (difficulties %d-%d, %d of %d items already done)",
            plan.run_id,
            plan.difficulty_start,
            plan.difficulty_end,
            journal.items_done(),
            total,
        )
    with RunProgress(client, total, f"run {plan.run_id}", done=journal.items_done()) as progress:
        progress.set_status(
            "replay" if plan.replay else f"difficulty {max(state.current_difficulty, plan.difficulty_start)}"
        )
        run = BenchmarkRun(settings, client, engine, journal, state, earlier_questions_by_type(runs), progress)
        state = run.execute()
    record, state = finish_run(settings.out_dir, journal, state, runs, write_outputs)
    return RunOutcome(status="finished", state=state, record=record)

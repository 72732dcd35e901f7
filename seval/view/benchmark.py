"""A benchmark output folder's records -> the page's data: runs, items (one per example), models.

Finished runs come from ``runs.jsonl``; their journals add what the run records do not keep (the
tokens each question, answer and verdict took). A run whose journal has no record yet (interrupted,
or still running) is shown with the items it has judged so far, marked unfinished.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from seval.benchmark.finish import example_from_steps
from seval.benchmark.journal import CellKey, step_key
from seval.benchmark.planning import record_order
from seval.benchmark.records import (
    BenchmarkState,
    Example,
    ItemStep,
    QuestionStep,
    RunDescription,
    RunFinished,
    RunPlan,
    RunRecord,
)
from seval.benchmark.report.markdown import Prices
from seval.benchmark.settings import ROLES
from seval.metrics.core import wilson
from seval.records import TokenUsage, add_usage
from seval.view.data import (
    EXAMPLE_SHOWN,
    cost,
    example_answers,
    finite,
    is_simulated,
    other_fields,
    question_notes,
    question_usage,
    usage,
)


@dataclass
class JournalSteps:
    """A run's journal, indexed: its (latest) plan and the finished steps by cell position."""

    plan: RunPlan | None = None
    questions: dict[CellKey, QuestionStep] = field(default_factory=dict)
    items: dict[CellKey, ItemStep] = field(default_factory=dict)
    finished: bool = False


def journal_steps(events: list) -> JournalSteps:
    """Index a journal's events (a later step for the same cell replaces an earlier one, as on resume)."""
    steps = JournalSteps()
    for event in events:
        if isinstance(event, RunPlan):
            steps.plan = event
        elif isinstance(event, QuestionStep):
            steps.questions[step_key(event)] = event
        elif isinstance(event, ItemStep):
            steps.items[step_key(event)] = event
        elif isinstance(event, RunFinished):
            steps.finished = True
    return steps


def benchmark_data(
    source: str,
    state: BenchmarkState | None,
    runs: list[RunRecord],
    journals: dict[int, JournalSteps],
    comparisons: dict[int, Any],
    prices: Prices,
) -> dict:
    """The page's data for a benchmark output folder."""
    summaries, items = [], []
    for record in runs:
        steps = journals.get(record.run_id)
        run_items = run_page_items(record, list(enumerate(record.examples, 1)), steps)
        role_usage = {role: record.usage_by_role[role] for role in ROLES if role in record.usage_by_role}
        summary = run_summary(record, run_items, role_usage, prices, comparisons.get(record.run_id))
        summary.update(ended=record.ended_at, mean=record.run_mean_score, ema=record.ema_score)
        summary.update(ema_by_type=dict(record.ema_by_reasoning_type))
        summaries.append(summary)
        items += run_items
    finished = {record.run_id for record in runs}
    for run_id, steps in sorted(journals.items()):
        if run_id in finished or steps.plan is None or steps.finished:
            continue
        keys = [key for key in record_order(steps.plan) if key in steps.questions and key in steps.items]
        examples = [example_from_steps(key, steps.questions[key], steps.items[key]) for key in keys]
        run_items = run_page_items(steps.plan, list(enumerate(examples, 1)), steps)
        summary = run_summary(steps.plan, run_items, _journal_usage(steps, keys), prices, comparisons.get(run_id))
        scored = [example.score for example in examples if not example.excluded]
        summary.update(unfinished=True, planned=len(record_order(steps.plan)), mean=fmean(scored) if scored else None)
        summaries.append(summary)
        items += run_items
    models = list(dict.fromkeys(answer["model"] for item in items for answer in item["answers"]))
    judges = {verdict["model"] for item in items for answer in item["answers"] for verdict in answer["verdicts"]}
    generators = {summary["models"]["generation"] for summary in summaries if not summary["replay"]}
    return {
        "kind": "benchmark",
        "source": source,
        "simulated": is_simulated([*models, *judges, *generators]),
        "state": finite(state.model_dump(mode="json")) if state is not None else None,
        "runs": summaries,
        "types": list(dict.fromkeys(item["type"] for item in items)),
        "difficulties": sorted({item["difficulty"] for item in items}),
        "models": models,
        "accuracy_by_model": accuracy_by_model(items) if len(models) > 1 else [],
        "priced": sorted(prices),
        "items": items,
    }


def run_page_items(run: RunDescription, examples: list[tuple[int, Example]], steps: JournalSteps | None) -> list[dict]:
    """The page's items of one run, ``examples`` numbered by their place in the run record."""
    items = []
    for position, example in examples:
        tags = example.tags
        key = (tags.difficulty, tags.reasoning_type, tags.question_index)
        question_step = steps.questions.get(key) if steps is not None else None
        item_step = steps.items.get(key) if steps is not None else None
        answers = example_answers(example, run.model_answering, item_step)
        outcomes = {answer["outcome"] for answer in answers}
        items.append(
            {
                "id": f"r{run.run_id}-{position}",
                "run": run.run_id,
                "type": tags.reasoning_type,
                "difficulty": tags.difficulty,
                "index": tags.question_index,
                "question": example.question,
                "reference": example.reference_answer,
                "criteria": None,
                "excluded": example.excluded_reason or ("excluded from scoring" if example.excluded else None),
                "notes": question_notes(example, run.novelty_threshold),
                "usage": question_usage(question_step),
                "created": example.created_at,
                "answers": answers,
                "models_disagree": {"correct", "wrong"} <= outcomes,
                "extra": other_fields(example.model_extra or {}, EXAMPLE_SHOWN),
            }
        )
    return items


def run_summary(
    run: RunDescription, items: list[dict], role_usage: dict[str, Any], prices: Prices, comparison: Any
) -> dict:
    """One row of the runs table: what the run was, what it scored, what it spent."""
    answers = [answer for item in items for answer in item["answers"]]
    return {
        "id": run.run_id,
        "started": run.started_at,
        "ended": None,
        "difficulties": [run.difficulty_start, run.difficulty_end],
        "types": list(run.reasoning_types),
        "per_cell": run.num_questions_per_cell,
        "models": {
            "generation": run.model_generation,
            "answering": run.model_answering,
            "evaluation": run.model_evaluation,
        },
        "replay": run.replay,
        "replay_source": run.replay_source,
        "cycle": run.cycle,
        "settings": [
            ["reference answers", "on" if run.reference_answers else "off"],
            ["validation", "on" if run.validate_questions else "off"],
            ["novelty threshold", "-" if run.novelty_threshold is None else f"{run.novelty_threshold:g}"],
            ["judge aggregation", run.judge_aggregation],
            ["alpha", f"{run.alpha:g}"],
        ],
        "items": len(items),
        "planned": len(items),
        "excluded": sum(1 for item in items if item["excluded"]),
        "judge_errors": sum(1 for answer in answers if answer["judge_error"]),
        "mean": None,
        "ema": None,
        "ema_by_type": {},
        "usage": [[role, usage(value), cost(value, prices.get(role))] for role, value in role_usage.items()],
        "accuracy_by_model": accuracy_by_model(items) if len({a["model"] for a in answers}) > 1 else [],
        "comparison": finite(comparison) if comparison is not None else None,
        "unfinished": False,
    }


def accuracy_by_model(items: list[dict]) -> list[dict]:
    """Per answering model: scored answers, correct ones, accuracy and its Wilson 95% interval."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        for answer in item["answers"]:
            if answer["outcome"] != "excluded":
                counts[answer["model"]][0] += 1
                counts[answer["model"]][1] += answer["outcome"] == "correct"
    rows = []
    for model, (n, correct) in counts.items():
        low, high = wilson(correct, n)
        accuracy = correct / n if n else None
        rows.append({"model": model, "n": n, "correct": correct, "accuracy": accuracy, "low": low, "high": high})
    return rows


def _journal_usage(steps: JournalSteps, keys: list[CellKey]) -> dict[str, TokenUsage]:
    """Tokens per role of the judged items of an unfinished run (as ``finish`` sums them for a record)."""
    questions = [steps.questions[key] for key in keys]
    answered = [steps.items[key] for key in keys]
    return {
        "generation": add_usage(*[step.usage for step in questions]),
        "answering": add_usage(*[step.answer_usage for step in answered]),
        "evaluation": add_usage(*[step.judge_usage for step in answered], *[q.validation_usage for q in questions]),
    }

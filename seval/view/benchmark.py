"""A benchmark output folder's records -> the page's data: runs, items (one per example), models.

Finished runs come from ``runs.jsonl``; their journals (read only, ``RunJournal(writable=False)``) add
what the run records do not keep: the tokens each question, answer and verdict took. A run whose journal
has no record yet (interrupted, or still running) is shown with its cells whose every answer is judged
(``finish.example_for``, as its record will hold them), marked unfinished.

The figures are the tools' own: a run's mean is ``scoring.run_mean`` of what its scores count, and each
answering model's accuracy is the run's comparison (``compare``: every sample judged, on the questions every
model answered, Wilson or bootstrap intervals), as its ``comparison_run_NNNN.json`` holds it.
"""

from __future__ import annotations

from typing import Any

from seval.benchmark.finish import example_for, scored_items, usage_by_role
from seval.benchmark.journal import CellKey, RunJournal
from seval.benchmark.planning import record_order
from seval.benchmark.records import BenchmarkState, Example, RunDescription, RunRecord
from seval.benchmark.report.markdown import Prices
from seval.benchmark.scoring import run_mean
from seval.benchmark.settings import ROLES
from seval.compare.build import build_comparison
from seval.compare.run import compares, scores_of_record
from seval.records import TokenUsage
from seval.view.data import (
    EXAMPLE_SHOWN,
    example_answers,
    finite,
    is_simulated,
    other_fields,
    question_notes,
    question_usage,
    usage,
)


def benchmark_data(
    source: str,
    state: BenchmarkState | None,
    runs: list[RunRecord],
    journals: dict[int, RunJournal],
    comparisons: dict[int, Any],
    prices: Prices,
) -> dict:
    """The page's data for a benchmark output folder."""
    summaries, items = [], []
    for record in runs:
        journal = journals.get(record.run_id)
        run_items = run_page_items(record, list(enumerate(record.examples, 1)), journal)
        role_usage = {role: record.usage_by_role[role] for role in ROLES if role in record.usage_by_role}
        summary = run_summary(record, run_items, role_usage, prices, comparisons.get(record.run_id))
        summary["accuracy_by_model"] = accuracy_by_model(record)
        summary.update(ended=record.ended_at, mean=record.run_mean_score, ema=record.ema_score)
        summary.update(ema_by_type=dict(record.ema_by_reasoning_type))
        summary["usage_by_model"] = [[model, usage(value)] for model, value in record.usage_by_model.items()]
        summaries.append(summary)
        items += run_items
    finished = {record.run_id for record in runs}
    for run_id, journal in sorted(journals.items()):
        if run_id in finished or journal.finished:
            continue
        planned = record_order(journal.plan)
        cells = [cell for cell in planned if cell in journal.questions and journal.has_items([cell])]
        examples = [example_for(journal, cell) for cell in cells]
        run_items = run_page_items(journal.plan, list(enumerate(examples, 1)), journal)
        summary = run_summary(journal.plan, run_items, usage_by_role(journal, cells), prices, comparisons.get(run_id))
        summary.update(unfinished=True, planned=len(planned), mean=run_mean(scored_items(journal, cells)))
        summary["accuracy_by_model"] = accuracy_by_model(_so_far(journal.plan, examples))
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
        "priced": sorted(prices),
        "items": items,
    }


def run_page_items(run: RunDescription, examples: list[tuple[int, Example]], journal: RunJournal | None) -> list[dict]:
    """The page's items of one run, ``examples`` numbered by their place in the run record."""
    items = []
    for position, example in examples:
        tags = example.tags
        cell: CellKey = (tags.difficulty, tags.reasoning_type, tags.question_index)
        known = journal is not None and cell in journal.questions
        answers = example_answers(
            example,
            run.answering_models[0],
            journal.answers_of(cell) if journal is not None and known else None,
            run.exclude_truncated,
        )
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
                "usage": question_usage(journal.questions[cell] if journal is not None and known else None),
                "created": example.created_at,
                "answers": answers,
                "models_disagree": {"correct", "wrong"} <= outcomes,
                "extra": other_fields(example.model_extra or {}, EXAMPLE_SHOWN),
            }
        )
    return items


def run_summary(
    run: RunDescription, items: list[dict], role_usage: dict[str, TokenUsage], prices: Prices, comparison: Any
) -> dict:
    """One row of the runs table: what the run was, what it scored, what it spent."""
    answers = [answer for item in items for answer in item["answers"]]
    settings = [
        ["reference answers", "on" if run.reference_answers else "off"],
        ["validation", "on" if run.validate_questions else "off"],
        ["novelty threshold", "-" if run.novelty_threshold is None else f"{run.novelty_threshold:g}"],
        ["judge aggregation", run.judge_aggregation],
        ["alpha", f"{run.alpha:g}"],
        ["samples per model", str(run.samples)],
        ["cut answers", "left out of the scores" if run.exclude_truncated else "scored as given"],
    ]
    settings += [["adapted", note] for note in run.adaptations]
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
        "settings": settings,
        "items": len(items),
        "planned": len(items),
        "excluded": sum(1 for item in items if item["excluded"]),
        "judge_errors": sum(1 for answer in answers if answer["judge_error"]),
        "truncated": sum(1 for answer in answers if answer["truncated"]),
        "empty": sum(1 for answer in answers if answer["empty"]),
        "mean": None,
        "ema": None,
        "ema_by_type": {},
        "usage": [[role, usage(value), value.cost(prices.get(role))] for role, value in role_usage.items()],
        "comparison": finite(comparison) if comparison is not None else None,
        "unfinished": False,
    }


def accuracy_by_model(record: RunRecord) -> list[dict]:
    """Per answering model of a run with several models or samples: judged answers, correct ones, accuracy
    and its 95% interval, from the run's comparison (none for one model answering once)."""
    if not compares(record):
        return []
    models, scores = scores_of_record(record)
    return [
        {
            "model": summary.model,
            "n": summary.answers,
            "correct": summary.correct,
            "accuracy": summary.accuracy,
            "low": summary.wilson_low,
            "high": summary.wilson_high,
            "method": summary.interval_method,
        }
        for summary in build_comparison(models, scores, run_id=record.run_id).models
    ]


def _so_far(plan: RunDescription, examples: list[Example]) -> RunRecord:
    """An unfinished run's record as if it ended with ``examples`` (what its comparison reads)."""
    fields = plan.model_dump(include=set(RunDescription.model_fields))
    return RunRecord(**fields, ended_at="", run_mean_score=None, ema_score=None, examples=examples)

"""A benchmark run with several answering models (or samples): its comparison, judges, costs and warnings.

Everything here is derived from the run record alone, so a report and its
``comparison_run_NNNN.json`` can be rebuilt from ``runs.jsonl`` at any time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from seval.benchmark.records import Example, GradedAnswer, RunRecord
from seval.benchmark.scoring import counts_in_scores, is_correct
from seval.compare.build import QuestionScore, Scores, build_comparison
from seval.compare.records import Comparison
from seval.io.atomic import write_text_atomic
from seval.records import TokenUsage

Prices = dict[str, tuple[float, float]]  # role (or answering:MODEL) -> USD per million (prompt, completion) tokens


def compares(record: RunRecord) -> bool:
    """Whether the run answered with several models or several samples: then it has a comparison."""
    return len(record.answering_models) > 1 or record.samples > 1


def _answers(record: RunRecord, example: Example) -> list[tuple[str, list[GradedAnswer]]]:
    """(model, samples) of every answering model of an example, in the order the models were named."""
    if not example.answers:
        return [(record.answering_models[0], [example])]
    return [(answer.model, answer.samples or [answer]) for answer in example.answers]


def question_scores(record: RunRecord) -> Iterator[tuple[str, Example, QuestionScore]]:
    """(model, example, score) of every answer that counts, leaving out what the run's own scores left out."""
    for example in record.examples:
        for model, samples in _answers(record, example):
            counted = tuple(
                sample.score
                for sample in samples
                if counts_in_scores(example.excluded, sample.truncated, record.exclude_truncated)
            )
            if counted:
                yield model, example, QuestionScore(example.tags.reasoning_type, example.tags.difficulty, counted)


def scores_of_record(record: RunRecord) -> tuple[list[str], Scores]:
    """Each answering model's scores by question (its cell), in the order the models were named."""
    scores: Scores = {model: {} for model in record.answering_models}
    for model, example, score in question_scores(record):
        tags = example.tags
        scores.setdefault(model, {})[f"{tags.difficulty}|{tags.reasoning_type}|{tags.question_index}"] = score
    return list(scores), scores


def comparison_path(out_dir: Path, run_id: int) -> Path:
    """``comparison_run_NNNN.json``, beside the run's report."""
    return out_dir / f"comparison_run_{run_id:04d}.json"


def write_comparison(path: Path, comparison: Comparison) -> None:
    """A comparison as its JSON file (atomic)."""
    write_text_atomic(path, comparison.model_dump_json(indent=2) + "\n")


def price_for(prices: Prices, model: str) -> tuple[float, float] | None:
    """An answering model's price: its own (``answering:MODEL``), else the answering role's."""
    return prices.get(f"answering:{model}", prices.get("answering"))


def comparison_of_run(record: RunRecord, prices: Prices | None = None, seed: int = 0) -> Comparison | None:
    """The run's comparison (None for one model answering once), with costs when prices are given."""
    if not compares(record):
        return None
    models, scores = scores_of_record(record)
    comparison = build_comparison(models, scores, seed=seed, run_id=record.run_id)
    comparison.notes += self_preference_notes(
        record.model_evaluation.split(","), record.answering_models, record.model_generation
    )
    comparison.notes += cut_answer_notes(record)
    add_costs(comparison, {model: answering_usage(record, model) for model in models}, prices or {})
    return comparison


def answering_usage(record: RunRecord, model: str) -> TokenUsage:
    """A model's answering tokens in a run: its own figure with several models, else the role's."""
    if record.usage_by_model:
        return record.usage_by_model.get(model, TokenUsage())
    return record.usage_by_role.get("answering", TokenUsage())


def add_costs(comparison: Comparison, usage: dict[str, TokenUsage], prices: Prices) -> None:
    """Each model's cost and cost per correct answer at ``prices`` (none claimed without a price or usage)."""
    for summary in comparison.models:
        cost = usage[summary.model].cost(price_for(prices, summary.model)) if summary.model in usage else None
        summary.cost_usd = cost
        summary.cost_per_correct_usd = cost / summary.correct if cost is not None and summary.correct else None


def cut_answer_notes(record: RunRecord) -> list[str]:
    """Per model: answers cut by their token limit, empty answers and unreadable verdicts, when there are any.

    The run's own counts are the first model's; these keep the others' in plain sight.
    """
    notes = []
    for model in record.answering_models:
        answers = [s for e in record.examples for m, samples in _answers(record, e) if m == model for s in samples]
        cut, empty = sum(a.truncated for a in answers), sum(a.empty for a in answers)
        unreadable = sum(1 for a in answers if a.judge_error)
        if cut or empty or unreadable:
            notes.append(
                f"{model}: {cut} of {len(answers)} answers cut by their token limit (raise "
                f"--max-tokens-answering, or max-tokens in its config table), {empty} empty, "
                f"{unreadable} without a readable verdict"
            )
    return notes


def self_preference_notes(judges: list[str], answering: list[str], generator: str) -> list[str]:
    """A judge that also answers (or wrote the questions) may favour its own text: said, never hidden."""
    notes = []
    for judge in judges:
        if judge in answering:
            notes.append(
                f"judge {judge} is also an answering model: it grades its own answers, "
                "and judges tend to prefer their own text"
            )
        if judge == generator:
            notes.append(f"judge {judge} also wrote the questions and their reference answers")
    return notes


def accuracy_by_judge(record: RunRecord) -> dict[str, dict[str, float | None]]:
    """With a panel: each answering model's accuracy under each judge's verdict alone (a missing verdict is wrong)."""
    judges = record.model_evaluation.split(",")
    table: dict[str, dict[str, list[float]]] = {m: {j: [] for j in judges} for m in record.answering_models}
    for example in record.examples:
        for model, samples in _answers(record, example):
            counted = [s for s in samples if counts_in_scores(example.excluded, s.truncated, record.exclude_truncated)]
            for judge in judges:
                votes = [_vote(sample, judge) for sample in counted]
                if votes:
                    table.setdefault(model, {}).setdefault(judge, []).append(sum(votes) / len(votes))
    return {
        model: {judge: (sum(v) / len(v) if v else None) for judge, v in row.items()} for model, row in table.items()
    }


def _vote(sample: GradedAnswer, judge: str) -> float:
    verdict = next((v for v in sample.judge_verdicts if v.model == judge), None)
    return 1.0 if verdict is not None and verdict.score is not None and is_correct(verdict.score) else 0.0

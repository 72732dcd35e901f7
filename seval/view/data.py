"""Records -> the page's data: the one place where the records' field names meet the page's.

Every item of the page, benchmark example or sequential position, has one shape: the question
and what was checked about it, then ``answers``, one per answering model, each with its verdicts.
Records gain fields as the tools grow (finish reasons, reasoning, several answering models,
paradigms), and their names may differ from what is expected here: each page field is read from
the first of its names in the tables below that a record holds, and every field no table names is
shown on the item as it is ("other fields"), so a new field is visible before anyone maps it.

Nothing here reads a file; ``build`` does that and hands the records over.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from seval.benchmark.records import Example, ItemStep, JudgeVerdict, QuestionStep
from seval.benchmark.scoring import counts_in_scores, is_correct
from seval.client.replies import TRUNCATION_REASONS
from seval.records import TokenUsage, add_usage

# Page field <- record field names, first present wins (an answer of a benchmark example, of an entry
# of its ``answers`` list when it has several answering models, or of a sequential position).
ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    "model": ("model", "client_model"),
    "text": ("answer", "gpt4res", "text", "content"),
    "reasoning": ("reasoning", "reasoning_content", "thinking"),
    "score": ("score", "answer_score"),
    "finish": ("finish_reason", "stop_reason"),
    "truncated": ("truncated",),
    "judge_error": ("judge_error",),
    "rationale": ("rationale",),  # the grading's own words: why there is no verdict (an empty answer), or the panel's
    "verdicts": ("judge_verdicts", "verdicts"),
    "usage": ("usage", "answer_usage", "client_usage"),
    "judge_usage": ("judge_usage",),
    "samples": ("samples",),
}
# The same for a sequential position, whose problem fields (any names at all) sit beside the answer's:
# only the evaluation's own names are read, so a problem field called ``answer`` is never taken for one.
SEQUENTIAL_ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    **ANSWER_FIELDS,
    "model": ("client_model",),
    "text": ("gpt4res",),
    "score": ("answer_score",),
    "usage": ("client_usage",),
    "rationale": (),
    "verdicts": (),
    "samples": (),
}
# An example's list of answers, one per answering model (the top-level answer is then the first model's).
ANSWERS_FIELDS = ("answers",)
USAGE_COUNTS = (
    ("prompt", "prompt_tokens"),
    ("completion", "completion_tokens"),
    ("total", "total_tokens"),
    ("unreported", "calls_without_usage"),
)
SIMULATED_PREFIX = "sim-"  # the simulated endpoint's model names (seval.sim)

# Fields shown in their own place on the page (never again under "other fields").
ANSWER_SHOWN = frozenset(name for names in ANSWER_FIELDS.values() for name in names)
EXAMPLE_SHOWN = frozenset(set(Example.model_fields) | ANSWER_SHOWN | set(ANSWERS_FIELDS))


# -- plain values --------------------------------------------------------------------------------
def pick(fields: Mapping[str, Any], names: Iterable[str]) -> Any:
    """The value of the first of ``names`` that ``fields`` holds and is not None."""
    for name in names:
        value = fields.get(name)
        if value is not None:
            return value
    return None


def as_text(value: Any) -> str | None:
    """A value as display text: strings as they are, anything else as compact JSON; None stays None."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(finite(value), ensure_ascii=False, default=str)


def finite(value: Any) -> Any:
    """``value`` with every non-finite float made None: the page's JSON must parse in a browser."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def number(value: Any) -> float | None:
    """A finite number, or None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):  # noqa: UP038
        return None
    return value


def usage(value: Any) -> dict[str, int] | None:
    """Token counts as ``{prompt, completion, total, unreported}`` (``unreported``: calls whose endpoint
    reported no usage, so the counts are a lower bound); None when nothing at all is known."""
    if isinstance(value, TokenUsage):  # the common case, read directly (it is every item's, twice)
        return {
            "prompt": value.prompt_tokens,
            "completion": value.completion_tokens,
            "total": value.total_tokens,
            "unreported": value.calls_without_usage,
        }
    if not isinstance(value, Mapping):
        return None
    counts = {page: number(value.get(name)) for page, name in USAGE_COUNTS}
    if all(count is None for count in counts.values()):
        return None
    return {page: int(count or 0) for page, count in counts.items()}


def other_fields(fields: Mapping[str, Any], shown: Iterable[str]) -> list[list[str]]:
    """``[name, text]`` for every field not shown elsewhere on the page (None and empty values left out)."""
    skip = set(shown)
    rows = []
    for name, value in fields.items():
        text = as_text(value)
        if name not in skip and text not in (None, ""):
            rows.append([str(name), text])
    return rows


def is_simulated(models: Iterable[str]) -> bool:
    """Whether every model named is one of the simulated endpoint's (the page then says so)."""
    names = [model for model in models if model]
    return bool(names) and all(name.startswith(SIMULATED_PREFIX) for name in names)


# -- verdicts and answers ------------------------------------------------------------------------
def verdict(
    model: str | None, score: float | None, rationale: str | None, correct: bool | None = None, **more: Any
) -> dict:
    """One judge's verdict as the page shows it; ``correct`` decides it when given (EvaLearn's rule for a
    sequential position), else the benchmark's (``scoring.is_correct``)."""
    if correct is None and score is not None:
        correct = is_correct(score)
    label = "no verdict" if score is None else ("correct" if correct else "incorrect")
    return {"model": model, "score": score, "verdict": label, "rationale": rationale or "", **more}


def benchmark_verdicts(values: Any) -> list[dict]:
    """A benchmark answer's judge verdicts (``JudgeVerdict`` records or plain dicts)."""
    verdicts = []
    for value in values or []:
        fields = dict(value) if isinstance(value, JudgeVerdict) else value
        if not isinstance(fields, Mapping):
            continue
        verdicts.append(
            verdict(
                as_text(fields.get("model")),
                number(fields.get("score")),
                as_text(fields.get("rationale")),
                reply=as_text(fields.get("reply")) or "",
                error=as_text(fields.get("error")),
                reasoning=as_text(fields.get("reasoning")),
                finish=as_text(fields.get("finish_reason")),
                truncated=bool(fields.get("truncated")),
            )
        )
    return verdicts


def answer(
    fields: Mapping[str, Any],
    verdicts: list[dict],
    excluded: bool,
    correct: bool | None = None,
    names: Mapping[str, tuple[str, ...]] = ANSWER_FIELDS,
    exclude_truncated: bool = False,
) -> dict:
    """One model's answer: text, folded reasoning, outcome, flags, verdicts and usage, read by ``names``.

    ``correct`` decides the outcome when given (EvaLearn's rule for sequential positions); otherwise the
    benchmark's (a score above one half). The outcome is "excluded" when the answer does not count in the
    scores (``scoring.counts_in_scores``: its question was left out, or it was cut while
    ``exclude_truncated``).
    """
    value = {page: pick(fields, names[page]) for page in ANSWER_FIELDS}
    score = number(value["score"])
    finish = as_text(value["finish"])
    truncated = bool(value["truncated"])  # as the tool decided it when the reply came, and counted it
    text = as_text(value["text"]) or ""
    if correct is None:
        correct = score is not None and is_correct(score)
    counts = counts_in_scores(excluded, truncated, exclude_truncated)
    judged = [item["verdict"] == "correct" for item in verdicts if item["score"] is not None]
    samples = value["samples"] if isinstance(value["samples"], list) else []
    return {
        "model": as_text(value["model"]) or "",
        "text": text,
        "reasoning": as_text(value["reasoning"]),
        "score": score,
        "outcome": "excluded" if not counts else ("correct" if correct else "wrong"),
        "finish": finish,
        "truncated": truncated,
        # Empty once reasoning was set apart: scored 0 without asking a judge (counted apart from wrong ones).
        "empty": not text.strip(),
        "judge_error": as_text(value["judge_error"]),
        "rationale": as_text(value["rationale"]) or "",
        # An unreadable verdict: the answer's own judge error, or a judge of the panel without a verdict.
        "unreadable": bool(value["judge_error"]) or any(item["score"] is None for item in verdicts),
        "disagree": len(set(judged)) > 1,
        "verdicts": verdicts,
        # Token use where the record (or the run's journal) holds it; "unreported" says when it was not.
        "usage": [
            [label, usage(value[key])]
            for label, key in (("answer", "usage"), ("judging", "judge_usage"))
            if any(name in fields for name in names[key])
        ],
        # With --samples: every sample of this model, graded as the answer is.
        "samples": [
            answer(sample, benchmark_verdicts(sample.get("judge_verdicts")), excluded, None, names, exclude_truncated)
            for sample in (dict(sample) if isinstance(sample, BaseModel) else sample for sample in samples)
            if isinstance(sample, Mapping)
        ],
        "extra": [],
    }


def example_answers(
    example: Example, model: str, steps: Mapping[str, list[ItemStep]] | None, exclude_truncated: bool = False
) -> list[dict]:
    """An example's answers: one per entry of its ``answers`` list (several models or samples), else its
    own (top-level) answer.

    Token use comes from the record when it holds it, else from the run's journal (``steps``: each
    answering model's journaled samples of the example's cell).
    """
    # The record's own fields and extras as they are (nested records stay records, read below): a
    # model_dump of 10,000 examples cost seconds in the records' serializer alone.
    fields = dict(example)
    entries = [dict(entry) if isinstance(entry, BaseModel) else entry for entry in pick(fields, ANSWERS_FIELDS) or []]
    several = isinstance(entries, list) and bool(entries) and all(isinstance(entry, Mapping) for entry in entries)
    if not several:
        entries = [{**fields, "model": fields.get("model") or model}]
    answers = []
    for entry in entries:
        journaled = (steps or {}).get(entry.get("model") or model) or []
        used = {}
        if journaled:
            used = {
                "usage": add_usage(*[step.answer_usage for step in journaled]),
                "judge_usage": add_usage(*[step.judge_usage for step in journaled]),
            }
        own = {**used, **entry}
        verdicts = benchmark_verdicts(pick(own, ANSWER_FIELDS["verdicts"]))
        item = answer(own, verdicts, example.excluded, exclude_truncated=exclude_truncated)
        item["extra"] = other_fields(entry, ANSWER_SHOWN) if several else []
        answers.append(item)
    return answers


def question_notes(example: Example, novelty_threshold: float | None) -> list[list[str]]:
    """What was checked about a question: validation, novelty, attempts, exclusion (``[label, text]``)."""
    notes = []
    if example.validation is not None:
        meaning = {
            "verified": "the evaluation model's own solution agreed with the reference answer",
            "unverified": "the evaluation model's own solution did not agree with the reference answer",
        }
        notes.append(["Validation", f"{example.validation}: {meaning.get(example.validation, '')}".rstrip(": ")])
    if example.validation_answer:
        notes.append(["Validation answer", example.validation_answer])
    if example.similarity is not None:
        limit = "" if novelty_threshold is None else f" (threshold {novelty_threshold:g})"
        closest = f"highest similarity to an earlier question of its type: {example.similarity:.3f}"
        notes.append(["Novelty", closest + limit])
    if example.similar_to:
        notes.append(["Most similar earlier question", example.similar_to])
    if example.attempts > 1:
        notes.append(["Attempts", f"{example.attempts} (regenerated {example.attempts - 1} time(s))"])
    if example.excluded_reason:
        notes.append(["Excluded", f"{example.excluded_reason}; left out of every score and EMA"])
    for label, finish in (
        ("Generation finish reason", example.generation_finish_reason),
        ("Validation finish reason", example.validation_finish_reason),
    ):
        if finish:
            notes.append([label, finish + (" (cut by its token limit)" if finish in TRUNCATION_REASONS else "")])
    return notes


def question_usage(step: QuestionStep | None) -> list[list[Any]]:
    """Tokens spent making and checking a question, from the run's journal (none recorded: nothing)."""
    if step is None:
        return []
    rows: list[list[Any]] = []
    for label, value in (("generation", step.usage), ("validation", step.validation_usage)):
        counts = usage(value)
        if counts is not None and any(counts.values()):
            rows.append([label, counts])
    return rows

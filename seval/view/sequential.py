"""Sequential (EvaLearn) results -> the page's data: sequences, position curves, items with what was shown.

What the student was shown before a position is rebuilt as the evaluation built it, per paradigm:

* feedback: each position carries its own history entry (``sequential.paradigms.history_entry``: the
  question as the student saw it, the grading criteria), so the page shows position k's history as
  the entries of positions 1..k-1 of its sequence, without repeating them k times in the file;
* few-shot and demonstration: the solved problems the record says were shown (``examples_shown``),
  each with its standard answer (``rubrics.standard_answer``), looked up among the file's problems
  and kept once per problem in the page (``problem_texts``), not once per position that showed it;
* zero-shot: the question alone.

The system prompt of each paradigm and type is the evaluation's own (``SYSTEM_PROMPTS``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from seval.benchmark.report.markdown import Prices
from seval.client.replies import TRUNCATION_REASONS
from seval.metrics.core import slope
from seval.records import add_usage
from seval.sequential import paradigm_prompts
from seval.sequential.paradigms import DEMONSTRATION, FEEDBACK, FEW_SHOT, ZERO_SHOT, history_entry
from seval.sequential.prompts import HistoryEntry, flatten_prompt, prompt_turns, system_prompt
from seval.sequential.records import EvalOutcome, SequentialItem, item_sort_key
from seval.sequential.report import position_curves
from seval.sequential.rubrics import rubric_field, standard_answer
from seval.view.data import (
    SEQUENTIAL_ANSWER_FIELDS,
    answer,
    as_text,
    is_simulated,
    number,
    other_fields,
    usage,
    verdict,
)

UNKNOWN_TYPE = "unknown"  # a problem without a type, as evaluate_metric.py names it
# The student's system prompt under each paradigm, by task type: the evaluation's own functions.
SYSTEM_PROMPTS = {
    FEEDBACK: system_prompt,
    ZERO_SHOT: paradigm_prompts.zero_shot_system,
    FEW_SHOT: paradigm_prompts.few_shot_system,
    DEMONSTRATION: paradigm_prompts.demonstration_system,
}
# Problem and evaluation fields shown in their own place (the rest are "other fields").
SEQUENTIAL_SHOWN = frozenset(
    set(SequentialItem.model_fields)
    | {name for names in SEQUENTIAL_ANSWER_FIELDS.values() for name in names}
    | {"id", "unique_id", "type", "level", "prompt", "rubric", "canonical_answer"}
)


def sequential_data(source: str, records: list[SequentialItem], prices: Prices) -> dict:
    """The page's data for one sequential results file."""
    ordered = sorted(records, key=item_sort_key)
    by_sequence: dict[Any, list[SequentialItem]] = defaultdict(list)
    for record in ordered:
        by_sequence[record.sequence_id].append(record)
    # A sequence's type is that of its first position, as evaluate_metric.py reads it.
    sequence_type = {sid: _type(positions[0]) for sid, positions in by_sequence.items()}
    items = [position_item(record) for record in ordered]
    models = list(dict.fromkeys(record.client_model for record in ordered))
    judges = list(dict.fromkeys(record.judge_model for record in ordered))
    types = list(dict.fromkeys(sequence_type.values()))
    totals = {
        "client": add_usage(*[record.client_usage for record in ordered]),
        "judge": add_usage(*[record.judge_usage for record in ordered]),
    }
    return {
        "kind": "sequential",
        "source": source,
        "simulated": is_simulated([*models, *judges]),
        "types": types,
        "difficulties": sorted({item["difficulty"] for item in items if item["difficulty"] is not None}),
        "models": models,
        "judges": judges,
        "priced": sorted(prices),
        "usage": [[role, usage(value), value.cost(prices.get(role))] for role, value in totals.items()],
        "system_prompts": {
            paradigm: {kind: SYSTEM_PROMPTS[paradigm](kind) for kind in types}
            for paradigm in dict.fromkeys(record.paradigm for record in ordered)
            if paradigm in SYSTEM_PROMPTS
        },
        "sequences": [_sequence_row(sid, positions, sequence_type[sid]) for sid, positions in by_sequence.items()],
        "curves": curves(by_sequence, sequence_type, ordered),
        "items": items,
        "problem_texts": problem_texts(ordered),
    }


def position_item(record: SequentialItem) -> dict:
    """One answered position as a page item; its ``criteria`` and ``question`` are its history entry's."""
    fields = record.model_dump()
    entry = _history_entry(record)
    prompt = fields.get("prompt")
    turns = prompt_turns(prompt) if isinstance(prompt, str | list) else []
    judged = None if record.judge_error else record.answer_score
    verdicts = [
        verdict(
            record.judge_model,
            judged,
            record.gpt4judge,
            record.correct,
            error=record.judge_error,
            first=record.judge_first_reply,
            reasoning=record.judge_reasoning,
            finish=record.judge_finish_reason,
            truncated=record.judge_finish_reason in TRUNCATION_REASONS,
        )
    ]
    level = number(fields.get("level"))
    return {
        "id": f"s{record.sequence_id}-p{record.position_in_sequence}",
        "run": None,
        "seq": str(record.sequence_id),
        "pos": record.position_in_sequence,
        "problem": as_text(record.problem_id),
        "type": _type(record),
        "difficulty": int(level) if level is not None and float(level).is_integer() else None,
        "index": None,
        "question": entry.question,
        "turns": turns if len(turns) > 1 else None,
        "reference": as_text(fields.get("canonical_answer")) or None,
        "criteria": entry.criteria,
        "excluded": None,
        "notes": _notes(record),
        "usage": [],
        "created": None,
        "answers": [answer(fields, verdicts, False, record.correct, SEQUENTIAL_ANSWER_FIELDS)],
        "models_disagree": False,
        # The field the criteria came from is shown as the criteria (as history_entry picks it), not again.
        "extra": other_fields(fields, SEQUENTIAL_SHOWN | {record.rubric_field or rubric_field(fields) or ""}),
        "paradigm": record.paradigm,
        "shown": _solved_shown(record),
    }


def _solved_shown(record: SequentialItem) -> list[dict] | None:
    """The solved problems shown before the question (few-shot, demonstration), as ``{problem, field}``:
    their texts are in the page once (``problem_texts``). None when the paradigm shows none."""
    if record.examples_shown is None:
        return None
    return [
        {"problem": as_text(example.get("problem_id")), "field": as_text(example.get("answer_field"))}
        for example in record.examples_shown
    ]


def problem_texts(records: list[SequentialItem]) -> dict[str, dict]:
    """Each problem shown as a solved example, once: its question as the student saw it and its standard
    answer from each field it was shown with. A problem this file does not hold is left out (the page
    names it by its id)."""
    problems: dict[Any, dict] = {record.problem_id: record.model_extra or {} for record in records}
    texts: dict[str, dict] = {}
    for record in records:
        for example in record.examples_shown or []:
            fields = problems.get(example.get("problem_id"))
            if fields is None or not isinstance(fields.get("prompt"), str | list):
                continue
            entry = texts.setdefault(
                as_text(example.get("problem_id")) or "", {"question": flatten_prompt(fields["prompt"]), "answers": {}}
            )
            field = example.get("answer_field")
            entry["answers"][as_text(field) or ""] = standard_answer(fields, field)[0]
    return texts


def curves(by_sequence: dict[Any, list[SequentialItem]], sequence_type: dict[Any, str], items: list) -> dict:
    """Position-wise accuracy per type (missing positions count as wrong, as in the report), and slopes."""
    sequences = [
        {"sequence_id": sid, "type": sequence_type[sid], "question_ids": [None] * positions[-1].position_in_sequence}
        for sid, positions in by_sequence.items()
    ]
    outcome = EvalOutcome(sequences, items, integrity_issues=[], results_path=Path(), journal_path=Path())
    by_type = position_curves(outcome)
    counts: dict[str, int] = defaultdict(int)
    for kind in sequence_type.values():
        counts[kind] += 1
    rows = [
        {"type": kind, "sequences": counts[kind], "accuracy": [float(x) for x in curve], "slope": slope(curve)}
        for kind, curve in by_type.items()
    ]
    return {"positions": max((len(s["question_ids"]) for s in sequences), default=0), "by_type": rows}


def _sequence_row(sequence_id: Any, positions: list[SequentialItem], kind: str) -> dict:
    length = positions[-1].position_in_sequence
    outcome: list[int | None] = [None] * length
    for record in positions:
        outcome[record.position_in_sequence - 1] = int(record.correct)
    return {
        "id": str(sequence_id),
        "type": kind,
        "outcomes": outcome,
        "correct": sum(1 for record in positions if record.correct),
        "answered": len(positions),
        "judge_errors": sum(1 for record in positions if record.judge_error),
    }


def _history_entry(record: SequentialItem) -> HistoryEntry:
    """The position as later positions' history shows it; a record without a usable prompt shows none."""
    prompt = (record.model_extra or {}).get("prompt")
    if not isinstance(prompt, str | list):
        record = SequentialItem.model_validate({**record.model_dump(), "prompt": ""})
    return history_entry(record)


def _type(record: SequentialItem) -> str:
    kind = (record.model_extra or {}).get("type")
    return kind if isinstance(kind, str) and kind else UNKNOWN_TYPE


def _notes(record: SequentialItem) -> list[list[str]]:
    notes = []
    if record.problem_id is not None:
        notes.append(["Problem id", str(record.problem_id)])
    notes.append(["Processing time", f"{record.processing_time:.3f} s"])
    for label, temperature, max_tokens in (
        ("Student sampling", record.client_temperature, record.client_max_tokens),
        ("Judge sampling", record.judge_temperature, record.judge_max_tokens),
    ):
        sampling = [] if temperature is None else [f"temperature {temperature:g}"]
        sampling += [] if max_tokens is None else [f"at most {max_tokens} tokens"]
        if sampling:
            notes.append([label, ", ".join(sampling)])
    notes.append(["Paradigm", record.paradigm])
    if record.rubric_field:
        notes.append(["Graded by", f"the problem's {record.rubric_field}"])
    if record.judge_error:
        notes.append(["Judge error", record.judge_error])
    return notes

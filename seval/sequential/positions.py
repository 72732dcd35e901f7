"""One position and one sequence of the sequential mode: ask, grade, record, in order.

A position's messages come from the sequence's data and the records of the
positions before it only, so a resumed sequence sends exactly what an
uninterrupted one would.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from seval.io.atomic import write_json_atomic
from seval.sequential.annotator import JUDGE_CUT_HINT, JUDGE_ERROR_NO_VERDICT, Annotator, EmptyAnswer
from seval.sequential.paradigms import Setup
from seval.sequential.prompts import flatten_prompt
from seval.sequential.records import SequentialItem
from seval.sequential.rubrics import criteria_text

log = logging.getLogger(__name__)


def evaluate_position(
    annotator: Annotator,
    sequence: dict,
    position: int,
    problem: dict,
    earlier: list[SequentialItem],
    setup: Setup | None = None,
) -> SequentialItem:
    """Ask and grade one position; raises EmptyAnswer, EndpointError or Cancelled.

    ``earlier``: the records of positions 1..position-1 (the feedback paradigm's history);
    ``setup``: the paradigm and rubric choices (default: feedback, Chinese rubric first).
    """
    setup = setup or Setup()
    started = time.monotonic()
    shown = setup.shown(sequence, position, problem, earlier)
    answer = annotator.answer(shown.messages)
    if annotator.check_empty and not answer.text:
        raise EmptyAnswer(answer.truncated)
    field = setup.rubric_field(problem)
    verdict = annotator.grade(criteria_text(problem, field), flatten_prompt(problem["prompt"]), answer.text)
    judge_error = None
    if verdict.unreadable:
        judge_error = f"{JUDGE_ERROR_NO_VERDICT}: {JUDGE_CUT_HINT}" if verdict.truncated else JUDGE_ERROR_NO_VERDICT
    return SequentialItem.model_validate(
        {
            **problem,
            "sequence_id": sequence["sequence_id"],
            "position_in_sequence": position,
            "gpt4res": answer.text,
            "gpt4judge": verdict.reply,
            "answer_score": verdict.score,
            "processing_time": round(time.monotonic() - started, 3),
            "judge_error": judge_error,
            "judge_first_reply": verdict.first_reply,
            "client_model": annotator.student.model,
            "judge_model": annotator.judge.model,
            "client_temperature": annotator.temperature,
            "client_max_tokens": annotator.max_tokens,
            "judge_temperature": annotator.judge_temperature,
            "judge_max_tokens": annotator.judge_max_tokens,
            "client_usage": answer.usage,
            "judge_usage": verdict.usage,
            "reasoning": answer.reasoning,
            "finish_reason": answer.finish_reason,
            "truncated": answer.truncated,
            "judge_reasoning": verdict.reasoning,
            "judge_finish_reason": verdict.finish_reason,
            "paradigm": setup.paradigm,
            "rubric_field": field,
            "examples_shown": shown.examples,
        }
    )


def evaluate_sequence(
    sequence: dict,
    problems_dict: dict,
    annotator: Annotator,
    output_dir,
    save_results: bool = True,
    *,
    done: list[SequentialItem] | None = None,
    on_item=None,
    check=None,
    setup: Setup | None = None,
) -> dict:
    """Evaluate one sequence in order; the seed's per-sequence API.

    ``done``: records of positions 1..k already finished (a resume starts at
    k+1 with their history). ``on_item(item)`` is called as each position
    finishes (the journal hooks in here); ``check()`` between positions (the
    engine's stop check). Returns ``{sequence_id, type, questions, metrics,
    complete, stopped_at}`` and, with ``save_results``, also writes it to
    ``output_dir/sequence_<id>_results.json``. ``stopped_at`` is the position
    whose answer stayed empty (check_empty), else None; ``stopped_truncated``
    whether that answer was cut by its token limit. ``setup`` chooses the
    paradigm (default feedback; zero-shot runs positions apart, see ``sequentialEval``).
    """
    setup = setup or Setup(problems=problems_dict)
    items = list(done or [])
    stopped_at, stopped_cut = None, False
    for position in range(len(items) + 1, len(sequence["question_ids"]) + 1):
        if check is not None:
            check()
        problem = problems_dict[sequence["question_ids"][position - 1]]
        try:
            item = evaluate_position(annotator, sequence, position, problem, items, setup)
        except EmptyAnswer as empty:
            stopped_at, stopped_cut = position, empty.truncated
            break
        if on_item is not None:
            on_item(item)
        items.append(item)
    result = _sequence_result(sequence, items, stopped_at)
    result["stopped_truncated"] = stopped_cut
    if save_results:
        write_json_atomic(Path(output_dir) / f"sequence_{sequence['sequence_id']}_results.json", result)
    return result


def _sequence_result(sequence: dict, items: list[SequentialItem], stopped_at: int | None) -> dict:
    total = sum(1 for item in items if item.correct)
    length = len(sequence["question_ids"])
    return {
        "sequence_id": sequence["sequence_id"],
        "type": sequence["type"],
        "questions": [item.output_dict() for item in items],
        "metrics": {"total_score": total, "max_possible_score": length, "accuracy": total / length},
        "complete": len(items) == length,
        "stopped_at": stopped_at,
    }

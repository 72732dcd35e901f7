"""EvaLearn's January 2026 Python API: one function per learning paradigm, all with one signature.

``zeroShotEval``, ``fewShotEval`` and ``demonstrationEval`` take exactly the arguments of EvaLearn's
scripts (and of ``sequentialEval``, its feedback paradigm): the three paths, ``worker_nums``,
``check_empty``, the two keys, the two models and ``judge_api_base_url``, ``client_api_base_url``.
This project's keyword arguments (selection, sampling, ``rubric_lang``, ``shots``, ...) pass through
to ``sequentialEval``, which runs every paradigm on the same engine, client, journal and records.
"""

from __future__ import annotations

from seval.sequential.paradigms import DEMONSTRATION, FEW_SHOT, ZERO_SHOT
from seval.sequential.records import EvalOutcome
from seval.sequential.runner import DEFAULT_MODEL, sequentialEval


def zeroShotEval(
    input_json_path,
    seq_json_path,
    output_json_path,
    worker_nums=None,
    check_empty=True,
    judge_api_key=None,
    client_api_key=None,
    judge_model=DEFAULT_MODEL,
    client_model=DEFAULT_MODEL,
    judge_api_base_url=None,
    client_api_base_url=None,
    **options,
) -> EvalOutcome:
    """Each problem alone, no context: the control the other paradigms are compared with."""
    return sequentialEval(
        input_json_path, seq_json_path, output_json_path, worker_nums, check_empty, judge_api_key, client_api_key,
        judge_model, client_model, judge_api_base_url, client_api_base_url, paradigm=ZERO_SHOT, **options,
    )  # fmt: skip


def fewShotEval(
    input_json_path,
    seq_json_path,
    output_json_path,
    worker_nums=None,
    check_empty=True,
    judge_api_key=None,
    client_api_key=None,
    judge_model=DEFAULT_MODEL,
    client_model=DEFAULT_MODEL,
    judge_api_base_url=None,
    client_api_base_url=None,
    **options,
) -> EvalOutcome:
    """``shots`` (3) solved problems of the type with their canonical answers before each question,
    drawn with ``few_shot_seed`` (42); data without canonical answers is refused."""
    return sequentialEval(
        input_json_path, seq_json_path, output_json_path, worker_nums, check_empty, judge_api_key, client_api_key,
        judge_model, client_model, judge_api_base_url, client_api_base_url, paradigm=FEW_SHOT, **options,
    )  # fmt: skip


def demonstrationEval(
    input_json_path,
    seq_json_path,
    output_json_path,
    worker_nums=None,
    check_empty=True,
    judge_api_key=None,
    client_api_key=None,
    judge_model=DEFAULT_MODEL,
    client_model=DEFAULT_MODEL,
    judge_api_base_url=None,
    client_api_base_url=None,
    **options,
) -> EvalOutcome:
    """The sequence's earlier problems with their standard answers (canonical answer, else rubric)."""
    return sequentialEval(
        input_json_path, seq_json_path, output_json_path, worker_nums, check_empty, judge_api_key, client_api_key,
        judge_model, client_model, judge_api_base_url, client_api_base_url, paradigm=DEMONSTRATION, **options,
    )  # fmt: skip

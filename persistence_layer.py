"""Storage under the design card's name: the benchmark's records and how they reach disk.

The records live in ``seval.benchmark.records``, the output folder's files in
``seval.benchmark.store`` and the atomic and JSONL writers in ``seval.io``; this
module re-exports their public names for code written against the design card.
"""

from seval.benchmark.records import (
    MAX_DIFFICULTY,
    BenchmarkState,
    EmaSet,
    Example,
    ExampleTags,
    ItemStep,
    JudgeVerdict,
    QuestionStep,
    RunFinished,
    RunPlan,
    RunRecord,
)
from seval.benchmark.store import (
    RUNS_FILE,
    STATE_FILE,
    append_run,
    journal_path,
    load_journal,
    load_runs,
    load_state,
    save_state,
)
from seval.io.atomic import read_text, write_json_atomic, write_text_atomic
from seval.io.jsonl import JsonlAppender, read_jsonl
from seval.records import Record, TokenUsage, add_usage

__all__ = [
    "MAX_DIFFICULTY",
    "RUNS_FILE",
    "STATE_FILE",
    "BenchmarkState",
    "EmaSet",
    "Example",
    "ExampleTags",
    "ItemStep",
    "JsonlAppender",
    "JudgeVerdict",
    "QuestionStep",
    "Record",
    "RunFinished",
    "RunPlan",
    "RunRecord",
    "TokenUsage",
    "add_usage",
    "append_run",
    "journal_path",
    "load_journal",
    "load_runs",
    "load_state",
    "read_jsonl",
    "read_text",
    "save_state",
    "write_json_atomic",
    "write_text_atomic",
]

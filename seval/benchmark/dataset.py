"""Frozen question sets: export a benchmark's questions, read them back for a replay.

``--export-dataset`` writes one ``DatasetItem`` per line; ``--replay`` reads
such a file, or a ``runs.jsonl`` directly, and the answering model is
evaluated on exactly those questions, in their order. That is how two models
are compared on the same questions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from seval.benchmark.records import RUN_RECORD, RunRecord
from seval.errors import DataError
from seval.io.atomic import write_text_atomic
from seval.io.jsonl import read_jsonl
from seval.records import Record, Text

DATASET_VERSION = 1


class DatasetItem(Record):
    """One question of a frozen set."""

    question: str
    reference_answer: Text | None = None
    reasoning_type: str
    difficulty: int
    validation: str | None = None
    excluded_reason: str | None = None
    source_run: int | None = None
    dataset_version: int = DATASET_VERSION


DATASET_ITEM = TypeAdapter(DatasetItem)


def items_of_runs(runs: list[RunRecord]) -> list[DatasetItem]:
    """The questions of generated runs, in record order (replays are not sources of new questions)."""
    items = []
    for record in runs:
        if record.replay:
            continue
        for example in record.examples:
            items.append(
                DatasetItem(
                    question=example.question,
                    reference_answer=example.reference_answer,
                    reasoning_type=example.tags.reasoning_type,
                    difficulty=example.tags.difficulty,
                    validation=example.validation,
                    excluded_reason=example.excluded_reason,
                    source_run=record.run_id,
                )
            )
    return items


def export_dataset(runs: list[RunRecord], path: Path, out_dir: Path) -> int:
    """Write the question set of ``runs`` (from ``out_dir``) to a new JSONL file; the number of questions written."""
    if path.exists():
        raise DataError(f"{path} already exists; choose a new file for --export-dataset")
    items = items_of_runs(runs)
    if not items:
        raise DataError(
            f"there is no generated question to export in {out_dir}: name the folder of your runs "
            "with --out-dir (the demo's is out_benchmark/demo)"
        )
    try:  # one atomic write: a crash leaves no half-written dataset for a later --replay to read
        write_text_atomic(path, "".join(item.model_dump_json() + "\n" for item in items))
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(items)


def load_replay_items(path: Path) -> list[DatasetItem]:
    """Questions to replay, from an exported dataset or a runs.jsonl, without excluded ones.

    Questions left out of scoring when they were generated (unverified,
    near-duplicates) stay out: they were never part of the benchmark.
    """
    if not path.exists():
        raise DataError(f"--replay file {path} does not exist")
    if not path.is_file():
        raise DataError(f"--replay {path} is not a file")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:  # else reported as "neither an exported dataset nor a runs.jsonl"
        raise DataError(f"--replay file {path} is not UTF-8 text") from None
    try:
        items, warning = read_jsonl(path, DATASET_ITEM)
    except DataError:
        items, warning = _items_from_runs(path)
    if warning:
        raise DataError(warning + "; a replay source must be complete")
    kept = [item for item in items if not item.excluded_reason]
    if not kept:
        raise DataError(f"--replay file {path} holds no usable question")
    _check_difficulties(kept)
    return kept


def _items_from_runs(path: Path) -> tuple[list[DatasetItem], str | None]:
    try:
        runs, warning = read_jsonl(path, RUN_RECORD)
    except DataError:
        raise DataError(f"--replay file {path} is neither an exported dataset nor a runs.jsonl") from None
    return items_of_runs(runs), warning


def _check_difficulties(items: list[DatasetItem]) -> None:
    for number, item in enumerate(items, 1):
        if not 1 <= item.difficulty <= 10:
            raise DataError(f"replay question {number} has difficulty {item.difficulty}, outside 1..10")

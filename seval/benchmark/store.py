"""The benchmark's output folder on disk: ``state.json``, ``runs.jsonl`` and the run journals.

* ``state.json``: ``BenchmarkState``, rewritten atomically (temp file, fsync,
  rename) whenever a difficulty or a run is committed.
* ``runs.jsonl``: one ``RunRecord`` per finished run, appended and fsynced.
* ``journal_run_NNNN.jsonl``: the run's journal, one event per finished step,
  appended and fsynced before the step counts. Run records, state and reports
  are derived from it, which is what makes a crashed run resumable.

A malformed file fails with the file, line and field that is wrong
(``DataError``); a truncated *last* line of a JSONL file (a crash mid-write) is
reported and ignored, keeping everything before it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from seval.benchmark.records import JOURNAL_EVENT, RUN_RECORD, BenchmarkState, RunRecord
from seval.errors import DataError
from seval.io.atomic import read_text, write_json_atomic
from seval.io.jsonl import JsonlAppender, field_error, is_json_error, read_jsonl

STATE_FILE = "state.json"
RUNS_FILE = "runs.jsonl"


def load_state(out_dir: Path) -> BenchmarkState:
    """The benchmark state, a fresh one when none exists; DataError when corrupt."""
    path = out_dir / STATE_FILE
    if not path.exists():
        return BenchmarkState()
    try:
        return BenchmarkState.model_validate_json(read_text(path))
    except ValidationError as exc:
        if is_json_error(exc):
            raise DataError(f"{path} is not valid JSON; fix or move it away (it is never reset silently)") from None
        raise DataError(f"{path}: {field_error(exc)}; fix or move it away") from None


def save_state(out_dir: Path, state: BenchmarkState) -> None:
    """Write ``state.json`` atomically."""
    write_json_atomic(out_dir / STATE_FILE, state.model_dump(mode="json"))


def load_runs(out_dir: Path) -> tuple[list[RunRecord], str | None]:
    """All run records in ``runs.jsonl`` and a warning about a torn last line."""
    return read_jsonl(out_dir / RUNS_FILE, RUN_RECORD)


def append_run(out_dir: Path, record: RunRecord) -> None:
    """Append one run record to ``runs.jsonl`` (fsynced)."""
    JsonlAppender(out_dir / RUNS_FILE).append(record)


def journal_path(out_dir: Path, run_id: int) -> Path:
    return out_dir / f"journal_run_{run_id:04d}.jsonl"


def load_journal(path: Path) -> tuple[list, str | None]:
    """Events of a run journal, in the order written."""
    return read_jsonl(path, JOURNAL_EVENT)

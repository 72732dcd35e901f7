"""Everything the benchmark keeps on disk, as pydantic models, and how it is written.

Files in the output folder:

* ``state.json``: ``BenchmarkState``, rewritten atomically (temp file, fsync,
  rename) whenever a difficulty or a run is committed.
* ``runs.jsonl``: one ``RunRecord`` per finished run, appended and fsynced.
* ``journal_run_NNNN.jsonl``: the run's journal, one ``JournalEvent`` per
  finished step, appended and fsynced before the step counts. Run records,
  state and reports are derived from it, which is what makes a crashed run
  resumable.

A malformed file fails with the file, line and field that is wrong
(``DataError``); a truncated *last* line of a JSONL file (a crash mid-write) is
reported and ignored, keeping everything before it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from errors import DataError

STATE_FILE = "state.json"
RUNS_FILE = "runs.jsonl"
MAX_DIFFICULTY = 10


class Record(BaseModel):
    """Base of every on-disk record: unknown fields are kept, not dropped."""

    model_config = ConfigDict(extra="allow")


# -- state -------------------------------------------------------------------
class EmaSet(Record):
    """Moving averages of one line of runs."""

    ema: float | None = None
    ema_by_reasoning_type: dict[str, float] = Field(default_factory=dict)
    ema_by_difficulty: dict[str, float] = Field(default_factory=dict)


class BenchmarkState(EmaSet):
    """``state.json``: where the benchmark stands and its moving averages.

    The top-level EMAs are those of generated runs. Replays of a fixed question
    set keep theirs apart in ``replay_emas``, keyed by source and answering
    model, so comparing two models on frozen questions never moves the
    benchmark's own EMAs.
    """

    run_count: int = Field(0, ge=0)
    current_difficulty: int = Field(1, ge=1, le=MAX_DIFFICULTY + 1)
    cycle: int = Field(1, ge=1)
    replay_emas: dict[str, EmaSet] = Field(default_factory=dict)


# -- run records -------------------------------------------------------------
class ExampleTags(Record):
    """Which cell an example belongs to."""

    reasoning_type: str
    difficulty: int = Field(ge=1, le=MAX_DIFFICULTY)
    question_index: int = Field(ge=1)


class TokenUsage(Record):
    """Tokens a step consumed, as the endpoints reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


def add_usage(*usages) -> TokenUsage:
    """Token counts added up, as a record; each may be a ``TokenUsage`` or a reply's usage from the client."""
    return TokenUsage(**{name: sum(getattr(usage, name) for usage in usages) for name in TokenUsage.model_fields})


class JudgeVerdict(Record):
    """One judge's verdict on one answer; ``score`` None when it gave no readable verdict."""

    model: str
    score: float | None
    rationale: str = ""
    reply: str = ""
    error: str | None = None


class QuestionChecks(Record):
    """What was checked about a question before it was used."""

    reference_answer: str | None = None
    validation: Literal["verified", "unverified"] | None = None  # None: --validate was off
    validation_answer: str | None = None  # the evaluation model's own solution, when validated
    similarity: float | None = None  # highest similarity to an earlier question of the type
    similar_to: str | None = None
    attempts: int = 1
    excluded_reason: str | None = None  # set: the question is left out of every score and EMA


class Example(QuestionChecks):
    """One judged question in a run record."""

    question: str
    tags: ExampleTags
    answer: str
    score: float = Field(ge=0.0, le=1.0)
    rationale: str = ""
    created_at: str
    judge_error: str | None = None
    judge_verdicts: list[JudgeVerdict] = Field(default_factory=list)
    excluded: bool = False


class RunDescription(Record):
    """What a run is: its range, types, models, endpoints and settings (shared by plan and record)."""

    run_id: int = Field(ge=1)
    started_at: str
    difficulty_start: int
    difficulty_end: int
    num_questions_per_cell: int
    endpoint_generation: str
    endpoint_answering: str
    endpoint_evaluation: str
    model_generation: str
    model_answering: str
    model_evaluation: str
    reasoning_types: list[str]
    n: int
    alpha: float
    cycle: int = 1
    judge_aggregation: str = "majority"
    reference_answers: bool = False
    validate_questions: bool = False
    novelty_threshold: float | None = None
    replay: bool = False
    replay_source: str | None = None


def replay_key(run: RunDescription) -> str:
    """Whose moving averages a replay updates (``replay_emas``): the same questions answered by the same model."""
    return f"{run.replay_source} :: {run.model_answering}"


class RunRecord(RunDescription):
    """One line of ``runs.jsonl``: a finished run with its examples in round-robin order."""

    ended_at: str
    run_mean_score: float | None  # None when every question was excluded
    ema_score: float | None
    judge_errors: int = 0
    excluded: int = 0
    usage_by_role: dict[str, TokenUsage] = Field(default_factory=dict)
    ema_by_reasoning_type: dict[str, float] = Field(default_factory=dict)  # state's type EMAs after this run
    examples: list[Example]


# -- journal -----------------------------------------------------------------
class RunPlan(RunDescription):
    """First journal event: what the run will do, kept so a resume does the same."""

    kind: Literal["plan"] = "plan"
    # A replay's record order is its source's order, which need not be round-robin.
    item_order: list[tuple[int, str, int]] | None = None


class QuestionStep(QuestionChecks):
    """A generated (or replayed) question, journaled before anything is asked about it."""

    kind: Literal["question"] = "question"
    reasoning_type: str
    difficulty: int
    question_index: int
    question: str
    created_at: str
    usage: TokenUsage = Field(default_factory=TokenUsage)
    validation_usage: TokenUsage = Field(default_factory=TokenUsage)  # evaluation-role tokens spent validating


class ItemStep(Record):
    """An answered and judged question."""

    kind: Literal["item"] = "item"
    reasoning_type: str
    difficulty: int
    question_index: int
    answer: str
    score: float
    rationale: str = ""
    judge_error: str | None = None
    judge_verdicts: list[JudgeVerdict] = Field(default_factory=list)
    created_at: str
    answer_usage: TokenUsage = Field(default_factory=TokenUsage)
    judge_usage: TokenUsage = Field(default_factory=TokenUsage)


class RunFinished(Record):
    """Last journal event: the run record was written."""

    kind: Literal["finished"] = "finished"
    run_id: int
    ended_at: str


JournalEvent = Annotated[Union[RunPlan, QuestionStep, ItemStep, RunFinished], Field(discriminator="kind")]
JOURNAL_EVENT = TypeAdapter(JournalEvent)
RUN_RECORD = TypeAdapter(RunRecord)

T = TypeVar("T")


# -- files -------------------------------------------------------------------
def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; outputs should read like any other file the tool writes
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_json_atomic(path: Path, payload: dict) -> None:
    """``write_text_atomic`` for a JSON document."""
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _field_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "(record)"
    return f"field '{where}': {first.get('msg')}"


def read_text(path: Path, what: str = "") -> str:
    """A text file's contents; every way reading it can fail is one DataError line (``what`` names the file)."""
    name = f"{what} {path}".strip()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{name} does not exist") from None
    except UnicodeDecodeError:
        raise DataError(f"{name} is not UTF-8 text") from None
    except IsADirectoryError:
        raise DataError(f"{name} is a folder, not a file") from None
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror}") from None


def read_jsonl(path: Path, adapter: TypeAdapter[T]) -> tuple[list[T], str | None]:
    """Parse a JSONL file into models: ``(records, warning)``.

    The warning names a truncated last line that was ignored. A bad line
    anywhere else raises DataError with its line number and field.
    """
    if not path.exists():
        return [], None
    lines = read_text(path).split("\n")
    records: list[T] = []
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    for position, (number, line) in enumerate(numbered):
        try:
            records.append(adapter.validate_json(line))
        except ValidationError as exc:
            is_last = position == len(numbered) - 1
            if is_last and _is_json_error(exc):
                return records, f"{path}: line {number} is truncated (a crash mid-write?) and was ignored"
            raise DataError(f"{path} line {number}: {_field_error(exc)}") from None
    return records, None


def _is_json_error(exc: ValidationError) -> bool:
    return any(error.get("type") == "json_invalid" for error in exc.errors())


class JsonlAppender:
    """Appends models to a JSONL file, one line each, fsynced before returning.

    Thread-safe. A torn last line left by an earlier crash is cut off first,
    so the next record starts on a line of its own.
    """

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        _cut_torn_tail(path)

    def append(self, record: BaseModel) -> None:
        line = record.model_dump_json() + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


def _cut_torn_tail(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as handle:
        data = handle.read()
        if data.endswith(b"\n"):
            return
        start = data.rfind(b"\n") + 1
        try:
            json.loads(data[start:])  # a whole record that lacks only its newline was read as valid: keep it
        except ValueError:
            handle.truncate(start)
        else:
            handle.write(b"\n")


# -- state and runs ----------------------------------------------------------
def load_state(out_dir: Path) -> BenchmarkState:
    """The benchmark state, a fresh one when none exists; DataError when corrupt."""
    path = out_dir / STATE_FILE
    if not path.exists():
        return BenchmarkState()
    try:
        return BenchmarkState.model_validate_json(read_text(path))
    except ValidationError as exc:
        if _is_json_error(exc):
            raise DataError(f"{path} is not valid JSON; fix or move it away (it is never reset silently)") from None
        raise DataError(f"{path}: {_field_error(exc)}; fix or move it away") from None


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

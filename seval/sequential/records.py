"""What the sequential (EvaLearn) mode keeps on disk, and how it is written.

One record per finished position of a sequence: the problem's own fields
(kept as they are, whatever they are) plus what the evaluation added. Two
files hold the records:

* the journal (``results.json.jsonl``): one ``SequentialItem`` per line,
  appended and fsynced the moment a position is answered and judged. It is
  the source of truth; a rerun reads it to resume.
* the EvaLearn-compatible list (``results.json``): every journaled record,
  sorted by sequence and position, rewritten atomically from the journal.
  Its items are flat: the problem's fields, then ``gpt4res``, ``gpt4judge``,
  ``sequence_id``, ``position_in_sequence``, ``processing_time`` and ours.

An output path ending in ``.jsonl`` is the journal itself and no list is
written.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, TypeAdapter

from seval.errors import DataError, UsageError
from seval.io import strict_json
from seval.io.atomic import write_text_atomic
from seval.io.jsonl import JsonlAppender, read_jsonl
from seval.io.lock import exclusive_lock
from seval.records import Record, TokenUsage

ItemKey = tuple  # (sequence_id, position_in_sequence)
ProblemId = int | str


# Left out of the EvaLearn list when None: the judge's first reply (only when it was asked again), the
# examples shown (few-shot and demonstration) and the reasoning fields (only for models that reason).
OPTIONAL_OUTPUT = ("judge_first_reply", "examples_shown", "reasoning", "judge_reasoning")


class SequentialItem(Record):
    """One answered and judged position; unknown (problem) fields are kept as extras."""

    sequence_id: int | str
    position_in_sequence: int = Field(ge=1)
    gpt4res: str
    gpt4judge: str
    answer_score: int | float
    processing_time: float
    # Set when no verdict could be read even after asking the judge once more;
    # the item then scores 0 and is counted, never silently trusted.
    judge_error: str | None = None
    # The judge's first reply, kept only when it held no verdict and it was asked again.
    judge_first_reply: str | None = None
    client_model: str
    judge_model: str
    # How the student and the judge were sampled; a resume with other settings is refused. A field absent
    # from a record was written before it existed; a temperature of null was left out of the requests.
    client_temperature: float | None = None
    client_max_tokens: int | None = None
    judge_temperature: float | None = None
    judge_max_tokens: int | None = None
    client_usage: TokenUsage = Field(default_factory=TokenUsage)
    judge_usage: TokenUsage = Field(default_factory=TokenUsage)
    # How the student's reply ended: ``gpt4res`` is its final answer without reasoning (what the judge
    # and the later history see); its reasoning is kept here; ``truncated`` when its token limit cut it.
    reasoning: str | None = None
    finish_reason: str | None = None
    truncated: bool = False
    judge_reasoning: str | None = None
    judge_finish_reason: str | None = None
    # What produced the record: records written before paradigms existed were feedback runs.
    paradigm: str = "feedback"
    # The field whose text the judge graded by (rubric_zh, rubric_en, rubric, or canonical_answer).
    rubric_field: str | None = None
    # Few-shot and demonstration: the solved problems shown before the question, in order.
    examples_shown: list[dict] | None = None

    @property
    def key(self) -> ItemKey:
        return (self.sequence_id, self.position_in_sequence)

    @property
    def correct(self) -> bool:
        """EvaLearn's rule: a position counts as solved when its score is above 0."""
        return self.answer_score > 0

    def output_dict(self) -> dict:
        """The flat EvaLearn item: the problem's fields first, then the evaluation's."""
        ours = self.model_dump(mode="json", include=set(type(self).model_fields))
        for optional in OPTIONAL_OUTPUT:  # present only when they say something
            if ours.get(optional) is None:
                ours.pop(optional, None)
        extras = {name: value for name, value in (self.model_extra or {}).items() if name not in ours}
        return {**extras, **ours}

    @property
    def problem_id(self) -> ProblemId | None:
        """The id of the problem answered here (its ``id`` or ``unique_id`` field)."""
        return problem_key(self.model_extra or {})


SEQUENTIAL_ITEM = TypeAdapter(SequentialItem)


def problem_key(fields: dict) -> ProblemId | None:
    """A problem's id: ``id`` (the published data) or ``unique_id`` (the reference code's name)."""
    for name in ("id", "unique_id"):
        value = fields.get(name)
        if value is not None:
            return value
    return None


def id_sort_key(value: ProblemId) -> tuple:
    """Order ids that may be ints or strings: ints first, by value, then strings."""
    return (0, value, "") if isinstance(value, int) else (1, 0, str(value))


def item_sort_key(item: SequentialItem) -> tuple:
    return (id_sort_key(item.sequence_id), item.position_in_sequence)


def render_results(items: list[SequentialItem]) -> str:
    """The EvaLearn JSON list, sorted by sequence and position, as text."""
    ordered = sorted(items, key=item_sort_key)
    return strict_json.dumps([item.output_dict() for item in ordered], ensure_ascii=False, indent=1) + "\n"


def journal_path_for(output: Path) -> Path:
    """Where the journal of ``output`` lives: the output itself when it is a ``.jsonl``."""
    if output.suffix == ".jsonl":
        return output
    return output.with_name(output.name + ".jsonl")


class ResultStore:
    """The journal plus the JSON list derived from it; thread-safe.

    ``load`` only reads; nothing is written until ``open`` (after every input
    has been checked), so bad input leaves the files as they were.

    The JSON list is rewritten whole, so rewriting it after every sequence
    would write O(S^2) bytes over S sequences. ``checkpoint`` rewrites it only
    once the results have doubled since the last write (O(S) bytes in all);
    the journal, fsynced per position, is what a crash relies on, and the end
    of the evaluation (or a rerun) writes the list complete.
    """

    def __init__(self, output: Path):
        self.output = output
        self.journal = journal_path_for(output)
        self.json_path = None if self.journal == output else output
        self.items: dict[ItemKey, SequentialItem] = {}
        self._by_sequence: dict[ProblemId, dict[int, SequentialItem]] = {}
        self._appender: JsonlAppender | None = None
        self._lock = threading.Lock()  # guards items; held only to add or snapshot them
        self._write_lock = threading.Lock()  # one JSON rewrite at a time, without blocking recording
        self._written_count = 0  # items in the JSON list as last written (or found up to date)
        self._held = contextlib.ExitStack()  # the journal's lock, from load (or open) to close
        self._loaded_size = 0  # the journal's size as read, to see a run that finished meanwhile
        self._locked = False
        self._made_journal = False  # open() made the journal file (to lock it): unlinked if left empty

    def _lock_journal(self) -> None:
        if self._locked:
            return
        in_use = (
            f"{self.output} is being written by another sequential evaluation (its journal "
            f"{self.journal.name} is locked); wait for it to finish, or give another --output"
        )
        self._held.enter_context(exclusive_lock(self.journal, in_use))
        self._locked = True

    def close(self) -> None:
        """Release the journal's lock (the end of the invocation)."""
        if self._made_journal and self._locked and self.journal.stat().st_size == 0:
            self.journal.unlink()  # made only to be locked, and nothing finished: leave no empty file behind
        self._held.close()
        self._locked = False

    def load(self) -> tuple[list[str], str | None]:
        """Read the journal: ``(duplicate notes, torn-last-line warning)``. Writes nothing."""
        if self.json_path is not None and self.json_path.exists() and not self.journal.exists():
            raise DataError(
                f"{self.json_path} exists but its journal {self.journal.name} does not "
                "(not written by this tool?); move it away or choose another --output"
            )
        if self.journal.is_file():  # held from now on, so no other run appends while this one plans
            self._lock_journal()
            self._loaded_size = self.journal.stat().st_size
        records, warning = read_jsonl(self.journal, SEQUENTIAL_ITEM)
        duplicates = []
        for record in records:
            if record.key in self.items:  # two runs on one output at once; the first one counts
                duplicates.append(f"sequence {record.sequence_id} position {record.position_in_sequence}")
                continue
            self._add(record)
        return duplicates, warning

    def _add(self, item: SequentialItem) -> None:
        self.items[item.key] = item
        self._by_sequence.setdefault(item.sequence_id, {})[item.position_in_sequence] = item

    def open(self) -> None:
        """Start appending, holding the journal's lock (cuts a torn last line off the journal first)."""
        self._made_journal = not self.journal.exists()
        self.journal.touch(exist_ok=True)  # the lock needs a file to hold
        self._lock_journal()
        if self.journal.stat().st_size != self._loaded_size:
            raise UsageError(
                f"{self.journal} changed while this command was starting (another run finished "
                "meanwhile?); rerun the command"
            )
        self._appender = JsonlAppender(self.journal)

    def record(self, item: SequentialItem) -> None:
        """Journal one finished position (fsynced) before it counts."""
        assert self._appender is not None, "record() before open()"
        with self._lock:
            self._appender.append(item)
            self._add(item)

    def done_for(self, sequence_id: ProblemId) -> list[SequentialItem]:
        """Recorded positions of one sequence, in order (from an index: no scan of every item)."""
        with self._lock:
            found = self._by_sequence.get(sequence_id, {})
            return [found[position] for position in sorted(found)]

    def check_identity(self, models: tuple[str, str], paradigm: str = "feedback", sampling: dict | None = None) -> None:
        """Refuse to add to records another paradigm, another pair of models or other ``sampling``
        (item field -> value now) produced: one results file is one way of asking, never mixed."""
        for item in self.items.values():
            if item.paradigm != paradigm:
                raise UsageError(
                    f"{self.journal} holds {item.paradigm} results, not {paradigm}; rerun with --paradigm "
                    f"{item.paradigm} or choose another --output"
                )
            if (item.client_model, item.judge_model) != models:
                raise UsageError(
                    f"{self.journal} holds answers of client model {item.client_model!r} judged by "
                    f"{item.judge_model!r}; rerun with those models or choose another --output"
                )
            self._check_sampling(item, sampling or {})

    def finished_positions(self, sequences: list[dict]) -> dict:
        """Recorded positions of each sequence, any of them (positions that do not depend on each other),
        after checking each holds the problem the sequence lists there: ``{sequence_id: {position: item}}``."""
        found = {}
        for seq in sequences:
            done = {}
            for item in self.done_for(seq["sequence_id"]):
                self._check_listed(seq, item)
                done[item.position_in_sequence] = item
            found[seq["sequence_id"]] = done
        return found

    def finished_prefixes(
        self,
        sequences: list[dict],
        models: tuple[str, str],
        sampling: dict | None = None,
        paradigm: str = "feedback",
    ) -> dict:
        """Recorded positions 1..k of each sequence, after checking they belong to this evaluation:
        the same paradigm, (client, judge) models and ``sampling`` (item field -> value now), no gaps,
        and the problems the sequence lists."""
        self.check_identity(models, paradigm, sampling)
        prefixes = {}
        for seq in sequences:
            done = self.done_for(seq["sequence_id"])
            for position, item in enumerate(done, 1):
                if item.position_in_sequence != position:
                    raise DataError(
                        f"{self.journal}: sequence {seq['sequence_id']} has position "
                        f"{item.position_in_sequence} but not every one before it; choose another --output"
                    )
                self._check_listed(seq, item)
            prefixes[seq["sequence_id"]] = done
        return prefixes

    def _check_listed(self, sequence: dict, item: SequentialItem) -> None:
        """Refuse a recorded position that does not hold the problem ``sequence`` lists there."""
        wanted, position = sequence["question_ids"], item.position_in_sequence
        if position > len(wanted):
            listed = f"has only {len(wanted)} position{'s' if len(wanted) != 1 else ''}"
        elif item.problem_id != wanted[position - 1]:
            listed = f"lists {wanted[position - 1]!r} there"
        else:
            return
        raise DataError(
            f"{self.journal}: sequence {sequence['sequence_id']} position {position} holds problem "
            f"{item.problem_id!r}, but the sequence {listed}; the sequences changed, so choose another --output"
        )

    def _check_sampling(self, item: SequentialItem, sampling: dict) -> None:
        """Refuse to continue answers sampled otherwise: one results file is one way of asking."""
        for name, now in sampling.items():
            then = getattr(item, name, None)
            if name in item.model_fields_set and then != now:
                raise UsageError(
                    f"{self.journal} holds answers made with {name} {then!r} (now {now!r}); rerun with the "
                    "settings it was started with or choose another --output"
                )

    def write_json(self) -> bool:
        """Rewrite the JSON list when it differs from the journal; True if written.

        Comparing first is what leaves a finished evaluation's file byte for byte
        as it was, and what mends a list left stale by a crash.
        """
        if self.json_path is None:
            return False
        with self._write_lock:
            with self._lock:
                items = list(self.items.values())
            if not items:  # nothing finished yet: no empty list either
                return False
            text = render_results(items)
            self._written_count = len(items)
            try:
                if self.json_path.read_text(encoding="utf-8") == text:
                    return False
            except (OSError, UnicodeDecodeError):
                pass
            write_text_atomic(self.json_path, text)
            return True

    def checkpoint(self) -> bool:
        """Rewrite the JSON list if the results have doubled since it was last written; True if written."""
        with self._lock:
            due = len(self.items) >= 2 * max(1, self._written_count)
        return self.write_json() if due else False

    def sorted_items(self) -> list[SequentialItem]:
        with self._lock:
            return sorted(self.items.values(), key=item_sort_key)


def check_integrity(sequences: list[dict], items: dict[ItemKey, SequentialItem]) -> list[str]:
    """The seed's end-of-run check over ``sequences``: every one complete, positions
    1..M, and at each position the problem the sequence lists. Returns the issues."""
    issues = []
    for sequence in sequences:
        seq_id, expected = sequence["sequence_id"], sequence["question_ids"]
        positions = sorted(pos for sid, pos in items if sid == seq_id)
        if positions != list(range(1, len(expected) + 1)):
            missing = sorted(set(range(1, len(expected) + 1)) - set(positions))
            extra = sorted(set(positions) - set(range(1, len(expected) + 1)))
            detail = (f"missing positions {missing}" if missing else "") + (
                f"{'; ' if missing else ''}positions beyond its length {extra}" if extra else ""
            )
            issues.append(f"sequence {seq_id}: {detail}")
        for position, wanted in enumerate(expected, 1):
            item = items.get((seq_id, position))
            if item is not None and item.problem_id != wanted:
                issues.append(
                    f"sequence {seq_id} position {position}: problem {item.problem_id!r}, expected {wanted!r}"
                )
    return issues


def accuracy_by_position(items: list[SequentialItem]) -> list[tuple[int, int, int]]:
    """``(position, items, correct)`` for each position seen, in order."""
    counts: dict[int, list[int]] = {}
    for item in items:
        row = counts.setdefault(item.position_in_sequence, [0, 0])
        row[0] += 1
        row[1] += int(item.correct)
    return [(position, n, correct) for position, (n, correct) in sorted(counts.items())]


@dataclass
class EvalOutcome:
    """What ``sequential_eval.sequentialEval`` did; ``stopped`` lists (sequence, position) left on an empty answer."""

    sequences: list[dict]
    items: list[SequentialItem]
    integrity_issues: list[str]
    results_path: Path
    journal_path: Path
    invalid_sequences: int = 0
    stopped: list[tuple] = field(default_factory=list)
    stopped_truncated: int = 0  # of the stopped answers, those its token limit cut
    adaptations: list[str] = field(default_factory=list)  # parameters a model refused, and what was sent instead

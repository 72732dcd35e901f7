"""Problems and sequences for the sequential (EvaLearn) mode: load, check, select.

Problems come from an EvaLearn problem file (a JSON list) or from the
benchmark runner's ``runs.jsonl``, whose generated questions become problems.
Sequences come from an EvaLearn sequence file, or, for ``runs.jsonl`` without
one, are built per reasoning type in difficulty order.

Two kinds of trouble, kept apart:

* a malformed file (not UTF-8, not JSON, wrong shape, a required field
  missing) stops everything with one line naming the file and the item
  (``DataError``, exit 2) before anything is written;
* bad entries in a well-formed file (unknown or duplicate ids, empty prompts,
  empty sequences) make the sequences that touch them invalid: they are
  reported with their first few offenders and skipped, and only when no valid
  sequence is left does the run stop (exit 2).
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

from seval.benchmark.records import RUN_RECORD, RunRecord
from seval.benchmark.store import RUNS_FILE
from seval.errors import DataError, UsageError
from seval.io import strict_json
from seval.io.atomic import read_text
from seval.io.jsonl import read_jsonl
from seval.sequential.records import ProblemId, problem_key
from seval.sequential.rubrics import CANONICAL, RUBRIC_FIELDS, rubric_field

log = logging.getLogger(__name__)

SHOW_OFFENDERS = 5  # how many offenders an issue line names before "..."
DEFAULT_SEQ_LEN = 7
GENERIC_CRITERIA = (
    "There is no standard answer for this question. Judge whether the student's answer is correct: "
    "its final answer must be right and must fully answer the question; a wrong, incomplete or "
    "missing answer, or a refusal, gets 0 points."
)


def _criteria_from_reference(reference: str) -> str:
    return (
        "The student's final answer must agree with the standard answer in content; reasoning, "
        f"case and formatting do not matter.\n\nThe standard answer is: {reference}"
    )


# -- reading files -------------------------------------------------------------
def read_json(path: Path, what: str) -> object:
    """Parse a JSON file, turning every way it can be wrong into one DataError line."""
    text = read_text(Path(path), what)
    try:
        return strict_json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DataError(f"{what} {path} is not valid JSON ({exc})") from None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_id(value: object) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _check_problem_shape(raw: object, index: int, path: Path) -> dict:
    where = f"{path}: problem #{index + 1}"
    if not isinstance(raw, dict):
        raise DataError(f"{where} is not a JSON object")
    key = problem_key(raw)
    if key is None:
        raise DataError(f"{where} has no 'id' (or 'unique_id') field")
    if not _is_id(key):
        raise DataError(f"{where}: its id must be a number or a string, not {json.dumps(key)[:40]}")
    where = f"{path}: problem {key!r}"
    prompt = raw.get("prompt")
    if prompt is None:
        raise DataError(f"{where} has no 'prompt' field")
    if not isinstance(prompt, str) and not (isinstance(prompt, list) and all(isinstance(t, str) for t in prompt)):
        raise DataError(f"{where}: 'prompt' must be a string or a list of strings")
    for name in (*RUBRIC_FIELDS, CANONICAL):
        value = raw.get(name)
        if value is not None and not isinstance(value, str) and not (name == CANONICAL and _is_number(value)):
            raise DataError(f"{where}: {name!r} must be a string")
    if all(raw.get(name) is None for name in (*RUBRIC_FIELDS, CANONICAL)):
        raise DataError(
            f"{where} has no grading criteria: 'rubric_zh', 'rubric_en' (EvaLearn 2026), 'rubric' (2025) "
            "or 'canonical_answer'"
        )
    if "type" in raw and not isinstance(raw["type"], str):
        raise DataError(f"{where}: 'type' must be a string")
    return raw


def parse_problems(raw: object, path: Path) -> list[dict]:
    """Problem objects of an EvaLearn problem file, shape-checked (DataError if malformed)."""
    if not isinstance(raw, list):
        raise DataError(f"problem file {path} must hold a JSON list of problems, not a {type(raw).__name__}")
    return [_check_problem_shape(item, index, path) for index, item in enumerate(raw)]


def parse_sequences(raw: object, path: Path) -> list[dict]:
    """Sequence objects of an EvaLearn sequence file, shape-checked (DataError if malformed)."""
    if not isinstance(raw, list):
        raise DataError(f"sequence file {path} must hold a JSON list of sequences, not a {type(raw).__name__}")
    for index, seq in enumerate(raw):
        where = f"{path}: sequence #{index + 1}"
        if not isinstance(seq, dict):
            raise DataError(f"{where} is not a JSON object")
        for name in ("sequence_id", "type", "question_ids"):
            if name not in seq:
                raise DataError(f"{where} has no {name!r} field")
        if not _is_id(seq["sequence_id"]):
            raise DataError(f"{where}: 'sequence_id' must be a number or a string")
        if not isinstance(seq["type"], str):
            raise DataError(f"{where}: 'type' must be a string")
        ids = seq["question_ids"]
        if not isinstance(ids, list) or not all(_is_id(qid) for qid in ids):
            raise DataError(f"{where}: 'question_ids' must be a list of problem ids")
    return raw


def runs_file(path: Path) -> Path | None:
    """The runner's ``runs.jsonl`` that ``path`` names (the file, or its output folder), else None."""
    path = Path(path)
    if path.is_dir():
        return path / RUNS_FILE if (path / RUNS_FILE).exists() else None
    return path if path.suffix == ".jsonl" else None


def problems_from_runs(records: list[RunRecord]) -> list[dict]:
    """Each scored question of the runner's generated runs as an EvaLearn-style problem.

    Replays are left out (their questions are already in the run they replay), and so are questions
    excluded from scoring: an unverified one may carry a wrong reference answer.
    """
    problems = []
    for record in records:
        if record.replay:
            continue
        for example in record.examples:
            if example.excluded:
                continue
            tags = example.tags
            reference = (example.reference_answer or "").strip() or None
            problems.append(
                {
                    "id": f"r{record.run_id}-{tags.reasoning_type}-d{tags.difficulty}-q{tags.question_index}",
                    "type": tags.reasoning_type,
                    "source": f"self-evolving benchmark run {record.run_id}",
                    "level": tags.difficulty,
                    "prompt": example.question,
                    "rubric": _criteria_from_reference(reference) if reference else GENERIC_CRITERIA,
                    "canonical_answer": reference or "",
                }
            )
    return problems


def load_problems(path: Path) -> list[dict]:
    """Problems from an EvaLearn problem file or from a runner's ``runs.jsonl``."""
    runs = runs_file(path)
    if runs is None:
        return parse_problems(read_json(path, "problem file"), Path(path))
    if not runs.exists():
        raise DataError(f"runs file {runs} does not exist")
    records, warning = read_jsonl(runs, RUN_RECORD)
    if warning:
        log.warning(warning)
    problems = problems_from_runs(records)
    if not problems:
        raise DataError(f"{runs} holds no generated questions")
    return problems


def sequences_by_type(problems: list[dict], seq_len: int) -> tuple[list[dict], int]:
    """One series per type in difficulty (``level``) order, cut into sequences of ``seq_len``.

    A type's last questions that cannot fill a whole sequence are left out, so
    every sequence has the same length (EvaLearn's metrics compare positions);
    returns ``(sequences, questions_left_out)``.
    """
    by_type: dict[str, list[dict]] = {}
    for problem in problems:
        by_type.setdefault(str(problem.get("type", "")), []).append(problem)
    sequences: list[dict] = []
    left_out = 0
    for kind, members in by_type.items():
        ordered = sorted(members, key=lambda p: p.get("level", 0))  # stable: run order within a level
        whole = len(ordered) - len(ordered) % seq_len
        left_out += len(ordered) - whole
        for start in range(0, whole, seq_len):
            sequences.append(
                {
                    "sequence_id": len(sequences) + 1,
                    "type": kind,
                    "question_ids": [problem_key(p) for p in ordered[start : start + seq_len]],
                }
            )
    return sequences, left_out


# -- checking -------------------------------------------------------------------
@dataclass
class DataCheck:
    """Loaded data after the checks: valid sequences, problems by id, and what was wrong."""

    sequences: list[dict]
    problems: dict[ProblemId, dict]
    issues: list[str] = field(default_factory=list)
    invalid: int = 0


def _issue(label: str, offenders: list[str]) -> str:
    shown = ", ".join(offenders[:SHOW_OFFENDERS]) + (", ..." if len(offenders) > SHOW_OFFENDERS else "")
    return f"{label} ({len(offenders)}): {shown}"


def _problem_flaws(problems: list[dict]) -> tuple[dict, dict[str, list[str]], set]:
    """Problems by id, offenders per kind of flaw, and the ids of unusable problems."""
    by_id: dict = {}
    flaws: dict[str, list[str]] = {
        "duplicate problem ids": [],
        "empty prompts": [],
        "conversations not ending with a user turn": [],
        "no rubric or answer": [],
    }
    bad: set = set()
    for problem in problems:
        key = problem_key(problem)
        if key in by_id:
            flaws["duplicate problem ids"].append(repr(key))
            bad.add(key)
        by_id.setdefault(key, problem)
        prompt = problem["prompt"]
        turns = [prompt] if isinstance(prompt, str) else prompt
        if not turns or any(not turn.strip() for turn in turns):
            flaws["empty prompts"].append(f"problem {key!r}")
            bad.add(key)
        elif len(turns) % 2 == 0:
            flaws["conversations not ending with a user turn"].append(f"problem {key!r}")
            bad.add(key)
        if rubric_field(problem) is None:
            flaws["no rubric or answer"].append(f"problem {key!r}")
            bad.add(key)
    return by_id, flaws, bad


def _sequence_flaw(seq: dict, by_id: dict, bad: set, duplicate_seq_ids: set) -> tuple[str, str] | None:
    """(kind of flaw, offender) that makes a sequence invalid, or None."""
    seq_id, ids = seq["sequence_id"], seq["question_ids"]
    if seq_id in duplicate_seq_ids:
        return "duplicate sequence ids", repr(seq_id)
    if not ids:
        return "empty sequences", repr(seq_id)
    unknown = [qid for qid in ids if qid not in by_id]
    if unknown:
        return "unknown problem ids", f"sequence {seq_id!r} -> {unknown[0]!r}"
    repeated = [qid for index, qid in enumerate(ids) if qid in ids[:index]]
    if repeated:
        return "problems repeated within a sequence", f"sequence {seq_id!r} -> {repeated[0]!r}"
    unusable = [qid for qid in ids if qid in bad]
    if unusable:
        return "sequences using a flawed problem", f"sequence {seq_id!r} -> {unusable[0]!r}"
    return None


def check_data(sequences: list[dict], problems: list[dict]) -> DataCheck:
    """Find unknown and duplicate ids, empty prompts and empty sequences; keep the valid sequences."""
    by_id, flaws, bad = _problem_flaws(problems)
    seen: set = set()  # sequence ids as the file gives them (any hashable JSON value)
    duplicate_seq_ids: set = set()
    for seq in sequences:
        (duplicate_seq_ids if seq["sequence_id"] in seen else seen).add(seq["sequence_id"])
    valid = []
    for seq in sequences:
        flaw = _sequence_flaw(seq, by_id, bad, duplicate_seq_ids)
        if flaw is None:
            valid.append(seq)
        else:
            flaws.setdefault(flaw[0], []).append(flaw[1])
    issues = [_issue(label, offenders) for label, offenders in flaws.items() if offenders]
    return DataCheck(valid, by_id, issues, len(sequences) - len(valid))


def prepare_data(problem_path: Path, sequence_path: Path | None, seq_len: int = DEFAULT_SEQ_LEN) -> DataCheck:
    """Load problems and sequences (or build sequences from runs.jsonl) and check them."""
    problems = load_problems(Path(problem_path))
    if sequence_path is not None:
        sequences = parse_sequences(read_json(Path(sequence_path), "sequence file"), Path(sequence_path))
        return check_data(sequences, problems)
    if runs_file(Path(problem_path)) is None:
        raise UsageError("--seq is required unless --input is a runs.jsonl of the benchmark runner")
    sequences, left_out = sequences_by_type(problems, seq_len)
    if left_out:
        log.info("%d questions left out: too few to fill a last sequence of %d of their type", left_out, seq_len)
    if not sequences:
        raise DataError(f"{problem_path} has fewer than {seq_len} questions of any one type; lower --seq-len")
    return check_data(sequences, problems)


def load_evaluation_data(sequence_path, problem_path) -> tuple[list[dict], dict]:
    """The seed's loader: ``(valid sequences, problems by id)``; flaws are logged, not raised.

    ``sequence_path`` may be None when ``problem_path`` is a runs.jsonl.
    Raises DataError for a malformed file.
    """
    checked = prepare_data(Path(problem_path), Path(sequence_path) if sequence_path else None)
    for issue in checked.issues:
        log.warning(issue)
    return checked.sequences, checked.problems


# -- selecting ------------------------------------------------------------------
def select_sequences_for_evaluation(
    sequences: list[dict],
    num_sequences: int | None = None,
    sequence_ids: list | None = None,
    sequence_types: list[str] | None = None,
    seed: int = 0,
) -> list[dict]:
    """Sequences filtered by type and id, then ``num_sequences`` of them drawn at random.

    Ids match by their text (``3`` matches ``"3"``), so ids from a command line
    work. The draw uses ``seed``, so a rerun picks the same sequences and
    resumes them. The result keeps the file's order. Naming a type or an id
    that matches nothing is a UsageError.
    """
    chosen = list(sequences)
    if sequence_types:
        known = {seq["type"] for seq in chosen}
        missing = [kind for kind in sequence_types if kind not in known]
        if missing:
            raise UsageError(
                f"no valid sequence of type {', '.join(map(repr, missing))}; "
                f"types: {', '.join(sorted(known)) or '(none)'}"
            )
        chosen = [seq for seq in chosen if seq["type"] in sequence_types]
    if sequence_ids:
        wanted = [str(value) for value in sequence_ids]
        have = {str(seq["sequence_id"]) for seq in chosen}
        missing = [value for value in wanted if value not in have]
        if missing:
            raise UsageError(f"no valid sequence with id {', '.join(missing)}")
        chosen = [seq for seq in chosen if str(seq["sequence_id"]) in wanted]
    if num_sequences is not None and num_sequences < len(chosen):
        picked = {id(seq) for seq in random.Random(seed).sample(chosen, num_sequences)}
        chosen = [seq for seq in chosen if id(seq) in picked]
    return chosen

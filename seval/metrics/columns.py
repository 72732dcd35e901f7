"""One chunk of result records -> the few columns the metrics need.

Most results files hold plain records: an int or string ``sequence_id``, an
int ``position_in_sequence``, a string ``type`` and ``gpt4judge``. For those,
``msgspec`` decodes only these fields straight into a typed struct and skips
everything else (the history, the answer, the problem's text) without
building Python objects for it: about 4x faster than parsing every value.
Anything the typed decoder refuses (a float position, a list as an id, a
value that is not an object, a torn line, a cut in the wrong place) sends
the whole chunk to the untyped path (``load.parse_chunk``), which reads
every odd case the way the rules say. Both paths end in ``_columns``, so the
rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

import msgspec
import numpy as np

from seval.metrics.judge import CORRECT, UNPARSED, JudgeScorer, number_code
from seval.metrics.load import Chunk, chunk_as_list, parse_chunk


class _Record(msgspec.Struct, gc=False):
    """The fields of a result record the metrics read; every other field is skipped unparsed.

    ``gc=False``: these hold no containers, so the cycle collector need not track a million of them.
    """

    sequence_id: int | str | None = None
    position_in_sequence: int | None = None
    type: str | None = None
    gpt4judge: str | None = None
    answer_score: bool | int | float | None = None
    judge_error: str | None = None
    run_id: msgspec.Raw = msgspec.Raw()  # only to tell a runner's runs.jsonl apart
    examples: msgspec.Raw = msgspec.Raw()


class _RecordWithId(_Record, gc=False):
    """The same, with the problem id (read only for a zero-shot or baseline comparison)."""

    id: int | str | None = None
    unique_id: int | str | None = None


_DECODER = msgspec.json.Decoder(list[_Record])
_DECODER_WITH_IDS = msgspec.json.Decoder(list[_RecordWithId])


@dataclass
class ChunkColumns:
    """One chunk's usable records as columns (records without sequence_id or position dropped)."""

    sids: np.ndarray | list  # np.int64 array when every id is an int, else a list
    type_names: list  # distinct normalised type names of this chunk
    type_idx: np.ndarray  # int32 per record: index into type_names
    pos: np.ndarray  # int16, 1..M, or 0 when outside 1..M or not a whole number
    code: np.ndarray  # int8 bit set: CORRECT, NON_BINARY, UNPARSED, FROM_ANSWER
    pids: list | None = None  # each kept record's problem id (None when it has none); only when asked
    correct_ids: set | None = None  # problem ids of every record scored correct, kept or not; only when asked
    values: int = 0
    not_objects: int = 0
    missing_ids: int = 0
    bad_sequence_ids: int = 0
    truncated_line: int | None = None
    run_like: bool = False


@dataclass
class _Lists:
    """A chunk's records as parallel lists, before the rules are applied."""

    sids: list
    poss: list
    types: list
    answers: list
    judges: list
    errors: list
    pids: list | None
    values: int
    not_objects: int = 0
    run_like: bool = False


def _type_name(t: object) -> str:
    return "unknown" if t is None else t if type(t) is str else str(t)


def _position(pos: object, m: int) -> int:
    """1-based position as int, or 0 when it is not a whole number in 1..m."""
    if type(pos) is int:
        return pos if 1 <= pos <= m else 0
    if type(pos) is float and pos.is_integer() and 1 <= pos <= m:
        return int(pos)
    return 0


def _hashable(x: object) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def _problem_id(record: dict) -> object:
    """A record's problem id: ``id``, else ``unique_id``; None when neither is a usable value."""
    value = record.get("id")
    if value is None:
        value = record.get("unique_id")
    return value if _hashable(value) else None


def _holds(data: memoryview | bytes, key: bytes) -> bool:
    """Whether the bytes hold ``key`` (``in`` on a memoryview compares items, not substrings)."""
    if isinstance(data, memoryview):
        return data.obj.find(key, 0, data.nbytes) >= 0  # type: ignore[attr-defined]  # a bytearray: the scratch
    return key in data


def _typed(chunk: Chunk, want_ids: bool) -> _Lists | None:
    """The chunk through the typed decoder, or None when it must take the untyped path."""
    data = chunk_as_list(chunk)
    if data is None:
        return None
    try:
        recs = (_DECODER_WITH_IDS if want_ids else _DECODER).decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    nothing = [None] * len(recs)
    return _Lists(
        sids=[r.sequence_id for r in recs],
        poss=[r.position_in_sequence for r in recs],
        types=[r.type for r in recs],
        # a column whose key is nowhere in the bytes is all None: no need to read it record by record
        answers=[r.answer_score for r in recs] if _holds(data, b'"answer_score"') else nothing,
        judges=[r.gpt4judge for r in recs],
        errors=[r.judge_error for r in recs] if _holds(data, b'"judge_error"') else nothing,
        pids=[r.unique_id if r.id is None else r.id for r in recs] if want_ids else None,  # type: ignore[attr-defined]
        values=len(recs),
        run_like=bool(recs) and bool(recs[0].run_id) and bool(recs[0].examples),
    )


def _untyped(items: list, want_ids: bool) -> _Lists:
    """Parsed values (any JSON) as the same lists; values that are not objects are counted and dropped."""
    values = len(items)
    run_like = bool(items) and type(items[0]) is dict and "run_id" in items[0] and "examples" in items[0]
    try:
        sids = list(map(dict.get, items, repeat("sequence_id")))  # TypeError on a non-object
        dicts = items
    except TypeError:
        dicts = [x for x in items if type(x) is dict]
        sids = list(map(dict.get, dicts, repeat("sequence_id")))
    return _Lists(
        sids=sids,
        poss=list(map(dict.get, dicts, repeat("position_in_sequence"))),
        types=list(map(dict.get, dicts, repeat("type"))),
        answers=list(map(dict.get, dicts, repeat("answer_score"))),
        judges=list(map(dict.get, dicts, repeat("gpt4judge"))),
        errors=list(map(dict.get, dicts, repeat("judge_error"))),
        pids=[_problem_id(d) for d in dicts] if want_ids else None,
        values=values,
        not_objects=values - len(dicts),
        run_like=run_like,
    )


def _codes(raw: _Lists) -> np.ndarray:
    """Each record's outcome code: its own numeric answer_score, else its judge's verdict."""
    scorer = JudgeScorer.shared()
    if raw.answers.count(None) == len(raw.answers):
        codes = scorer.codes(raw.judges)
    else:
        own = [number_code(a) for a in raw.answers]  # None where the record has no numeric answer_score
        codes = np.array([scorer(j) if c is None else c for j, c in zip(raw.judges, own, strict=True)], dtype=np.int8)
    if raw.errors.count(None) != len(raw.errors):
        # Our own results carry the parsed score and say in judge_error when no verdict could be read:
        # count those as unparseable too, as a reply without a verdict would be.
        codes[np.fromiter(map(bool, raw.errors), dtype=bool, count=len(raw.errors))] |= UNPARSED
    return codes


def _keep(raw: _Lists, codes: np.ndarray, keep: list[bool]) -> np.ndarray:
    """Drop the records not kept from every column (in place); returns the kept codes."""
    for name in ("sids", "poss", "types", "pids"):
        column = getattr(raw, name)
        if column is not None:
            setattr(raw, name, [v for v, k in zip(column, keep, strict=True) if k])
    return codes[np.array(keep, dtype=bool)]


def _columns(raw: _Lists, m: int, truncated: int | None) -> ChunkColumns:
    """Apply the rules to one chunk's lists: drop records without ids, normalise types and positions."""
    codes = _codes(raw)
    correct_ids = None
    if raw.pids is not None:
        correct_ids = {pid for pid, c in zip(raw.pids, codes.tolist(), strict=True) if c & CORRECT and pid is not None}
    missing = 0
    if None in raw.sids or None in raw.poss:
        keep = [s is not None and p is not None for s, p in zip(raw.sids, raw.poss, strict=True)]
        codes = _keep(raw, codes, keep)
        missing = len(keep) - len(raw.sids)
    sids: list | np.ndarray = raw.sids
    bad = 0
    if set(map(type, sids)) <= {int}:
        try:
            sids = np.array(sids, dtype=np.int64)
        except OverflowError:
            pass
    if type(sids) is list and not set(map(type, sids)) <= {str, int, float, bool}:
        keep = [_hashable(s) for s in sids]
        codes = _keep(raw, codes, keep)
        sids = raw.sids
        bad = len(keep) - len(sids)
    types = raw.types
    if set(map(type, types)) != {str}:
        types = [_type_name(t) for t in types]
    type_names = list(dict.fromkeys(types))
    index = {t: i for i, t in enumerate(type_names)}
    type_idx = np.fromiter(map(index.__getitem__, types), dtype=np.int32, count=len(types))
    pos = None
    if set(map(type, raw.poss)) == {int}:  # no bool, no float: a plain int column
        try:
            arr = np.array(raw.poss, dtype=np.int64)
            pos = np.where((arr >= 1) & (arr <= m), arr, 0).astype(np.int16)
        except OverflowError:
            pass
    if pos is None:
        pos = np.array([_position(p, m) for p in raw.poss], dtype=np.int16)
    return ChunkColumns(
        sids=sids,
        type_names=type_names,
        type_idx=type_idx,
        pos=pos,
        code=codes.astype(np.int8, copy=False),
        pids=raw.pids,
        correct_ids=correct_ids,
        values=raw.values,
        not_objects=raw.not_objects,
        missing_ids=missing,
        bad_sequence_ids=bad,
        truncated_line=truncated,
        run_like=raw.run_like,
    )


def scan_chunk(chunk: Chunk, m: int, want_ids: bool = False) -> ChunkColumns:
    """Parse one chunk and keep only what the metrics need, as columns.

    ``want_ids`` also keeps each record's problem id (``id``, else ``unique_id``)
    and the ids of the records scored correct, for the zero-shot comparison.
    """
    raw = _typed(chunk, want_ids)
    truncated = None
    if raw is None:
        items, truncated = parse_chunk(chunk)
        raw = _untyped(items, want_ids)
        del items
    return _columns(raw, m, truncated)

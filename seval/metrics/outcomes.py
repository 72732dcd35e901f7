"""From result records to the outcome matrix EvaLearn's metrics are computed on.

``collect_outcomes`` reads a results file (chunks from ``metrics_load``) and
returns an ``Outcomes``: a sequences x M matrix of 0/1 (1 = correct), each
sequence's type, and counts of everything odd about the input, so that the
report can say how far the figures can be trusted.

The rules (EvaLearn's reference script, plus the project's issue):

* a record needs ``sequence_id`` and ``position_in_sequence`` (else it is
  skipped and counted); its sequence's type is the ``type`` of the first
  such record met in file order ("unknown" when missing);
* a record's score is its numeric ``answer_score`` when it has one, else
  ``verdict.parse_answer_score(gpt4judge)``; correct means score > 0;
* positions outside 1..M are ignored, missing positions count as wrong, and
  when a position appears twice the later record wins (as in the reference's
  dict assignment).

Chunks are turned into compact columns (``scan_chunk``) in worker processes
when the file is big, so that parsing runs on every core.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from seval.metrics.columns import ChunkColumns, scan_chunk
from seval.metrics.judge import CORRECT, FROM_ANSWER, NON_BINARY, UNPARSED
from seval.metrics.load import BLOCK, CutError, InputError, ReadInfo, note_truncated, read_chunks

PARALLEL_FROM_BYTES = 48 << 20  # smaller files are read in one process


@dataclass
class Outcomes:
    """The outcome matrix and what was learnt about the input."""

    matrix: np.ndarray  # (N, M) int8, 1 = correct
    present: np.ndarray  # (N, M) bool: a record was found for this cell
    type_of: np.ndarray  # (N,) index into type_names
    type_names: list[str]  # in the order first met
    info: ReadInfo
    stats: dict = field(default_factory=dict)
    sequence_ids: list = field(default_factory=list)  # each row's sequence_id
    # Only when asked for (want_ids): each cell's problem id (object array, None where the cell has no
    # record or its record has no id), and the ids of every record scored correct anywhere in the file.
    problem_ids: np.ndarray | None = None
    correct_ids: set | None = None


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the main process (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _scan_all(
    path: str, m: int, info: ReadInfo, jobs: int, block: int, want_ids: bool, while_waiting: Callable | None
) -> list[ChunkColumns]:
    """Scan every chunk in file order, in ``jobs`` processes.

    Results are taken in file order. When a cheap cut proves wrong (a
    "}, {" inside a string, or nested objects), the results from that chunk
    on are dropped and reading resumes at its start with an exact cut.
    With worker processes the main one mostly waits: ``while_waiting`` runs
    then, in a thread started after the workers were forked (so no fork
    copies a thread mid-work).
    """
    done: list[ChunkColumns] = []
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_quiet_worker) if jobs > 1 else None
    if pool is not None and while_waiting is not None:
        threading.Thread(target=while_waiting, name="while-waiting", daemon=True).start()
    resume = None
    try:
        while True:
            pending: deque = deque()
            try:
                for chunk in read_chunks(path, info, block, resume=resume):
                    if pool is None:
                        done.append(scan_chunk(chunk, m, want_ids))
                        continue
                    pending.append(pool.apply_async(scan_chunk, (chunk, m, want_ids)))
                    while len(pending) > 2 * jobs:
                        done.append(pending.popleft().get())
                while pending:
                    done.append(pending.popleft().get())
                return done
            except CutError as exc:
                resume = exc.args[0]
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _auto_jobs(path: str) -> int:
    try:
        size = os.path.getsize(path)
    except OSError:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if size < PARALLEL_FROM_BYTES or cpus < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(cpus, 4)


def _sequence_rows(parts: list[ChunkColumns]) -> tuple[np.ndarray, np.ndarray, list]:
    """Row index of every record, the record index each row was first met at,
    and each row's sequence_id."""
    if all(isinstance(p.sids, np.ndarray) for p in parts):
        sids = np.concatenate([p.sids for p in parts]) if parts else np.zeros(0, np.int64)
        uniq, first, inverse = np.unique(sids, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[order] = np.arange(len(uniq))
        return rank[inverse.reshape(-1)], first[order], uniq[order].tolist()
    index: dict = {}
    rows = []
    for p in parts:
        ids = p.sids.tolist() if isinstance(p.sids, np.ndarray) else p.sids
        rows.extend([index.setdefault(s, len(index)) for s in ids])
    rows_arr = np.array(rows, dtype=np.int64)
    _, first = np.unique(rows_arr, return_index=True)
    return rows_arr, first, list(index)


def collect_outcomes(
    path: str,
    m: int,
    jobs: int | None = None,
    block: int = BLOCK,
    want_ids: bool = False,
    while_waiting: Callable | None = None,
) -> Outcomes:
    """Read ``path`` (JSON list or JSONL of sequential results) into Outcomes.

    ``want_ids`` also keeps each cell's problem id and the ids scored correct
    (what a zero-shot or baseline comparison needs; the plain metrics do not).
    ``while_waiting`` is run in a thread while worker processes parse (only
    when there are workers): the command line loads matplotlib there.
    Raises InputError when the file is not results (a runner runs.jsonl,
    the wrong shape) or holds no usable record.
    """
    if m < 1:
        raise InputError(f"problems per sequence must be at least 1 (got {m})")
    info = ReadInfo(path)
    # The scan makes millions of short-lived objects and no cycles: collector passes would find nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        parts = _scan_all(path, m, info, _auto_jobs(path) if jobs is None else jobs, block, want_ids, while_waiting)
    finally:
        if collecting:
            gc.enable()
    if parts and parts[0].run_like:
        raise InputError(f"{path} is a runner runs.jsonl file, not sequential results")
    for p in parts:
        if p.truncated_line is not None:
            note_truncated(info, p.truncated_line)
    st = dict(
        records=sum(p.values for p in parts),
        not_objects=sum(p.not_objects for p in parts),
        missing_ids=sum(p.missing_ids for p in parts),
        bad_sequence_ids=sum(p.bad_sequence_ids for p in parts),
    )
    if st["records"] == 0:
        raise InputError(f"{path} holds no records")
    if st["not_objects"] == st["records"]:
        raise InputError(f"{path} has the wrong shape: expected result objects, found none")
    rows, first, sequence_ids = _sequence_rows(parts)
    if len(first) == 0:
        raise InputError(f"{path} holds no usable record (none has both sequence_id and position_in_sequence)")
    # Per-chunk type indices to global ones (names merged in file order).
    names: dict[str, int] = {}
    type_idx = (
        np.concatenate(
            [
                np.array([names.setdefault(t, len(names)) for t in p.type_names], dtype=np.int64)[p.type_idx]
                for p in parts
            ]
        )
        if parts
        else np.zeros(0, np.int64)
    )
    all_names = list(names)
    pos = np.concatenate([p.pos for p in parts]).astype(np.int64)
    code = np.concatenate([p.code for p in parts])
    pids = correct_ids = None
    if want_ids:
        pids = np.empty(len(code), dtype=object)
        pids[:] = [pid for p in parts for pid in (p.pids or [])]
        correct_ids = set().union(*[p.correct_ids or set() for p in parts])
    del parts
    seq_type_names = [all_names[i] for i in type_idx[first].tolist()]
    type_names = list(dict.fromkeys(seq_type_names))
    code_of = {t: i for i, t in enumerate(type_names)}
    type_of = np.array([code_of[t] for t in seq_type_names], dtype=np.int64)
    n = len(first)
    used = pos > 0
    st["outside_positions"] = int(np.count_nonzero(~used))
    rows, pos, code = rows[used], pos[used] - 1, code[used]
    if pids is not None:
        pids = pids[used]
    st["scored_from_answer_score"] = int(np.count_nonzero(code & FROM_ANSWER))
    st["scored_from_judge"] = int(len(code)) - st["scored_from_answer_score"]
    st["unparseable_verdicts"] = int(np.count_nonzero(code & UNPARSED))
    st["non_binary_scores"] = int(np.count_nonzero(code & NON_BINARY))
    flat = rows * m + pos
    counts = np.bincount(flat, minlength=n * m)
    st["duplicate_positions"] = int(len(flat) - np.count_nonzero(counts))
    correct = (code & CORRECT).astype(np.int8)
    if st["duplicate_positions"]:
        # Keep each cell's last record: the first one met going backwards.
        _, first_back = np.unique(flat[::-1], return_index=True)
        keep = len(flat) - 1 - first_back
        flat, correct = flat[keep], correct[keep]
        if pids is not None:
            pids = pids[keep]
    matrix = np.zeros(n * m, dtype=np.int8)
    matrix[flat] = correct
    problem_ids = None
    if pids is not None:
        cells = np.full(n * m, None, dtype=object)
        cells[flat] = pids
        problem_ids = cells.reshape(n, m)
    present = (counts > 0).reshape(n, m)
    st["missing_positions"] = int(n * m - np.count_nonzero(present))
    st["incomplete_sequences"] = int(np.count_nonzero(~present.all(axis=1)))
    if info.truncated_line is not None:
        st["truncated_last_line"] = info.truncated_line
    return Outcomes(
        matrix.reshape(n, m), present, type_of, type_names, info, st, sequence_ids, problem_ids, correct_ids
    )

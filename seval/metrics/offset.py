"""EvaLearn's sixth metric, the first learned correct offset (O_learned), against a zero-shot run.

As EvaLearn's current ``evaluate_metric.py`` defines it:

* Z is the set of problem ids whose zero-shot item scored above 0;
* in each sequence, ``first_wrong`` is the first position (1..M) holding a
  problem id not in Z; a sequence with none (every problem already solved
  zero-shot, or no ids) is skipped;
* ``learned`` is the first position from ``first_wrong`` on answered
  correctly, M+1 if none; the offset is ``learned - first_wrong + 1``;
* a type's value is the mean offset of its counted sequences (0 when none
  counts); the overall value is the mean over the types whose value is above
  0, each type weighing the same.

A position whose record is missing or has no problem id is neither wrong nor
right zero-shot: it is passed over when looking for ``first_wrong``, as in
the reference. Lower is better: 1 means the model got the first problem it
could not solve alone right at once.
"""

from __future__ import annotations

import numpy as np


def zero_shot_unknown(problem_ids: np.ndarray, solved: set) -> np.ndarray:
    """Cells holding a problem id that is not in ``solved`` (the zero-shot run's correct ids)."""
    flat = problem_ids.ravel()
    wrong = np.fromiter((pid is not None and pid not in solved for pid in flat), dtype=bool, count=len(flat))
    return wrong.reshape(problem_ids.shape)


def learned_offsets(y: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Per sequence (row): the offset, or 0 when the sequence is skipped (no cell in ``unknown``)."""
    n, m = y.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    counted = unknown.any(axis=1)
    first_wrong = np.argmax(unknown, axis=1)  # 0-based; meaningless where not counted
    after = (y > 0) & (np.arange(m)[None, :] >= first_wrong[:, None])
    learned = np.where(after.any(axis=1), np.argmax(after, axis=1) + 1, m + 1)  # 1-based, M+1 if none
    return np.where(counted, learned - (first_wrong + 1) + 1, 0).astype(np.int64)


def offsets_by_type(offsets: np.ndarray, rows: dict[str, np.ndarray]) -> dict[str, float]:
    """Each type's mean offset over its counted sequences; 0 when none of them counts."""
    result: dict[str, float] = {}
    for kind, members in rows.items():
        counted = offsets[members]
        counted = counted[counted > 0]
        result[kind] = int(counted.sum()) / len(counted) if len(counted) else 0
    return result


def overall_offset(by_type: dict[str, float]) -> float:
    """The mean over the types whose value is above 0 (each type weighs the same); 0 when there is none."""
    values = [value for value in by_type.values() if value > 0]
    return sum(values) / len(values) if values else 0


def pooled_offset(offsets: np.ndarray) -> float:
    """The mean over every counted sequence, whatever its type (the reference's non-averaged form)."""
    counted = offsets[offsets > 0]
    return int(counted.sum()) / len(counted) if len(counted) else 0

"""The paired learning gain: this run against a baseline run (zero-shot, or any other) on the same positions.

Beyond EvaLearn's metrics. Accuracy alone cannot tell learning from ordering
or difficulty: a run with feedback and a zero-shot run of the same sequences
answer the same problem at the same position, one with context and one
without, so their difference position by position is what the context
bought. Items are paired by ``(sequence_id, position_in_sequence)`` and must
hold the same problem id (where both records have one); mismatches are
counted and left out.

* ``difference``: accuracy here minus accuracy in the baseline over the
  pairs, with a 95% percentile bootstrap interval over sequences,
  stratified by type (the metrics' other intervals resample the same way);
* ``mcnemar``: b = pairs right here and wrong in the baseline, c = the
  reverse, and the exact two-sided binomial test of b against b + c (p = 1
  when b + c = 0);
* the difference per position and per type.
"""

from __future__ import annotations

import numpy as np

from seval.compare.stats import mcnemar_exact
from seval.metrics.core import percentile_interval
from seval.metrics.outcomes import Outcomes


def _pair_cells(here: Outcomes, base: Outcomes) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Rows of ``here`` with a baseline row, the baseline's row for each, the paired cells, and counts."""
    base_row = {sid: i for i, sid in enumerate(base.sequence_ids)}
    rows = np.array([i for i, sid in enumerate(here.sequence_ids) if sid in base_row], dtype=np.int64)
    brows = np.array([base_row[here.sequence_ids[i]] for i in rows.tolist()], dtype=np.int64)
    m = here.matrix.shape[1]
    both = here.present[rows] & base.present[brows] if len(rows) else np.zeros((0, m), dtype=bool)
    counts = {"mismatched_problem_ids": 0, "pairs_without_problem_ids": 0}
    if here.problem_ids is not None and base.problem_ids is not None and len(rows):
        mine, theirs = here.problem_ids[rows], base.problem_ids[brows]
        flat_both = both.ravel()
        same = np.ones(flat_both.shape, dtype=bool)
        unknown = np.zeros(flat_both.shape, dtype=bool)
        for i in np.flatnonzero(flat_both).tolist():
            a, z = mine.flat[i], theirs.flat[i]
            if a is None or z is None:
                unknown[i] = True
            elif a != z:
                same[i] = False
        counts["mismatched_problem_ids"] = int(np.count_nonzero(flat_both & ~same))
        counts["pairs_without_problem_ids"] = int(np.count_nonzero(flat_both & unknown))
        both = both & same.reshape(both.shape)
    counts["unpaired_here"] = int(np.count_nonzero(here.present)) - int(np.count_nonzero(both))
    counts["unpaired_baseline"] = int(np.count_nonzero(base.present)) - int(np.count_nonzero(both))
    return rows, brows, both, counts


def _stats(y: np.ndarray, yb: np.ndarray, mask: np.ndarray) -> dict:
    n = int(np.count_nonzero(mask))
    right, base_right = int(y[mask].sum()), int(yb[mask].sum())
    b = int(np.count_nonzero(mask & (y > 0) & (yb == 0)))
    c = int(np.count_nonzero(mask & (y == 0) & (yb > 0)))
    return {
        "n_pairs": n,
        "accuracy": right / n if n else None,
        "baseline_accuracy": base_right / n if n else None,
        "difference": {"value": (right - base_right) / n if n else None, "low": None, "high": None},
        "mcnemar": {"b": b, "c": c, "p_value": mcnemar_exact(b, c)},
    }


def _bootstrap(d: np.ndarray, n: np.ndarray, types: np.ndarray, names: list, reps: int, seed: int) -> dict:
    """Stratified percentile intervals of sum(d)/sum(n), overall and per type, over sequences.

    A sequence's part depends only on (its paired count n, its difference d), so each type's
    resample is a multinomial draw over its distinct (n, d): exact and small whatever the size.
    """
    rng = np.random.default_rng(seed)
    tot_d, tot_n = np.zeros(reps), np.zeros(reps)
    per_type, varies_any = {}, False
    for t, name in enumerate(names):
        members = types == t
        if not members.any():
            continue
        pairs, counts = np.unique(np.stack([n[members], d[members]], axis=1), axis=0, return_counts=True)
        draws = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=reps).astype(np.float64)
        type_n, type_d = draws @ pairs[:, 0], draws @ pairs[:, 1]
        tot_d += type_d
        tot_n += type_n
        varies = len(counts) >= 2
        varies_any |= varies
        per_type[name] = percentile_interval(type_d / type_n, varies)
    return {"overall": percentile_interval(tot_d / tot_n, varies_any), "by_type": per_type}


def compare(here: Outcomes, base: Outcomes, type_rows: dict[str, np.ndarray], reps: int, seed: int) -> dict:
    """The ``paired_comparison`` block (without the baseline's name and the summary sentence)."""
    rows, brows, both, counts = _pair_cells(here, base)
    m = here.matrix.shape[1]
    y = here.matrix[rows] if len(rows) else np.zeros((0, m), dtype=np.int8)
    yb = base.matrix[brows] if len(rows) else np.zeros((0, m), dtype=np.int8)
    block = {**_stats(y, yb, both), **counts, "sequences_paired": int(np.count_nonzero(both.any(axis=1)))}
    block["by_position"] = [
        {"position": j + 1, **{k: v for k, v in _stats(y[:, j], yb[:, j], both[:, j]).items() if k != "mcnemar"}}
        for j in range(m)
    ]
    for entry in block["by_position"]:
        entry["difference"] = entry["difference"]["value"]
    type_of_row = np.full(here.matrix.shape[0], -1, dtype=np.int64)
    names = list(type_rows)
    for t, name in enumerate(names):
        type_of_row[type_rows[name]] = t
    types = type_of_row[rows]
    block["by_type"] = {name: _stats(y[types == t], yb[types == t], both[types == t]) for t, name in enumerate(names)}
    if reps > 0 and block["n_pairs"]:
        keep = both.any(axis=1)
        diff = ((y.astype(np.int64) - yb.astype(np.int64)) * both).sum(axis=1)
        ci = _bootstrap(diff[keep], both.sum(axis=1)[keep], types[keep], names, reps, seed)
        block["difference"].update(ci["overall"])
        for name, interval in ci["by_type"].items():
            block["by_type"][name]["difference"].update(interval)
    return block


def gain_sentence(block: dict, label: str) -> str:
    """The comparison in one sentence, with its interval and what it means."""
    n = block["n_pairs"]
    if not n:
        return f"No position could be paired with {label}: no shared (sequence_id, position) with the same problem."
    diff = block["difference"]
    mc = block["mcnemar"]
    text = (
        f"Against {label}, accuracy is {block['accuracy']:.3f} vs {block['baseline_accuracy']:.3f} on {n:,} "
        f"paired positions: a difference of {diff['value']:+.3f}"
    )
    if diff["low"] is None:
        text += " (no interval: fewer than two distinct sequences, or no bootstrap)"
    else:
        text += f" (95% interval {diff['low']:+.3f} to {diff['high']:+.3f})"
        if diff["low"] > 0:
            text += ", a gain the sequences' variation does not explain"
        elif diff["high"] < 0:
            text += ", a loss the sequences' variation does not explain"
        else:
            text += ", which cannot be told apart from no difference"
    return text + f"; McNemar: {mc['b']} better, {mc['c']} worse, exact p = {mc['p_value']:.3g}."

"""EvaLearn's sequential-learning metrics over an outcome matrix, with numpy.

``y`` is an (N sequences x M positions) 0/1 matrix; ``type_of`` gives each
row's type index. Every per-type figure is over that type's rows; every
overall figure that EvaLearn averages "by type" is the unweighted mean of the
type figures (each type weighs the same, whatever its size), while overall
accuracy and post-warmup accuracy pool all cells.

Bootstrap intervals resample sequences within each type (stratified, so
every replicate keeps the type sizes). A sequence's contribution depends
only on its 0/1 pattern, so a replicate is drawn as multinomial counts over
the distinct patterns of each type: exact, vectorised, and small in memory
whatever N is.
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054  # two-sided 95% normal quantile
ROUND_DIGITS = 12  # bootstrap bounds are kept to 1e-12: far below any figure shown, above float noise


def slope(curve: np.ndarray) -> float:
    """Least-squares slope of ``curve`` against positions 1..len(curve); NaN (undefined) for fewer than 2."""
    m = len(curve)
    if m < 2:
        return math.nan  # one position has no trend: "0" would claim a flat one
    x = np.arange(1, m + 1, dtype=np.float64)
    xc = x - x.mean()
    return float(np.dot(xc, curve - curve.mean()) / np.dot(xc, xc))


def slopes(curves: np.ndarray) -> np.ndarray:
    """Row-wise least-squares slopes of a (..., M) array of curves."""
    m = curves.shape[-1]
    if m < 2:
        return np.full(curves.shape[:-1], np.nan)
    x = np.arange(1, m + 1, dtype=np.float64)
    xc = x - x.mean()
    return (curves - curves.mean(axis=-1, keepdims=True)) @ xc / np.dot(xc, xc)


def first_correct(y: np.ndarray) -> np.ndarray:
    """Per row: 1-based position of the first 1, or M+1 when there is none."""
    m = y.shape[1]
    has = y.any(axis=1)
    return np.where(has, np.argmax(y, axis=1) + 1, m + 1)


def longest_run(y: np.ndarray) -> np.ndarray:
    """Per row: length of the longest run of consecutive 1s."""
    run = np.zeros(y.shape[0], dtype=np.int64)
    best = np.zeros(y.shape[0], dtype=np.int64)
    for j in range(y.shape[1]):
        run = (run + 1) * y[:, j]
        np.maximum(best, run, out=best)
    return best


def _mean(values: list[float]) -> float:
    """Plain Python mean, in the given order (as EvaLearn's script sums)."""
    return sum(values) / len(values) if values else 0.0


class SequenceMetrics:
    """The metrics of one outcome matrix, overall and per type."""

    def __init__(self, y: np.ndarray, type_of: np.ndarray, type_names: list[str]) -> None:
        self.y = y
        self.m = y.shape[1]
        self.type_names = list(type_names)
        self.rows = {t: np.flatnonzero(type_of == i) for i, t in enumerate(self.type_names)}

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def _of(self, t: str) -> np.ndarray:
        return self.y[self.rows[t]]

    def overall_accuracy(self, by_type: bool = False):
        if by_type:
            return {t: int(self._of(t).sum()) / (len(self.rows[t]) * self.m) for t in self.type_names}
        total = self.n * self.m
        return int(self.y.sum()) / total if total else 0.0

    def type_curves(self) -> dict[str, np.ndarray]:
        return {t: self._of(t).mean(axis=0) for t in self.type_names}

    def position_accuracy(self, by_type: bool = False):
        curves = self.type_curves()
        if by_type:
            return curves
        if not curves:
            return np.zeros(self.m)
        return np.mean(np.array(list(curves.values())), axis=0)

    def accuracy_slope(self, by_type: bool = False):
        if by_type:
            return {t: slope(c) for t, c in self.type_curves().items()}
        return slope(self.position_accuracy())

    def first_correct_position(self, by_type: bool = False):
        per_type = {t: float(first_correct(self._of(t)).mean()) for t in self.type_names}
        return per_type if by_type else _mean(list(per_type.values()))

    def consecutive_correct(self, by_type: bool = False):
        per_type = {t: float(longest_run(self._of(t)).mean()) for t in self.type_names}
        return per_type if by_type else _mean(list(per_type.values()))

    def post_warmup_accuracy(self, k: int, by_type: bool = False):
        """Accuracy over positions k+1..M; 0 when k >= M (the caller warns)."""
        if k < 0:
            raise ValueError(f"warmup K must be at least 0 (got {k})")
        if k >= self.m:
            return {t: 0.0 for t in self.type_names} if by_type else 0.0
        if by_type:
            return {t: int(self._of(t)[:, k:].sum()) / (len(self.rows[t]) * (self.m - k)) for t in self.type_names}
        total = self.n * (self.m - k)
        return int(self.y[:, k:].sum()) / total if total else 0.0

    def bootstrap(self, k: int, reps: int, seed: int) -> dict:
        """Percentile 95% intervals from ``reps`` stratified resamples.

        Returns ``{"low", "high"}`` for overall accuracy, post-warmup
        accuracy and the slope of the type-averaged curve, and under
        ``by_type`` the same for each type's own three figures. A type whose
        sequences are fewer than two distinct outcome patterns cannot vary
        under resampling: its intervals are None ("no interval"), and so are
        the overall ones when no type varies (a zero-width interval would
        claim certainty that one sequence cannot give).
        """
        rng = np.random.default_rng(seed)
        m, n = self.m, self.n
        kk = min(max(k, 0), m)
        tot_correct = np.zeros(reps)
        tot_post = np.zeros(reps)
        curve_sum = np.zeros((reps, m))
        per_type = {}
        varies_any = False
        for t in self.type_names:
            yt = self._of(t)
            nt = len(yt)
            patterns, counts = _patterns(yt)
            varies = len(counts) >= 2
            varies_any |= varies
            cols = _resampled_columns(rng, patterns, counts, reps)  # (reps, M) correct per position
            curve = cols / nt
            correct = cols.sum(axis=1)
            post = cols[:, kk:].sum(axis=1)
            tot_correct += correct
            tot_post += post
            curve_sum += curve
            per_type[t] = {
                "distinct_sequences": int(len(counts)),
                "overall_accuracy": percentile_interval(correct / (nt * m), varies),
                f"post_warmup_accuracy_k{k}": percentile_interval(
                    post / (nt * (m - kk)) if kk < m else np.zeros(reps), varies
                ),
                "accuracy_slope": percentile_interval(slopes(curve), varies),
            }
        n_types = max(len(self.type_names), 1)
        return {
            "overall_accuracy": percentile_interval(tot_correct / (n * m), varies_any),
            f"post_warmup_accuracy_k{k}": percentile_interval(
                tot_post / (n * (m - kk)) if kk < m else np.zeros(reps), varies_any
            ),
            "accuracy_slope": percentile_interval(slopes(curve_sum / n_types), varies_any),
            "by_type": per_type,
        }


def _patterns(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct 0/1 rows of ``y`` and how often each occurs."""
    m = y.shape[1]
    if m > 62:
        return np.unique(y, axis=0, return_counts=True)
    bits = np.left_shift(np.int64(1), np.arange(m, dtype=np.int64))
    codes, counts = np.unique(y.astype(np.int64) @ bits, return_counts=True)
    return ((codes[:, None] & bits) != 0).astype(np.int8), counts


def _resampled_columns(rng: np.random.Generator, patterns: np.ndarray, counts: np.ndarray, reps: int) -> np.ndarray:
    """Correct answers per position in ``reps`` resamples of a type's sequences.

    A resample of the type's n sequences is a multinomial draw of n over its
    distinct patterns; draws are made in batches so that memory stays small
    whatever ``reps`` and the number of patterns are.
    """
    n = int(counts.sum())
    p = counts / n
    pats = patterns.astype(np.float64)
    out = np.empty((reps, patterns.shape[1]), dtype=np.float64)
    step = max(1, (1 << 20) // max(len(p), 1))
    for lo in range(0, reps, step):
        hi = min(reps, lo + step)
        out[lo:hi] = rng.multinomial(n, p, size=hi - lo) @ pats
    return out


def percentile_interval(samples: np.ndarray, varies: bool = True) -> dict:
    """Percentile 95% interval of ``samples``; None bounds when the resamples cannot vary or are undefined."""
    if not varies or not len(samples) or np.isnan(samples).any():
        return {"low": None, "high": None}
    lo, hi = np.percentile(samples, [2.5, 97.5])
    # Rounded: a slope that is 0 in exact arithmetic comes out of least squares as +-1e-18, and an interval
    # starting there must not "exclude 0".
    return {"low": round(float(lo), ROUND_DIGITS) + 0.0, "high": round(float(hi), ROUND_DIGITS) + 0.0}


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials ((0, 1) when n = 0)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))

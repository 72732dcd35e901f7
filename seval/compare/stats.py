"""Paired statistics for models that answered the same questions (pure functions, numpy).

Paired, because two models scored on the same questions share each question's
difficulty: comparing their accuracies as if they were independent samples
throws most of the evidence away. McNemar's exact test looks only at the
questions the two disagree on; the bootstrap resamples questions, keeping
each question's pair of scores together.
"""

from __future__ import annotations

import math
from fractions import Fraction
from math import comb

import numpy as np

BOOTSTRAP_REPS = 2000
LEVEL = 0.95


EXACT_UP_TO = 5000  # discordant pairs summed as exact integers; above, in log space


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact binomial test of ``a_only`` against ``b_only`` discordant questions (p = 1 when none).

    Under the null each discordant question is equally likely to favour either
    model, so the count favouring ``a`` is Binomial(n, 1/2). Computed with exact
    integers: 0.5 ** n underflows a float beyond a thousand questions. Above
    EXACT_UP_TO discordant pairs (evaluate_metric.py pairs up to millions of
    positions) the same tail is summed in log space: the integers would have
    hundreds of thousands of digits, and the float result agrees to about 1e-12.
    """
    n = a_only + b_only
    if n == 0:
        return 1.0
    low = min(a_only, b_only)
    if n <= EXACT_UP_TO:
        return float(min(Fraction(1), Fraction(2 * _binomial_tail(n, low), 2**n)))
    k = np.arange(low, dtype=np.float64)
    log_comb = np.concatenate([[0.0], np.cumsum(np.log(n - k) - np.log(k + 1))])  # log C(n, 0..low)
    top = float(log_comb.max())
    log_tail = top + math.log(float(np.exp(log_comb - top).sum())) - n * math.log(2)
    return min(1.0, 2 * math.exp(log_tail))


def _binomial_tail(n: int, low: int) -> int:
    """C(n, 0) + ... + C(n, low), each term from the one before (not ``comb`` afresh: that is quadratic)."""
    term = total = 1
    for i in range(low):
        term = term * (n - i) // (i + 1)
        total += term
    return total


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of ``p_values`` (family-wise error), in the order given."""
    order = sorted(range(len(p_values)), key=lambda index: p_values[index])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def paired_difference(
    a: np.ndarray, b: np.ndarray, reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> tuple[float, float | None, float | None]:
    """Mean of ``a - b`` over paired questions, with a 95% percentile bootstrap interval over questions.

    Questions are resampled with replacement, each keeping its pair of scores
    (the differences take few distinct values: three for binary scores); see
    ``mean_interval``.
    """
    return mean_interval(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), reps, seed)


def mean_interval(
    values: np.ndarray, reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> tuple[float, float | None, float | None]:
    """The mean of per-question ``values`` and its 95% percentile bootstrap interval over questions.

    A resample is drawn as multinomial counts over the few distinct values, so
    its cost does not grow with the number of questions. No interval (None,
    None) from fewer than two questions or from values that cannot vary: a
    zero-width interval would claim a certainty the data do not give.
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return 0.0, None, None
    value = float(values.mean())
    distinct, counts = np.unique(values, return_counts=True)
    if len(values) < 2 or len(distinct) < 2:
        return value, None, None
    draws = np.random.default_rng(seed).multinomial(len(values), counts / len(values), size=reps)
    means = draws @ distinct / len(values)
    low, high = np.percentile(means, [100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2])
    return value, float(low), float(high)


def pass_at_k(samples: int, correct: int, k: int) -> float:
    """Unbiased pass@k from ``samples`` attempts of which ``correct`` were right (Chen et al., 2021)."""
    if samples - correct < k:
        return 1.0
    return 1.0 - comb(samples - correct, k) / comb(samples, k)

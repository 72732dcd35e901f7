"""Paired statistics for comparing models, checked against values worked out by hand or by definition."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from seval.compare.stats import holm, mcnemar_exact, paired_difference, pass_at_k


@pytest.mark.parametrize(
    ("a_only", "b_only", "expected"),
    [
        (0, 0, 1.0),
        (5, 5, 1.0),
        (10, 0, 2 / 2**10),  # all ten discordant questions favour a
        (8, 2, 2 * (1 + 10 + 45) / 2**10),  # P(X <= 2) doubled, X ~ Binomial(10, 1/2)
        (2, 8, 2 * (1 + 10 + 45) / 2**10),  # symmetric
    ],
)
def test_mcnemar_exact_is_the_doubled_binomial_tail(a_only, b_only, expected):
    assert mcnemar_exact(a_only, b_only) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_exact_stays_exact_where_floats_underflow():
    p = mcnemar_exact(700, 600)  # 2 ** -1300 underflows a float
    tail = sum(comb(1300, i) for i in range(601))
    assert 0 < p < 1 and p == pytest.approx(2 * tail / 2**1300)


def test_holm_adjusts_in_step_down_order_and_keeps_the_given_order():
    # sorted: 0.01 (x3 = 0.03), 0.02 (x2 = 0.04), 0.04 (x1 = 0.04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_paired_difference_interval_is_reproducible_and_holds_the_mean():
    rng = np.random.default_rng(1)
    a = (rng.random(400) < 0.7).astype(float)
    b = np.where(rng.random(400) < 0.9, a, 1 - a)  # mostly agrees with a
    value, low, high = paired_difference(a, b, seed=3)
    assert value == pytest.approx(a.mean() - b.mean())
    assert low < value < high
    assert (value, low, high) == paired_difference(a, b, seed=3)


def test_pairing_narrows_the_interval_compared_with_independent_samples():
    # Two models that agree on all but a few questions: the paired interval is far narrower than what
    # two independent accuracies of 0.5 would give (about +-0.07 for 400 questions each).
    a = np.array([1.0, 0.0] * 200)
    b = a.copy()
    b[:10:2] = 0.0  # five questions only a got right
    value, low, high = paired_difference(a, b)
    assert value == pytest.approx(5 / 400)
    assert high - low < 0.03


def test_paired_difference_has_no_interval_below_two_questions():
    assert paired_difference(np.array([1.0]), np.array([0.0])) == (1.0, None, None)
    assert paired_difference(np.array([]), np.array([])) == (0.0, None, None)


@pytest.mark.parametrize(
    ("samples", "correct", "k", "expected"),
    [(5, 0, 1, 0.0), (5, 5, 3, 1.0), (4, 1, 1, 0.25), (4, 1, 2, 1 - comb(3, 2) / comb(4, 2))],
)
def test_pass_at_k(samples, correct, k, expected):
    assert pass_at_k(samples, correct, k) == pytest.approx(expected)

"""Scores and exponential moving averages, exactly as the seed defines them.

* per-difficulty EMA: updated once per completed difficulty, from the mean of
  that difficulty's cell means (a cell is one difficulty x reasoning type);
* per-type EMA: once per run, from the mean of that type's cell means in the run;
* overall EMA: once per run, from the mean of all the run's example scores;
* the first update of any EMA takes the value itself.

Pure functions over plain values; the runner decides when they are applied.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Iterable, NamedTuple

from persistence_layer import BenchmarkState


class ScoredItem(NamedTuple):
    """The three things scoring needs to know about one judged question."""

    reasoning_type: str
    difficulty: int
    score: float


def ema_update(previous: float | None, value: float, alpha: float) -> float:
    """``alpha * value + (1 - alpha) * previous``; the value itself on the first update."""
    if previous is None:
        return value
    return alpha * value + (1 - alpha) * previous


def cell_means(items: Iterable[ScoredItem]) -> dict[tuple[int, str], float]:
    """Mean score of each (difficulty, reasoning type) cell."""
    scores: dict[tuple[int, str], list[float]] = defaultdict(list)
    for item in items:
        scores[(item.difficulty, item.reasoning_type)].append(item.score)
    return {cell: fmean(values) for cell, values in scores.items()}


def difficulty_mean(means: dict[tuple[int, str], float], difficulty: int) -> float:
    """Mean of the cell means at one difficulty."""
    return fmean(mean for (level, _), mean in means.items() if level == difficulty)


def type_mean(means: dict[tuple[int, str], float], reasoning_type: str) -> float:
    """Mean of one reasoning type's cell means."""
    return fmean(mean for (_, kind), mean in means.items() if kind == reasoning_type)


def commit_difficulty(state: BenchmarkState, difficulty: int, items: list[ScoredItem], alpha: float) -> BenchmarkState:
    """State after ``difficulty`` completed: its EMA updated, the next difficulty current."""
    value = difficulty_mean(cell_means(items), difficulty)
    by_difficulty = dict(state.ema_by_difficulty)
    by_difficulty[str(difficulty)] = ema_update(by_difficulty.get(str(difficulty)), value, alpha)
    return state.model_copy(update={"ema_by_difficulty": by_difficulty, "current_difficulty": difficulty + 1})


def commit_run(state: BenchmarkState, items: list[ScoredItem], alpha: float) -> BenchmarkState:
    """State after a run finished: per-type and overall EMAs updated, one more run counted."""
    means = cell_means(items)
    by_type = dict(state.ema_by_reasoning_type)
    for kind in dict.fromkeys(item.reasoning_type for item in items):
        by_type[kind] = ema_update(by_type.get(kind), type_mean(means, kind), alpha)
    overall = ema_update(state.ema, run_mean(items), alpha)
    return state.model_copy(update={"ema_by_reasoning_type": by_type, "ema": overall, "run_count": state.run_count + 1})


def run_mean(items: list[ScoredItem]) -> float:
    """Mean of all example scores of a run."""
    return fmean(item.score for item in items)

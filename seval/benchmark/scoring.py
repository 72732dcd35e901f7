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
from collections.abc import Iterable
from statistics import fmean
from typing import NamedTuple, TypeVar

from seval.benchmark.records import BenchmarkState, EmaSet

S = TypeVar("S", bound=EmaSet)


class ScoredItem(NamedTuple):
    """The three things scoring needs to know about one judged question."""

    reasoning_type: str
    difficulty: int
    score: float


def counts_in_scores(excluded: bool, truncated: bool, exclude_truncated: bool) -> bool:
    """Whether an answer counts in means and EMAs: its question was not left out as unfit, and it was
    not cut by its token limit while ``--exclude-truncated`` is on."""
    return not excluded and not (truncated and exclude_truncated)


def is_correct(score: float) -> bool:
    """Whether a score counts as a correct answer: a binary verdict of 1, or more than half of a panel."""
    return score > 0.5


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


def commit_difficulty(state: S, difficulty: int, items: list[ScoredItem], alpha: float) -> S:
    """EMAs after ``difficulty`` completed, and (for the benchmark state) the next difficulty current.

    Items left out of scoring are not passed in; a difficulty with none left
    updates no EMA but still completes.
    """
    update: dict = {}
    if items:
        by_difficulty = dict(state.ema_by_difficulty)
        value = difficulty_mean(cell_means(items), difficulty)
        by_difficulty[str(difficulty)] = ema_update(by_difficulty.get(str(difficulty)), value, alpha)
        update["ema_by_difficulty"] = by_difficulty
    if isinstance(state, BenchmarkState):
        update["current_difficulty"] = difficulty + 1
    return state.model_copy(update=update)


def commit_run(state: S, items: list[ScoredItem], alpha: float) -> S:
    """EMAs after a run finished: per type and overall (and, for the benchmark state, one more run)."""
    update: dict = {}
    mean = run_mean(items)
    if mean is not None:  # some items were scored
        means = cell_means(items)
        by_type = dict(state.ema_by_reasoning_type)
        for kind in dict.fromkeys(item.reasoning_type for item in items):
            by_type[kind] = ema_update(by_type.get(kind), type_mean(means, kind), alpha)
        update.update(ema_by_reasoning_type=by_type, ema=ema_update(state.ema, mean, alpha))
    if isinstance(state, BenchmarkState):
        update["run_count"] = state.run_count + 1
    return state.model_copy(update=update)


def run_mean(items: list[ScoredItem]) -> float | None:
    """Mean of all example scores of a run (None when nothing was scored)."""
    return fmean(item.score for item in items) if items else None

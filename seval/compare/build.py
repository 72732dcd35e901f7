"""From each model's scores on shared questions to a ``Comparison``: accuracy, D50, paired differences.

Pure: the scores come in, the record goes out; the benchmark (one run, several
answering models) and ``--compare`` (finished folders replaying one frozen set)
both feed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from seval.benchmark.scoring import is_correct
from seval.compare.records import Comparison, ModelSummary, PairDifference
from seval.compare.stats import holm, mcnemar_exact, paired_difference, pass_at_k
from seval.metrics.core import wilson
from seval.metrics.fit import bootstrap_d50, place_d50

D50_REPS = 1000


@dataclass(frozen=True)
class QuestionScore:
    """One model's score on one question: the mean of its samples (one sample: the verdict itself)."""

    reasoning_type: str
    difficulty: int
    samples: tuple[float, ...]

    @property
    def score(self) -> float:
        return sum(self.samples) / len(self.samples)

    @property
    def correct(self) -> bool:
        return is_correct(self.score)


Scores = dict[str, dict[str, QuestionScore]]  # model -> question key -> score


def _model_summary(model: str, answered: dict[str, QuestionScore], seed: int) -> ModelSummary:
    items, correct = len(answered), sum(score.correct for score in answered.values())
    low, high = wilson(correct, items) if items else (None, None)
    summary = ModelSummary(
        model=model,
        items=items,
        correct=correct,
        accuracy=correct / items if items else None,
        wilson_low=low,
        wilson_high=high,
        **{"d50": None, **_d50(answered, seed)},
    )
    samples = max((len(score.samples) for score in answered.values()), default=1)
    if samples > 1:
        rights = [(len(s.samples), sum(map(is_correct, s.samples))) for s in answered.values()]
        summary.samples = samples
        summary.pass_at_1 = float(np.mean([pass_at_k(n, c, 1) for n, c in rights]))
        summary.pass_at_k = float(np.mean([pass_at_k(n, c, n) for n, c in rights]))
        summary.agreement = float(np.mean([c in (0, n) for n, c in rights]))
    return summary


def _d50(answered: dict[str, QuestionScore], seed: int) -> dict:
    levels = sorted({score.difficulty for score in answered.values()})
    if not levels:
        return {"d50_note": "no scored question"}
    d = np.array(levels, dtype=float)
    n = np.array([sum(1 for s in answered.values() if s.difficulty == level) for level in levels], dtype=float)
    k = np.array(
        [sum(1 for s in answered.values() if s.difficulty == level and s.correct) for level in levels], dtype=float
    )
    placed = place_d50(d, n, k)
    if placed["d50"] is None:
        return {"d50_note": str(placed["note"])}
    interval = bootstrap_d50(d, n, k, D50_REPS, seed)
    return {
        "d50": placed["d50"],
        "d50_low": interval["low"],
        "d50_high": interval["high"],
        "d50_note": str(placed["note"] or interval["note"]),
    }


def _pair(a: str, b: str, scores: Scores, keys: list[str], seed: int) -> PairDifference:
    shared = [key for key in keys if key in scores[a] and key in scores[b]]
    first = np.array([scores[a][key].score for key in shared])
    second = np.array([scores[b][key].score for key in shared])
    a_only = sum(1 for key in shared if scores[a][key].correct and not scores[b][key].correct)
    b_only = sum(1 for key in shared if scores[b][key].correct and not scores[a][key].correct)
    single = all(len(scores[m][key].samples) == 1 for m in (a, b) for key in shared)
    if single:  # the difference of accuracies: correct means above one half
        first, second = (first > 0.5).astype(float), (second > 0.5).astype(float)
    value, low, high = paired_difference(first, second, seed=seed) if shared else (None, None, None)
    return PairDifference(
        a=a,
        b=b,
        n=len(shared),
        a_only=a_only,
        b_only=b_only,
        difference=value,
        difference_low=low,
        difference_high=high,
        mcnemar_p=mcnemar_exact(a_only, b_only) if single else None,
    )


def _pairs(models: list[str], scores: Scores, keys: list[str], seed: int) -> list[PairDifference]:
    return [_pair(a, b, scores, keys, seed) for a, b in combinations(models, 2)]


def build_comparison(
    models: list[str], scores: Scores, *, seed: int = 0, run_id: int | None = None, sources: list[str] | None = None
) -> Comparison:
    """The comparison of ``models`` (in the order named) over the questions in ``scores``."""
    keys = list(dict.fromkeys(key for model in models for key in scores[model]))
    info = {key: next(scores[m][key] for m in models if key in scores[m]) for key in keys}
    pairs = _pairs(models, scores, keys, seed)
    testable = [index for index, pair in enumerate(pairs) if pair.mcnemar_p is not None]
    for index, adjusted in zip(testable, holm([pairs[i].mcnemar_p or 1.0 for i in testable]), strict=True):
        pairs[index].holm_p = adjusted
    levels = sorted({score.difficulty for score in info.values()})
    kinds = list(dict.fromkeys(score.reasoning_type for score in info.values()))
    samples = max((len(s.samples) for model in models for s in scores[model].values()), default=1)
    return Comparison(
        run_id=run_id,
        sources=sources or [],
        questions=len(keys),
        samples=samples,
        seed=seed,
        models=[_model_summary(model, scores[model], seed) for model in models],
        pairs=pairs,
        by_difficulty={
            str(level): _pairs(models, scores, [k for k in keys if info[k].difficulty == level], seed)
            for level in levels
        },
        by_reasoning_type={
            kind: _pairs(models, scores, [k for k in keys if info[k].reasoning_type == kind], seed) for kind in kinds
        },
    )


def pair_sentence(pair: PairDifference) -> str:
    """One sentence for a pair: "a beats b by 12 points [5, 19], p = 0.003, on 240 shared questions"."""
    if pair.difference is None:
        return f"{pair.a} and {pair.b} share no scored question."
    points = 100 * pair.difference
    leader, other = (pair.a, pair.b) if points >= 0 else (pair.b, pair.a)
    low, high = pair.difference_low, pair.difference_high
    if points < 0 and low is not None and high is not None:
        low, high = -high, -low
    interval = f" [{100 * low:.0f}, {100 * high:.0f}]" if low is not None and high is not None else ""
    p = pair.holm_p if pair.holm_p is not None else pair.mcnemar_p
    test = f", p = {p:.3g}" if p is not None else ""
    if round(points) == 0:
        return f"{leader} ties with {other}{interval}{test}, on {pair.n} shared questions"
    clear = low is not None and low > 0 and (p is None or p < 0.05)  # the interval excludes 0, the test agrees
    verb = "beats" if clear else "is ahead of"
    noise = "" if clear else ": the difference may be noise"
    return f"{leader} {verb} {other} by {abs(points):.0f} points{interval}{test}, on {pair.n} shared questions{noise}"


def accuracy_cells(scores: Scores) -> dict[str, dict[int, tuple[int, int]]]:
    """``cells[model][difficulty] = (correct, items)``, for the accuracy-by-difficulty chart."""
    cells: dict[str, dict[int, tuple[int, int]]] = {}
    for model, answered in scores.items():
        per_level = cells.setdefault(model, {})
        for score in answered.values():
            correct, items = per_level.get(score.difficulty, (0, 0))
            per_level[score.difficulty] = (correct + int(score.correct), items + 1)
    return cells

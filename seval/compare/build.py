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
from seval.compare.stats import holm, mcnemar_exact, mean_interval, paired_difference, pass_at_k
from seval.metrics.core import wilson
from seval.metrics.fit import bootstrap_d50, place_d50

D50_REPS = 1000


@dataclass(frozen=True)
class QuestionScore:
    """One model's scores on one question, one per sample (one sample: the verdict itself)."""

    reasoning_type: str
    difficulty: int
    samples: tuple[float, ...]

    @property
    def score(self) -> float:
        """The question's score: the mean of its samples."""
        return sum(self.samples) / len(self.samples)

    @property
    def right(self) -> int:
        """Samples judged correct (a score above one half)."""
        return sum(map(is_correct, self.samples))

    @property
    def credit(self) -> float:
        """The share of samples judged correct: the question's part of the accuracy (pass@1)."""
        return self.right / len(self.samples)


Scores = dict[str, dict[str, QuestionScore]]  # model -> question key -> score


def _model_summary(model: str, answered: list[QuestionScore], seed: int) -> ModelSummary:
    """Accuracy over every judged answer (with one sample per question, the share of questions right), its
    interval (Wilson; with samples, a bootstrap over questions, as samples of one question are not independent),
    and D50 fitted on the answers."""
    answers, correct = sum(len(s.samples) for s in answered), sum(s.right for s in answered)
    samples = max((len(s.samples) for s in answered), default=1)
    if samples == 1:
        low, high = wilson(correct, answers) if answers else (None, None)
        method = "wilson"
    else:
        _, low, high = mean_interval(np.array([s.credit for s in answered]), seed=seed)
        method = "bootstrap over questions"
    by_level: dict[str, list[int]] = {}
    for score in sorted(answered, key=lambda s: s.difficulty):
        counts = by_level.setdefault(str(score.difficulty), [0, 0])
        counts[0], counts[1] = counts[0] + score.right, counts[1] + len(score.samples)
    summary = ModelSummary(
        model=model,
        items=len(answered),
        answers=answers,
        correct=correct,
        accuracy=correct / answers if answers else None,
        wilson_low=low,
        wilson_high=high,
        interval_method=method,
        accuracy_by_difficulty=by_level,
        **{"d50": None, **_d50(answered, seed)},
    )
    if samples > 1:
        rights = [(len(s.samples), s.right) for s in answered]
        summary.samples = samples
        summary.pass_at_1 = float(np.mean([pass_at_k(n, c, 1) for n, c in rights]))
        summary.pass_at_k = float(np.mean([pass_at_k(n, c, n) for n, c in rights]))
        summary.agreement = float(np.mean([c in (0, n) for n, c in rights]))
    return summary


def _d50(answered: list[QuestionScore], seed: int) -> dict:
    levels = sorted({score.difficulty for score in answered})
    if not levels:
        return {"d50_note": "no scored question"}
    d = np.array(levels, dtype=float)
    n = np.array([sum(len(s.samples) for s in answered if s.difficulty == level) for level in levels], dtype=float)
    k = np.array([sum(s.right for s in answered if s.difficulty == level) for level in levels], dtype=float)
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
    """a against b on ``keys``: the difference of their accuracies (per-question credits), paired."""
    first = [scores[a][key] for key in keys]
    second = [scores[b][key] for key in keys]
    a_only = sum(1 for x, y in zip(first, second, strict=True) if is_correct(x.score) and not is_correct(y.score))
    b_only = sum(1 for x, y in zip(first, second, strict=True) if is_correct(y.score) and not is_correct(x.score))
    single = all(len(s.samples) == 1 for s in first + second)
    value, low, high = (
        paired_difference(np.array([s.credit for s in first]), np.array([s.credit for s in second]), seed=seed)
        if keys
        else (None, None, None)
    )
    return PairDifference(
        a=a,
        b=b,
        n=len(keys),
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
    """The comparison of ``models`` (in the order named) on the questions every one of them answered.

    Ranking models on different questions would compare the questions as much
    as the models: a question some model lacks (not answered, or its answer
    left out of scoring) is left out for all, and the notes say how many.
    """
    every = list(dict.fromkeys(key for model in models for key in scores[model]))
    keys = [key for key in every if all(key in scores[model] for model in models)]
    info = {key: scores[models[0]][key] for key in keys}
    pairs = _pairs(models, scores, keys, seed)
    testable = [index for index, pair in enumerate(pairs) if pair.mcnemar_p is not None]
    for index, adjusted in zip(testable, holm([pairs[i].mcnemar_p or 1.0 for i in testable]), strict=True):
        pairs[index].holm_p = adjusted
    levels = sorted({score.difficulty for score in info.values()})
    kinds = list(dict.fromkeys(score.reasoning_type for score in info.values()))
    samples = max((len(scores[model][key].samples) for model in models for key in keys), default=1)
    notes = [
        f"{len(scores[m]) - len(keys)} question(s) {m} answered are left out: not every model's answer counts there"
        for m in models
        if len(scores[m]) > len(keys)
    ]
    return Comparison(
        run_id=run_id,
        sources=sources or [],
        questions=len(keys),
        samples=samples,
        seed=seed,
        models=[_model_summary(model, [scores[model][key] for key in keys], seed) for model in models],
        pairs=pairs,
        by_difficulty={
            str(level): _pairs(models, scores, [k for k in keys if info[k].difficulty == level], seed)
            for level in levels
        },
        by_reasoning_type={
            kind: _pairs(models, scores, [k for k in keys if info[k].reasoning_type == kind], seed) for kind in kinds
        },
        notes=notes,
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

"""``comparison_run_NNNN.json``: how several answering models did on the same questions, as pydantic records."""

from __future__ import annotations

from pydantic import Field

from seval.records import Record

COMPARISON_VERSION = 1


class ModelSummary(Record):
    """One model over the scored questions it answered."""

    model: str
    items: int  # questions
    answers: int = 0  # judged answers: items x samples
    correct: int  # answers judged correct
    accuracy: float | None  # correct / answers: with samples, pass@1
    wilson_low: float | None  # 95% interval of the accuracy (Wilson; with samples, see interval_method)
    wilson_high: float | None
    interval_method: str = "wilson"
    accuracy_by_difficulty: dict[str, list[int]] = Field(default_factory=dict)  # difficulty -> [correct, answers]
    d50: float | None  # the difficulty at which the model is right half the time, when the data place it
    d50_low: float | None = None
    d50_high: float | None = None
    d50_note: str = ""
    samples: int = 1  # answers per question (--samples)
    pass_at_1: float | None = None  # with samples > 1: mean share of right samples per question
    pass_at_k: float | None = None  # with samples > 1: share of questions with at least one right sample
    agreement: float | None = None  # with samples > 1: share of questions whose samples were all right or all wrong
    cost_usd: float | None = None  # with --price: what the model's answers cost
    cost_per_correct_usd: float | None = None


class PairDifference(Record):
    """Model ``a`` against model ``b`` on the questions both answered."""

    a: str
    b: str
    n: int  # shared questions
    a_only: int  # questions a got right and b wrong
    b_only: int
    difference: float | None  # accuracy(a) - accuracy(b); with samples, of the per-question mean scores
    difference_low: float | None  # 95% paired bootstrap over questions
    difference_high: float | None
    mcnemar_p: float | None  # exact two-sided binomial test on a_only and b_only (one sample per question only)
    holm_p: float | None = None  # adjusted across the pairs of the comparison (top-level pairs only)


class Comparison(Record):
    """Every model, every pair (in the order the models were named), and the pairs per difficulty and type."""

    comparison_version: int = COMPARISON_VERSION
    run_id: int | None = None  # None for --compare over finished folders
    sources: list[str] = Field(default_factory=list)  # --compare: the folders compared
    questions: int  # scored questions in the comparison (excluded ones left out)
    samples: int = 1
    seed: int = 0  # of the bootstrap
    models: list[ModelSummary]
    pairs: list[PairDifference]
    by_difficulty: dict[str, list[PairDifference]] = Field(default_factory=dict)
    by_reasoning_type: dict[str, list[PairDifference]] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

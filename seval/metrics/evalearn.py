"""EvaLearn's sequential-learning metrics, with numpy, and the runner view.

Usage::

    python evaluate_metric.py --results results.json [--problems 7] [--warmup 3]
        [--output report.json] [--bootstrap 1000] [--seed 0]

``--results`` is a JSON list or JSONL of sequential results (EvaLearn's or
ours), or the benchmark runner's runs.jsonl (the runner view); the kind is
told from the content. The report keeps the structure and key names of
EvaLearn's ``evaluate_metric.py`` (``model_evaluation`` -> ``dataset_info``,
``overall_metrics``, ``type_metrics``) and adds confidence intervals and
data-quality counts beside them. It is written atomically, by default to
``report_<results file name>`` in the current directory (a ``.jsonl`` name
becomes ``.json``).

``EvaLearnMetrics`` is the importable API, with the reference's names.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from seval.io.atomic import write_text_atomic
from seval.metrics.core import SequenceMetrics, first_correct, longest_run
from seval.metrics.load import ReadInfo, read_values
from seval.metrics.outcomes import collect_outcomes
from seval.metrics.runner_view import is_run_record

DEFAULT_PROBLEMS = 7
DEFAULT_WARMUP = 3

DESCRIPTIONS = {
    "overall_accuracy": "Average accuracy across all problems and sequences",
    "accuracy_slope": "Slope of fitted accuracy curve (learning speed)",
    "first_correct_position": "Average position of first correct solution",
    "consecutive_correct": "Average number of consecutive correct solutions",
    "position_accuracy": "Accuracy at each position across all sequences",
}


def _pw_key(k: int) -> str:
    return f"post_warmup_accuracy_k{k}"


class EvaLearnMetrics:
    """EvaLearn's metrics for one results file (same names as the reference).

    Metrics: overall accuracy (Acc), slope of the position-accuracy curve
    (k), average first correct position (P_first), average longest run of
    correct answers (N_consec) and post-warmup accuracy (Acc_pw-K).
    ``bootstrap`` resamples (0 to skip) give 95% intervals in the report.
    """

    def __init__(
        self,
        results_file: str,
        num_problems_per_sequence: int = DEFAULT_PROBLEMS,
        *,
        bootstrap: int = 1000,
        seed: int = 0,
        jobs: int | None = None,
    ) -> None:
        self.results_file = results_file
        self.M = int(num_problems_per_sequence)
        self.bootstrap_reps = int(bootstrap)
        self.seed = int(seed)
        self.outcomes = collect_outcomes(results_file, self.M, jobs=jobs)
        self.y_nm = self.outcomes.matrix
        self.N = int(self.y_nm.shape[0])
        self.warnings: list[str] = list(self.outcomes.info.notes)
        self._m = SequenceMetrics(self.y_nm, self.outcomes.type_of, self.outcomes.type_names)

    @property
    def type_sequences(self) -> dict[str, list]:
        """The sequence ids of each type, types in the order first met (as the reference)."""
        ids = self.outcomes.sequence_ids
        return {t: [ids[i] for i in rows.tolist()] for t, rows in self._m.rows.items()}

    def _type_counts(self) -> dict[str, int]:
        return {t: len(rows) for t, rows in self._m.rows.items()}

    # -- the metrics ---------------------------------------------------------
    def overall_accuracy(self, by_type: bool = False):
        """Correct answers / (sequences x M); per type over its sequences."""
        return self._m.overall_accuracy(by_type)

    def position_accuracy(self, by_type: bool = False, avg_by_type: bool = False):
        """Accuracy at each position: per type (``by_type``), the unweighted
        mean of the type curves (``avg_by_type``, what the report uses), or
        else pooled over all sequences, as in the reference."""
        if by_type or avg_by_type:
            return self._m.position_accuracy(by_type)
        return self.y_nm.mean(axis=0) if self.N else np.zeros(self.M)

    def accuracy_slope(self, by_type: bool = False):
        """Least-squares slope of the type-averaged curve (per type: its own)."""
        return self._m.accuracy_slope(by_type)

    def first_correct_position(self, by_type: bool = False, avg_by_type: bool = False):
        """Mean first correct position (M+1 when none): per type, the mean of
        the type means (``avg_by_type``), or else pooled over sequences."""
        if by_type or avg_by_type:
            return self._m.first_correct_position(by_type)
        return float(first_correct(self.y_nm).mean()) if self.N else 0.0

    def consecutive_correct(self, by_type: bool = False, avg_by_type: bool = False):
        """Mean longest run of correct answers: per type, the mean of the
        type means (``avg_by_type``), or else pooled over sequences."""
        if by_type or avg_by_type:
            return self._m.consecutive_correct(by_type)
        return float(longest_run(self.y_nm).mean()) if self.N else 0.0

    def post_warmup_accuracy(self, warmup_k: int = DEFAULT_WARMUP, by_type: bool = False):
        """Accuracy over positions K+1..M (0, with a warning, when K >= M)."""
        if warmup_k >= self.M:
            note = f"warmup K ({warmup_k}) must be less than M ({self.M}): post-warmup accuracy reported as 0"
            if note not in self.warnings:
                self.warnings.append(note)
        return self._m.post_warmup_accuracy(warmup_k, by_type)

    def compute_all_metrics(self, warmup_k: int = DEFAULT_WARMUP, by_type: bool = False) -> dict:
        return {
            "overall_accuracy": self.overall_accuracy(by_type),
            "position_accuracy": self.position_accuracy(by_type, avg_by_type=True),
            "accuracy_slope": self.accuracy_slope(by_type),
            "first_correct_position": self.first_correct_position(by_type, avg_by_type=True),
            "consecutive_correct": self.consecutive_correct(by_type, avg_by_type=True),
            _pw_key(warmup_k): self.post_warmup_accuracy(warmup_k, by_type),
        }

    def confidence_intervals(self, warmup_k: int = DEFAULT_WARMUP) -> dict | None:
        """Stratified bootstrap 95% intervals, or None when bootstrap is 0."""
        if self.bootstrap_reps <= 0:
            return None
        ci = self._m.bootstrap(warmup_k, self.bootstrap_reps, self.seed)
        lo, hi = ci["accuracy_slope"]["low"], ci["accuracy_slope"]["high"]
        excludes = lo > 0 or hi < 0
        ci["accuracy_slope"]["excludes_zero"] = excludes
        ci["accuracy_slope"]["verdict"] = (
            f"the slope's 95% interval [{lo:.4f}, {hi:.4f}] excludes 0: "
            "the trend along the sequence is unlikely to be noise"
            if excludes
            else f"the slope's 95% interval [{lo:.4f}, {hi:.4f}] includes 0: the slope cannot be told apart from noise"
        )
        for per in ci["by_type"].values():
            s = per["accuracy_slope"]
            s["excludes_zero"] = s["low"] > 0 or s["high"] < 0
        return {
            "method": "percentile bootstrap over sequences, stratified by type",
            "level": 0.95,
            "resamples": self.bootstrap_reps,
            "seed": self.seed,
            **ci,
        }

    def data_quality(self) -> dict:
        st = dict(self.outcomes.stats)
        st["input_format"] = "JSON list" if self.outcomes.info.fmt == "json" else "JSONL"
        st["warnings"] = list(self.warnings)
        return st

    def generate_report(self, output_file: str | None = None, warmup_k: int = DEFAULT_WARMUP) -> dict:
        """The reference's report (same keys), plus confidence_intervals and
        data_quality beside them; written atomically when ``output_file``."""
        overall = self.compute_all_metrics(warmup_k, by_type=False)
        per_type = self.compute_all_metrics(warmup_k, by_type=True)
        pw = _pw_key(warmup_k)
        overall_dict = {
            name: {"value": overall[name], "description": DESCRIPTIONS[name]}
            for name in ("overall_accuracy", "accuracy_slope", "first_correct_position", "consecutive_correct")
        }
        overall_dict[pw] = {
            "value": overall[pw],
            "description": f"Average accuracy after excluding first {warmup_k} problems",
        }
        overall_dict["position_accuracy"] = {
            "values": overall["position_accuracy"].tolist(),
            "description": DESCRIPTIONS["position_accuracy"],
        }
        type_metrics = {}
        counts = self._type_counts()
        for t in sorted(counts):
            type_metrics[t] = {
                "sequence_count": counts[t],
                "overall_accuracy": per_type["overall_accuracy"][t],
                "accuracy_slope": per_type["accuracy_slope"][t],
                "first_correct_position": per_type["first_correct_position"][t],
                "consecutive_correct": per_type["consecutive_correct"][t],
                pw: per_type[pw][t],
                "position_accuracy": per_type["position_accuracy"][t].tolist(),
            }
        report = {
            "model_evaluation": {
                "dataset_info": {
                    "num_sequences": self.N,
                    "problems_per_sequence": self.M,
                    "total_problems": self.N * self.M,
                    "sequence_types": counts,
                    "warmup_parameter": warmup_k,
                    "zero_shot_results_provided": False,
                },
                "overall_metrics": overall_dict,
                "type_metrics": type_metrics,
                "confidence_intervals": self.confidence_intervals(warmup_k),
                "data_quality": self.data_quality(),
            }
        }
        if output_file:
            write_report_json(output_file, report)
        return report


def _finite(value):
    """JSON-safe copy: non-finite floats become null, numpy scalars Python."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_report_json(path: str, data: dict) -> None:
    """The JSON report, written atomically through the project's writer (non-finite floats as null)."""
    write_text_atomic(Path(path), json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def default_output(results: str) -> str:
    """``report_<name>`` in the current directory, as the reference does;
    a ``.jsonl`` name becomes ``.json`` since the report is one JSON object."""
    name = os.path.basename(results)
    if name.endswith(".jsonl"):
        name = name[: -len(".jsonl")] + ".json"
    return f"report_{name}"


def is_runs_file(path: str) -> bool:
    """True when the file's first value is a runner run record (runs.jsonl)."""
    info = ReadInfo(path)
    for batch in read_values(path, info, block=1 << 16):
        if batch:
            return info.fmt == "jsonl" and is_run_record(batch[0])
    return False

"""EvaLearn's sequential-learning metrics, with numpy (the runner view is ``runner_view.py``).

Usage::

    python evaluate_metric.py --results results.json [--problems 7] [--warmup 3]
        [--output report.json] [--bootstrap 1000] [--seed 0] [--zero-shot FILE] [--baseline FILE]

``--results`` is a JSON list or JSONL of sequential results (EvaLearn's or
ours), or the benchmark runner's runs.jsonl (the runner view); the kind is
told from the content. The report keeps the structure and key names of
EvaLearn's ``evaluate_metric.py`` (``model_evaluation`` -> ``dataset_info``,
``overall_metrics``, ``type_metrics``) and adds confidence intervals and
data-quality counts beside them; with a zero-shot run it adds EvaLearn's
sixth metric, ``first_learned_correct_offset``, and with a zero-shot or
baseline run the paired learning gain (``paired_comparison``). It is
written atomically, by default to
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
from seval.metrics import offset, paired
from seval.metrics.core import SequenceMetrics, first_correct, longest_run
from seval.metrics.load import ReadInfo, is_run_record, read_values
from seval.metrics.outcomes import Outcomes, collect_outcomes

DEFAULT_PROBLEMS = 7
DEFAULT_WARMUP = 3

DESCRIPTIONS = {
    "overall_accuracy": "Average accuracy across all problems and sequences",
    "accuracy_slope": "Slope of fitted accuracy curve (learning speed)",
    "first_correct_position": "Average position of first correct solution",
    "consecutive_correct": "Average number of consecutive correct solutions",
    "position_accuracy": "Accuracy at each position across all sequences",
    "first_learned_correct_offset": "Average offset of first learned correct solution (lower is better - "
    "measures learning speed while discounting pre-existing knowledge)",
}
OFFSET = "first_learned_correct_offset"


def _pw_key(k: int) -> str:
    return f"post_warmup_accuracy_k{k}"


class EvaLearnMetrics:
    """EvaLearn's metrics for one results file (same names as the reference).

    Metrics: overall accuracy (Acc), slope of the position-accuracy curve
    (k), average first correct position (P_first), average longest run of
    correct answers (N_consec), post-warmup accuracy (Acc_pw-K) and, given
    a zero-shot run of the same sequences (``zero_shot_file``, the
    reference's third argument), the first learned correct offset
    (O_learned). ``baseline_file`` (or else the zero-shot file) is paired
    with the results for the learning gain. ``bootstrap`` resamples (0 to
    skip) give 95% intervals in the report. ``while_waiting``: see
    ``collect_outcomes`` (work to overlap with the parsing processes).
    """

    def __init__(
        self,
        results_file: str,
        num_problems_per_sequence: int = DEFAULT_PROBLEMS,
        zero_shot_file: str | None = None,
        *,
        baseline_file: str | None = None,
        bootstrap: int = 1000,
        seed: int = 0,
        jobs: int | None = None,
        while_waiting=None,
    ) -> None:
        self.results_file = results_file
        self.zero_shot_file = zero_shot_file
        self.baseline_file = baseline_file or zero_shot_file
        self.M = int(num_problems_per_sequence)
        self.bootstrap_reps = int(bootstrap)
        self.seed = int(seed)
        want_ids = self.baseline_file is not None
        self.outcomes = collect_outcomes(
            results_file, self.M, jobs=jobs, want_ids=want_ids, while_waiting=while_waiting
        )
        self.y_nm = self.outcomes.matrix
        self.N = int(self.y_nm.shape[0])
        self.warnings: list[str] = list(self.outcomes.info.notes)
        self._m = SequenceMetrics(self.y_nm, self.outcomes.type_of, self.outcomes.type_names)
        self.zero_shot: Outcomes | None = None
        self.baseline: Outcomes | None = None
        if zero_shot_file:
            self.zero_shot = collect_outcomes(zero_shot_file, self.M, jobs=jobs, want_ids=True)
        if baseline_file and baseline_file != zero_shot_file:
            self.baseline = collect_outcomes(baseline_file, self.M, jobs=jobs, want_ids=True)
        else:
            self.baseline = self.zero_shot
        self._warn_about_ids()

    def _warn_about_ids(self) -> None:
        """Say when the comparisons cannot work as meant: records without problem ids."""
        if self.baseline is None:
            return
        ids = self.outcomes.problem_ids
        if ids is not None and not any(pid is not None for pid in ids.ravel().tolist()):
            self.warnings.append(
                "the results' records have no problem id ('id'): the zero-shot offset cannot find a first "
                "wrong problem, and pairs are checked by position only"
            )

    @property
    def zero_shot_correct_ids(self) -> set:
        """Z: the problem ids the zero-shot run answered correctly (empty without a zero-shot file)."""
        return set(self.zero_shot.correct_ids or ()) if self.zero_shot is not None else set()

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

    def first_learned_correct_offset(self, by_type: bool = False, avg_by_type: bool = False):
        """O_learned against the zero-shot run (see ``seval.metrics.offset``): per type
        (``by_type``), the mean of the types above 0 (``avg_by_type``, what the report
        uses), or else pooled over sequences, as in the reference. None without a zero-shot file."""
        if self.zero_shot is None or self.outcomes.problem_ids is None:
            return None
        unknown = offset.zero_shot_unknown(self.outcomes.problem_ids, self.zero_shot_correct_ids)
        offsets = offset.learned_offsets(self.y_nm, unknown)
        if by_type or avg_by_type:
            per_type = offset.offsets_by_type(offsets, self._m.rows)
            return per_type if by_type else offset.overall_offset(per_type)
        return offset.pooled_offset(offsets)

    def paired_comparison(self) -> dict | None:
        """The paired learning gain against the baseline (or zero-shot) run, or None without one."""
        if self.baseline is None:
            return None
        block = paired.compare(self.outcomes, self.baseline, self._m.rows, self.bootstrap_reps, self.seed)
        kind = "zero-shot" if self.baseline is self.zero_shot else "baseline"
        label = f"the {kind} run ({os.path.basename(str(self.baseline_file))})"
        block = {
            "baseline_file": str(self.baseline_file),
            "baseline_kind": kind,
            "pairing": "(sequence_id, position_in_sequence) with the same problem id",
            **block,
            "interval_method": "percentile bootstrap over sequences, stratified by type",
            "summary": paired.gain_sentence(block, label),
        }
        if block["mismatched_problem_ids"]:
            self.warnings.append(
                f"{block['mismatched_problem_ids']} positions hold another problem in {self.baseline_file}: "
                "left out of the paired comparison (were both runs made from the same sequence file?)"
            )
        if not block["n_pairs"]:
            self.warnings.append(f"no position of the results could be paired with {self.baseline_file}")
        return block

    def compute_all_metrics(self, warmup_k: int = DEFAULT_WARMUP, by_type: bool = False) -> dict:
        metrics = {
            "overall_accuracy": self.overall_accuracy(by_type),
            "position_accuracy": self.position_accuracy(by_type, avg_by_type=True),
            "accuracy_slope": self.accuracy_slope(by_type),
            "first_correct_position": self.first_correct_position(by_type, avg_by_type=True),
            "consecutive_correct": self.consecutive_correct(by_type, avg_by_type=True),
            _pw_key(warmup_k): self.post_warmup_accuracy(warmup_k, by_type),
        }
        if self.zero_shot is not None:
            metrics[OFFSET] = self.first_learned_correct_offset(by_type, avg_by_type=True)
        return metrics

    def confidence_intervals(self, warmup_k: int = DEFAULT_WARMUP) -> dict | None:
        """Stratified bootstrap 95% intervals, or None when bootstrap is 0."""
        if self.bootstrap_reps <= 0:
            return None
        ci = self._m.bootstrap(warmup_k, self.bootstrap_reps, self.seed)
        slope_ci = ci["accuracy_slope"]
        slope_ci["excludes_zero"] = _excludes_zero(slope_ci)
        slope_ci["verdict"] = self._slope_verdict(slope_ci)
        for per in ci["by_type"].values():
            per["accuracy_slope"]["excludes_zero"] = _excludes_zero(per["accuracy_slope"])
        return {
            "method": "percentile bootstrap over sequences, stratified by type",
            "level": 0.95,
            "resamples": self.bootstrap_reps,
            "seed": self.seed,
            **ci,
        }

    def _slope_verdict(self, interval: dict) -> str:
        """One line on whether the overall slope is more than noise, or why that cannot be said."""
        if self.M < 2:
            return "the slope is undefined with one problem per sequence: there is no trend along it to test"
        lo, hi = interval["low"], interval["high"]
        if lo is None:
            return (
                "no interval: fewer than two distinct sequences (outcome patterns) in every type, so a bootstrap "
                "over sequences cannot vary; nothing here says whether the slope differs from noise"
            )
        if interval["excludes_zero"]:
            return (
                f"the slope's 95% interval [{lo:.4f}, {hi:.4f}] excludes 0: "
                "the trend along the sequence is unlikely to be noise"
            )
        return f"the slope's 95% interval [{lo:.4f}, {hi:.4f}] includes 0: the slope cannot be told apart from noise"

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
        if OFFSET in overall:
            overall_dict[OFFSET] = {"value": overall[OFFSET], "description": DESCRIPTIONS[OFFSET]}
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
            if OFFSET in per_type:
                type_metrics[t][OFFSET] = per_type[OFFSET][t]
        evaluation: dict = {
            "dataset_info": {
                "num_sequences": self.N,
                "problems_per_sequence": self.M,
                "total_problems": self.N * self.M,
                "sequence_types": counts,
                "warmup_parameter": warmup_k,
                "zero_shot_results_provided": self.zero_shot is not None,
            },
            "overall_metrics": overall_dict,
            "type_metrics": type_metrics,
            "confidence_intervals": self.confidence_intervals(warmup_k),
        }
        comparison = self.paired_comparison()
        if comparison is not None:
            evaluation["paired_comparison"] = comparison
        if self.zero_shot is not None:
            evaluation["dataset_info"]["zero_shot_file"] = str(self.zero_shot_file)
            evaluation["dataset_info"]["zero_shot_correct_problems"] = len(self.zero_shot_correct_ids)
        evaluation["data_quality"] = self.data_quality()  # last: the comparison may add warnings
        report = {"model_evaluation": evaluation}
        if output_file:
            write_report_json(output_file, report)
        return report


def _excludes_zero(interval: dict) -> bool | None:
    """Whether a ``{"low", "high"}`` interval excludes 0; None when there is no interval."""
    if interval["low"] is None:
        return None
    return interval["low"] > 0 or interval["high"] < 0


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

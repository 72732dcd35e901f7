"""What evaluate_metric.py may claim about the slope when the data cannot support a claim.

A bootstrap over one sequence (or over copies of one outcome pattern) draws the same data every
time: its "interval" has zero width and "excludes 0" whenever the slope is not 0, which is a claim
of certainty that one sequence cannot give. With one problem per sequence there is no slope at all.
"""

from __future__ import annotations

import json

import numpy as np
from helpers import run_tool
from shared_cases import FENCE, write_json


def _sequences(patterns: list[list[int]], kind: str = "t") -> list[dict]:
    return [
        {"sequence_id": f"{kind}{i}", "position_in_sequence": p, "type": kind, "gpt4judge": FENCE.format(ok)}
        for i, pattern in enumerate(patterns)
        for p, ok in enumerate(pattern, start=1)
    ]


def test_one_sequence_or_identical_ones_give_no_interval(tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    for name, patterns in (("one", [[0, 0, 1, 1]]), ("copies", [[0, 0, 1, 1]] * 6)):
        m = EvaLearnMetrics(write_json(tmp_path / f"{name}.json", _sequences(patterns)), 4, bootstrap=200)
        assert m.accuracy_slope() > 0  # the estimate itself is there: 0.4 per position
        ci = m.confidence_intervals()
        slope = ci["accuracy_slope"]
        assert (slope["low"], slope["high"], slope["excludes_zero"]) == (None, None, None), name
        assert "excludes 0" not in slope["verdict"] and "no interval" in slope["verdict"]
        assert ci["overall_accuracy"] == {"low": None, "high": None}
        assert ci["by_type"]["t"]["accuracy_slope"]["excludes_zero"] is None


def test_two_distinct_sequences_do_give_an_interval(tmp_path):
    from seval.metrics.evalearn import EvaLearnMetrics

    path = write_json(tmp_path / "two.json", _sequences([[0, 0, 1, 1], [0, 1, 1, 1]] * 3))
    slope = EvaLearnMetrics(path, 4, bootstrap=200).confidence_intervals()["accuracy_slope"]
    assert slope["low"] is not None and slope["low"] <= slope["high"]
    assert isinstance(slope["excludes_zero"], bool)


def test_cli_says_so_in_console_and_markdown(tmp_path):
    path = write_json(tmp_path / "one.json", _sequences([[0, 0, 1, 1]]))
    result = run_tool("evaluate_metric.py", "--results", path, "--problems", "4", "--no-charts", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Slope: no interval" in result.stdout and "interval [" not in result.stdout
    markdown = (tmp_path / "report_one.md").read_text(encoding="utf-8")
    assert "no interval" in markdown and "excludes 0" not in markdown


def test_one_problem_per_sequence_has_an_undefined_slope(tmp_path):
    path = write_json(tmp_path / "m1.json", _sequences([[1], [0], [1]]))
    result = run_tool("evaluate_metric.py", "--results", path, "--problems", "1", cwd=tmp_path)  # with the chart
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "report_m1.json").read_text(encoding="utf-8"))["model_evaluation"]
    assert report["overall_metrics"]["accuracy_slope"]["value"] is None  # not 0: there is no trend to measure
    assert report["type_metrics"]["t"]["accuracy_slope"] is None
    assert report["confidence_intervals"]["accuracy_slope"]["excludes_zero"] is None
    assert "undefined" in result.stdout
    assert "undefined" in (tmp_path / "report_m1.md").read_text(encoding="utf-8")
    assert (tmp_path / "report_m1.positions.png").stat().st_size > 0


def test_a_bound_that_is_zero_up_to_float_noise_does_not_exclude_zero():
    from seval.metrics.core import percentile_interval

    noisy = np.array([1.98e-18] * 50 + [0.05] * 950)  # a lower bound that is 0 in exact arithmetic
    interval = percentile_interval(noisy)
    assert interval["low"] == 0.0 and interval["high"] == 0.05
    from seval.metrics.evalearn import _excludes_zero

    assert _excludes_zero(interval) is False

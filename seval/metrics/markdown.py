"""A readable companion to ``evaluate_metric.py``'s JSON report: markdown with the position chart.

Everything here is read from the JSON report the tool just wrote, so the two
never disagree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seval.io.atomic import write_text_atomic
from seval.markdown import cell

OFFSET = "first_learned_correct_offset"


def markdown_path_for(report_path: str) -> Path:
    """``report_results.json`` -> ``report_results.md`` beside it."""
    path = Path(report_path)
    return path.with_suffix(".md") if path.suffix else path.with_name(path.name + ".md")


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def _interval(intervals: dict | None, name: str) -> str:
    entry = (intervals or {}).get(name)
    if not entry or entry.get("low") is None:
        return "-"
    return f"[{entry['low']:.4f}, {entry['high']:.4f}]"


def _gain_table(comparison: dict) -> list[str]:
    """The paired difference per position, as a small table."""
    rows = comparison["by_position"]
    lines = [
        "",
        "| Position | " + " | ".join(str(row["position"]) for row in rows) + " |",
        "|---|" + "---:|" * len(rows),
        "| Paired | " + " | ".join(str(row["n_pairs"]) for row in rows) + " |",
        "| Difference | " + " | ".join(_signed(row["difference"]) for row in rows) + " |",
    ]
    return lines


def _signed(value) -> str:
    return "-" if value is None else f"{value:+.3f}"


def render(report: dict, chart_name: str | None) -> str:
    """The markdown of a sequential-metrics report."""
    evaluation = report["model_evaluation"]
    info, overall = evaluation["dataset_info"], evaluation["overall_metrics"]
    intervals = evaluation.get("confidence_intervals") or {}  # None when --bootstrap 0
    lines = [
        "# EvaLearn metrics",
        "",
        f"{info['num_sequences']} sequences of {info['problems_per_sequence']} problems; "
        f"warm-up K = {info['warmup_parameter']}. Intervals are 95% bootstrap intervals over sequences, "
        "stratified by type.",
        "",
        "| Metric | Value | 95% interval |",
        "|---|---:|---|",
    ]
    for name, entry in overall.items():
        if name == "position_accuracy":
            continue
        lines.append(f"| {name} | {_fmt(entry['value'])} | {_interval(intervals, name)} |")
    verdict = (intervals.get("accuracy_slope") or {}).get("verdict")
    if overall["accuracy_slope"]["value"] is None:
        verdict = "undefined with one problem per sequence (no trend along a single position)."
    if verdict:
        lines += ["", f"**Slope:** {verdict}"]
    comparison = evaluation.get("paired_comparison")
    if comparison:
        lines += ["", f"**Learning gain:** {comparison['summary']}"]
        lines += _gain_table(comparison)
    has_offset = OFFSET in overall
    lines += [
        "",
        "## By task type",
        "",
        "| Type | Sequences | Accuracy | Slope | Slope 95% interval | First correct | Consecutive |"
        + (" O_learned |" if has_offset else ""),
        "|---|---:|---:|---:|---|---:|---:|" + ("---:|" if has_offset else ""),
    ]
    by_type = intervals.get("by_type") or {}
    for kind, metrics in evaluation["type_metrics"].items():
        lines.append(
            f"| {cell(kind)} | {metrics['sequence_count']} | {_fmt(metrics['overall_accuracy'])} | "
            f"{_fmt(metrics['accuracy_slope'])} | {_interval(by_type.get(kind), 'accuracy_slope')} | "
            f"{_fmt(metrics['first_correct_position'])} | {_fmt(metrics['consecutive_correct'])} |"
            + (f" {_fmt(metrics[OFFSET])} |" if has_offset else "")
        )
    if chart_name:
        lines += ["", f"![Accuracy by position per task type, with fitted slopes]({chart_name})"]
    return "\n".join(lines) + "\n"


def write_markdown(report: dict, report_path: str, with_charts: bool = True) -> Path:
    """Write the markdown (and its chart) beside the JSON report; return the markdown's path."""
    path = markdown_path_for(report_path)
    chart_name = None
    types = report["model_evaluation"]["type_metrics"]
    if with_charts and types:
        from seval import charts as charts  # matplotlib is loaded only when a chart is drawn

        chart = path.with_name(path.stem + ".positions.png")
        charts.position_curves(
            chart,
            {kind: np.array(m["position_accuracy"]) for kind, m in types.items()},
            {kind: m["accuracy_slope"] for kind, m in types.items()},
            "Accuracy by position in the sequence",
        )
        chart_name = chart.name
    write_text_atomic(path, render(report, chart_name))
    return path

"""The sequential mode's markdown report: accuracy by position per task type, with its chart.

The full EvaLearn metrics, with bootstrap intervals, are ``evaluate_metric.py``'s job; this report
shows what a user looks at first after a run: does accuracy rise along the sequence?
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seval.io.atomic import write_text_atomic
from seval.markdown import cell, inline
from seval.metrics.core import slope
from seval.sequential.records import EvalOutcome
from seval.sequential.summary import ending_lines


def report_path_for(results_path: Path) -> Path:
    """``results.json`` -> ``results.report.md`` beside it."""
    return results_path.with_name(results_path.name.rsplit(".", 1)[0] + ".report.md")


def position_curves(outcome: EvalOutcome) -> dict[str, np.ndarray]:
    """Per task type, the share of its sequences answered correctly at each position (missing = wrong)."""
    type_of = {seq["sequence_id"]: seq.get("type", "unknown") for seq in outcome.sequences}
    length = max((len(seq["question_ids"]) for seq in outcome.sequences), default=0)
    correct: dict[str, np.ndarray] = {kind: np.zeros(length) for kind in dict.fromkeys(type_of.values())}
    for item in outcome.items:
        kind = type_of.get(item.sequence_id)
        if kind is not None and item.position_in_sequence <= length and item.correct:
            correct[kind][item.position_in_sequence - 1] += 1
    counts = {kind: sum(1 for value in type_of.values() if value == kind) for kind in correct}
    return {kind: correct[kind] / counts[kind] for kind in correct}


def render(
    outcome: EvalOutcome,
    curves: dict[str, np.ndarray],
    chart_name: str | None,
    prices: dict[str, tuple[float, float]] | None = None,
) -> str:
    """The report's markdown."""
    slopes = {kind: slope(curve) for kind, curve in curves.items()}
    items = outcome.items
    solved = sum(1 for item in items if item.correct)
    models = sorted({(item.client_model, item.judge_model) for item in items})
    simulated = models and all(client.startswith("sim-") and judge.startswith("sim-") for client, judge in models)
    lines = [
        "# Sequential evaluation",
        "",
        *(
            [
                "> **Simulated models** (`sim_endpoint.py`, as in `--demo`): these figures show what the tool "
                "reports, not how any real model performs.",
                "",
            ]
            if simulated
            else []
        ),
        f"- Sequences: {len(outcome.sequences)}; positions answered: {len(items)}; "
        f"solved: {solved} ({solved / len(items):.1%})"
        if items
        else "- Nothing was answered.",
        *[f"- Student `{inline(client)}`, judge `{inline(judge)}`" for client, judge in models],
        *[f"- Paradigm: `{paradigm}`" for paradigm in sorted({item.paradigm for item in items})],
        f"- Results: `{outcome.results_path.name}`",
        *[f"- {line}" for line in ending_lines(items, prices)],
        *[f"- Adapted: {inline(note)}" for note in outcome.adaptations],
        "",
        "A position counts as solved when the judge's `answer_score` is above 0 (EvaLearn's rule). "
        "The slope is the least-squares slope of a type's accuracy against position: accuracy gained "
        "per position. For intervals that say whether a slope is more than noise, run "
        f"`python evaluate_metric.py --results {outcome.results_path.name}`.",
        "",
        "## Accuracy by position",
        "",
    ]
    length = max((len(curve) for curve in curves.values()), default=0)
    lines.append("| Task type | " + " | ".join(str(p) for p in range(1, length + 1)) + " | Slope |")
    lines.append("|---|" + "---:|" * (length + 1))
    for kind, curve in curves.items():
        shown = "undefined" if np.isnan(slopes[kind]) else f"{slopes[kind]:+.3f}"  # one position: no trend
        lines.append(f"| {cell(kind)} | " + " | ".join(f"{value:.2f}" for value in curve) + f" | {shown} |")
    if chart_name:
        lines += ["", f"![Accuracy by position per task type, with fitted lines]({chart_name})", ""]
    issues = outcome.integrity_issues
    lines += [
        "",
        "## Integrity",
        "",
        "Every sequence complete, positions 1..M present, each holding the problem its sequence lists."
        if not issues
        else f"{len(issues)} issue(s):",
    ]
    lines += [f"- {issue}" for issue in issues[:20]]
    return "\n".join(lines) + "\n"


def write_sequential_report(
    outcome: EvalOutcome, with_charts: bool = True, prices: dict[str, tuple[float, float]] | None = None
) -> Path:
    """Write the markdown report (and its chart) beside the results; return the report's path."""
    path = report_path_for(outcome.results_path)
    curves = position_curves(outcome)
    chart_name = None
    if with_charts and curves and outcome.items:
        from seval import charts as charts  # matplotlib is loaded only when a chart is drawn

        chart = path.with_name(path.name.replace(".report.md", ".positions.png"))
        charts.position_curves(
            chart,
            curves,
            {kind: slope(curve) for kind, curve in curves.items()},
            "Accuracy by position in the sequence",
        )
        chart_name = chart.name
    write_text_atomic(path, render(outcome, curves, chart_name, prices))
    return path

"""``--paradigm all``: the four paradigms on the same sequences, and one table that compares them.

Each paradigm writes its own results file (``results_zero_shot.json``, ...) and is scored by the
metrics module exactly as ``evaluate_metric.py --zero-shot`` would score it: accuracy, the slope with
its interval, O_learned against the zero-shot run, and the paired gain over zero-shot with its
interval. Zero-shot is the control: a gain over it is what the context bought, position by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from seval.io.atomic import write_text_atomic
from seval.markdown import inline
from seval.sequential.paradigms import DEMONSTRATION, FEEDBACK, FEW_SHOT, ZERO_SHOT

ALL = "all"
ALL_ORDER = (ZERO_SHOT, FEW_SHOT, DEMONSTRATION, FEEDBACK)  # the control first: the others are paired with it
SIMULATED_NOTE = (
    "SIMULATED models (sim_endpoint.py): this shows what the tool can detect, not how any real model performs."
)


@dataclass
class ParadigmRow:
    """One paradigm's figures against the zero-shot run."""

    paradigm: str
    path: Path
    sequences: int
    accuracy: float
    slope: float | None
    slope_interval: tuple[float | None, float | None]
    offset: float | None  # O_learned against the zero-shot run
    gain: dict | None  # the paired difference {"value", "low", "high"}; None for zero-shot itself
    p_value: float | None


def paradigm_output(output: Path, paradigm: str) -> Path:
    """Where one paradigm's results go under ``--paradigm all``: ``results.json`` -> ``results_few_shot.json``."""
    output = Path(output)
    return output.with_name(f"{output.stem}_{paradigm.replace('-', '_')}{output.suffix}")


def compare_paradigms(outputs: dict[str, Path], problems_per_sequence: int, bootstrap: int = 1000) -> list[ParadigmRow]:
    """Score each paradigm's results against the zero-shot results (the metrics' own code, seed 0)."""
    from seval.metrics.evalearn import EvaLearnMetrics  # numpy's metrics, only when a table is asked for

    zero_shot = str(outputs[ZERO_SHOT])
    rows = []
    for paradigm, path in outputs.items():
        m = EvaLearnMetrics(str(path), problems_per_sequence, zero_shot, bootstrap=bootstrap, seed=0, jobs=1)
        ci = m.confidence_intervals() or {}
        slope_ci = ci.get("accuracy_slope") or {}
        pair = m.paired_comparison() if paradigm != ZERO_SHOT else None
        slope = m.accuracy_slope()
        rows.append(
            ParadigmRow(
                paradigm=paradigm,
                path=Path(path),
                sequences=m.N,
                accuracy=m.overall_accuracy(),
                slope=None if slope != slope else slope,  # NaN: undefined
                slope_interval=(slope_ci.get("low"), slope_ci.get("high")),
                offset=m.first_learned_correct_offset(avg_by_type=True),
                gain=pair["difference"] if pair else None,
                p_value=pair["mcnemar"]["p_value"] if pair else None,
            )
        )
    return rows


def _num(value: float | None, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _interval(low: float | None, high: float | None, digits: int = 3) -> str:
    return "no interval" if low is None or high is None else f"[{low:+.{digits}f}, {high:+.{digits}f}]"


def _cells(row: ParadigmRow) -> list[str]:
    gain = (
        "control"
        if row.gain is None
        else f"{_num(row.gain['value'], signed=True)} {_interval(row.gain['low'], row.gain['high'])}"
    )
    return [
        row.paradigm,
        str(row.sequences),
        _num(row.accuracy),
        f"{_num(row.slope, 4, signed=True)} {_interval(*row.slope_interval, digits=4)}",
        _num(row.offset, 2),
        gain,
        "-" if row.p_value is None else f"{row.p_value:.2g}",
    ]


HEADERS = [
    "paradigm",
    "sequences",
    "accuracy",
    "slope [95% CI]",
    "O_learned",
    "gain over zero-shot [95% CI]",
    "McNemar p",
]


def print_comparison(console: Console, rows: list[ParadigmRow], simulated: bool, path: Path | None = None) -> None:
    """The table on the console, with the simulated label when it applies."""
    table = Table(title="Four paradigms on the same sequences (gain: paired by sequence and position)")
    for header in HEADERS:
        table.add_column(header, justify="left" if header == "paradigm" else "right")
    for row in rows:
        table.add_row(*_cells(row))
    console.print(table)
    if simulated:
        console.print(SIMULATED_NOTE, style="yellow")
    console.print(
        "O_learned: lower is faster learning (EvaLearn's definition, against the zero-shot run). A gain whose "
        "interval excludes 0 is more than the sequences' variation."
    )
    if path is not None:
        console.print(f"Comparison: {path}")


def write_comparison(rows: list[ParadigmRow], output: Path, simulated: bool) -> Path:
    """The same table as markdown beside the results (``results_paradigms.md``); returns its path."""
    path = Path(output).with_name(f"{Path(output).stem}_paradigms.md")
    lines = ["# Four learning paradigms on the same sequences", ""]
    if simulated:
        lines += [f"> **{SIMULATED_NOTE}**", ""]
    lines += ["| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * (len(HEADERS) - 1)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    lines += [
        "",
        "Results files: " + ", ".join(f"`{inline(row.path.name)}` ({row.paradigm})" for row in rows) + ".",
        "The gain is accuracy minus zero-shot accuracy on the same (sequence, position) pairs, with a 95% "
        "bootstrap interval over sequences; McNemar's exact test reads the positions where the two differ. "
        "`python evaluate_metric.py --results FILE --zero-shot ZERO_SHOT_FILE` gives each paradigm's full report.",
    ]
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path

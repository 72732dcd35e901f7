"""The console summary of a finished run: rich tables built from the run record and the state."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from seval.benchmark.records import MAX_DIFFICULTY, BenchmarkState, RunRecord
from seval.benchmark.report.endings import ending_rows, endings
from seval.benchmark.report.markdown import Prices, difficulty_rows, format_score, is_simulated, type_rows, usage_rows


def print_run_summary(console: Console, record: RunRecord, state: BenchmarkState, prices: Prices | None = None) -> None:
    """Rich tables of the run: overall, per reasoning type, per difficulty."""
    overall = Table(title=f"Run {record.run_id:04d}: difficulties {record.difficulty_start}-{record.difficulty_end}")
    overall.add_column("Measure")
    overall.add_column("Value", justify="right")
    overall.add_row("Items", str(len(record.examples)))
    overall.add_row("Run mean score", format_score(record.run_mean_score))
    overall.add_row("Overall EMA" + (" (replay line)" if record.replay else ""), format_score(record.ema_score))
    overall.add_row("Answers with an unreadable verdict", str(record.judge_errors))
    for label, value in ending_rows(record):
        overall.add_row(label, value)
    found = endings(record)
    left_out = f"{record.excluded} question(s)" + (
        f", {found.truncated} cut answer(s)" if record.exclude_truncated else ""
    )
    overall.add_row("Left out of scores", left_out if record.excluded or record.exclude_truncated else "0")
    if not record.replay:  # a replay does not move the benchmark's difficulty
        overall.add_row(
            "Next difficulty",
            "complete" if state.current_difficulty > MAX_DIFFICULTY else str(state.current_difficulty),
        )
    console.print(overall)
    if is_simulated(record):
        console.print(
            "Simulated models: these figures show what the tool reports, not how a real model performs.", style="yellow"
        )
    by_type = Table(title="By reasoning type")
    for column in ("Reasoning type", "Items", "Correct", "Run mean", "EMA"):
        by_type.add_column(column, justify="left" if column == "Reasoning type" else "right")
    for kind, n, ok, mean, ema in type_rows(record, state):
        by_type.add_row(kind, str(n), str(ok), format_score(mean), format_score(ema))
    console.print(by_type)
    by_level = Table(title="By difficulty")
    for column in ("Difficulty", "Items", "Correct", "Run mean", "EMA"):
        by_level.add_column(column, justify="right")
    for level, n, ok, mean, ema in difficulty_rows(record, state):
        by_level.add_row(str(level), str(n), str(ok), format_score(mean), format_score(ema))
    console.print(by_level)
    tokens = Table(title="Tokens (as reported by the endpoints)")
    for column in ("Role", "Prompt", "Completion", "Total") + (("Cost (USD)",) if prices else ()):
        tokens.add_column(column, justify="left" if column == "Role" else "right")
    for role, prompt, completion, total, cost in usage_rows(record, prices or {}):
        shown = "-" if prices and role not in prices else cost  # the report spells "no price given" out
        tokens.add_row(role, prompt, completion, total, *((shown,) if prices else ()))
    console.print(tokens)
    for note in record.adaptations:
        console.print(f"Adapted: {note}", style="yellow")

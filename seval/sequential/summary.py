"""The console summary at the end of a sequential evaluation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from seval.records import add_usage
from seval.sequential.records import EvalOutcome, accuracy_by_position


def print_sequential_summary(console: Console, outcome: EvalOutcome) -> None:
    """The short end-of-run summary: accuracy by position, totals, the integrity check, files.

    The full metrics are EvaLearn's metric script's job.
    """
    items = outcome.items
    table = Table(title="Accuracy by position")
    for name in ("Position", "Items", "Correct", "Accuracy"):
        table.add_column(name, justify="right")
    for position, count, correct in accuracy_by_position(items):
        table.add_row(str(position), str(count), str(correct), f"{correct / count:.1%}")
    console.print(table)
    correct = sum(1 for item in items if item.correct)
    overall = f"{correct / len(items):.1%}" if items else "-"
    paradigms = ", ".join(sorted({item.paradigm for item in items})) or "-"
    console.print(
        f"Overall: {correct}/{len(items)} correct ({overall}) in {len(outcome.sequences)} sequences "
        f"(paradigm: {paradigms})"
    )
    if outcome.invalid_sequences:
        console.print(f"Skipped as invalid: {outcome.invalid_sequences} sequences (see the warnings above)")
    judge_errors = sum(1 for item in items if item.judge_error)
    empty = sum(1 for item in items if not item.gpt4res)
    if judge_errors or empty:
        console.print(f"Judge replies without a verdict (scored 0): {judge_errors}; empty answers graded: {empty}")
    client, judge = (add_usage(*[getattr(item, f"{role}_usage") for item in items]) for role in ("client", "judge"))
    console.print(
        f"Tokens: client {client.prompt_tokens} in / {client.completion_tokens} out; "
        f"judge {judge.prompt_tokens} in / {judge.completion_tokens} out"
    )
    _print_integrity(console, outcome)
    journal = "" if outcome.journal_path == outcome.results_path else f" (journal {outcome.journal_path})"
    console.print(f"Results: {outcome.results_path}{journal}")


def _print_integrity(console: Console, outcome: EvalOutcome) -> None:
    issues = outcome.integrity_issues
    if not issues:
        console.print(
            f"Integrity check passed: {len(outcome.sequences)} sequences complete, every position "
            "1..M present, each holding the problem its sequence lists."
        )
        return
    console.print(f"Integrity check: {len(issues)} issues", style="yellow")
    for issue in issues[:10]:
        console.print(f"  - {issue}")
    if len(issues) > 10:
        console.print(f"  ... and {len(issues) - 10} more")

"""The console summary at the end of a sequential evaluation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from seval.client.replies import TRUNCATION_REASONS
from seval.records import TokenUsage, add_usage
from seval.sequential.records import EvalOutcome, SequentialItem, accuracy_by_position

ROLES = ("client", "judge")
NOT_REPORTED = "not reported by the endpoint"


def _tokens(role: str, usage: TokenUsage) -> str:
    if usage.reported:
        return f"{role} {usage.prompt_tokens} in / {usage.completion_tokens} out"
    if not (usage.prompt_tokens or usage.completion_tokens):
        return f"{role} {NOT_REPORTED}"
    return (
        f"{role} at least {usage.prompt_tokens} in / {usage.completion_tokens} out "
        f"({usage.calls_without_usage} calls without usage)"
    )


def ending_lines(items: list[SequentialItem], prices: dict[str, tuple[float, float]] | None = None) -> list[str]:
    """Lines on how the replies ended, the tokens and their cost: shared by the console and the report."""
    lines = []
    cut = [item for item in items if item.truncated]
    if cut:
        mean = sum(item.answer_score for item in cut) / len(cut)
        lines.append(
            f"Answers cut by their token limit: {len(cut)} of {len(items)} (mean score {mean:.3f}); "
            "raise --max-tokens-client"
        )
    judge_errors = sum(1 for item in items if item.judge_error)
    empty = sum(1 for item in items if not item.gpt4res)
    if judge_errors or empty:
        lines.append(f"Judge replies without a verdict (scored 0): {judge_errors}; empty answers graded: {empty}")
    judge_cut = sum(1 for item in items if item.judge_error and item.judge_finish_reason in TRUNCATION_REASONS)
    if judge_cut:
        lines.append(f"Verdicts missing because the judge's reply was cut: {judge_cut}; raise --max-tokens-judge")
    usage = {role: add_usage(*[getattr(item, f"{role}_usage") for item in items]) for role in ROLES}
    lines.append("Tokens: " + "; ".join(_tokens(role, usage[role]) for role in ROLES))
    if prices:
        costs = {role: usage[role].cost(prices.get(role)) for role in ROLES if role in prices}
        shown = [
            f"{role} {cost:.4f} USD" if cost is not None else f"{role} none claimed (usage {NOT_REPORTED})"
            for role, cost in costs.items()
        ]
        lines.append("Cost at the --price given: " + "; ".join(shown))
    return lines


def print_sequential_summary(
    console: Console, outcome: EvalOutcome, prices: dict[str, tuple[float, float]] | None = None
) -> None:
    """The short end-of-run summary: accuracy by position, totals, how replies ended, tokens (and cost with
    ``prices``), the integrity check, files.

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
    for line in ending_lines(items, prices):
        console.print(line)
    for note in outcome.adaptations:
        console.print(f"Adapted: {note}", style="yellow")
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

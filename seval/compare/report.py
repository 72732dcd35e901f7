"""How a comparison is shown: the report's leaderboard and sentences, its charts, and the console table."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from seval.compare.build import pair_sentence
from seval.compare.records import Comparison, ModelSummary
from seval.markdown import cell, inline


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _d50(model: ModelSummary) -> str:
    if model.d50 is None:
        return "-"
    interval = f" [{model.d50_low:.1f}, {model.d50_high:.1f}]" if model.d50_low is not None else ""
    return f"{model.d50:.1f}{interval}"


def leaderboard(comparison: Comparison) -> list[ModelSummary]:
    """The models, most accurate first (ties keep the order they were named in)."""
    return sorted(comparison.models, key=lambda model: -(model.accuracy or 0.0))


def comparison_lines(comparison: Comparison, chart_files: list[tuple[str, str]] | None = None) -> list[str]:
    """Markdown: the leaderboard, one sentence per pair, how the figures were made, and the charts."""
    samples = comparison.samples > 1
    priced = any(model.cost_per_correct_usd is not None for model in comparison.models)
    columns = ["Rank", "Model", "Correct", "Accuracy", "95% interval", "D50 [95%]"]
    columns += ["pass@1", "pass@k", "Agreement"] if samples else []
    columns += ["Cost per correct (USD)"] if priced else []
    lines = ["## Leaderboard", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for rank, model in enumerate(leaderboard(comparison), 1):
        row = [
            str(rank),
            f"`{cell(model.model)}`",
            f"{model.correct} of {model.answers or model.items}",
            _fmt(model.accuracy),
            f"[{_fmt(model.wilson_low)}, {_fmt(model.wilson_high)}]",
            _d50(model),
        ]
        row += [_fmt(model.pass_at_1), _fmt(model.pass_at_k), _fmt(model.agreement)] if samples else []
        row += (
            [f"{model.cost_per_correct_usd:.4g}" if model.cost_per_correct_usd is not None else "-"] if priced else []
        )
        lines.append("| " + " | ".join(row) + " |")
    unplaced = [f"D50 of `{cell(m.model)}`: {inline(m.d50_note)}." for m in comparison.models if m.d50 is None]
    if unplaced:
        lines += ["", " ".join(unplaced)]
    lines += ["", *[f"- {inline(pair_sentence(pair))}." for pair in comparison.pairs], "", _method(comparison), ""]
    for caption, name in chart_files or []:
        lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    return lines


def _method(comparison: Comparison) -> str:
    test = (
        "p is McNemar's exact test on the questions the two disagree on, adjusted across pairs (Holm)"
        if comparison.samples == 1
        else f"with {comparison.samples} samples per question the differences are of per-question mean scores and "
        "no McNemar test applies"
    )
    return (
        f"Over {comparison.questions} scored questions (questions left out of scoring are left out here); "
        "correct means a score above one half. Intervals of differences are 95% paired bootstraps over "
        f"questions; {test}. D50 is the difficulty at which a logistic fit puts the model right half the time."
    )


def draw_comparison_charts(folder: Path, stem: str, comparison: Comparison) -> list[tuple[str, str]]:
    """The two comparison charts next to a report; (caption, file name) of each."""
    from seval import charts  # matplotlib is loaded only when charts are drawn

    cells = {
        m.model: {int(level): (c, n) for level, (c, n) in m.accuracy_by_difficulty.items()} for m in comparison.models
    }
    drawn = [
        (
            "Accuracy by difficulty per model (bands: Wilson 95%)",
            charts.model_accuracy_by_difficulty(folder / f"{stem}_models.png", cells, "Accuracy by difficulty"),
        )
    ]
    pairs = [
        (f"{p.a} - {p.b}", p.difference, p.difference_low, p.difference_high)
        for p in comparison.pairs
        if p.difference is not None
    ]
    if pairs:
        drawn.append(
            (
                "Pairwise accuracy differences with 95% paired intervals",
                charts.pair_differences(folder / f"{stem}_pairs.png", pairs, "Paired differences"),
            )
        )
    return [(caption, path.name) for caption, path in drawn]


def print_comparison(console: Console, comparison: Comparison) -> None:
    """The leaderboard and the pair sentences on the console."""
    samples = comparison.samples > 1
    table = Table(title=f"Leaderboard over {comparison.questions} shared questions")
    columns = ["Rank", "Model", "Correct", "Accuracy", "95% interval", "D50"]
    for column in columns + (["pass@1", "pass@k", "Agreement"] if samples else []):
        table.add_column(column, justify="left" if column == "Model" else "right")
    for rank, model in enumerate(leaderboard(comparison), 1):
        row = [
            str(rank),
            model.model,
            f"{model.correct}/{model.answers or model.items}",
            _fmt(model.accuracy),
            f"[{_fmt(model.wilson_low)}, {_fmt(model.wilson_high)}]",
            _d50(model),
        ]
        row += [_fmt(model.pass_at_1), _fmt(model.pass_at_k), _fmt(model.agreement)] if samples else []
        table.add_row(*row)
    console.print(table)
    for note in comparison.notes:
        console.print(f"note: {note}", style="yellow")
    for pair in comparison.pairs:
        console.print(f"{pair_sentence(pair)}.")


def run_comparison_lines(
    record_run_id: int,
    comparison: Comparison,
    judges: dict[str, dict[str, float | None]],
    chart_files: list[tuple[str, str]] | None = None,
) -> list[str]:
    """The section a run with several answering models (or samples) opens its report with.

    ``judges``: each model's accuracy under each judge of a panel (empty with one judge).
    """
    lines = comparison_lines(comparison, chart_files)
    lines += [
        f"The full comparison, with every pair by difficulty and by reasoning type, is in "
        f"`comparison_run_{record_run_id:04d}.json`.",
        "",
    ]
    if comparison.notes:  # self-preference, answers cut or empty, questions left out: each as written
        lines += ["**Notes.**", "", *[f"- {inline(note)}" for note in comparison.notes], ""]
    if len(next(iter(judges.values()), {})) > 1:
        names = list(next(iter(judges.values())))
        lines += [
            "### Accuracy under each judge",
            "",
            "| Model | " + " | ".join(f"`{cell(j)}`" for j in names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        lines += [
            f"| `{cell(model)}` | " + " | ".join(_fmt(row.get(j)) for j in names) + " |"
            for model, row in judges.items()
        ]
        lines += [
            "",
            "Each judge's verdict alone (a missing verdict counts as wrong): a model that only one judge "
            "favours is worth a second look.",
            "",
        ]
    return lines

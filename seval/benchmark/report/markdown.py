"""What a finished run shows: the markdown report file (the console summary is ``summary.py``).

Both are built from the run record and the state only, so a report can be
rebuilt from ``runs.jsonl`` at any time and says nothing the record does not.
"""

from __future__ import annotations

from pathlib import Path

from seval.benchmark.records import BenchmarkState, EmaSet, Example, RunRecord, replay_key
from seval.benchmark.report.endings import NOT_REPORTED, adaptation_lines, ending_lines, endings, usage_cell
from seval.benchmark.report.trust import trust_lines
from seval.benchmark.scoring import ScoredItem, cell_means, counts_in_scores, difficulty_mean, is_correct, type_mean
from seval.compare.records import Comparison
from seval.compare.report import draw_comparison_charts, run_comparison_lines
from seval.compare.run import accuracy_by_judge, price_for
from seval.io.atomic import write_text_atomic
from seval.markdown import cell, inline
from seval.records import TokenUsage

PREVIEW_CHARS = 600
PREVIEWS_PER_RUN = 12


SIMULATED_NOTE = (
    "> **Simulated models** (`sim_endpoint.py`, as in `--demo`): these figures show what the tool "
    "reports, not how any real model performs."
)


def is_simulated(record: RunRecord) -> bool:
    """True when every model of the run is one of the simulated endpoint's."""
    models = [record.model_answering, *record.model_evaluation.split(",")]
    if not record.replay:
        models.append(record.model_generation)
    return all(model.startswith("sim-") for model in models)


def report_path(out_dir: Path, run_id: int) -> Path:
    return out_dir / f"report_run_{run_id:04d}.md"


def counts(record: RunRecord, example: Example) -> bool:
    """Whether an example counts in the run's scores (``scoring.counts_in_scores``)."""
    return counts_in_scores(example.excluded, example.truncated, record.exclude_truncated)


def _scored(record: RunRecord) -> list[ScoredItem]:
    """The run's scores, without questions left out of scoring (nor, with --exclude-truncated, cut answers)."""
    return [ScoredItem(e.tags.reasoning_type, e.tags.difficulty, e.score) for e in record.examples if counts(record, e)]


def format_score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _clip(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + " …"


def _emas(record: RunRecord, state: BenchmarkState) -> EmaSet:
    """The EMAs this run moved: the benchmark's, or its replay line's."""
    if record.replay:
        return state.replay_emas.get(replay_key(record), EmaSet())
    return state


def type_rows(record: RunRecord, state: BenchmarkState) -> list[tuple[str, int, int, float | None, float | None]]:
    """(type, items scored, correct, mean of its cell means, EMA) per reasoning type, in the run's order."""
    scored = _scored(record)
    means = cell_means(scored)
    rows = []
    for kind in record.reasoning_types:
        scores = [item.score for item in scored if item.reasoning_type == kind]
        mean = type_mean(means, kind) if scores else None
        rows.append(
            (
                kind,
                len(scores),
                sum(map(is_correct, scores)),
                mean,
                _emas(record, state).ema_by_reasoning_type.get(kind),
            )
        )
    return rows


def difficulty_rows(record: RunRecord, state: BenchmarkState) -> list[tuple[int, int, int, float | None, float | None]]:
    """(difficulty, items scored, correct, mean of its cell means, EMA) per difficulty of the run."""
    scored = _scored(record)
    means = cell_means(scored)
    rows = []
    for level in range(record.difficulty_start, record.difficulty_end + 1):
        scores = [item.score for item in scored if item.difficulty == level]
        mean = difficulty_mean(means, level) if scores else None
        rows.append(
            (
                level,
                len(scores),
                sum(map(is_correct, scores)),
                mean,
                _emas(record, state).ema_by_difficulty.get(str(level)),
            )
        )
    return rows


Prices = dict[str, tuple[float, float]]  # role -> USD per million (prompt, completion) tokens


def cost_cell(usage: TokenUsage, price: tuple[float, float] | None) -> str:
    """A role's cost as shown: the figure, or why none is claimed."""
    cost = usage.cost(price)
    if cost is not None:
        return f"{cost:.4f}"
    if price is None:
        return "no price given"
    return f"none claimed: usage {NOT_REPORTED}"


def role_cost(record: RunRecord, role: str, prices: Prices) -> float | None:
    """What a role cost at ``prices``; with several answering models, the sum of theirs (each at its own price)."""
    if role == "answering" and record.usage_by_model:
        costs = [usage.cost(price_for(prices, model)) for model, usage in record.usage_by_model.items()]
        return None if any(cost is None for cost in costs) else sum(c for c in costs if c is not None)
    return record.usage_by_role[role].cost(prices.get(role))


def usage_rows(record: RunRecord, prices: Prices) -> list[tuple[str, str, str, str, str]]:
    """(role, prompt, completion, total tokens, cost) per role (and per answering model when there are several),
    as cells: what the endpoints reported."""
    rows = []
    for role, usage in record.usage_by_role.items():
        cost = role_cost(record, role, prices)
        shown = f"{cost:.4f}" if cost is not None else cost_cell(usage, prices.get(role))
        rows.append((role, *_token_cells(usage), shown))
        if role == "answering":
            rows += [
                (
                    f"answering: {cell(model)}",
                    *_token_cells(model_usage),
                    cost_cell(model_usage, price_for(prices, model)),
                )
                for model, model_usage in record.usage_by_model.items()
            ]
    return rows


def _token_cells(usage: TokenUsage) -> tuple[str, str, str]:
    return (
        usage_cell(usage, usage.prompt_tokens),
        usage_cell(usage, usage.completion_tokens),
        usage_cell(usage, usage.total_tokens),
    )


def _usage_lines(record: RunRecord, prices: Prices) -> list[str]:
    rows = usage_rows(record, prices)
    lines = [
        "## Tokens",
        "",
        "| Role | Prompt | Completion | Total |" + (" Cost (USD) |" if prices else ""),
        "|---|---:|---:|---:|" + ("---:|" if prices else ""),
    ]
    for role, prompt, completion, total, cost in rows:
        lines.append(f"| {role} | {prompt} | {completion} | {total} |" + (f" {cost} |" if prices else ""))
    lines.append("")
    unreported = {role: usage.calls_without_usage for role, usage in record.usage_by_role.items() if not usage.reported}
    lines.append(
        "Token counts are the `usage` the endpoints reported; replies served from the cache repeat the usage "
        "recorded when they were first made."
        + (
            " Calls whose endpoint reported no usage: "
            + ", ".join(f"{role} {count}" for role, count in unreported.items())
            + " (their tokens are unknown, so no cost is claimed for those roles)."
            if unreported
            else ""
        )
    )
    if prices:
        costs = [role_cost(record, role, prices) for role in record.usage_by_role]
        spent = sum(cost for cost in costs if cost is not None)
        unpriced = [role for role in unreported if role in prices]
        lines.append(
            f"Cost from the prices given with --price: **{spent:.4f} USD** for the roles priced"
            + (f" (none claimed for {', '.join(unpriced)}: usage {NOT_REPORTED})." if unpriced else ".")
        )
    else:
        lines.append("No cost is claimed: give --price ROLE=IN,OUT (USD per million tokens) for a cost line.")
    return lines + [""]


def draw_charts(out_dir: Path, record: RunRecord, runs: list[RunRecord]) -> list[tuple[str, str]]:
    """Write the run's PNG charts next to its report; (caption, file name) of each."""
    from seval import charts as charts  # matplotlib is loaded only when charts are drawn

    stem = f"report_run_{record.run_id:04d}"
    cells: dict[str, dict[int, tuple[int, int]]] = {kind: {} for kind in record.reasoning_types}
    for example in (e for e in record.examples if counts(record, e)):
        per_type = cells.setdefault(example.tags.reasoning_type, {})
        correct, items = per_type.get(example.tags.difficulty, (0, 0))
        per_type[example.tags.difficulty] = (correct + int(is_correct(example.score)), items + 1)
    drawn = [
        (
            "Accuracy by difficulty per reasoning type, this run (bars: Wilson 95% intervals)",
            charts.accuracy_by_difficulty(
                out_dir / f"{stem}_accuracy.png", cells, f"Run {record.run_id}: accuracy by difficulty"
            ),
        ),
        (
            "Mean score per reasoning type and difficulty, this run",
            charts.type_difficulty_heatmap(
                out_dir / f"{stem}_heatmap.png",
                cell_means(_scored(record)),
                record.reasoning_types,
                f"Run {record.run_id}: cell means",
            ),
        ),
    ]
    history = [run for run in runs if run.run_id <= record.run_id and not run.replay and run.ema_score is not None]
    if history and not record.replay:
        kinds = list(dict.fromkeys(kind for run in history for kind in run.reasoning_types))
        drawn.append(
            (
                "EMA after each run so far (overall in black)",
                charts.ema_trajectory(
                    out_dir / f"{stem}_ema.png",
                    [run.run_id for run in history],
                    [run.ema_score for run in history if run.ema_score is not None],  # history has no None: for mypy
                    {kind: [run.ema_by_reasoning_type.get(kind) for run in history] for kind in kinds},
                    "EMA trajectory across runs",
                ),
            )
        )
    return [(caption, path.name) for caption, path in drawn]


def render_report(
    record: RunRecord,
    state: BenchmarkState,
    prices: Prices | None = None,
    chart_files: list[tuple[str, str]] | None = None,
    comparison: list[str] | None = None,
) -> str:
    """The markdown report of one run; ``comparison`` (lines) opens it when several models answered."""
    scored = _scored(record)
    correct = sum(is_correct(item.score) for item in scored)
    lines = [
        f"# Benchmark run {record.run_id:04d}",
        "",
        *([SIMULATED_NOTE, ""] if is_simulated(record) else []),
        *(comparison or []),
        "## Run",
        "",
        "| | |",
        "|---|---|",
        f"| Started | {record.started_at} |",
        f"| Ended | {record.ended_at} |",
        f"| Difficulties | {record.difficulty_start} to {record.difficulty_end} (cycle {record.cycle}) |",
        f"| Questions per cell | {record.num_questions_per_cell} |",
        f"| Reasoning types | {cell(', '.join(record.reasoning_types))} |",
        f"| Generation | `{cell(record.model_generation)}` at {cell(record.endpoint_generation)} |",
        f"| Answering | `{cell(record.model_answering)}` at {cell(record.endpoint_answering)} |",
        f"| Evaluation | `{cell(record.model_evaluation)}` at {cell(record.endpoint_evaluation)} |",
        f"| EMA alpha | {record.alpha} |",
        "",
        "## Scores",
        "",
        *(
            [
                f"The scores, EMAs and previews below are those of the first answering model named, "
                f"`{cell(record.answering_models[0])}`; the leaderboard above compares them all.",
                "",
            ]
            if len(record.answering_models) > 1
            else []
        ),
        f"- Run mean score: **{format_score(record.run_mean_score)}** ({correct} of {len(scored)} scored answers "
        f"judged correct; {record.excluded} question(s) left out"
        + (f"; {endings(record).truncated} cut answer(s) left out)" if record.exclude_truncated else ")"),
        f"- Overall EMA after this run: **{format_score(record.ema_score)}**"
        + (" (replay line, kept apart from generated runs)" if record.replay else f" (after run {record.run_id})"),
        f"- {_judge_error_line(record)}",
        *ending_lines(record),
        "",
        "Each score is the binary verdict of the evaluation model on the answering model's answer to a question "
        "the generation model wrote. Means per type and per difficulty are means of cell means "
        "(a cell is one difficulty and one reasoning type).",
        "",
        "## By reasoning type",
        "",
        "| Reasoning type | Items | Correct | Run mean | EMA |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {cell(kind)} | {n} | {str(ok)} | {format_score(mean)} | {format_score(ema)} |"
        for kind, n, ok, mean, ema in type_rows(record, state)
    ]
    lines += [
        "",
        "## By difficulty",
        "",
        "| Difficulty | Items | Correct | Run mean | EMA |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {level} | {n} | {str(ok)} | {format_score(mean)} | {format_score(ema)} |"
        for level, n, ok, mean, ema in difficulty_rows(record, state)
    ]
    lines += [""] + trust_lines(record) + adaptation_lines(record)
    if chart_files:
        lines += ["", "## Charts", ""]
        for caption, name in chart_files:
            lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    lines += [""] + _usage_lines(record, prices or {})
    lines += ["## Example previews", ""]
    lines += _previews(record)
    return "\n".join(lines) + "\n"


def _previews(record: RunRecord) -> list[str]:
    """A few examples, spread over the run, each with question, answer and verdict."""
    examples = record.examples
    step = max(1, len(examples) // PREVIEWS_PER_RUN)
    lines = []
    for example in examples[::step][:PREVIEWS_PER_RUN]:
        tags = example.tags
        verdict = (
            "correct" if example.score >= 1 else ("incorrect" if example.score == 0 else f"score {example.score:.2f}")
        )
        if example.judge_error:
            verdict += f" (judge error: {example.judge_error})"
        if example.excluded:
            verdict += f" (left out of scores: {example.excluded_reason})"
        lines += [
            f"### {inline(tags.reasoning_type)}, difficulty {tags.difficulty}, question {tags.question_index}: "
            f"{inline(verdict)}",
            "",
            "**Question**",
            "",
            "```text",
            _clip(example.question),
            "```",
            "",
            "**Answer**",
            "",
            "```text",
            _clip(example.answer),
            "```",
            "",
            *([f"**Reference answer**: {_clip(example.reference_answer)}", ""] if example.reference_answer else []),
            *_verdict_lines(example),
            "",
        ]
    return lines


def _judge_error_line(record: RunRecord) -> str:
    """How many answers lacked a readable verdict, and what that did to their score."""
    if "," in record.model_evaluation:
        return (
            f"Answers with at least one unreadable verdict: {record.judge_errors} (a missing verdict counts as "
            "incorrect in the panel's vote; counted here, not hidden)"
        )
    return f"Unreadable verdicts: {record.judge_errors} (scored 0 and counted here, not hidden)"


def _verdict_lines(example) -> list[str]:
    """The judge's rationale, or with a panel each judge's verdict and rationale."""
    if len(example.judge_verdicts) <= 1:
        return [f"**Judge's rationale**: {_clip(example.rationale) or '(none given)'}"]
    lines = ["**Judges**:", ""]
    for verdict in example.judge_verdicts:
        said = {1.0: "correct", 0.0: "incorrect"}.get(verdict.score, "no readable verdict")
        lines.append(f"- `{verdict.model}`: {said}. {_clip(verdict.rationale)}".rstrip())
    return lines


def write_report(
    out_dir: Path,
    record: RunRecord,
    state: BenchmarkState,
    prices: Prices | None = None,
    runs: list[RunRecord] | None = None,
    with_charts: bool = True,
    comparison: Comparison | None = None,
) -> Path:
    """Write ``report_run_NNNN.md`` (and its charts, unless ``with_charts`` is False); return its path.

    ``comparison`` (several answering models, or samples) opens the report with its leaderboard.
    """
    path = report_path(out_dir, record.run_id)
    chart_files = draw_charts(out_dir, record, runs or [record]) if with_charts else None
    opening = None
    if comparison is not None:
        stem = f"report_run_{record.run_id:04d}_compare"
        compare_charts = draw_comparison_charts(out_dir, stem, comparison) if with_charts else None
        opening = run_comparison_lines(record.run_id, comparison, accuracy_by_judge(record), compare_charts)
    write_text_atomic(path, render_report(record, state, prices, chart_files, opening))
    return path

"""Console output of evaluate_metric.py: rich tables on stdout (warnings and
errors are plain lines on stderr, written by evaluate_metric.py itself).
Reads only the report dicts, so what is shown is exactly what was written."""

from __future__ import annotations

from rich import box
from rich.table import Table as _RichTable

from seval.console import make_console

OUT = make_console(highlight=False)
OFFSET = "first_learned_correct_offset"  # long lines off a terminal, not wrapped at 80


def Table(title: str) -> _RichTable:
    """Tables in one light style that fits 80 columns."""
    return _RichTable(title=title, box=box.SIMPLE, pad_edge=False, title_justify="left")


def _f(x, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _gain(entry: dict | None) -> str:
    """A type's paired difference with its interval, e.g. ``+0.214 [+0.10, +0.33]``."""
    diff = (entry or {}).get("difference") or {}
    if diff.get("value") is None:
        return "-"
    interval = "" if diff.get("low") is None else f" [{diff['low']:+.2f}, {diff['high']:+.2f}]"
    return f"{diff['value']:+.3f}{interval}"


def _ci(ci: dict | None, digits: int = 4) -> str:
    if not ci or ci.get("low") is None:
        return "-"
    return f"[{ci['low']:.{digits}f}, {ci['high']:.{digits}f}]"


def print_sequential(report: dict, output: str) -> None:
    ev = report["model_evaluation"]
    info, om, dq = ev["dataset_info"], ev["overall_metrics"], ev["data_quality"]
    ci = ev.get("confidence_intervals") or {}
    k = info["warmup_parameter"]
    pw = f"post_warmup_accuracy_k{k}"
    OUT.print(
        f"[bold]EvaLearn metrics[/bold]: {info['num_sequences']:,} sequences x "
        f"{info['problems_per_sequence']} problems = {info['total_problems']:,} "
        f"({dq['input_format']}, {dq['records']:,} records)"
    )

    t = Table(title="Overall metrics")
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("95% CI", justify="right")
    rows = [
        ("overall accuracy", om["overall_accuracy"]["value"], ci.get("overall_accuracy"), 4),
        ("accuracy slope (k)", om["accuracy_slope"]["value"], ci.get("accuracy_slope"), 5),
        ("first correct position", om["first_correct_position"]["value"], None, 2),
        ("consecutive correct", om["consecutive_correct"]["value"], None, 2),
        (f"post-warmup accuracy (K={k})", om[pw]["value"], ci.get(pw), 4),
    ]
    if OFFSET in om:
        rows.append(("first learned correct offset (O_learned)", om[OFFSET]["value"], None, 2))
    for name, value, interval, digits in rows:
        t.add_row(name, _f(value, digits), _ci(interval, digits))
    OUT.print(t)
    if om["accuracy_slope"]["value"] is None:
        OUT.print("Slope: undefined with one problem per sequence (no trend along a single position).")
    elif ci:
        OUT.print(f"Slope: {ci['accuracy_slope']['verdict']} ({ci['resamples']} resamples, seed {ci['seed']}).")
    else:
        OUT.print("Slope: no bootstrap (--bootstrap 0): nothing says whether it differs from noise.")
    if "paired_comparison" in ev:
        OUT.print(f"[bold]Learning gain[/bold]: {ev['paired_comparison']['summary']}")

    types = ev["type_metrics"]
    curve = om["position_accuracy"]["values"]
    p = Table(title="Position-wise accuracy (overall = mean of the type curves)")
    p.add_column("curve")
    for i in range(len(curve)):
        p.add_column(f"pos {i + 1}", justify="right")
    p.add_row("overall", *[_f(v, 3) for v in curve])
    for name, m in types.items():
        p.add_row(name, *[_f(v, 3) for v in m["position_accuracy"]])
    OUT.print(p)

    by = Table(title=f"Metrics by type (post-warmup: positions {k + 1}..{info['problems_per_sequence']})")
    columns = ["type", "sequences", "accuracy", "post-warmup", "first correct", "consecutive"]
    columns += ["O_learned"] if OFFSET in om else []
    columns += ["gain vs baseline"] if "paired_comparison" in ev else []
    for col in columns:
        by.add_column(col, justify="left" if col == "type" else "right")
    gains = ev.get("paired_comparison", {}).get("by_type", {})
    for name, m in types.items():
        cells = [
            name,
            str(m["sequence_count"]),
            _f(m["overall_accuracy"]),
            _f(m[pw]),
            _f(m["first_correct_position"], 2),
            _f(m["consecutive_correct"], 2),
        ]
        cells += [_f(m[OFFSET], 2)] if OFFSET in om else []
        cells += [_gain(gains.get(name))] if "paired_comparison" in ev else []
        by.add_row(*cells)
    OUT.print(by)

    sl = Table(title="Slope by type (accuracy gained per position)")
    for col in ("type", "slope", "95% CI", "interval excludes 0"):
        sl.add_column(col, justify="left" if col == "type" else "right")
    per_ci = ci.get("by_type", {})
    for name, m in types.items():
        s_ci = per_ci.get(name, {}).get("accuracy_slope")
        verdict = "-"
        if s_ci and s_ci["excludes_zero"] is not None:
            verdict = "yes" if s_ci["excludes_zero"] else "no: noise"
        elif s_ci and m["accuracy_slope"] is not None:
            verdict = "no interval (< 2 distinct sequences)"
        sl.add_row(name, _f(m["accuracy_slope"], 5), _ci(s_ci, 5), verdict)
    OUT.print(sl)

    notes = []
    if dq["unparseable_verdicts"]:
        notes.append(f"{dq['unparseable_verdicts']:,} verdicts could not be read and were scored wrong")
    if dq["non_binary_scores"]:
        notes.append(f"{dq['non_binary_scores']:,} scores were not 0 or 1 (counted correct when > 0)")
    if dq["missing_positions"]:
        notes.append(
            f"{dq['missing_positions']:,} positions missing in {dq['incomplete_sequences']:,} "
            "incomplete sequences (counted wrong)"
        )
    if dq["outside_positions"]:
        notes.append(
            f"{dq['outside_positions']:,} records with a position outside 1..{info['problems_per_sequence']} ignored"
        )
    if dq["duplicate_positions"]:
        notes.append(f"{dq['duplicate_positions']:,} repeated positions (the later record kept)")
    skipped = dq["missing_ids"] + dq["not_objects"] + dq["bad_sequence_ids"]
    if skipped:
        notes.append(f"{skipped:,} records without a usable sequence_id/position skipped")
    for n in notes:
        OUT.print(f"[yellow]note:[/yellow] {n}")
    OUT.print(f"Report saved to {output}")


def print_runner(report: dict, output: str) -> None:
    ev = report["runner_evaluation"]
    info, dq = ev["dataset_info"], ev["data_quality"]
    OUT.print(
        f"[bold]Runner view[/bold]: {info['runs']} runs ({info['generated_runs']} generated, "
        f"{info['replay_runs']} replay), {info['scored_examples']:,} scored examples "
        f"(correct means {info['correct_means']})"
    )
    for key, title in (("by_difficulty", "difficulty"), ("by_reasoning_type", "reasoning_type")):
        t = Table(title=f"Accuracy by {title.replace('_', ' ')} (Wilson 95% CI)")
        for col in (title.replace("_", " "), "n", "correct", "accuracy", "95% CI"):
            t.add_column(col, justify="right")
        for row in ev[key]:
            t.add_row(str(row[title]), str(row["n"]), str(row["correct"]), _f(row["accuracy"]), _ci(row["ci95"]))
        OUT.print(t)
    traj = ev["ema_trajectory"]
    for kind in ("generated", "replay"):
        if not traj[kind]:
            continue
        t = Table(title=f"EMA trajectory ({kind} runs)")
        for col in ("run", "started", "examples", "run mean", "EMA"):
            t.add_column(col, justify="right")
        for r in traj[kind]:
            t.add_row(
                str(r["run_id"]),
                str(r["started_at"] or "-"),
                str(r["examples"]),
                _f(r["run_mean_score"]),
                _f(r["ema_score"]),
            )
        OUT.print(t)
    t = Table(title="Difficulty at 50% success (D50), logistic fit per reasoning type")
    for col in ("reasoning type", "examples", "slope", "D50", "95% CI", "status"):
        t.add_column(col, justify="left" if col in ("reasoning type", "status") else "right")
    notes = []
    for name, fit in ev["difficulty_fit"].items():
        ci = fit.get("d50_ci95")
        t.add_row(
            name,
            str(fit["examples"]),
            _f(fit["slope"], 3),
            _f(fit["d50"], 2),
            _ci(ci, 2),
            fit["status"].replace("_", " "),
        )
        for note in (fit["note"], (ci or {}).get("note", "")):
            if note:
                notes.append(f"{name}: {note}")
    OUT.print(t)
    for note in notes:
        OUT.print(f"[yellow]D50 note:[/yellow] {note}")
    if dq["excluded_examples"]:
        OUT.print(f"[yellow]note:[/yellow] {dq['excluded_examples']:,} examples marked excluded were left out")
    if dq["unscored_examples"]:
        OUT.print(f"[yellow]note:[/yellow] {dq['unscored_examples']:,} examples without a numeric score skipped")
    if dq["not_run_records"]:
        OUT.print(f"[yellow]note:[/yellow] {dq['not_run_records']:,} lines were not run records: skipped")
    OUT.print(f"Report saved to {output}")

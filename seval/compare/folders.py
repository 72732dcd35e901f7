"""``--compare DIR [DIR ...]``: the comparison of finished output folders that answered the same questions.

Typically each folder is a ``--replay`` of one frozen question set by another
model. Questions are matched by their text; questions left out of scoring are
left out; a question not answered by every folder is left out for all (the
comparison's notes say how many). Nothing is sent anywhere.
"""

from __future__ import annotations

from pathlib import Path

from seval.benchmark.report.markdown import SIMULATED_NOTE
from seval.benchmark.store import RUNS_FILE, load_runs
from seval.compare.build import Scores, build_comparison
from seval.compare.records import Comparison
from seval.compare.report import comparison_lines, draw_comparison_charts
from seval.compare.run import Prices, add_costs, answering_usage, question_scores, write_comparison
from seval.errors import DataError, UsageError
from seval.io.atomic import write_text_atomic
from seval.io.folders import check_output_folder
from seval.markdown import inline
from seval.records import TokenUsage, add_usage

COMPARISON_FILE = "comparison.json"
COMPARISON_REPORT = "comparison.md"


def compare_folders(
    folders: list[Path], out_dir: Path, prices: Prices | None = None, charts: bool = True
) -> tuple[Comparison, list[Path]]:
    """``--compare``: the comparison of finished folders, written as ``comparison.json`` and ``comparison.md``
    in ``out_dir`` (never over an earlier one); the comparison and the files written. Sends no request."""
    json_path, report = out_dir / COMPARISON_FILE, out_dir / COMPARISON_REPORT
    for path in (json_path, report):
        if path.exists():
            raise UsageError(f"{path} already exists; give another --out-dir for this comparison")
    models, scores, notes, usage = scores_of_folders(folders)
    comparison = build_comparison(models, scores, sources=[str(folder) for folder in folders])
    comparison.notes = notes + comparison.notes
    add_costs(comparison, usage, prices or {})
    check_output_folder(out_dir)
    chart_files = draw_comparison_charts(out_dir, "comparison", comparison) if charts else None
    simulated = [SIMULATED_NOTE, ""] if all(model.startswith("sim-") for model in models) else []
    lines = ["# Model comparison", "", *simulated, *comparison_lines(comparison, chart_files)]
    write_comparison(json_path, comparison)
    write_text_atomic(report, "\n".join(lines + [f"- {inline(note)}" for note in comparison.notes]) + "\n")
    return comparison, [json_path, report]


def scores_of_folders(folders: list[Path]) -> tuple[list[str], Scores, list[str], dict[str, TokenUsage]]:
    """The models in the order their folders were given, their scores by question text, notes, and each
    model's answering tokens.

    A model met again in a later folder is told apart by that folder's name.
    """
    models: list[str] = []
    scores: Scores = {}
    notes: list[str] = []
    usage: dict[str, TokenUsage] = {}
    for folder in folders:
        if not (Path(folder) / RUNS_FILE).is_file():
            raise DataError(f"--compare: {folder} holds no {RUNS_FILE} (is it a benchmark output folder?)")
        runs, warning = load_runs(Path(folder))
        if warning:
            notes.append(warning)
        named_here: dict[str, str] = {}
        repeated: dict[str, set[str]] = {}  # questions a model of this folder answered more than once
        for record in runs:
            for model in record.answering_models:
                if model not in named_here:
                    named_here[model] = model if model not in scores else f"{model} ({folder})"
                    models.append(named_here[model])
                    scores[named_here[model]] = {}
                name = named_here[model]
                usage[name] = add_usage(usage.get(name, TokenUsage()), answering_usage(record, model))
            for model, example, score in question_scores(record):
                name = named_here[model]
                if example.question in scores[name]:
                    repeated.setdefault(name, set()).add(example.question)
                scores[name][example.question] = score
        notes += [
            f"{folder}: {name} answered {len(questions)} question(s) more than once; the last answer counts"
            for name, questions in repeated.items()
        ]
    if len(models) < 2:
        raise DataError("--compare needs at least two answering models across the folders given")
    return models, scores, notes, usage

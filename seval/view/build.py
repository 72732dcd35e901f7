"""Read a benchmark output folder or a sequential results file, write its viewer page beside it.

Reads only; the one file written is the page (atomically), and only over a page this viewer
wrote: any other file of that name is left alone and the command says so. Bad input is one
``DataError`` line before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seval.benchmark.journal import RunJournal
from seval.benchmark.report.markdown import Prices
from seval.benchmark.store import RUNS_FILE, STATE_FILE, load_journal, load_runs, load_state
from seval.compare.folders import COMPARISON_FILE
from seval.errors import DataError
from seval.io import strict_json
from seval.io.atomic import read_text, write_text_atomic
from seval.io.jsonl import field_error, read_jsonl
from seval.sequential.records import SEQUENTIAL_ITEM, SequentialItem
from seval.view.benchmark import benchmark_data
from seval.view.html import GENERATOR, render_page
from seval.view.sequential import sequential_data

PAGE_NAME = "index.html"  # in a benchmark output folder
JOURNAL_GLOB = "journal_run_*.jsonl"
COMPARISON_NAME = "comparison_run_{:04d}.json"  # several answering models compared (written beside the report)
FOLDER_COMPARISON = COMPARISON_FILE  # what --compare wrote, when the user wrote it into this folder
OURS_MARK = f'<meta name="generator" content="{GENERATOR}">'
OURS_PROBE_BYTES = 4096  # the mark sits in the page's head


@dataclass
class ViewPage:
    """What ``build_*_view`` wrote: the page, how many items it holds, its size, and what was odd."""

    path: Path
    items: int
    size: int
    warnings: list[str] = field(default_factory=list)


def build_benchmark_view(out_dir: Path, prices: Prices | None = None) -> ViewPage:
    """Write ``out_dir/index.html``: every run of the benchmark output folder ``out_dir``."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        what = "is not a folder" if out_dir.exists() else "does not exist"
        raise DataError(f"{out_dir} {what}; --view takes a benchmark output folder (the demo's is out_benchmark/demo)")
    runs, warning = load_runs(out_dir)
    warnings = [warning] if warning else []
    journals: dict[int, RunJournal] = {}
    for path in sorted(out_dir.glob(JOURNAL_GLOB)):
        run_id = _run_id(path)
        if run_id is None:
            continue
        events, torn = load_journal(path)
        warnings += [torn] if torn else []
        if events:  # read only: not even a torn last line is cut off
            journals[run_id] = RunJournal.from_events(path, run_id, events, writable=False)
    if not runs and not any(journal.items for journal in journals.values()):
        raise DataError(
            f"{out_dir} holds no benchmark run ({RUNS_FILE} and run journals missing or empty); "
            "run the benchmark there first, or name the folder of its runs"
        )
    state = load_state(out_dir) if (out_dir / STATE_FILE).exists() else None
    comparisons = {}
    for run_id in sorted({record.run_id for record in runs} | set(journals)):
        comparison = _read_comparison(out_dir / COMPARISON_NAME.format(run_id), warnings)
        if comparison is not None:
            comparisons[run_id] = comparison
    data = benchmark_data(str(out_dir), state, runs, journals, comparisons, prices or {})
    data["comparison"] = _read_comparison(out_dir / FOLDER_COMPARISON, warnings)  # --compare ... --out-dir here
    return _write(out_dir / PAGE_NAME, data, f"{out_dir} - benchmark results", warnings)


def view_path_for(results: Path) -> Path:
    """Where a results file's page goes: ``results.json`` (or its journal ``results.json.jsonl``) ->
    ``results.view.html`` beside it, as its report is ``results.report.md``."""
    name = results.name
    for suffix in (".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return results.with_name(f"{name or results.name}.view.html")


def build_sequential_view(results: Path, prices: Prices | None = None) -> ViewPage:
    """Write the page of a sequential results file (a JSON list or its ``.jsonl`` journal) beside it."""
    results = Path(results)
    records, warnings = read_sequential_results(results)
    data = sequential_data(str(results), records, prices or {})
    return _write(view_path_for(results), data, f"{results} - sequential results", warnings)


def read_sequential_results(path: Path) -> tuple[list[SequentialItem], list[str]]:
    """The records of a results file, JSON list or JSONL; one DataError line when it is not one."""
    hint = "is it a results file written by sequential_eval.py?"
    text = read_text(path, "results file")
    warnings: list[str] = []
    if text.lstrip().startswith("["):
        try:
            values = strict_json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise DataError(f"results file {path} is not valid JSON ({exc})") from None
        records = []
        for number, value in enumerate(values if isinstance(values, list) else [], 1):
            try:
                records.append(SEQUENTIAL_ITEM.validate_python(value))
            except ValidationError as exc:
                raise DataError(f"{path} item {number}: {field_error(exc)}; {hint}") from None
    else:
        try:
            records, warning = read_jsonl(path, SEQUENTIAL_ITEM)
        except DataError as exc:
            raise DataError(f"{exc}; {hint}") from None
        warnings += [warning] if warning else []
    if not records:
        raise DataError(f"{path} holds no sequential result; {hint}")
    return records, warnings


def _write(path: Path, data: dict, title: str, warnings: list[str]) -> ViewPage:
    if path.is_dir():
        raise DataError(f"{path} is a folder, so the page cannot be written there; move it away")
    if path.exists() and not _is_ours(path):
        raise DataError(f"{path} exists and was not written by this viewer; move it away to write the page")
    data = {**data, "generated": datetime.now(UTC).isoformat(timespec="seconds"), "warnings": warnings}
    text = render_page(data, title)
    write_text_atomic(path, text)
    return ViewPage(path, len(data["items"]), len(text.encode("utf-8")), warnings)


def _is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(OURS_PROBE_BYTES)
    except OSError:
        return False
    return OURS_MARK.encode() in head


def _run_id(path: Path) -> int | None:
    digits = path.stem.removeprefix("journal_run_")
    return int(digits) if digits.isdigit() else None


def _read_comparison(path: Path, warnings: list[str]) -> Any:
    """A run's comparison of answering models, as written; an unreadable one is a warning, not a failure."""
    if not path.exists():
        return None
    try:
        return strict_json.loads(read_text(path))
    except (DataError, ValueError, RecursionError) as exc:
        warnings.append(f"{path} could not be read ({exc}); the run is shown without it")
        return None

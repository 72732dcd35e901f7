"""evaluate_metric.py in more than one process: reading with worker processes, and the script itself.

Everything else about the metrics runs in one process in ``unit/test_evaluate_metric.py``.
Here a process is the point: ``collect_outcomes(jobs=2)`` forks a pool of readers whose
chunks must add up to what one reader finds, and ``python evaluate_metric.py`` must work
as the script a user runs (one real process).
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from helpers import METRICS_CLI, run_process
from shared_cases import FENCE, awkward_records, write_json, write_jsonl

from seval.metrics.outcomes import collect_outcomes


@pytest.mark.parametrize("writer", [write_json, write_jsonl])
def test_parallel_reading_agrees_with_one_chunk(tmp_path, writer):
    path = writer(tmp_path / "awkward.json", awkward_records(300))
    whole = collect_outcomes(path, 7, jobs=1, block=1 << 24)
    for block in (700, 4096):  # two worker processes; bad cuts are found and redone
        part = collect_outcomes(path, 7, jobs=2, block=block)
        assert part.matrix.tolist() == whole.matrix.tolist()
        assert part.type_of.tolist() == whole.type_of.tolist()
        assert part.stats == whole.stats


def test_evaluate_metric_runs_as_a_script(tmp_path):
    # Two sequences of type A, outcomes [1, 0, 1] and [0, 1, 1]: 4 correct of 2 x 3 cells.
    outcomes = {1: [1, 0, 1], 2: [0, 1, 1]}
    records = [
        {"sequence_id": seq, "position_in_sequence": pos, "type": "A", "gpt4judge": FENCE.format(ok)}
        for seq, oks in outcomes.items()
        for pos, ok in enumerate(oks, 1)
    ]
    results = write_json(tmp_path / "results.json", records)
    proc = run_process(
        [sys.executable, str(METRICS_CLI), "--results", results, "--problems", "3", "--bootstrap", "0", "--no-charts"],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads((tmp_path / "report_results.json").read_text(encoding="utf-8"))
    assert report["model_evaluation"]["overall_metrics"]["overall_accuracy"]["value"] == pytest.approx(4 / 6)
    assert "Overall metrics" in proc.stdout and "Markdown report:" in proc.stdout
    assert sorted(os.listdir(tmp_path)) == ["report_results.json", "report_results.md", "results.json"]

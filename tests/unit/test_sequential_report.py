"""The sequential mode's report: per-type accuracy by position and slopes, hand-computed.

The demo's report, chart and log (a whole run on the simulated endpoint) are in ``e2e/test_sequential_cli.py``.
"""

from __future__ import annotations

from pathlib import Path

from seval.sequential.records import EvalOutcome, SequentialItem
from seval.sequential.report import position_curves, render, report_path_for


def item(sequence_id, position, score):
    return SequentialItem(
        sequence_id=sequence_id,
        position_in_sequence=position,
        gpt4res="a",
        gpt4judge="j",
        answer_score=score,
        processing_time=0.0,
        client_model="s",
        judge_model="t",
    )


def outcome(tmp_path):
    sequences = [
        {"sequence_id": 1, "type": "A", "question_ids": [1, 2, 3]},
        {"sequence_id": 2, "type": "A", "question_ids": [4, 5, 6]},
        {"sequence_id": 3, "type": "B", "question_ids": [7, 8, 9]},
    ]
    items = [
        item(1, 1, 1),
        item(1, 2, 0),
        item(1, 3, 1),
        item(2, 1, 0),
        item(2, 2, 1),
        item(2, 3, 1),
        item(3, 1, 1),
        item(3, 2, 1),
    ]  # sequence 3 never answered position 3: it counts as wrong
    return EvalOutcome(sequences, items, [], tmp_path / "results.json", tmp_path / "results.json.jsonl")


def test_curves_and_slopes_by_hand(tmp_path):
    curves = position_curves(outcome(tmp_path))
    # A: position 1: 1 of 2, position 2: 1 of 2, position 3: 2 of 2
    assert curves["A"].tolist() == [0.5, 0.5, 1.0]
    # B: 1, 1, and the missing third position is wrong
    assert curves["B"].tolist() == [1.0, 1.0, 0.0]
    text = render(outcome(tmp_path), curves, None)
    # slope A: x - 2 = (-1, 0, 1), y - 2/3 = (-1/6, -1/6, 1/3): (1/6 + 1/3) / 2 = 0.25
    assert "| A | 0.50 | 0.50 | 1.00 | +0.250 |" in text
    # slope B: y - 2/3 = (1/3, 1/3, -2/3): (-1/3 - 2/3) / 2 = -0.5
    assert "| B | 1.00 | 1.00 | 0.00 | -0.500 |" in text
    assert "solved: 6 (75.0%)" in text  # 6 of the 8 answered positions


def test_report_path_sits_beside_the_results():
    assert report_path_for(Path("out/results.json")) == Path("out/results.report.md")
    assert report_path_for(Path("out/run.jsonl")) == Path("out/run.report.md")

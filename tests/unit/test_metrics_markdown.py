"""evaluate_metric.py --output also writes a markdown companion with the position chart."""

from __future__ import annotations

import json
from pathlib import Path

import evaluate_metric


def judge(score: int) -> str:
    return f'Looks right.\n```json\n{{"answer_score": {score}}}\n```'


def run_metrics(folder: Path, results: list[dict], problems: int, output: str, *flags: str) -> None:
    """evaluate_metric.py on ``results`` (written to ``folder``), without intervals, its report at ``output``."""
    (folder / "results.json").write_text(json.dumps(results))
    argv = ["--results", str(folder / "results.json"), "--problems", str(problems), "--bootstrap", "0"]
    assert evaluate_metric.main([*argv, "--output", str(folder / output), *flags]) == 0


def test_markdown_companion_with_hand_computed_figures(tmp_path, capsys):
    outcomes = {1: [1, 0, 1], 2: [0, 1, 1]}
    results = [
        {"sequence_id": seq, "position_in_sequence": pos, "type": "A", "gpt4judge": judge(score)}
        for seq, scores in outcomes.items()
        for pos, score in enumerate(scores, 1)
    ]
    run_metrics(tmp_path, results, 3, "report.json")
    text = (tmp_path / "report.md").read_text()
    assert "| overall_accuracy | 0.6667 | - |" in text  # 4 correct of 2 x 3
    # curve (0.5, 0.5, 1.0): slope ((-1)(-1/6) + (1)(1/3)) / 2 = 0.25
    assert "| accuracy_slope | 0.2500 | - |" in text
    # first correct positions 1 and 2; longest runs 1 and 2
    assert "| A | 2 | 0.6667 | 0.2500 | - | 1.5000 | 1.5000 |" in text
    assert (tmp_path / "report.positions.png").read_bytes()[:4] == b"\x89PNG"
    assert "![Accuracy by position per task type, with fitted slopes](report.positions.png)" in text


def test_no_charts_writes_the_markdown_without_a_picture(tmp_path, capsys):
    results = [{"sequence_id": 1, "position_in_sequence": pos, "type": "A", "gpt4judge": judge(1)} for pos in (1, 2)]
    run_metrics(tmp_path, results, 2, "rep.json", "--no-charts")
    assert "![" not in (tmp_path / "rep.md").read_text()
    assert not list(tmp_path.glob("*.png"))


def test_our_results_with_a_judge_error_count_as_unparseable(tmp_path, capsys):
    """The sequential mode writes answer_score 0 plus judge_error when no verdict could be read."""
    results = [
        {"sequence_id": 1, "position_in_sequence": 1, "type": "A", "answer_score": 1, "gpt4judge": judge(1)},
        {
            "sequence_id": 1,
            "position_in_sequence": 2,
            "type": "A",
            "answer_score": 0,
            "gpt4judge": "no verdict here",
            "judge_error": "no readable verdict",
        },
    ]
    run_metrics(tmp_path, results, 2, "rep.json", "--no-charts")
    quality = json.loads((tmp_path / "rep.json").read_text())["model_evaluation"]["data_quality"]
    assert quality["unparseable_verdicts"] == 1

"""evaluate_metric.py --output also writes a markdown companion with the position chart."""

from __future__ import annotations

import json

import evaluate_metric


def judge(score: int) -> str:
    return f'Looks right.\n```json\n{{"answer_score": {score}}}\n```'


def test_markdown_companion_with_hand_computed_figures(tmp_path, capsys):
    outcomes = {1: [1, 0, 1], 2: [0, 1, 1]}
    results = [
        {"sequence_id": seq, "position_in_sequence": pos, "type": "A", "gpt4judge": judge(score)}
        for seq, scores in outcomes.items()
        for pos, score in enumerate(scores, 1)
    ]
    (tmp_path / "results.json").write_text(json.dumps(results))
    output = tmp_path / "report.json"
    assert (
        evaluate_metric.main(
            [
                "--results",
                str(tmp_path / "results.json"),
                "--problems",
                "3",
                "--bootstrap",
                "0",
                "--output",
                str(output),
            ]
        )
        == 0
    )
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
    (tmp_path / "r.json").write_text(json.dumps(results))
    assert (
        evaluate_metric.main(
            [
                "--results",
                str(tmp_path / "r.json"),
                "--problems",
                "2",
                "--bootstrap",
                "0",
                "--output",
                str(tmp_path / "rep.json"),
                "--no-charts",
            ]
        )
        == 0
    )
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
    (tmp_path / "r.json").write_text(json.dumps(results))
    assert (
        evaluate_metric.main(
            [
                "--results",
                str(tmp_path / "r.json"),
                "--problems",
                "2",
                "--bootstrap",
                "0",
                "--output",
                str(tmp_path / "rep.json"),
                "--no-charts",
            ]
        )
        == 0
    )
    quality = json.loads((tmp_path / "rep.json").read_text())["model_evaluation"]["data_quality"]
    assert quality["unparseable_verdicts"] == 1

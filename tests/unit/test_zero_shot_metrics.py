"""evaluate_metric.py against a zero-shot (or any baseline) run: EvaLearn's O_learned and the paired gain.

Every expected figure is worked out by hand in the comments from the fixture below; the same
fixture run through EvaLearn's own script (January 2026) gives the same O_learned figures
(2.4166..., a 2.5, b 2.333..., c 0).
"""

from __future__ import annotations

import json

import pytest
from helpers import run_tool
from shared_cases import FENCE, write_json, write_jsonl

# M = 4. sequence -> (type, problem ids, outcomes here (feedback run), outcomes in the zero-shot run).
# The zero-shot run solved problems 1 and 5 everywhere, and problem 9 once (S5 p3) but not in S3:
# Z = {1, 5, 9}. S2 p1 has no id here (the zero-shot record there holds 5). S6 p4 holds 13 here but
# problem 99 in the zero-shot file: a mismatch.
SEQUENCES = {
    "S1": ("a", [1, 2, 3, 4], [1, 0, 0, 1], [1, 0, 0, 0]),
    "S2": ("a", [None, 6, 7, 8], [0, 0, 1, 1], [1, 0, 0, 0]),
    "S3": ("b", [1, 5, 9, 10], [1, 1, 1, 1], [1, 1, 0, 0]),
    "S4": ("b", [2, 3, 4, 6], [0, 0, 0, 0], [0, 0, 0, 0]),
    "S5": ("c", [1, 5, 9, 1], [1, 1, 1, 1], [1, 1, 1, 1]),
    "S6": ("b", [10, 11, 12, 13], [1, 0, 0, 0], [0, 0, 0, 0]),
}
ZERO_SHOT_ID = {("S2", 1): 5, ("S6", 4): 99}


def _records(zero_shot: bool) -> list[dict]:
    records = []
    for sid, (kind, ids, here, base) in SEQUENCES.items():
        for position, (pid, right, base_right) in enumerate(zip(ids, here, base, strict=True), start=1):
            record = {"sequence_id": sid, "position_in_sequence": position, "type": kind}
            record["gpt4judge"] = FENCE.format(base_right if zero_shot else right)
            pid = ZERO_SHOT_ID.get((sid, position), pid) if zero_shot else pid
            if pid is not None:
                record["id"] = pid
            records.append(record)
    return records


@pytest.fixture
def runs(tmp_path):
    return write_json(tmp_path / "feedback.json", _records(False)), write_jsonl(tmp_path / "zs.jsonl", _records(True))


def test_first_learned_correct_offset_as_the_reference_defines_it(runs):
    from seval.metrics.evalearn import EvaLearnMetrics

    m = EvaLearnMetrics(runs[0], 4, runs[1], bootstrap=0)
    assert m.zero_shot_correct_ids == {1, 5, 9}
    # S1: first problem not in Z at p2, first correct from p2 on at p4: 4 - 2 + 1 = 3
    # S2: p1 has no id (passed over), first wrong p2 (6), correct at p3: 2
    # S3: 1, 5, 9 in Z, first wrong p4, correct at once: 1
    # S4: first wrong p1, never correct: M+1 - 1 + 1 = 5
    # S5: every problem in Z: skipped;  S6: first wrong p1, correct at p1: 1
    by_type = m.first_learned_correct_offset(by_type=True)
    assert by_type == pytest.approx({"a": 2.5, "b": 7 / 3, "c": 0})  # a (3+2)/2, b (1+5+1)/3, c none
    # overall: the types above 0 weigh the same: (2.5 + 7/3) / 2; pooled: (3+2+1+5+1) / 5
    assert m.first_learned_correct_offset(avg_by_type=True) == pytest.approx(29 / 12)
    assert m.first_learned_correct_offset() == pytest.approx(12 / 5)
    report = m.generate_report()["model_evaluation"]
    assert report["dataset_info"]["zero_shot_results_provided"] is True
    assert report["overall_metrics"]["first_learned_correct_offset"]["value"] == pytest.approx(29 / 12)
    assert report["type_metrics"]["b"]["first_learned_correct_offset"] == pytest.approx(7 / 3)
    assert report["type_metrics"]["c"]["first_learned_correct_offset"] == 0


def test_without_zero_shot_there_is_no_offset(runs):
    from seval.metrics.evalearn import EvaLearnMetrics

    report = EvaLearnMetrics(runs[0], 4, bootstrap=0).generate_report()["model_evaluation"]
    assert report["dataset_info"]["zero_shot_results_provided"] is False
    assert "first_learned_correct_offset" not in report["overall_metrics"]
    assert "paired_comparison" not in report


def test_ids_zero_count_and_an_all_wrong_zero_shot_run_still_gives_the_offset(tmp_path):
    # EvaLearn's script skips falsy ids (sequence 0, problem 0) and drops the metric when the zero-shot
    # run solved nothing; here both are data: Z is empty, so the first wrong position is position 1.
    from seval.metrics.evalearn import EvaLearnMetrics

    here = [
        {"sequence_id": 0, "position_in_sequence": p, "id": p - 1, "gpt4judge": FENCE.format(int(p == 3))}
        for p in (1, 2, 3)
    ]
    zero = [dict(r, gpt4judge=FENCE.format(0)) for r in here]
    m = EvaLearnMetrics(write_json(tmp_path / "h.json", here), 3, write_json(tmp_path / "z.json", zero), bootstrap=0)
    assert m.zero_shot_correct_ids == set()
    assert m.first_learned_correct_offset(avg_by_type=True) == 3  # first wrong p1, learned p3: 3 - 1 + 1


def test_paired_comparison_by_hand(runs):
    from seval.metrics.evalearn import EvaLearnMetrics

    block = EvaLearnMetrics(runs[0], 4, runs[1], bootstrap=300).paired_comparison()
    # 24 cells, S6 p4 holds another problem: 23 pairs. Right here: S1 2, S2 2, S3 4, S4 0, S5 4, S6 1 = 13;
    # in the zero-shot run: 1, 1, 2, 0, 4, 0 = 8.
    assert block["n_pairs"] == 23 and block["mismatched_problem_ids"] == 1
    assert block["pairs_without_problem_ids"] == 1  # S2 p1
    assert block["accuracy"] == pytest.approx(13 / 23) and block["baseline_accuracy"] == pytest.approx(8 / 23)
    assert block["difference"]["value"] == pytest.approx(5 / 23)
    assert block["difference"]["low"] <= 5 / 23 <= block["difference"]["high"]
    # b: right here, wrong zero-shot: S1 p4, S2 p3 p4, S3 p3 p4, S6 p1 = 6; c: the reverse, S2 p1 = 1.
    # p = 2 * (C(7,0) + C(7,1)) / 2^7 = 16 / 128
    assert block["mcnemar"] == {"b": 6, "c": 1, "p_value": pytest.approx(0.125)}
    # position 3: here S2 S3 S5 right (3 of 6), zero-shot S5 only (1 of 6); position 4: 5 pairs, 4 vs 1
    by_position = {row["position"]: row for row in block["by_position"]}
    assert by_position[3]["difference"] == pytest.approx(2 / 6)
    assert (by_position[4]["n_pairs"], by_position[4]["difference"]) == (5, pytest.approx(3 / 5))
    # type a: S1 and S2 both gain 1 of 4 (identical: no interval); b: S3 +2, S4 0, S6 +1 over 11 pairs
    assert block["by_type"]["a"]["difference"] == {"value": pytest.approx(2 / 8), "low": None, "high": None}
    assert block["by_type"]["b"]["difference"]["value"] == pytest.approx(3 / 11)
    assert "+0.217" in block["summary"] and "McNemar: 6 better, 1 worse" in block["summary"]


def test_mcnemar_past_the_exact_range_agrees_with_exact_integers():
    # evaluate_metric.py pairs up to millions of positions: the shared test switches to log space
    from fractions import Fraction

    from seval.compare import stats

    b, c = stats.EXACT_UP_TO // 2 + 700, stats.EXACT_UP_TO // 2 + 600
    term = total = 1  # C(n, 0) + ... + C(n, c), each term from the one before
    for k in range(c):
        term = term * (b + c - k) // (k + 1)
        total += term
    exact = float(Fraction(2 * total, 2 ** (b + c)))
    assert stats.mcnemar_exact(b, c) == pytest.approx(exact, rel=1e-9)
    assert stats.mcnemar_exact(400_000, 401_000) == pytest.approx(0.2647, abs=1e-3)  # z = 1.116, two-sided


def test_cli_zero_shot_and_baseline(runs, tmp_path):
    out = tmp_path / "report.json"
    result = run_tool("evaluate_metric.py", "--results", runs[0], "--zero-shot", runs[1], "--problems", "4",
                      "--output", str(out), "--no-charts", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Learning gain" in result.stdout and "O_learned" in result.stdout
    assert "1 positions hold another problem" in result.stderr
    evaluation = json.loads(out.read_text(encoding="utf-8"))["model_evaluation"]
    assert evaluation["paired_comparison"]["baseline_kind"] == "zero-shot"
    markdown = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "**Learning gain:** Against the zero-shot run" in markdown and "O_learned" in markdown
    # any other pair of runs: --baseline; the feedback run against itself gains nothing
    again = run_tool("evaluate_metric.py", "--results", runs[0], "--baseline", runs[0], "--problems", "4",
                     "--output", str(out), "--no-charts", cwd=tmp_path)  # fmt: skip
    block = json.loads(out.read_text(encoding="utf-8"))["model_evaluation"]["paired_comparison"]
    assert again.returncode == 0 and block["baseline_kind"] == "baseline"
    assert block["difference"]["value"] == 0 and block["mcnemar"] == {"b": 0, "c": 0, "p_value": 1.0}
    assert (
        "first_learned_correct_offset"
        not in json.loads(out.read_text(encoding="utf-8"))["model_evaluation"]["overall_metrics"]
    )


def test_cli_missing_zero_shot_file_is_one_line(runs, tmp_path):
    out = tmp_path / "report.json"
    result = run_tool("evaluate_metric.py", "--results", runs[0], "--zero-shot", str(tmp_path / "nope.json"),
                      "--output", str(out), cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1 and not out.exists()
    assert result.stderr.strip().splitlines() == [
        f"evaluate_metric.py: error: --zero-shot {tmp_path / 'nope.json'}: no such file"
    ]

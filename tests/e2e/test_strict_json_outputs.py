"""A judge that answers NaN or Infinity: no verdict, asked again, counted; every file written stays strict JSON."""

from __future__ import annotations

import pytest
from helpers import SEQUENTIAL_CLI, LoopbackChatServer, run_tool
from test_bad_input_sweep import PROBLEMS, SEQUENCES

from seval.io import strict_json


class NonFiniteJudge(LoopbackChatServer):
    """The student answers; the judge's fence holds a number no JSON may hold."""

    def __init__(self, value: str):
        super().__init__()
        self.value = value

    def reply_to(self, body: dict) -> str:
        if body["model"] == "student":
            return "2 + 2 = 4. Final answer: 4"
        return f'The answer is right.\n```json\n{{"answer_score": {self.value}}}\n```'


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400"])
def test_a_non_finite_verdict_is_a_counted_judge_error_and_the_files_stay_strict(tmp_path, value):
    (tmp_path / "problems.json").write_bytes(PROBLEMS)
    (tmp_path / "sequences.json").write_bytes(SEQUENCES)
    output = tmp_path / "out" / "results.json"
    with NonFiniteJudge(value) as server:
        argv = (
            "--input",
            "problems.json",
            "--seq",
            "sequences.json",
            "--output",
            output,
            "--no-charts",
            "--client-base-url",
            server.base_url,
            "--judge-base-url",
            server.base_url,
            "--client-model",
            "student",
            "--judge-model",
            "judge",
            "--retry-backoff",
            "0",
        )
        first = run_tool(SEQUENTIAL_CLI, *argv, cwd=tmp_path)
        judge_asks = sum(1 for body in server.requests if body["model"] == "judge")
        again = run_tool(SEQUENTIAL_CLI, *argv, cwd=tmp_path)  # a rerun reads its own files back
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert judge_asks == 2  # no verdict, so asked once more
    (item,) = strict_json.loads(output.read_text(encoding="utf-8"))
    assert item["answer_score"] == 0 and item["judge_error"]
    journal = output.with_name("results.json.jsonl").read_text(encoding="utf-8")
    assert [strict_json.loads(line)["answer_score"] for line in journal.splitlines()] == [0]
    assert "Judge replies without a verdict (scored 0): 1" in first.stdout

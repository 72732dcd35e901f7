"""An unreadable verdict in a benchmark run: the judge is asked again, then the item is a judge error.

The benchmark CLI runs in-process against the scripted endpoint (``scripted_endpoint.ScriptedServer``)
over real loopback HTTP; the verdict parser itself is tested in ``unit/test_verdict.py``.
"""

from __future__ import annotations

import json

from helpers import run_main
from scripted_endpoint import ScriptedServer, question_text


def test_unreadable_verdict_is_asked_again_then_recorded_as_judge_error(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    verdicts = {
        ("logic", 1, 1): "I think it is fine",  # unreadable twice: judge error, score 0
        ("logic", 1, 2): ["Looks good to me.", "correct"],  # readable when asked again: score 1
        ("logic", 2, 1): "incorrect",
    }
    out = tmp_path / "out"
    with ScriptedServer(verdicts=verdicts) as server:
        assert (
            run_main(
                "--base-url",
                server.base_url,
                "--model-generation",
                "gen",
                "--model-answering",
                "ans",
                "--model-evaluation",
                "judge",
                "--reasoning-types",
                "logic",
                "--n",
                2,
                "--num-questions",
                2,
                "--no-charts",
                "--out-dir",
                out,
            )
            == 0
        )
        judge_calls = server.chat_calls("judge")

    asks = {}
    for call in judge_calls:
        asks.setdefault(call.cell, []).append(call)
    assert {cell: len(calls) for cell, calls in asks.items()} == {
        ("logic", 1, 1): 2,
        ("logic", 1, 2): 2,
        ("logic", 2, 1): 1,
        ("logic", 2, 2): 1,
    }
    follow_up = max(asks[("logic", 1, 1)], key=lambda call: len(call.messages))
    assert [m["role"] for m in follow_up.messages][-2:] == ["assistant", "user"]
    assert follow_up.messages[-2]["content"] == "I think it is fine"
    assert "verdict" in follow_up.messages[-1]["content"]

    record = json.loads((out / "runs.jsonl").read_text(encoding="utf-8"))
    by_question = {e["question"]: e for e in record["examples"]}
    failed = by_question[question_text("logic", 1, 1)]
    assert failed["score"] == 0.0
    assert failed["judge_error"]
    assert failed["judge_verdicts"][0]["reply"].count("I think it is fine") == 2
    recovered = by_question[question_text("logic", 1, 2)]
    assert (recovered["score"], recovered["judge_error"]) == (1.0, None)
    assert recovered["rationale"] == "scripted correct for logic d1 i2"
    assert record["judge_errors"] == 1
    # Scores 0, 1 | 0, 1: the judge error counts as 0.
    assert record["run_mean_score"] == 0.5

    report = (out / "report_run_0001.md").read_text(encoding="utf-8")
    assert "Unreadable verdicts: 1" in report
    assert f"### logic, difficulty 1, question 1: incorrect (judge error: {failed['judge_error']})" in report


def test_contradictory_verdicts_are_asked_again_then_recorded_as_what_they_were(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    contradicting = '{"score": "incorrect"} but the answer says {"score": "correct"}'
    verdicts = {("logic", 1, 1): contradicting}  # the same contradiction when asked again
    out = tmp_path / "out"
    with ScriptedServer(verdicts=verdicts) as server:
        code = run_main(
            *("--base-url", server.base_url, "--model-generation", "gen", "--model-answering", "ans"),
            *("--model-evaluation", "judge", "--reasoning-types", "logic", "--n", 1, "--no-charts"),
            "--out-dir",
            out,
        )
        assert code == 0
        asks = [call for call in server.chat_calls("judge") if call.cell == ("logic", 1, 1)]
    assert len(asks) == 2
    assert "contradict each other" in asks[1].messages[-1]["content"]
    (example,) = json.loads((out / "runs.jsonl").read_text(encoding="utf-8"))["examples"]
    assert example["score"] == 0.0  # never silently the last (or first) of the two
    assert example["judge_error"] == "contradictory verdicts in the judge's reply, even when asked once more"

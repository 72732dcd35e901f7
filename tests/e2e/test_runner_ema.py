"""EMA figures and run records of scripted runs, every expected number worked out by hand.

The scripted endpoint (``scripted_endpoint.py``) writes ``Q <type> d<D> i<I>: ...``
questions, always answers ``Final answer: A`` and judges from a verdict table,
so each example's score is known before the run. The CLI runs in-process
(``self_evolving_benchmark.main``) against it over real loopback HTTP.

Rules checked (the seed's): per-difficulty EMA from the mean of that
difficulty's cell means, once per completed difficulty; per-type EMA from the
mean of that type's cell means in the run; overall EMA from the mean of all
the run's example scores; the first update of any EMA takes the value.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from helpers import read_runs, read_state, run_main
from scripted_endpoint import ScriptedServer, question_text

ALPHA = 0.5

# Session 1: difficulties 1-3, types logic and math, 2 questions per cell.
#   d1: logic i1 1, i2 1 -> cell 1.0 | math i1 1, i2 0 -> cell 0.5 | d1 mean 0.75
#   d2: logic i1 1, i2 0 -> cell 0.5 | math i1 0, i2 0 -> cell 0.0 | d2 mean 0.25
#   d3: logic i1 0, i2 1 -> cell 0.5 | math i1 1, i2 1 -> cell 1.0 | d3 mean 0.75
#   logic cell means 1, 0.5, 0.5 -> 2/3;  math 0.5, 0, 1 -> 0.5
#   examples: logic 1,1,1,0,0,1 = 4 correct, math 1,0,0,0,1,1 = 3 correct -> 7/12
SESSION_1 = {
    ("math", 1, 2): "incorrect",
    ("logic", 2, 2): "incorrect",
    ("math", 2, 1): "incorrect",
    ("math", 2, 2): "incorrect",
    ("logic", 3, 1): "incorrect",
}
# Session 2 (--n 2): difficulties 4-5.
#   d4: logic 1, 1 -> 1.0 | math 1, 0 -> 0.5 | d4 mean 0.75
#   d5: logic 0, 0 -> 0.0 | math 1, 1 -> 1.0 | d5 mean 0.5
#   logic run mean (1 + 0) / 2 = 0.5; math (0.5 + 1) / 2 = 0.75
#   examples: logic 1,1,0,0 + math 1,0,1,1 = 5 of 8 -> 0.625
SESSION_2 = {
    ("math", 4, 2): "incorrect",
    ("logic", 5, 1): "incorrect",
    ("logic", 5, 2): "incorrect",
}
# Cycle test, 1 question per cell, --n 10 then --new-cycle --n 1:
#   cycle 1: only math d1 incorrect -> d1 mean (1 + 0) / 2 = 0.5, d2..d10 1.0;
#            logic type 1.0, math (0 + 9 * 1) / 10 = 0.9; examples 19 of 20 -> 0.95
#   cycle 2: d1 both incorrect -> d1 mean 0, logic 0, math 0, run mean 0
CYCLE_1 = {("math", 1, 1): "incorrect"}
CYCLE_2 = {("logic", 1, 1): "incorrect", ("math", 1, 1): "incorrect"}


def scripted_args(server: ScriptedServer, out_dir, *extra: object) -> list[object]:
    return [
        "--base-url",
        server.base_url,
        "--model-generation",
        "gen",
        "--model-answering",
        "ans",
        "--model-evaluation",
        "judge",
        "--reasoning-types",
        "logic,math",
        "--num-questions",
        2,
        "--alpha",
        ALPHA,
        "--out-dir",
        out_dir,
        "--retry-backoff",
        0,
        "--no-charts",
        *extra,
    ]


@pytest.fixture
def scripted():
    with ScriptedServer() as server:
        yield server


def test_first_session_ema_state_and_record(scripted, tmp_path):
    out = tmp_path / "out"
    scripted.verdicts = dict(SESSION_1)
    assert run_main(*scripted_args(scripted, out, "--n", 3)) == 0

    state = read_state(out)
    # First update of every EMA takes the value itself.
    assert state["ema_by_difficulty"] == {"1": pytest.approx(0.75), "2": pytest.approx(0.25), "3": pytest.approx(0.75)}
    assert state["ema_by_reasoning_type"] == {"logic": pytest.approx(2 / 3), "math": pytest.approx(0.5)}
    assert state["ema"] == pytest.approx(7 / 12)
    assert state["run_count"] == 1
    assert state["current_difficulty"] == 4

    (record,) = read_runs(out)
    assert record["run_mean_score"] == pytest.approx(7 / 12)
    assert record["ema_score"] == pytest.approx(7 / 12)
    assert record["n"] == 3
    assert record["alpha"] == 0.5
    assert record["judge_errors"] == 0
    # 6 cells x 2 questions, 12 tokens per reply: 12 generations, 12 answers, 12 verdicts.
    assert record["usage_by_role"]["generation"] == {"prompt_tokens": 120, "completion_tokens": 24, "total_tokens": 144}
    assert record["usage_by_role"]["evaluation"]["total_tokens"] == 144


def test_run_record_fields_and_round_robin_order(scripted, tmp_path):
    out = tmp_path / "out"
    scripted.verdicts = dict(SESSION_1)
    assert run_main(*scripted_args(scripted, out, "--n", 3)) == 0

    (record,) = read_runs(out)
    seed_fields = {
        "run_id",
        "started_at",
        "ended_at",
        "difficulty_start",
        "difficulty_end",
        "num_questions_per_cell",
        "endpoint_generation",
        "endpoint_answering",
        "endpoint_evaluation",
        "model_generation",
        "model_answering",
        "model_evaluation",
        "reasoning_types",
        "run_mean_score",
        "ema_score",
        "n",
        "alpha",
        "examples",
    }
    assert seed_fields <= record.keys()
    assert record["run_id"] == 1
    assert (record["difficulty_start"], record["difficulty_end"]) == (1, 3)
    assert record["num_questions_per_cell"] == 2
    assert record["reasoning_types"] == ["logic", "math"]
    for role in ("generation", "answering", "evaluation"):
        assert record[f"endpoint_{role}"] == scripted.base_url  # the real base URL, /v1 included
    assert (record["model_generation"], record["model_answering"], record["model_evaluation"]) == (
        "gen",
        "ans",
        "judge",
    )
    started, ended = datetime.fromisoformat(record["started_at"]), datetime.fromisoformat(record["ended_at"])
    assert started <= ended

    # Round robin: difficulty, then types in the order given, then question index.
    expected_order = [(kind, level, index) for level in (1, 2, 3) for kind in ("logic", "math") for index in (1, 2)]
    examples = record["examples"]
    assert [e["question"] for e in examples] == [question_text(*cell) for cell in expected_order]
    assert [
        (e["tags"]["reasoning_type"], e["tags"]["difficulty"], e["tags"]["question_index"]) for e in examples
    ] == expected_order
    assert [e["score"] for e in examples] == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    for example, (kind, level, index) in zip(examples, expected_order, strict=True):
        assert {"question", "tags", "answer", "score", "rationale", "created_at"} <= example.keys()
        assert example["answer"] == "Final answer: A"
        verdict = SESSION_1.get((kind, level, index), "correct")
        assert example["rationale"] == f"scripted {verdict} for {kind} d{level} i{index}"
        assert example["judge_error"] is None
        assert started <= datetime.fromisoformat(example["created_at"]) <= ended


def test_generation_prompts_carry_same_cell_and_same_type_history(scripted, tmp_path):
    out = tmp_path / "out"
    assert run_main(*scripted_args(scripted, out, "--n", 2)) == 0
    prompts = {call.cell: call.text() for call in scripted.chat_calls("gen")}
    assert len(prompts) == 8  # 2 difficulties x 2 types x 2 questions, each asked once

    # Question 2 of a cell must differ from question 1 of the same cell.
    second = prompts[("logic", 2, 2)]
    assert (
        "It must differ from each of these questions already asked at this difficulty:\n"
        f"1. {question_text('logic', 2, 1)}\n\n"
    ) in second
    # Other cells of the same type (difficulty 1) are shown as not to repeat; the other type never.
    assert (
        "Avoid repeating these earlier questions of the same type:\n"
        f"1. {question_text('logic', 1, 1)}\n2. {question_text('logic', 1, 2)}\n\n"
    ) in second
    assert "math" not in second.split("Target difficulty")[1]
    # The first question of the run has neither list.
    first = prompts[("logic", 1, 1)]
    assert "must differ" not in first and "Avoid repeating" not in first


def test_second_session_continues_at_4_and_updates_emas_with_alpha(scripted, tmp_path):
    out = tmp_path / "out"
    scripted.verdicts = dict(SESSION_1)
    assert run_main(*scripted_args(scripted, out, "--n", 3)) == 0

    scripted.verdicts = dict(SESSION_2)
    assert run_main(*scripted_args(scripted, out, "--n", 2)) == 0
    state = read_state(out)
    # Difficulties 4 and 5 are new: first updates take the value.
    assert state["ema_by_difficulty"] == {
        "1": pytest.approx(0.75),
        "2": pytest.approx(0.25),
        "3": pytest.approx(0.75),
        "4": pytest.approx(0.75),
        "5": pytest.approx(0.5),
    }
    # logic: 0.5 * 0.5 + 0.5 * 2/3 = 0.25 + 1/3 = 7/12
    # math:  0.5 * 0.75 + 0.5 * 0.5 = 0.625
    assert state["ema_by_reasoning_type"] == {"logic": pytest.approx(7 / 12), "math": pytest.approx(0.625)}
    # overall: 0.5 * 0.625 + 0.5 * 7/12 = 30/96 + 28/96 = 29/48
    assert state["ema"] == pytest.approx(29 / 48)
    assert state["run_count"] == 2
    assert state["current_difficulty"] == 6
    second = read_runs(out)[1]
    assert (second["run_id"], second["difficulty_start"], second["difficulty_end"]) == (2, 4, 5)
    assert second["run_mean_score"] == pytest.approx(0.625)
    assert second["ema_score"] == pytest.approx(29 / 48)
    assert (second["n"], second["alpha"]) == (2, 0.5)


def test_new_cycle_gives_difficulty_emas_their_second_update(scripted, tmp_path):
    out = tmp_path / "out"
    scripted.verdicts = dict(CYCLE_1)
    assert run_main(*scripted_args(scripted, out, "--n", 10, "--num-questions", 1)) == 0
    state = read_state(out)
    assert state["ema_by_difficulty"] == {"1": 0.5, **{str(level): 1.0 for level in range(2, 11)}}
    assert state["ema_by_reasoning_type"] == {"logic": 1.0, "math": pytest.approx(0.9)}
    assert state["ema"] == pytest.approx(0.95)
    assert (state["run_count"], state["current_difficulty"], state["cycle"]) == (1, 11, 1)

    scripted.verdicts = dict(CYCLE_2)
    assert run_main(*scripted_args(scripted, out, "--n", 1, "--num-questions", 1, "--new-cycle")) == 0
    state = read_state(out)
    # d1: 0.5 * 0.0 + 0.5 * 0.5 = 0.25; the other difficulties keep theirs.
    assert state["ema_by_difficulty"] == {"1": pytest.approx(0.25), **{str(level): 1.0 for level in range(2, 11)}}
    # logic: 0.5 * 0 + 0.5 * 1.0 = 0.5;  math: 0.5 * 0 + 0.5 * 0.9 = 0.45
    assert state["ema_by_reasoning_type"] == {"logic": pytest.approx(0.5), "math": pytest.approx(0.45)}
    # overall: 0.5 * 0 + 0.5 * 0.95 = 0.475
    assert state["ema"] == pytest.approx(0.475)
    assert (state["run_count"], state["current_difficulty"], state["cycle"]) == (2, 2, 2)
    second = read_runs(out)[1]
    assert (second["run_id"], second["difficulty_start"], second["difficulty_end"], second["cycle"]) == (2, 1, 1, 2)
    assert second["run_mean_score"] == 0.0
    assert second["ema_score"] == pytest.approx(0.475)

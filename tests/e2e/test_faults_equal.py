"""A flaky endpoint changes nothing in the results: a whole benchmark (3 types x 10 levels)
against the SIMULATED endpoint with 30% of requests answered 429, 503, broken JSON or a
reply with no choices equals the fault-free run with the same seed: same questions,
answers, verdicts and scores in the same order, same usage, same EMAs.

The simulated replies depend only on the request and the seed, and a body faults at
most twice in a row, so every request eventually gets the reply a fault-free endpoint
gives; what is checked is that the retries (and the throttling 429s cause) leave no trace.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_main

from seval.sim.server import SimServer

TYPES = "logical_deduction,mathematical_reasoning,data_interpretation"
# Differ between two runs for reasons that are not results: clock and the sim's port.
VOLATILE = {"started_at", "ended_at", "created_at", "endpoint_generation", "endpoint_answering", "endpoint_evaluation"}


def without_volatile(value):
    if isinstance(value, dict):
        return {key: without_volatile(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(item) for item in value]
    return value


def full_run(out: Path, fault_rate: float) -> tuple[list[dict], dict, SimServer]:
    with SimServer(seed=7, fault_rate=fault_rate) as sim:
        code = run_main(
            "--base-url",
            sim.base_url,
            "--model-generation",
            "sim-generator",
            "--model-answering",
            "sim-solver-weak",
            "--model-evaluation",
            "sim-judge",
            "--reasoning-types",
            TYPES,
            "--n",
            10,
            "--num-questions",
            1,
            "--out-dir",
            out,
            "--no-charts",
            "--retry-backoff",
            0,
            "--max-retries",
            5,
        )
    assert code == 0
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    return runs, state, sim


def test_full_benchmark_through_faults_equals_the_fault_free_run(tmp_path):
    clean_runs, clean_state, clean_sim = full_run(tmp_path / "clean", 0.0)
    faulty_runs, faulty_state, faulty_sim = full_run(tmp_path / "faulty", 0.3)

    assert faulty_sim.request_count > clean_sim.request_count  # faults happened and were retried
    assert len(clean_runs) == len(faulty_runs) == 1
    clean, faulty = clean_runs[0], faulty_runs[0]
    assert len(clean["examples"]) == 30 and (clean["difficulty_start"], clean["difficulty_end"]) == (1, 10)
    order = [
        (e["tags"]["difficulty"], e["tags"]["reasoning_type"], e["tags"]["question_index"]) for e in clean["examples"]
    ]
    assert order == [(level, kind, 1) for level in range(1, 11) for kind in TYPES.split(",")]  # round robin
    assert 0 < clean["run_mean_score"] < 1  # a run with both verdicts, so equal scores mean something

    for field in ("question", "answer", "score", "rationale", "judge_verdicts", "reference_answer", "tags"):
        assert [e[field] for e in faulty["examples"]] == [e[field] for e in clean["examples"]], field
    assert without_volatile(faulty) == without_volatile(clean)  # usage, EMAs, judge errors: all of it
    assert faulty_state == clean_state
    assert clean_state["current_difficulty"] == 11 and len(clean_state["ema_by_difficulty"]) == 10

"""The seed's multi-session example on the simulated endpoint: --n 3 four times covers 1-3, 4-6, 7-9, 10.

Then a fifth session finds nothing to do and changes nothing, and --new-cycle
starts again at difficulty 1 with the EMAs, run count and question history
carried on. Sessions run in-process (``run_main``); those whose exit code and
message are the point go through ``run_cli`` (in-process too, with the exit code,
stdout and stderr a process would give).
"""

from __future__ import annotations

import pytest
from conftest import run_cli
from helpers import read_runs, read_state, run_main

TYPES = ("logical_deduction", "mathematical_reasoning")
ALPHA = 0.3


def sim_args(sim, out_dir, *extra: object) -> list[object]:
    return [
        "--base-url",
        sim.base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        ",".join(TYPES),
        "--n",
        3,
        "--alpha",
        ALPHA,
        "--out-dir",
        out_dir,
        "--retry-backoff",
        0,
        "--no-charts",
        *extra,
    ]


def snapshot(out_dir) -> dict[str, bytes]:
    """Every file under the output folder except the log, by relative path."""
    return {
        str(path.relative_to(out_dir)): path.read_bytes()
        for path in sorted(out_dir.rglob("*"))
        if path.is_file() and path.name != "benchmark.log"
    }


def test_four_sessions_then_done_then_new_cycle(sim, tmp_path):
    out = tmp_path / "out"

    # Sessions 1-4: the seed's example.
    expected_ranges = [(1, 3), (4, 6), (7, 9), (10, 10)]
    for session, (start, end) in enumerate(expected_ranges, 1):
        assert run_main(*sim_args(sim, out)) == 0
        state = read_state(out)
        assert state["run_count"] == session
        assert state["current_difficulty"] == end + 1
        record = read_runs(out)[-1]
        assert (record["run_id"], record["difficulty_start"], record["difficulty_end"]) == (session, start, end)
        assert sorted({e["tags"]["difficulty"] for e in record["examples"]}) == list(range(start, end + 1))
        assert len(record["examples"]) == (end - start + 1) * len(TYPES)
        assert (out / f"report_run_{session:04d}.md").is_file()
    assert sorted(state["ema_by_difficulty"], key=int) == [str(level) for level in range(1, 11)]
    assert state["cycle"] == 1

    # Session 5: nothing to run; exit 0 and not a byte changed.
    before = snapshot(out)
    result = run_cli(*sim_args(sim, out))
    assert result.returncode == 0, result.stderr
    assert "All 10 difficulty levels are done" in result.stdout
    assert "--new-cycle" in result.stdout
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before

    # --new-cycle: difficulty 1 again, everything else carried on.
    runs_before, state_before = read_runs(out), read_state(out)
    requests_before = len(sim.requests)
    assert run_main(*sim_args(sim, out, "--new-cycle")) == 0
    state = read_state(out)
    record = read_runs(out)[-1]
    assert (record["run_id"], record["difficulty_start"], record["difficulty_end"], record["cycle"]) == (5, 1, 3, 2)
    assert (state["run_count"], state["current_difficulty"], state["cycle"]) == (5, 4, 2)
    assert read_runs(out)[:4] == runs_before  # history kept as it was
    # The EMAs continue from cycle 1 (alpha-weighted; the hand-worked figures are in test_runner_ema.py).
    assert state["ema"] == pytest.approx(ALPHA * record["run_mean_score"] + (1 - ALPHA) * state_before["ema"])
    assert record["ema_score"] == pytest.approx(state["ema"])
    for level in ("4", "5", "6", "7", "8", "9", "10"):
        assert state["ema_by_difficulty"][level] == state_before["ema_by_difficulty"][level]

    # Its generation prompts list earlier runs' questions of the same type as not to repeat.
    earlier_logic = [
        e["question"]
        for run in runs_before
        for e in run["examples"]
        if e["tags"]["reasoning_type"] == "logical_deduction"
    ]
    earlier_math = [
        e["question"]
        for run in runs_before
        for e in run["examples"]
        if e["tags"]["reasoning_type"] == "mathematical_reasoning"
    ]
    assert len(earlier_logic) == 10
    first_logic = [
        request["messages"][-1]["content"]
        for request in sim.requests[requests_before:]
        if request["model"] == "sim-generator"
        and "Reasoning type: logical_deduction" in request["messages"][-1]["content"]
        and "Target difficulty: 1/10" in request["messages"][-1]["content"]
    ]
    assert first_logic  # the first is the first attempt: a type's questions are generated in order
    prompt = first_logic[0]
    listed = "\n".join(f"{number}. {question}" for number, question in enumerate(earlier_logic, 1))
    assert "Avoid repeating these earlier questions of the same type:\n" + listed in prompt
    assert not any(question in prompt for question in earlier_math)


def test_new_cycle_before_the_cycle_is_finished_is_refused(sim, tmp_path):
    """A --new-cycle left in a script must not restart an unfinished cycle: exit 2, nothing changed."""
    out = tmp_path / "out"
    assert run_main(*sim_args(sim, out, "--n", "2")) == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    result = run_cli(*sim_args(sim, out, "--new-cycle"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --new-cycle: cycle 1 is not finished (next difficulty 3); run without --new-cycle to continue it"
    ]
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before

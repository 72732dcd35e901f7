"""kill -9 at seeded random moments, several times and across sessions: the records equal an uninterrupted run.

What held when a hostile tester killed both tools at 53 random moments, kept as a test: the kill points
come from a fixed seed (so a failure can be replayed), each killed attempt is a real process (the kill is
the point), each resume runs in-process, and the final files are compared with an uninterrupted run on a
simulator of the same seed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading

from helpers import CLI, SEQUENTIAL_CLI, comparable, read_lines, run_tool, tool_env

from seval.sim.server import SimServer

SEED = 2026
BENCHMARK_SESSIONS = 3
SESSION_REQUESTS = 12  # --n 2 of two types, one question per cell: 4 items of 3 requests
SEQUENTIAL_REQUESTS = 16  # two sequences of four positions, a student and a judge request each


def killed_at(count: int, argv: list[str], cwd) -> int:
    """Run ``argv`` as a process against a fresh sim and SIGKILL it when the sim gets request ``count``."""
    started, holder = threading.Event(), {}

    def kill(seen: int) -> None:
        if seen == count and started.wait(60):
            os.kill(holder["proc"].pid, signal.SIGKILL)

    with SimServer(on_request=kill) as sim:
        full = [sys.executable, *[sim.base_url if arg == "{url}" else str(arg) for arg in argv]]
        holder["proc"] = subprocess.Popen(
            full, cwd=cwd, env=tool_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        started.set()
        return holder["proc"].wait(timeout=120)


def in_process(argv: list[str], cwd) -> int:
    with SimServer() as sim:
        args = [sim.base_url if arg == "{url}" else arg for arg in argv]
        result = run_tool(args[0], *args[1:], cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.returncode


def benchmark_argv(out) -> list:
    return [
        CLI,
        "--base-url",
        "{url}",
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        "logic,math",
        "--n",
        2,
        "--no-charts",
        "--out-dir",
        out,
    ]


def test_benchmark_killed_at_random_moments_across_sessions_ends_as_an_uninterrupted_run(tmp_path):
    draw = random.Random(SEED)
    kills = [sorted(draw.sample(range(1, SESSION_REQUESTS + 1), draw.randint(0, 2))) for _ in range(BENCHMARK_SESSIONS)]
    assert sum(map(len, kills)) >= 2  # the seed gives kills to show (and a session without one)
    for session_kills in kills:
        for count in session_kills:
            assert killed_at(count, benchmark_argv(tmp_path / "out"), tmp_path) == -signal.SIGKILL
        in_process(benchmark_argv(tmp_path / "out"), tmp_path)  # the same command resumes and finishes
    for _ in range(BENCHMARK_SESSIONS):
        in_process(benchmark_argv(tmp_path / "reference"), tmp_path)
    runs, reference = read_lines(tmp_path / "out" / "runs.jsonl"), read_lines(tmp_path / "reference" / "runs.jsonl")
    assert [r["run_id"] for r in runs] == [1, 2, 3]
    assert [comparable(r) for r in runs] == [comparable(r) for r in reference]
    state = json.loads((tmp_path / "out" / "state.json").read_text(encoding="utf-8"))
    assert state == json.loads((tmp_path / "reference" / "state.json").read_text(encoding="utf-8"))


def sequential_argv(data, output) -> list:
    return [
        SEQUENTIAL_CLI,
        "--input",
        data / "problems.json",
        "--seq",
        data / "sequences.json",
        "--output",
        output,
        "--client-base-url",
        "{url}",
        "--judge-base-url",
        "{url}",
        "--client-model",
        "sim-solver",
        "--judge-model",
        "sim-judge",
        "--no-charts",
    ]


def write_sequences(folder):
    folder.mkdir()
    problems = [
        {"id": n, "type": "Math", "prompt": [f"What is {n} + {n}?"], "rubric": f"The answer is {2 * n}."}
        for n in range(1, 9)
    ]
    sequences = [
        {"sequence_id": 1, "type": "Math", "question_ids": [1, 2, 3, 4]},
        {"sequence_id": 2, "type": "Math", "question_ids": [5, 6, 7, 8]},
    ]
    (folder / "problems.json").write_text(json.dumps(problems), encoding="utf-8")
    (folder / "sequences.json").write_text(json.dumps(sequences), encoding="utf-8")


def test_sequential_killed_twice_at_random_moments_ends_as_an_uninterrupted_run(tmp_path):
    data = tmp_path / "data"
    write_sequences(data)
    draw = random.Random(SEED + 1)
    for count in (draw.randint(1, SEQUENTIAL_REQUESTS), draw.randint(1, SEQUENTIAL_REQUESTS // 2)):
        assert killed_at(count, sequential_argv(data, tmp_path / "out" / "results.json"), tmp_path) == -signal.SIGKILL
    in_process(sequential_argv(data, tmp_path / "out" / "results.json"), tmp_path)
    in_process(sequential_argv(data, tmp_path / "reference.json"), tmp_path)

    def results(path):
        return [{k: v for k, v in item.items() if k != "processing_time"} for item in json.loads(path.read_text())]

    assert results(tmp_path / "out" / "results.json") == results(tmp_path / "reference.json")

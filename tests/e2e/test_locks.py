"""One invocation at a time per output: a second run on a held folder or results file is refused in one line.

The lock is held here by the test itself, exactly as a running process holds it (``flock`` on the folder or
the journal), so the refusal is deterministic; the kill tests in test_durability.py show the OS releases it
when a process dies (each rerun after a kill takes it again).
"""

from __future__ import annotations

import json

from helpers import SEQUENTIAL_CLI, run_tool
from test_bad_input_sweep import PROBLEMS, SEQUENCES, runner, sequential

from seval.io.lock import exclusive_lock


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_a_second_benchmark_run_on_a_held_folder_is_refused_and_writes_nothing(sim, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    argv = runner(sim.base_url, "--out-dir", out)
    with exclusive_lock(out, "held by the test"):
        refused = run_tool(argv[0], *argv[1:], cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"error: {out} is in use by another run of this tool (it holds the folder's lock); wait for it to "
        "finish, or give another --out-dir"
    ]
    assert files_under(out) == [] and sim.request_count == 0
    finished = run_tool(argv[0], *argv[1:], cwd=tmp_path)  # released: the same command runs
    assert finished.returncode == 0, finished.stderr
    assert json.loads((out / "state.json").read_text(encoding="utf-8"))["run_count"] == 1


def test_a_second_sequential_run_on_a_held_results_file_is_refused(sim, tmp_path):
    (tmp_path / "problems.json").write_bytes(PROBLEMS)
    (tmp_path / "sequences.json").write_bytes(SEQUENCES)
    output = tmp_path / "out" / "results.json"
    argv = sequential(sim.base_url, "--input", "problems.json", "--seq", "sequences.json", "--output", output)
    assert run_tool(SEQUENTIAL_CLI, *argv[1:], cwd=tmp_path).returncode == 0
    journal = output.with_name("results.json.jsonl")
    before = journal.read_bytes(), output.read_bytes()
    with exclusive_lock(journal, "held by the test"):
        refused = run_tool(SEQUENTIAL_CLI, *argv[1:], cwd=tmp_path)
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert "is being written by another sequential evaluation" in line and str(output) in line
    assert (journal.read_bytes(), output.read_bytes()) == before

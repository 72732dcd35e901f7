"""A results file holds one way of asking: a rerun with other models or sampling is refused, not mixed in."""

from __future__ import annotations

import pytest
from helpers import SEQUENTIAL_CLI, run_tool
from test_bad_input_sweep import PROBLEMS, SEQUENCES, sequential


@pytest.fixture
def finished(sim, tmp_path):
    """A finished evaluation at --temperature 0.2 --max-tokens 300, and how to run it again with changes."""
    (tmp_path / "problems.json").write_bytes(PROBLEMS)
    (tmp_path / "sequences.json").write_bytes(SEQUENCES)
    output = tmp_path / "out" / "results.json"

    def run(*changes: str):
        argv = sequential(
            sim.base_url,
            "--input",
            "problems.json",
            "--seq",
            "sequences.json",
            "--output",
            output,
            "--temperature",
            "0.2",
            "--max-tokens",
            "300",
            *changes,
        )
        return run_tool(SEQUENTIAL_CLI, *argv[1:], cwd=tmp_path)

    assert run().returncode == 0
    return run, output


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (("--temperature", "0.7"), "client_temperature 0.2 (now 0.7)"),
        (("--max-tokens", "900"), "client_max_tokens 300 (now 900)"),
        (("--client-model", "sim-solver-strong"), "holds answers of client model 'sim-solver'"),
    ],
)
def test_other_settings_are_refused_and_change_nothing(finished, changes, named):
    run, output = finished
    journal = output.with_name("results.json.jsonl")
    before = journal.read_bytes(), output.read_bytes()
    refused = run(*changes)
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert named in line and "choose another --output" in line
    assert (journal.read_bytes(), output.read_bytes()) == before


def test_the_same_settings_are_a_no_op_rerun(finished):
    run, output = finished
    before = output.read_bytes()
    assert run().returncode == 0
    assert output.read_bytes() == before

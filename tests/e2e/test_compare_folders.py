"""``--compare DIR DIR``: finished replays of one frozen question set compared pairwise, with no request sent."""

from __future__ import annotations

import json

from conftest import run_cli
from helpers import read_lines

from seval.sim.server import SimServer

BASE = (
    "--model-generation",
    "sim-generator",
    "--model-evaluation",
    "sim-judge",
    "--reasoning-types",
    "logical_deduction,mathematical_reasoning",
    "--num-questions",
    "3",
    "--no-charts",
)


def test_two_replays_are_compared_on_their_shared_questions_without_a_request(tmp_path):
    with SimServer() as sim:
        url = ("--base-url", sim.base_url)
        assert (
            run_cli(
                *url, *BASE, "--model-answering", "sim-solver", "--n", 6, "--out-dir", tmp_path / "gen", cwd=tmp_path
            ).returncode
            == 0
        )
        assert (
            run_cli("--export-dataset", tmp_path / "set.jsonl", "--out-dir", tmp_path / "gen", cwd=tmp_path).returncode
            == 0
        )
        for model, folder in (("sim-solver-strong", "a"), ("sim-solver-weak", "b")):
            replay = run_cli(
                *url,
                *BASE,
                "--model-answering",
                model,
                "--replay",
                tmp_path / "set.jsonl",
                "--out-dir",
                tmp_path / folder,
                cwd=tmp_path,
            )
            assert replay.returncode == 0, replay.stderr
        sent = sim.request_count
        compared = run_cli("--compare", tmp_path / "a", tmp_path / "b", "--out-dir", tmp_path / "cmp", cwd=tmp_path)
        assert compared.returncode == 0, compared.stderr
        assert sim.request_count == sent  # nothing sent

    outcome = {}
    for folder in ("a", "b"):
        (record,) = read_lines(tmp_path / folder / "runs.jsonl")
        outcome[record["model_answering"]] = {
            e["question"]: e["score"] > 0.5 for e in record["examples"] if not e["excluded"]
        }
    strong, weak = outcome["sim-solver-strong"], outcome["sim-solver-weak"]
    shared = strong.keys() & weak.keys()
    comparison = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    assert [m["model"] for m in comparison["models"]] == ["sim-solver-strong", "sim-solver-weak"]
    assert [m["correct"] for m in comparison["models"]] == [sum(strong.values()), sum(weak.values())]
    (pair,) = comparison["pairs"]
    assert pair["n"] == len(shared) == comparison["questions"]
    assert pair["a_only"] == sum(strong[q] and not weak[q] for q in shared)
    assert pair["b_only"] == sum(weak[q] and not strong[q] for q in shared)
    assert pair["difference"] == (sum(strong[q] for q in shared) - sum(weak[q] for q in shared)) / len(shared)
    assert pair["difference_low"] <= pair["difference"] <= pair["difference_high"]
    assert 0 < pair["mcnemar_p"] <= 1 and pair["holm_p"] == pair["mcnemar_p"]
    report = (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
    assert "## Leaderboard" in report and f"on {len(shared)} shared questions" in report
    assert "sim-solver-strong" in compared.stdout

    again = run_cli("--compare", tmp_path / "a", tmp_path / "b", "--out-dir", tmp_path / "cmp", cwd=tmp_path)
    assert again.returncode == 2 and "comparison.json already exists" in again.stderr


def test_a_folder_without_runs_is_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("--compare", tmp_path / "empty", tmp_path / "empty", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --compare: {tmp_path / 'empty'} holds no runs.jsonl (is it a benchmark output folder?)"
    ]


def test_a_folder_that_replayed_the_set_twice_gets_one_note_not_one_per_question(tmp_path):
    flags = ("--reasoning-types", "logical_deduction", "--n", 1, "--num-questions", 2, "--no-charts")
    models = ("--model-generation", "sim-generator", "--model-evaluation", "sim-judge")
    with SimServer() as sim:

        def run(*args):
            result = run_cli("--base-url", sim.base_url, *models, *flags, *args, cwd=tmp_path)
            assert result.returncode == 0, result.stderr

        run("--model-answering", "sim-solver", "--out-dir", tmp_path / "gen")
        run("--export-dataset", tmp_path / "set.jsonl", "--out-dir", tmp_path / "gen")
        for model, folder in (("sim-solver-strong", "a"), ("sim-solver-strong", "a"), ("sim-solver-weak", "b")):
            run("--model-answering", model, "--replay", tmp_path / "set.jsonl", "--out-dir", tmp_path / folder)
    compared = run_cli("--compare", tmp_path / "a", tmp_path / "b", "--out-dir", tmp_path / "cmp", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    notes = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))["notes"]
    assert [note for note in notes if "more than once" in note] == [
        f"{tmp_path / 'a'}: sim-solver-strong answered 2 question(s) more than once; the last answer counts"
    ]

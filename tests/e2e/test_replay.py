"""Frozen question sets, from the CLI: --export-dataset, then --replay of the export and of runs.jsonl.

A replay must send no generation request, ask exactly the source's questions in the source's
order (leaving out those the source itself excluded), grade against the source's reference
answers, and keep its moving averages apart (``replay_emas``) so the benchmark's own EMAs and
current difficulty never move. Runs go over loopback HTTP to the simulated endpoint.
"""

from __future__ import annotations

import json
import re
from statistics import fmean

import pytest
from conftest import run_cli
from helpers import cell_means_expected, read_state, run_main

from seval.sim.server import SimServer

SOURCE_TYPES = "logical_deduction,mathematical_reasoning,data_interpretation"
EXPORT_FIELDS = {"question", "reference_answer", "reasoning_type", "difficulty", "validation"}


def records(out_dir) -> list[dict]:
    return [json.loads(line) for line in (out_dir / "runs.jsonl").read_text(encoding="utf-8").splitlines()]


def snapshot(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def generations(sim: SimServer) -> int:
    return sum(1 for r in sim.requests if r.get("model") == "sim-generator")


def replay(sim: SimServer, source, out_dir) -> int:
    # No --model-generation: a replay generates nothing.
    return run_main(
        "--base-url",
        sim.base_url,
        "--model-answering",
        "sim-solver-weak",
        "--model-evaluation",
        "sim-judge",
        "--replay",
        source,
        "--out-dir",
        out_dir,
        "--no-charts",
        "--retry-backoff",
        0,
    )


def expected_emas(examples: list[dict]) -> dict:
    """First EMAs of a line of runs = the values: run mean, means of cell means per type and difficulty."""
    by_type, by_level = cell_means_expected(examples)
    return {"ema": fmean(e["score"] for e in examples), "ema_by_reasoning_type": by_type, "ema_by_difficulty": by_level}


@pytest.fixture
def source(tmp_path):
    """A validated generated run (seed 0, 30% flawed references: some questions excluded) and its sim."""
    out_dir = tmp_path / "bench"
    with SimServer(flawed_rate=0.3) as sim:
        assert (
            run_main(
                "--base-url",
                sim.base_url,
                "--model-generation",
                "sim-generator",
                "--model-answering",
                "sim-solver",
                "--model-evaluation",
                "sim-judge",
                "--reasoning-types",
                SOURCE_TYPES,
                "--n",
                3,
                "--num-questions",
                2,
                "--validate",
                "--out-dir",
                out_dir,
                "--no-charts",
                "--retry-backoff",
                0,
            )
            == 0
        )
        yield sim, out_dir


def test_export_then_replay_the_export_and_the_runs_file(source, tmp_path):
    sim, out_dir = source
    generated = records(out_dir)[0]
    kept = [e for e in generated["examples"] if not e["excluded"]]
    assert 0 < len(kept) < len(generated["examples"])  # the source excluded some questions

    # -- export ---------------------------------------------------------------------------
    dataset = tmp_path / "frozen.jsonl"
    assert run_main("--export-dataset", dataset, "--out-dir", out_dir) == 0
    items = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines()]
    assert len(items) == len(generated["examples"]) == 18
    for item, example in zip(items, generated["examples"], strict=True):
        assert EXPORT_FIELDS <= set(item)
        assert item["question"] == example["question"]
        assert item["reference_answer"] == example["reference_answer"]
        assert item["reasoning_type"] == example["tags"]["reasoning_type"]
        assert item["difficulty"] == example["tags"]["difficulty"]
        assert item["validation"] == example["validation"] in ("verified", "unverified")
        assert item["excluded_reason"] == example["excluded_reason"]
        assert item["source_run"] == 1

    before = read_state(out_dir)
    asked = generations(sim)

    # -- replay the export, then the runs file -----------------------------------------------
    for run_id, source_file in ((2, dataset), (3, out_dir / "runs.jsonl")):
        sim.requests.clear()
        assert replay(sim, source_file, out_dir) == 0
        assert generations(sim) == 0  # no generation request reached the endpoint
        record = records(out_dir)[-1]
        assert record["run_id"] == run_id
        assert record["replay"] is True and record["replay_source"] == str(source_file)
        assert record["model_generation"] == "(replay)" and record["model_answering"] == "sim-solver-weak"
        # The source's kept questions, in its order, with its references, types and difficulties.
        # (runs.jsonl now also holds replay run 2, which is not a source of questions.)
        assert [e["question"] for e in record["examples"]] == [e["question"] for e in kept]
        for replayed, original in zip(record["examples"], kept, strict=True):
            assert replayed["reference_answer"] == original["reference_answer"]
            assert replayed["tags"]["reasoning_type"] == original["tags"]["reasoning_type"]
            assert replayed["tags"]["difficulty"] == original["tags"]["difficulty"]
            assert replayed["validation"] == "verified" and not replayed["excluded"]
        answered = [r for r in sim.requests if r.get("model") == "sim-solver-weak"]
        assert sorted(r["messages"][-1]["content"] for r in answered) == sorted(e["question"] for e in kept)
        judged = [r["messages"][-1]["content"] for r in sim.requests if r.get("model") == "sim-judge"]
        assert len(judged) == len(kept)
        for example in kept:  # graded against the source's reference answer
            assert (
                sum(
                    f"<reference_answer>\n{example['reference_answer']}\n</reference_answer>" in p
                    and f"<question>\n{example['question']}\n</question>" in p
                    for p in judged
                )
                == 1
            )

        # The benchmark's own EMAs and difficulty do not move; the replay's live apart.
        state = read_state(out_dir)
        for key in ("ema", "ema_by_reasoning_type", "ema_by_difficulty", "current_difficulty", "cycle"):
            assert state[key] == before[key]
        assert state["run_count"] == run_id
        entry = state["replay_emas"][f"{source_file} :: sim-solver-weak"]
        expected = expected_emas(record["examples"])
        assert entry["ema"] == pytest.approx(expected["ema"]) == pytest.approx(record["run_mean_score"])
        assert entry["ema_by_reasoning_type"] == pytest.approx(expected["ema_by_reasoning_type"])
        assert entry["ema_by_difficulty"] == pytest.approx(expected["ema_by_difficulty"])
        assert record["ema_score"] == pytest.approx(entry["ema"])
        text = (out_dir / f"report_run_{run_id:04d}.md").read_text(encoding="utf-8")
        assert f"This run replayed the fixed question set `{source_file}`: no question was generated." in text
    assert set(state["replay_emas"]) == {
        f"{dataset} :: sim-solver-weak",
        f"{out_dir / 'runs.jsonl'} :: sim-solver-weak",
    }
    assert asked > 0  # the source run did generate (with its retries)


def test_a_missing_replay_file_is_refused_in_one_line_and_nothing_is_written(source, tmp_path, capsys):
    sim, out_dir = source
    missing = tmp_path / "no_such_set.jsonl"
    flags = (
        "--base-url",
        sim.base_url,
        "--model-answering",
        "sim-solver-weak",
        "--model-evaluation",
        "sim-judge",
        "--replay",
        missing,
        "--no-charts",
        "--retry-backoff",
        0,
    )
    # As a user runs it (exit code and stderr of the process), into a folder that does not exist yet ...
    done = run_cli(*flags, "--out-dir", tmp_path / "fresh")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: --replay file {missing} does not exist"]
    assert not (tmp_path / "fresh").exists()
    # ... and into the benchmark's folder, which stays byte for byte as it was.
    before, asked = snapshot(out_dir), len(sim.requests)
    capsys.readouterr()
    assert run_main(*flags, "--out-dir", out_dir) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: --replay file {missing} does not exist"]
    assert snapshot(out_dir) == before and len(sim.requests) == asked


def test_export_to_an_existing_file_is_refused_and_the_file_is_unchanged(source, tmp_path, capsys):
    _, out_dir = source
    target = tmp_path / "taken.jsonl"
    target.write_text('{"keep": "me"}\n', encoding="utf-8")
    capsys.readouterr()
    assert run_main("--export-dataset", target, "--out-dir", out_dir) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and re.fullmatch(
        r"error: .*taken\.jsonl already exists; choose a new file for "
        r"--export-dataset",
        lines[0],
    )
    assert target.read_text(encoding="utf-8") == '{"keep": "me"}\n'


def test_a_replay_interrupted_while_journaling_its_questions_resumes(source, tmp_path):
    """Ctrl-C between the replay's plan and its last question line: the rerun adds the missing questions."""
    sim, bench = source
    runs_file = bench / "runs.jsonl"
    out = tmp_path / "replay"
    assert replay(sim, runs_file, out) == 0
    finished = records(out)[0]
    # the same replay, cut off after its plan and first question, as an interruption would leave it
    (out / "state.json").unlink()
    (out / "runs.jsonl").unlink()
    journal = out / "journal_run_0001.jsonl"
    journal.write_text("".join(journal.read_text().splitlines(keepends=True)[:2]))
    assert replay(sim, runs_file, out) == 0
    again = records(out)[0]
    assert [e["question"] for e in again["examples"]] == [e["question"] for e in finished["examples"]]
    assert again["replay"] and len(again["examples"]) == len(finished["examples"])

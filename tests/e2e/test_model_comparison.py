"""Several answering models on the same fresh questions: one generation per question, every model answers,
one judge grades all; per-model records, EMAs and a paired comparison, checked against the records themselves.
"""

from __future__ import annotations

import json
from collections import Counter
from math import comb

import pytest
from conftest import run_cli
from helpers import free_port, read_lines

from seval.sim.server import SimServer

MODELS = ("sim-solver-strong", "sim-solver-weak")
RUN = (
    "--model-generation",
    "sim-generator",
    "--model-evaluation",
    "sim-judge",
    "--reasoning-types",
    "logical_deduction,mathematical_reasoning",
    "--n",
    3,
    "--num-questions",
    2,
    "--no-charts",
)
CELLS = 3 * 2 * 2


def run(sim, out, *extra, cwd):
    return run_cli("--base-url", sim.base_url, *RUN, "--out-dir", out, *extra, cwd=cwd)


def exact_mcnemar(b: int, c: int) -> float:
    n = b + c
    return 1.0 if n == 0 else min(1.0, 2 * sum(comb(n, i) for i in range(min(b, c) + 1)) / 2**n)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A finished run of two answering models, and the requests it sent by model."""
    folder = tmp_path_factory.mktemp("compared")
    with SimServer() as sim:
        result = run(sim, folder / "out", "--model-answering", ",".join(MODELS), cwd=folder)
        sent = Counter(request["model"] for request in sim.requests)
    assert result.returncode == 0, result.stderr
    return folder / "out", sent, result


def test_questions_are_generated_once_and_answered_by_every_model(compared):
    _, sent, _ = compared
    assert sent == {"sim-generator": CELLS, MODELS[0]: CELLS, MODELS[1]: CELLS, "sim-judge": 2 * CELLS}


def test_each_example_keeps_every_model_s_answer_and_the_first_at_top_level(compared):
    out, _, _ = compared
    (record,) = read_lines(out / "runs.jsonl")
    assert record["model_answering"] == ",".join(MODELS) and set(record["usage_by_model"]) == set(MODELS)
    for example in record["examples"]:
        assert [answer["model"] for answer in example["answers"]] == list(MODELS)
        first = example["answers"][0]
        assert (example["answer"], example["score"]) == (first["answer"], first["score"])
        for answer in example["answers"]:
            assert {"answer", "score", "judge_verdicts", "finish_reason", "truncated"} <= answer.keys()
            assert answer["judge_verdicts"][0]["model"] == "sim-judge"


def test_state_keeps_each_model_s_emas_and_the_first_model_s_at_top_level(compared):
    out, _, _ = compared
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert list(state["models"]) == list(MODELS)
    first = state["models"][MODELS[0]]
    assert (state["ema"], state["ema_by_difficulty"], state["ema_by_reasoning_type"]) == (
        first["ema"],
        first["ema_by_difficulty"],
        first["ema_by_reasoning_type"],
    )
    (record,) = read_lines(out / "runs.jsonl")
    for model in MODELS:  # each line from its own model's scores: a first run's overall EMA is the run's mean
        scores = [
            a["score"] for e in record["examples"] if not e["excluded"] for a in e["answers"] if a["model"] == model
        ]
        assert state["models"][model]["ema"] == pytest.approx(sum(scores) / len(scores))


def test_the_comparison_agrees_with_the_records(compared):
    out, _, result = compared
    (record,) = read_lines(out / "runs.jsonl")
    right = {m: {} for m in MODELS}
    for example in record["examples"]:
        if not example["excluded"]:
            for answer in example["answers"]:
                right[answer["model"]][example["question"]] = answer["score"] > 0.5
    comparison = json.loads((out / "comparison_run_0001.json").read_text(encoding="utf-8"))
    assert [(m["model"], m["correct"], m["items"]) for m in comparison["models"]] == [
        (m, sum(right[m].values()), len(right[m])) for m in MODELS
    ]
    (pair,) = comparison["pairs"]
    a_only = sum(right[MODELS[0]][q] and not right[MODELS[1]][q] for q in right[MODELS[0]])
    b_only = sum(right[MODELS[1]][q] and not right[MODELS[0]][q] for q in right[MODELS[0]])
    assert (pair["a"], pair["b"], pair["a_only"], pair["b_only"]) == (*MODELS, a_only, b_only)
    assert pair["mcnemar_p"] == pytest.approx(exact_mcnemar(a_only, b_only)) and pair["holm_p"] == pair["mcnemar_p"]
    assert pair["difference"] == pytest.approx((a_only - b_only) / pair["n"])
    assert set(comparison["by_difficulty"]) == {"1", "2", "3"}
    report = (out / "report_run_0001.md").read_text(encoding="utf-8")
    assert report.index("## Leaderboard") < report.index("## Run")
    assert f"on {pair['n']} shared questions" in report and "Leaderboard over" in result.stdout


def test_a_single_model_run_writes_what_it_always_wrote(tmp_path):
    with SimServer() as sim:
        assert run(sim, tmp_path / "out", "--model-answering", "sim-solver", cwd=tmp_path).returncode == 0
    (record,) = read_lines(tmp_path / "out" / "runs.jsonl")
    assert "usage_by_model" not in record and "samples" not in record
    assert all("answers" not in example for example in record["examples"])
    assert "models" not in json.loads((tmp_path / "out" / "state.json").read_text(encoding="utf-8"))
    assert not (tmp_path / "out" / "comparison_run_0001.json").exists()


def test_samples_are_distinct_requests_and_give_pass_at_k(tmp_path):
    with SimServer() as sim:
        result = run(sim, tmp_path / "out", "--model-answering", "sim-solver-weak", "--samples", 3, cwd=tmp_path)
        seeds = Counter(r.get("seed") for r in sim.requests if r["model"] == "sim-solver-weak")
    assert result.returncode == 0, result.stderr
    assert seeds == {0: CELLS, 1: CELLS, 2: CELLS}  # each sample its own seed: three requests per question
    (record,) = read_lines(tmp_path / "out" / "runs.jsonl")
    means = []
    for example in record["examples"]:
        (answer,) = example["answers"]
        scores = [sample["score"] for sample in answer["samples"]]
        assert len(scores) == 3 and answer["score"] == pytest.approx(sum(scores) / 3) == example["score"]
        means.append(scores)
    (model,) = json.loads((tmp_path / "out" / "comparison_run_0001.json").read_text(encoding="utf-8"))["models"]
    kept = [s for e, s in zip(record["examples"], means, strict=True) if not e["excluded"]]
    assert model["pass_at_k"] == pytest.approx(sum(any(x > 0.5 for x in s) for s in kept) / len(kept))
    assert model["agreement"] == pytest.approx(sum(len({x > 0.5 for x in s}) == 1 for s in kept) / len(kept))
    assert model["agreement"] < 1  # the simulator answers each seed on its own: samples do disagree


def test_a_model_whose_endpoint_fails_is_never_scored_and_the_rerun_finishes_the_same_run(tmp_path):
    def config(url: str):
        path = tmp_path / "models.toml"
        path.write_text(f'[answering-models.{MODELS[1]}]\nbase-url = "{url}"\n', encoding="utf-8")
        return path

    with SimServer() as sim:
        failed = run(
            sim,
            tmp_path / "out",
            "--model-answering",
            ",".join(MODELS),
            "--max-retries",
            0,
            "--config",
            config(f"http://127.0.0.1:{free_port()}/v1"),
            cwd=tmp_path,
        )
        assert failed.returncode == 1 and "answering" in failed.stderr
        journal = read_lines(tmp_path / "out" / "journal_run_0001.jsonl")
        assert not [e for e in journal if e["kind"] == "item" and e.get("model") == MODELS[1]]  # nothing recorded
        finished = run(
            sim, tmp_path / "out", "--model-answering", ",".join(MODELS), "--config", config(sim.base_url), cwd=tmp_path
        )
        assert finished.returncode == 0, finished.stderr
    with SimServer() as sim:
        assert run(sim, tmp_path / "reference", "--model-answering", ",".join(MODELS), cwd=tmp_path).returncode == 0

    def answers(folder):
        (record,) = read_lines(folder / "runs.jsonl")
        return [[(a["model"], a["answer"], a["score"]) for a in e["answers"]] for e in record["examples"]]

    assert answers(tmp_path / "out") == answers(tmp_path / "reference")


def test_dry_run_counts_calls_per_model(tmp_path):
    result = run_cli(
        "--demo",
        "--model-answering",
        ",".join(MODELS),
        "--samples",
        2,
        "--n",
        2,
        "--dry-run",
        "--out-dir",
        tmp_path / "out",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    cells = 2 * 8  # --n 2 over the 8 default types, one question per cell
    assert f"answering: {2 * cells} calls to {MODELS[0]} at the simulated endpoint" in lines
    assert f"answering: {2 * cells} calls to {MODELS[1]} at the simulated endpoint" in lines
    assert any(line.startswith(f"evaluation: {4 * cells} calls") for line in lines)


def test_a_judge_that_also_answers_is_warned_about(tmp_path):
    with SimServer() as sim:
        result = run_cli(
            "--base-url",
            sim.base_url,
            "--model-generation",
            "sim-generator",
            "--model-answering",
            "sim-solver,sim-judge",
            "--model-evaluation",
            "sim-judge",
            "--reasoning-types",
            "logic",
            "--n",
            1,
            "--no-charts",
            "--out-dir",
            tmp_path / "out",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    assert "warning: judge sim-judge is also an answering model" in " ".join(result.stdout.split())
    report = (tmp_path / "out" / "report_run_0001.md").read_text(encoding="utf-8")
    assert "\n- judge sim-judge is also an answering model: it grades its own answers" in report


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('[answering-models.other]\nbase-url = "http://x"\n', "names a model that --model-answering does not list"),
        (f'[answering-models.{MODELS[0]}]\nkey = "sk-1"\n', "unknown key 'key'"),
        (f"[answering-models.{MODELS[0]}]\ntemperature = 9\n", "temperature must be a number from 0 to 2"),
    ],
)
def test_bad_model_tables_are_one_line(tmp_path, table, named):
    (tmp_path / "models.toml").write_text(table, encoding="utf-8")
    result = run_cli(
        "--demo",
        "--model-answering",
        ",".join(MODELS),
        "--config",
        tmp_path / "models.toml",
        "--out-dir",
        tmp_path / "out",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert named in line and not (tmp_path / "out").exists()


def test_once_models_are_compared_every_later_run_moves_its_model_s_line(tmp_path):
    with SimServer() as sim:
        for models in (",".join(MODELS), MODELS[0], ",".join(MODELS)):
            assert run(sim, tmp_path / "out", "--model-answering", models, "--n", 1, cwd=tmp_path).returncode == 0
    state = json.loads((tmp_path / "out" / "state.json").read_text(encoding="utf-8"))
    runs = read_lines(tmp_path / "out" / "runs.jsonl")
    assert [r["difficulty_start"] for r in runs] == [1, 2, 3]
    assert set(state["models"][MODELS[0]]["ema_by_difficulty"]) == {"1", "2", "3"}  # the single-model run too
    assert set(state["models"][MODELS[1]]["ema_by_difficulty"]) == {"1", "3"}  # only the runs it answered


def test_each_model_is_priced_on_its_own_and_judged_by_each_judge_of_a_panel(tmp_path):
    with SimServer() as sim:
        result = run_cli(
            "--base-url",
            sim.base_url,
            "--model-generation",
            "sim-generator",
            "--model-answering",
            ",".join(MODELS),
            "--model-evaluation",
            "sim-judge,sim-judge-2",
            "--reasoning-types",
            "logic,math",
            "--n",
            2,
            "--no-charts",
            "--price",
            "answering=1,2",
            "--price",
            f"answering:{MODELS[1]}=0.5,1",
            "--out-dir",
            tmp_path / "out",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    (record,) = read_lines(tmp_path / "out" / "runs.jsonl")
    comparison = json.loads((tmp_path / "out" / "comparison_run_0001.json").read_text(encoding="utf-8"))
    for summary, price in zip(comparison["models"], ((1, 2), (0.5, 1)), strict=True):
        usage = record["usage_by_model"][summary["model"]]
        cost = (usage["prompt_tokens"] * price[0] + usage["completion_tokens"] * price[1]) / 1e6
        assert summary["cost_usd"] == pytest.approx(cost)
        assert summary["cost_per_correct_usd"] == pytest.approx(cost / summary["correct"])
    report = (tmp_path / "out" / "report_run_0001.md").read_text(encoding="utf-8")
    table = report[report.index("### Accuracy under each judge") :].splitlines()
    for model in MODELS:
        votes = {judge: [] for judge in ("sim-judge", "sim-judge-2")}
        for example in record["examples"]:
            answer = next(a for a in example["answers"] if a["model"] == model)
            for verdict in answer["judge_verdicts"]:
                votes[verdict["model"]].append(1.0 if verdict["score"] == 1.0 else 0.0)
        row = next(line for line in table if line.startswith(f"| `{model}` |"))
        assert row == f"| `{model}` | " + " | ".join(f"{sum(v) / len(v):.3f}" for v in votes.values()) + " |"

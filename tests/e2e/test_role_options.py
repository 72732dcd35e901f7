"""Sampling per role in both tools: temperatures in 0-2 or none, token limits, extra fields and prices, as flags
and config keys; and a run interrupted before the base-URL rule changed resumes.

In-process, over loopback HTTP to the simulated endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CLI, SEQUENTIAL_CLI, run_tool

from seval.sequential.runner import DEMO_DIR
from seval.sim.server import SimServer

BENCH = ["--model-generation", "sim-generator", "--model-answering", "sim-solver", "--model-evaluation", "sim-judge"]
NO_KEYS = {"CLIENT_API_KEY": None, "JUDGE_API_KEY": None}


def bench(base_url: str, out: Path, *extra: object):
    return run_tool(
        CLI,
        "--base-url",
        base_url,
        *BENCH,
        "--reasoning-types",
        "logical_deduction",
        "--n",
        2,
        "--no-charts",
        "--retry-backoff",
        0,
        "--out-dir",
        out,
        *extra,
        env={"COLUMNS": "300"},
    )


def sequential(base_url: str, out: Path, *extra: object):
    return run_tool(
        SEQUENTIAL_CLI,
        "--input",
        DEMO_DIR / "problems.json",
        "--seq",
        DEMO_DIR / "sequences.json",
        "--output",
        out / "results.json",
        "--client-base-url",
        base_url,
        "--judge-base-url",
        base_url,
        "--client-model",
        "sim-solver",
        "--judge-model",
        "sim-judge",
        "--sequence-ids",
        "2",
        "--no-charts",
        "--retry-backoff",
        0,
        *extra,
        env={**NO_KEYS, "COLUMNS": "300"},
    )


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# -- temperatures -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["3", "-0.1", "nan", "inf", "warm"])
def test_a_temperature_outside_0_to_2_is_refused_at_the_command_line(tmp_path, value):
    with SimServer() as sim:
        first = bench(sim.base_url, tmp_path / "b", "--temperature-answering", value)
        second = sequential(sim.base_url, tmp_path / "s", "--temperature-judge", value)
        assert sim.request_count == 0
    assert first.returncode == second.returncode == 2
    assert error_line(first) == (
        f"error: argument --temperature-answering: must be a number from 0 to 2, or none to leave it out "
        f"(got {value!r}) (see --help)"
    )
    assert "argument --temperature-judge: must be a number from 0 to 2, or none" in error_line(second)
    assert list(tmp_path.iterdir()) == []


def test_temperatures_and_token_limits_reach_each_roles_requests(tmp_path):
    with SimServer() as sim:
        assert (
            bench(
                sim.base_url,
                tmp_path / "b",
                "--temperature-answering",
                "2",
                "--temperature-evaluation",
                "none",
                "--max-tokens-evaluation",
                333,
            ).returncode
            == 0
        )
        by_model = {body["model"]: body for body in sim.requests}
    assert by_model["sim-solver"]["temperature"] == 2.0 and by_model["sim-generator"]["temperature"] == 0.8
    assert "temperature" not in by_model["sim-judge"] and by_model["sim-judge"]["max_tokens"] == 333


def test_sequential_roles_take_their_own_sampling_and_extra_fields_with_evalearns_defaults(tmp_path):
    with SimServer() as sim:
        assert sequential(sim.base_url, tmp_path / "default").returncode == 0
        defaults = {body["model"]: body for body in sim.requests}
    assert (defaults["sim-solver"]["temperature"], defaults["sim-solver"]["max_tokens"]) == (0.2, 4096)
    assert (defaults["sim-judge"]["temperature"], defaults["sim-judge"]["max_tokens"]) == (0.2, 2048)

    with SimServer() as sim:
        result = sequential(
            sim.base_url,
            tmp_path / "custom",
            "--temperature-client",
            "0.7",
            "--max-tokens-client",
            1500,
            "--temperature-judge",
            "none",
            "--max-tokens-judge",
            900,
            "--extra-body-judge",
            '{"seed": 3, "reasoning_effort": "low"}',
            "--extra-body-client",
            '{"top_p": 0.5}',
        )
        sent = list(sim.requests)
    assert result.returncode == 0, result.stderr
    student = [body for body in sent if body["model"] == "sim-solver"]
    judge = [body for body in sent if body["model"] == "sim-judge"]
    assert len(student) == len(judge) == 7
    assert all((b["temperature"], b["max_tokens"], b["top_p"]) == (0.7, 1500, 0.5) for b in student)
    assert all("seed" not in b for b in student)
    assert all("temperature" not in b and b["max_tokens"] == 900 and b["seed"] == 3 for b in judge)
    assert all(b["reasoning_effort"] == "low" and "top_p" not in b for b in judge)


def test_the_older_sequential_flag_names_still_work(tmp_path):
    with SimServer() as sim:
        result = sequential(sim.base_url, tmp_path / "s", "--temperature", "0.9", "--max-tokens", 1234)
        student = [body for body in sim.requests if body["model"] == "sim-solver"]
    assert result.returncode == 0
    assert all((b["temperature"], b["max_tokens"]) == (0.9, 1234) for b in student)


def test_temperature_none_and_role_options_from_a_config_file(tmp_path):
    config = tmp_path / "seq.toml"
    config.write_text('temperature-judge = "none"\nmax-tokens-judge = 700\nprice = ["judge=1,2"]\n', encoding="utf-8")
    with SimServer() as sim:
        result = sequential(sim.base_url, tmp_path / "s", "--config", config)
        judge = [body for body in sim.requests if body["model"] == "sim-judge"]
    assert result.returncode == 0, result.stderr
    assert all("temperature" not in b and b["max_tokens"] == 700 for b in judge)
    assert "Cost at the --price given: judge " in result.stdout and " USD" in result.stdout


def test_a_sequential_price_for_an_unknown_role_is_refused(tmp_path):
    with SimServer() as sim:
        result = sequential(sim.base_url, tmp_path / "s", "--price", "answering=1,2")
        assert sim.request_count == 0
    assert result.returncode == 2
    assert "ROLE one of client, judge" in error_line(result)


def test_a_sequential_cost_line_is_summed_from_the_reported_usage(tmp_path):
    with SimServer() as sim:
        result = sequential(sim.base_url, tmp_path / "s", "--price", "client=1000000,0", "--price", "judge=0,0")
    assert result.returncode == 0
    items = json.loads((tmp_path / "s" / "results.json").read_text())
    prompt = sum(item["client_usage"]["prompt_tokens"] for item in items)
    assert f"Cost at the --price given: client {prompt:.4f} USD; judge 0.0000 USD" in result.stdout
    assert f"client {prompt:.4f} USD" in (tmp_path / "s" / "results.report.md").read_text(encoding="utf-8")


# -- resuming a run journaled before the base-URL rule changed ------------------------------------


def test_a_run_interrupted_under_the_old_base_url_form_resumes(tmp_path):
    """Journals written before the rule stored ``http://host:port`` for ``.../v1``: the run still resumes."""
    out = tmp_path / "out"
    with SimServer() as sim:
        assert bench(sim.base_url, out, "--n", 1).returncode == 0
    plan, question, item, *_ = [json.loads(line) for line in (out / "journal_run_0001.jsonl").read_text().splitlines()]
    root = sim.base_url.removesuffix("/v1")
    plan.update(run_id=2, difficulty_start=2, difficulty_end=3, n=2)
    plan.update({f"endpoint_{role}": root for role in ("generation", "answering", "evaluation")})
    question.update(difficulty=2)
    item.update(difficulty=2)
    state = json.loads((out / "state.json").read_text())
    (out / "journal_run_0002.jsonl").write_text("\n".join(json.dumps(e) for e in (plan, question, item)) + "\n")
    with SimServer() as sim:
        resumed = bench(sim.base_url, out)
        asked = [body["model"] for body in sim.requests]
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming interrupted run 2" in " ".join(resumed.stderr.split())
    assert asked == ["sim-generator", "sim-solver", "sim-judge"]  # difficulty 3 only: difficulty 2 was journaled
    record = json.loads((out / "runs.jsonl").read_text().splitlines()[1])
    assert (record["run_id"], record["endpoint_answering"]) == (2, root)
    assert json.loads((out / "state.json").read_text())["run_count"] == state["run_count"] + 1


@pytest.mark.parametrize(
    "first, then, named",
    [
        ((), ("--temperature-judge", "0.5"), "judge_temperature 0.2 (now 0.5)"),
        ((), ("--max-tokens-judge", "999"), "judge_max_tokens 2048 (now 999)"),
        (("--temperature-client", "none"), (), "client_temperature None (now 0.2)"),
    ],
    ids=["judge-temperature", "judge-max-tokens", "none-then-a-number"],
)
def test_a_sequential_resume_with_other_judge_sampling_or_none_is_refused(tmp_path, first, then, named):
    with SimServer() as sim:
        assert sequential(sim.base_url, tmp_path / "s", *first).returncode == 0
        refused = sequential(sim.base_url, tmp_path / "s", *then)
        assert refused.returncode == 2
    assert named in error_line(refused) and "choose another --output" in error_line(refused)

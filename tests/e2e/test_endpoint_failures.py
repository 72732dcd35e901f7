"""Endpoints that fail: what is retried, what stops the run at once, and what the user is told.

Real HTTP on loopback against the simulated endpoint (``SimServer``) or the
scripted one; ``--retry-backoff 0`` wherever retries happen, so nothing waits.
Every run is in-process (``run_main``, or ``run_cli`` where the exit code and
output as a user sees them are checked).
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from helpers import free_port, read_runs, run_main
from scripted_endpoint import ScriptedServer, error_payload, question_text

from seval.sim.server import MODEL_IDS, SimServer

SIM_MODELS = [
    "--model-generation",
    "sim-generator",
    "--model-answering",
    "sim-solver",
    "--model-evaluation",
    "sim-judge",
]
SCRIPTED_MODELS = ["--model-generation", "gen", "--model-answering", "ans", "--model-evaluation", "judge"]
RESUME_HINT = "rerun the same command to resume"


def error_line(result) -> str:
    """The ``error:`` line of a failed run (exactly one), after checking there is no traceback.

    ``result``: a finished process, or what capsys captured of an in-process run.
    """
    stdout, stderr = (result.out, result.err) if hasattr(result, "err") else (result.stdout, result.stderr)
    assert "Traceback" not in stdout + stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


# -- failures that retrying cannot fix --------------------------------------------------


def test_rejected_key_stops_at_once_and_names_role_endpoint_and_key_flags(tmp_path):
    with SimServer(require_key="the-right-key") as sim:
        result = run_cli(
            "--base-url",
            sim.base_url,
            *SIM_MODELS,
            "--api-key",
            "a-wrong-key",
            "--reasoning-types",
            "logical_deduction",
            "--n",
            1,
            "--max-retries",
            3,
            "--retry-backoff",
            0,
            "--no-charts",
            "--out-dir",
            tmp_path / "out",
        )
        assert sim.request_count == 1  # the first generation, never retried
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith("error: generation: ")
    assert f"http://127.0.0.1:{sim.port}" in line
    assert "401" in line
    assert "--api-key-generation" in line and "OPENAI_API_KEY" in line
    # the same command would be refused again: the hint says to fix the key first
    assert "fix that and rerun to resume" in result.stderr
    assert "a-wrong-key" not in result.stderr + result.stdout


def test_rejected_key_of_one_role_names_that_role(tmp_path, monkeypatch, capsys):
    def reject_answers(call):
        if call.model == "ans":
            return 401, {}, error_payload("Incorrect API key provided", "invalid_api_key")
        return None

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with ScriptedServer(override=reject_answers) as server:
        code = run_main(
            "--base-url",
            server.base_url,
            *SCRIPTED_MODELS,
            "--reasoning-types",
            "logic",
            "--n",
            1,
            "--max-retries",
            3,
            "--retry-backoff",
            0,
            "--no-charts",
            "--out-dir",
            tmp_path / "out",
        )
    assert code == 1
    assert len(server.chat_calls("ans")) == 1
    assert len(server.chat_calls("judge")) == 0
    line = error_line(capsys.readouterr())
    assert line.startswith(f"error: answering: {server.base_url} refused the key (HTTP 401")
    assert "--api-key-answering" in line


def test_unknown_model_names_it_and_lists_the_served_models(sim, tmp_path, capsys):
    code = run_main(
        "--base-url",
        sim.base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "gpt-imaginary",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        "logical_deduction",
        "--n",
        1,
        "--retry-backoff",
        0,
        "--no-charts",
        "--out-dir",
        tmp_path / "out",
    )
    assert code == 1
    line = error_line(capsys.readouterr())
    assert line.startswith("error: answering: model 'gpt-imaginary' is not served by ")
    assert "it serves: " + ", ".join(MODEL_IDS) in line
    assert sum(1 for request in sim.requests if request.get("model") == "gpt-imaginary") == 1  # no retries


# -- transient failures ---------------------------------------------------------------


def once_per_cell(status: int, headers: dict, times: int):
    """An override answering each cell's first ``times`` requests with ``status``."""
    seen: dict = {}

    def override(call):
        if call.path != "/v1/chat/completions":
            return None
        key = (call.model, call.cell)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= times:
            return status, headers, error_payload("Rate limit reached", "rate_limit_exceeded")
        return None

    return override


@pytest.mark.parametrize("retry_after", ["0", "soon"], ids=["zero", "unreadable"])
def test_a_429_is_retried_whatever_its_retry_after_says_and_the_run_is_as_without_it(tmp_path, retry_after):
    """That ``Retry-After: 0`` is obeyed against a long backoff is ``test_retry_waits``'s; here both spellings
    (an unreadable one counts as none) end in the same run as a server that never said 429."""
    with ScriptedServer(override=once_per_cell(429, {"Retry-After": retry_after}, times=1)) as server:
        code = run_main(
            "--base-url",
            server.base_url,
            *SCRIPTED_MODELS,
            "--reasoning-types",
            "logic",
            "--n",
            1,
            "--retry-backoff",
            0,
            "--no-charts",
            "--out-dir",
            tmp_path / "out",
        )
        assert code == 0
        assert [call.model for call in server.chat_calls()] == ["gen", "gen", "ans", "ans", "judge", "judge"]
    (record,) = read_runs(tmp_path / "out")
    assert record["examples"][0]["question"] == question_text("logic", 1, 1)
    assert record["examples"][0]["score"] == 1.0


# -- failures that outlast the retries ---------------------------------------------------


def test_refused_connection_exits_1_and_says_how_to_resume(tmp_path):
    result = run_cli(
        "--base-url",
        f"http://127.0.0.1:{free_port()}/v1",
        *SCRIPTED_MODELS,
        "--reasoning-types",
        "logic",
        "--n",
        1,
        "--max-retries",
        1,
        "--retry-backoff",
        0,
        "--no-charts",
        "--out-dir",
        tmp_path / "out",
    )
    assert result.returncode == 1
    line = error_line(result)
    assert line.startswith("error: generation: could not reach http://127.0.0.1:")
    assert RESUME_HINT in result.stderr
    assert not (tmp_path / "out" / "runs.jsonl").exists()


def test_retries_exhausted_mid_run_keep_the_journal_and_a_rerun_finishes_the_same_run(tmp_path):
    outage = {"on": True}

    def overloaded_at_difficulty_2(call):
        if outage["on"] and call.cell is not None and call.cell[1] == 2:
            return 503, {}, error_payload("The server is overloaded", "service_unavailable")
        return None

    out = tmp_path / "out"
    with ScriptedServer(override=overloaded_at_difficulty_2) as server:
        args = [
            "--base-url",
            server.base_url,
            *SCRIPTED_MODELS,
            "--reasoning-types",
            "logic",
            "--n",
            2,
            "--max-retries",
            2,
            "--retry-backoff",
            0,
            "--no-charts",
            "--out-dir",
            out,
        ]
        first = run_cli(*args)
        assert first.returncode == 1
        line = error_line(first)
        assert line.startswith(f"error: generation: {server.base_url} still answered HTTP 503 after 2 retries")
        assert RESUME_HINT in first.stderr
        assert len([c for c in server.chat_calls() if c.cell == ("logic", 2, 1)]) == 3  # 1 try + 2 retries
        assert not (out / "runs.jsonl").exists()

        events = [json.loads(line) for line in (out / "journal_run_0001.jsonl").read_text().splitlines()]
        plan = events[0]
        assert (plan["kind"], plan["run_id"], plan["difficulty_start"], plan["difficulty_end"]) == ("plan", 1, 1, 2)
        questions = [e for e in events if e["kind"] == "question"]
        items = [e for e in events if e["kind"] == "item"]
        assert [q["question"] for q in questions] == [question_text("logic", 1, 1)]  # none for difficulty 2
        assert len(items) <= 1

        outage["on"] = False
        calls_before = len(server.chat_calls())
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr
        rerun_calls = server.chat_calls()[calls_before:]

    # Journaled steps are not asked again: only what was missing is.
    assert not any(call.model == "gen" and call.cell == ("logic", 1, 1) for call in rerun_calls)
    assert len(rerun_calls) == (2 - len(questions)) + 2 * (2 - len(items))
    (record,) = read_runs(out)
    assert record["run_id"] == 1
    assert record["started_at"] == plan["started_at"]
    assert [e["question"] for e in record["examples"]] == [question_text("logic", 1, 1), question_text("logic", 2, 1)]
    assert [e["score"] for e in record["examples"]] == [1.0, 1.0]
    state = json.loads((out / "state.json").read_text())
    assert (state["run_count"], state["current_difficulty"]) == (1, 3)


def test_a_failure_before_every_chain_started_is_reported_as_itself_not_as_ctrl_c(tmp_path):
    """With 8 types the first chain can fail before the last one is submitted: still exit 1, the real error."""
    with SimServer(require_key="the-right-key") as sim:
        result = run_cli(
            "--base-url",
            sim.base_url,
            *SIM_MODELS,
            "--api-key",
            "a-wrong-key",
            "--n",
            1,
            "--retry-backoff",
            0,
            "--no-charts",
            "--out-dir",
            tmp_path / "out",
        )
    assert result.returncode == 1
    assert error_line(result).startswith("error: generation: ") and "401" in error_line(result)
    assert "Interrupted" not in result.stdout + result.stderr


def test_a_mistyped_model_does_not_lock_the_folder(tmp_path):
    """The answering model is not served: exit 1. Rerun with the right name: the run resumes with it,
    reusing the questions already generated; a model that has answered cannot be swapped."""
    out = tmp_path / "out"
    common = [
        "--model-generation",
        "sim-generator",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        "logical_deduction",
        "--n",
        1,
        "--num-questions",
        2,
        "--retry-backoff",
        0,
        "--no-charts",
        "--out-dir",
        out,
    ]
    with SimServer() as sim:
        typo = run_cli("--base-url", sim.base_url, "--model-answering", "sim-solvr", *common)
        assert typo.returncode == 1 and "sim-solvr" in error_line(typo)
        generated = sum(1 for body in sim.requests if body.get("model") == "sim-generator")
        fixed = run_cli("--base-url", sim.base_url, "--model-answering", "sim-solver", *common)
        assert fixed.returncode == 0, fixed.stderr
        # questions journaled before the failure were reused: the rerun generated only what was missing
        assert sum(1 for body in sim.requests if body.get("model") == "sim-generator") == 2
        assert generated >= 1
        record = json.loads((out / "runs.jsonl").read_text().splitlines()[0])
        assert record["model_answering"] == "sim-solver"
    journal = out / "journal_run_0001.jsonl"
    assert journal.read_text().count('"kind":"plan"') == 2  # the original plan and the amended one


def test_a_model_that_has_answered_cannot_be_swapped_in_a_resumed_run(tmp_path):
    out = tmp_path / "out"
    common = [
        "--model-generation",
        "sim-generator",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        "logical_deduction",
        "--n",
        2,
        "--no-charts",
        "--out-dir",
        out,
    ]
    with SimServer() as sim:
        assert run_cli("--base-url", sim.base_url, "--model-answering", "sim-solver-weak", *common).returncode == 0
    # run 2 was interrupted after its answering model had answered one item
    plan = json.loads((out / "journal_run_0001.jsonl").read_text().splitlines()[0])
    plan.update(run_id=2, difficulty_start=3, difficulty_end=4)
    item = {
        "kind": "item",
        "reasoning_type": "logical_deduction",
        "difficulty": 3,
        "question_index": 1,
        "answer": "x",
        "score": 0.0,
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    (out / "journal_run_0002.jsonl").write_text(json.dumps(plan) + "\n" + json.dumps(item) + "\n")
    refused = run_cli("--base-url", "http://127.0.0.1:9/v1", "--model-answering", "sim-solver", *common)
    assert refused.returncode == 2
    line = error_line(refused)
    assert "--model-answering 'sim-solver-weak'" in line and "move journal_run_0002.jsonl away" in line

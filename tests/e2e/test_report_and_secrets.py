"""Where keys come from, that they go nowhere else, and what the markdown report says.

Keys: ``--api-key-<role>`` beats ``--api-key``, which beats ``OPENAI_API_KEY``;
with none, no Authorization header at all. The scripted endpoint keeps every
request's headers, so the header each role really sent is checked. Every run is
in-process against the scripted endpoint on loopback.
"""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from helpers import run_main
from scripted_endpoint import ScriptedServer, question_text

MODELS = ["--model-generation", "gen", "--model-answering", "ans", "--model-evaluation", "judge"]
ANSWERING_KEY = "sk-answering-7f3a9c1e"
SHARED_KEY = "sk-shared-b2d8e604"
ENV_KEY = "sk-environment-5c6e0a97"


def authorization_by_model(server: ScriptedServer) -> dict[str, set]:
    """The Authorization header values each model's requests carried (None: no header)."""
    seen: dict[str, set] = {}
    for call in server.chat_calls():
        headers = {name.lower(): value for name, value in call.headers.items()}
        seen.setdefault(call.model, set()).add(headers.get("authorization"))
    return seen


# -- keys ---------------------------------------------------------------------------------


def test_role_key_beats_shared_key_beats_environment_and_no_key_leaks(tmp_path):
    out = tmp_path / "out"
    with ScriptedServer() as server:
        result = run_cli(
            "--base-url",
            server.base_url,
            *MODELS,
            "--api-key",
            SHARED_KEY,
            "--api-key-answering",
            ANSWERING_KEY,
            "--reasoning-types",
            "logic,math",
            "--n",
            2,
            "--log-level",
            "DEBUG",
            "--cache-dir",
            out / "cache",
            "--out-dir",
            out,
            env={"OPENAI_API_KEY": ENV_KEY},
        )
        assert result.returncode == 0, result.stderr
        assert authorization_by_model(server) == {
            "gen": {f"Bearer {SHARED_KEY}"},
            "ans": {f"Bearer {ANSWERING_KEY}"},
            "judge": {f"Bearer {SHARED_KEY}"},
        }

    files = [path for path in out.rglob("*") if path.is_file()]
    assert {"state.json", "runs.jsonl", "report_run_0001.md", "benchmark.log"} <= {path.name for path in files}
    assert any("cache" in path.parts for path in files)  # cached replies were written too
    for key in (ANSWERING_KEY, SHARED_KEY, ENV_KEY):
        for path in files:
            assert key.encode() not in path.read_bytes(), f"{key} leaked into {path}"
        assert key not in result.stdout and key not in result.stderr


@pytest.mark.parametrize(
    "flags, environment, expected",
    [
        ([], ENV_KEY, {"gen": f"Bearer {ENV_KEY}", "ans": f"Bearer {ENV_KEY}", "judge": f"Bearer {ENV_KEY}"}),
        (
            ["--api-key", SHARED_KEY],
            ENV_KEY,
            {"gen": f"Bearer {SHARED_KEY}", "ans": f"Bearer {SHARED_KEY}", "judge": f"Bearer {SHARED_KEY}"},
        ),
        (["--api-key-answering", ANSWERING_KEY], None, {"gen": None, "ans": f"Bearer {ANSWERING_KEY}", "judge": None}),
        ([], None, {"gen": None, "ans": None, "judge": None}),
    ],
    ids=["environment-only", "shared-beats-environment", "role-key-only", "no-key-no-header"],
)
def test_key_resolution_per_role(tmp_path, monkeypatch, flags, environment, expected):
    if environment is None:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    else:
        monkeypatch.setenv("OPENAI_API_KEY", environment)
    with ScriptedServer() as server:
        assert (
            run_main(
                "--base-url",
                server.base_url,
                *MODELS,
                *flags,
                "--reasoning-types",
                "logic",
                "--n",
                1,
                "--no-charts",
                "--out-dir",
                tmp_path / "out",
            )
            == 0
        )
        seen = authorization_by_model(server)
    assert seen == {model: {value} for model, value in expected.items()}


# -- the report ---------------------------------------------------------------------------


def test_report_holds_the_run_metadata_scores_tables_and_previews(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "out"
    # d1: logic 1, math 0 | d2: logic 0, math 0  -> 1 of 4 correct, run mean 0.25 (= overall EMA, first run)
    # logic cells 1, 0 -> 0.5; math 0, 0 -> 0.0; d1 cells 1, 0 -> 0.5; d2 0, 0 -> 0.0
    verdicts = {("math", 1, 1): "incorrect", ("logic", 2, 1): "incorrect", ("math", 2, 1): "incorrect"}
    with ScriptedServer(verdicts=verdicts) as server:
        assert (
            run_main(
                "--base-url",
                server.base_url,
                *MODELS,
                "--reasoning-types",
                "logic,math",
                "--n",
                2,
                "--alpha",
                0.5,
                "--no-charts",  # charts and their place in the report: test_user_facing.py
                "--out-dir",
                out,
            )
            == 0
        )
    record = json.loads((out / "runs.jsonl").read_text(encoding="utf-8"))
    assert sorted(path.name for path in out.glob("report_run_*.md")) == ["report_run_0001.md"]
    report = (out / "report_run_0001.md").read_text(encoding="utf-8")

    assert report.startswith("# Benchmark run 0001\n")
    for row in (
        f"| Started | {record['started_at']} |",
        f"| Ended | {record['ended_at']} |",
        "| Difficulties | 1 to 2 (cycle 1) |",
        "| Questions per cell | 1 |",
        "| Reasoning types | logic, math |",
        f"| Generation | `gen` at {server.base_url} |",
        f"| Answering | `ans` at {server.base_url} |",
        f"| Evaluation | `judge` at {server.base_url} |",
        "| EMA alpha | 0.5 |",
    ):
        assert row in report, row
    assert "- Run mean score: **0.250** (1 of 4 " in report
    assert "Overall EMA after this run: **0.250** (after run 1)" in report
    assert "Unreadable verdicts: 0" in report

    by_type = report.split("## By reasoning type", 1)[1].split("## By difficulty", 1)[0]
    assert "| logic | 2 | 1 | 0.500 | 0.500 |" in by_type
    assert "| math | 2 | 0 | 0.000 | 0.000 |" in by_type
    by_level = report.split("## By difficulty", 1)[1].split("## Example previews", 1)[0]
    assert "| 1 | 2 | 1 | 0.500 | 0.500 |" in by_level
    assert "| 2 | 2 | 0 | 0.000 | 0.000 |" in by_level

    previews = report.split("## Example previews", 1)[1]
    for kind, level, verdict in (
        ("logic", 1, "correct"),
        ("math", 1, "incorrect"),
        ("logic", 2, "incorrect"),
        ("math", 2, "incorrect"),
    ):
        heading = f"### {kind}, difficulty {level}, question 1: {verdict}\n"
        assert heading in previews
        section = previews.split(heading, 1)[1].split("### ", 1)[0]
        assert f"```text\n{question_text(kind, level, 1)}\n```" in section
        assert "```text\nFinal answer: A\n```" in section
        assert f"**Judge's rationale**: scripted {verdict} for {kind} d{level} i1" in section

"""Both tools, end to end, against each quirk of real servers the simulator reproduces (``seval.sim.quirks``).

For every quirk, a small benchmark run (two reasoning types, one difficulty) and a small sequential
evaluation (one sequence of the demo set) run in-process over loopback HTTP against
``SimServer(quirks=...)``, and what a user would check is checked: the run finishes, the answers are
what the models said (reasoning apart, never shown to a judge), and what the server did not tell
(usage) or refused (temperature) is said so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CLI, SEQUENTIAL_CLI, run_tool

from seval.sequential.runner import DEMO_DIR
from seval.sim.quirks import REASONING_MARKER
from seval.sim.server import SimServer

ROOMY = ["--max-tokens-generation", 4000, "--max-tokens-answering", 4000, "--max-tokens-evaluation", 4000]
SEQ_ROOMY = ["--max-tokens-client", 4000, "--max-tokens-judge", 4000]
NO_KEYS = {"CLIENT_API_KEY": None, "JUDGE_API_KEY": None}


def bench(sim: SimServer, out: Path, *extra: object):
    """A benchmark run: two reasoning types, one difficulty, one question each."""
    return run_tool(
        CLI,
        "--base-url",
        sim.base_url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        "logical_deduction,mathematical_reasoning",
        "--n",
        1,
        "--retry-backoff",
        0,
        "--no-charts",
        "--out-dir",
        out,
        *extra,
        env={"COLUMNS": "300"},
    )


def sequential(sim: SimServer, out: Path, *extra: object):
    """A sequential evaluation of the demo set's first sequence (7 positions)."""
    return run_tool(
        SEQUENTIAL_CLI,
        "--input",
        DEMO_DIR / "problems.json",
        "--seq",
        DEMO_DIR / "sequences.json",
        "--output",
        out / "results.json",
        "--client-base-url",
        sim.base_url,
        "--judge-base-url",
        sim.base_url,
        "--client-model",
        "sim-solver",
        "--judge-model",
        "sim-judge",
        "--sequence-ids",
        "1",
        "--retry-backoff",
        0,
        "--no-charts",
        *extra,
        env={**NO_KEYS, "COLUMNS": "300"},
    )


def examples(out: Path) -> list[dict]:
    (record,) = [json.loads(line) for line in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    return record["examples"]


def results(out: Path) -> list[dict]:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def sent_texts(sim: SimServer, model_prefix: str = "") -> list[str]:
    """The text of every message of every request to models starting with ``model_prefix``."""
    return [
        json.dumps(body.get("messages")) for body in sim.requests if str(body.get("model", "")).startswith(model_prefix)
    ]


def ok(result) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# -- reasoning, wherever the server puts it ---------------------------------------------------------


@pytest.mark.parametrize("quirk", ["reasoning", "think-tags"])
def test_reasoning_is_kept_apart_and_never_reaches_a_judge_or_the_history(tmp_path, quirk):
    with SimServer(quirks=quirk) as sim:
        ok(bench(sim, tmp_path / "bench", *ROOMY))
        judged = sent_texts(sim, "sim-judge")
    for example in examples(tmp_path / "bench"):
        assert example["reasoning"].startswith(REASONING_MARKER)
        assert example["answer"].startswith("Working (simulated)") and "<think>" not in example["answer"]
        assert example["finish_reason"] == "stop" and example["truncated"] is False
        assert example["judge_verdicts"][0]["reasoning"].startswith(REASONING_MARKER)
    assert judged and not any(REASONING_MARKER in text for text in judged)

    with SimServer(quirks=quirk) as sim:
        ok(sequential(sim, tmp_path / "seq", *SEQ_ROOMY))
        asked = sent_texts(sim)
    items = results(tmp_path / "seq")
    assert len(items) == 7
    for item in items:
        assert item["reasoning"].startswith(REASONING_MARKER) and REASONING_MARKER not in item["gpt4res"]
        assert item["judge_reasoning"].startswith(REASONING_MARKER) and REASONING_MARKER not in item["gpt4judge"]
    # Neither the judge nor the student's later history (position 2 on) ever sees a reasoning text.
    assert len(asked) == 14 and not any(REASONING_MARKER in text for text in asked)


def test_answers_cut_by_the_token_limit_are_flagged_counted_and_named_with_the_flag(tmp_path):
    """A reasoning model at the seed's 700 answering tokens: some answers are cut while thinking."""
    out = tmp_path / "bench"
    with SimServer(quirks="reasoning") as sim:
        result = bench(
            sim,
            out,
            "--reasoning-types",
            "a,b,c,d,e,f",
            "--num-questions",
            2,
            "--max-tokens-generation",
            4000,
            "--max-tokens-evaluation",
            4000,
        )
        judged = [body for body in sim.requests if body["model"] == "sim-judge"]
    ok(result)
    found = examples(out)
    cut = [e for e in found if e["truncated"]]
    assert 0 < len(cut) < len(found)  # the thinking budget varies per call
    assert all(e["finish_reason"] == "length" for e in cut)
    empty = [e for e in found if not e["answer"].strip()]
    assert empty and all(e["score"] == 0.0 and e["judge_verdicts"] == [] for e in empty)
    assert len(judged) == len(found) - len(empty)  # an empty answer is never sent to the judge
    mean = sum(e["score"] for e in cut) / len(cut)
    line = f"{len(cut)} of {len(found)} (mean score {mean:.3f}; scored as given); raise --max-tokens-answering"
    assert line in result.stdout
    report = (out / "report_run_0001.md").read_text(encoding="utf-8")
    assert f"Answers cut by their token limit (`finish_reason` `length`): {line}" in report
    assert f"empty final answers: {len(empty)} (scored 0, counted apart from wrong ones" in report


def test_exclude_truncated_leaves_cut_answers_out_of_the_scores_and_says_how_many(tmp_path):
    args = [
        "--reasoning-types",
        "a,b,c,d,e,f",
        "--num-questions",
        2,
        "--max-tokens-generation",
        4000,
        "--max-tokens-evaluation",
        4000,
    ]
    with SimServer(quirks="reasoning") as sim:
        ok(result := bench(sim, tmp_path / "kept", *args))
    with SimServer(quirks="reasoning") as sim:
        ok(excluded := bench(sim, tmp_path / "out", *args, "--exclude-truncated"))
    kept = json.loads((tmp_path / "kept" / "runs.jsonl").read_text())
    record = json.loads((tmp_path / "out" / "runs.jsonl").read_text())
    counted = [e["score"] for e in record["examples"] if not e["truncated"]]
    cut = len(record["examples"]) - len(counted)
    assert cut > 0 and record["exclude_truncated"] is True and record["truncated"] == cut
    assert record["run_mean_score"] == pytest.approx(sum(counted) / len(counted))
    assert kept["run_mean_score"] == pytest.approx(sum(e["score"] for e in kept["examples"]) / len(kept["examples"]))
    assert f"0 question(s), {cut} cut answer(s)" in excluded.stdout
    assert "left out of the scores (--exclude-truncated)" in excluded.stdout
    assert "scored as given" in result.stdout


def test_a_judge_cut_before_its_verdict_gets_the_hint(tmp_path):
    with SimServer(quirks="reasoning") as sim:
        result = bench(sim, tmp_path / "bench", "--max-tokens-generation", 4000, "--max-tokens-answering", 4000)
    ok(result)  # the seed's 250 evaluation tokens: every verdict is cut while the judge thinks
    for example in examples(tmp_path / "bench"):
        assert example["judge_error"].endswith("raise --max-tokens-evaluation")
        assert example["judge_verdicts"][0]["truncated"] is True
    row = next(line for line in result.stdout.splitlines() if "Verdicts cut by the judge's token limit" in line)
    assert row.rstrip(" │").endswith("2; raise --max-tokens-evaluation")

    with SimServer(quirks="reasoning") as sim:
        result = sequential(sim, tmp_path / "seq", "--max-tokens-client", 4000, "--max-tokens-judge", 250)
    ok(result)
    assert all(item["judge_error"].endswith("raise --max-tokens-judge") for item in results(tmp_path / "seq"))
    assert "Verdicts missing because the judge's reply was cut: 7; raise --max-tokens-judge" in result.stdout


def test_a_generator_cut_while_thinking_stops_with_the_flag_that_helps(tmp_path):
    with SimServer(quirks="reasoning") as sim:
        result = bench(sim, tmp_path / "bench", "--max-tokens-generation", 100)
    assert result.returncode == 1
    assert "returned an empty question" in result.stderr and "raise --max-tokens-generation, now 100" in result.stderr


def test_a_student_cut_while_thinking_stops_its_sequence_with_the_flag_that_helps(tmp_path):
    with SimServer(quirks="reasoning") as sim:
        result = sequential(sim, tmp_path / "seq", "--max-tokens-client", 100)
    assert result.returncode == 1
    assert "cut by the token limit (raise --max-tokens-client)" in result.stderr


# -- the other shapes -----------------------------------------------------------------------------


def test_content_as_a_list_of_parts_is_read_as_the_answer(tmp_path):
    with SimServer(quirks="list-content") as sim:
        ok(bench(sim, tmp_path / "bench"))
        ok(sequential(sim, tmp_path / "seq"))
        assert sim.request_count == 6 + 14  # nothing was taken for a garbled reply and asked again
    assert all(e["answer"].startswith("Working (simulated)") for e in examples(tmp_path / "bench"))
    assert all(item["gpt4res"].startswith("Working (simulated)") for item in results(tmp_path / "seq"))


def test_usage_not_reported_is_said_and_never_priced(tmp_path):
    with SimServer(quirks="no-usage") as sim:
        first = bench(sim, tmp_path / "bench", "--price", "answering=1,2")
        second = sequential(sim, tmp_path / "seq", "--price", "client=1,2")
    ok(first)
    ok(second)
    report = (tmp_path / "bench" / "report_run_0001.md").read_text(encoding="utf-8")
    assert (
        "| answering | not reported by the endpoint | not reported by the endpoint | not reported by the endpoint "
        "| none claimed: usage not reported by the endpoint |" in report
    )
    assert "**0.0000 USD** for the roles priced (none claimed for answering: usage not reported" in report
    assert "none claimed: usage not reported by the endpoint" in first.stdout
    usage = json.loads((tmp_path / "bench" / "runs.jsonl").read_text())["usage_by_role"]["answering"]
    assert usage == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "calls_without_usage": 2}
    assert "Tokens: client not reported by the endpoint; judge not reported by the endpoint" in second.stdout
    assert "Cost at the --price given: client none claimed (usage not reported by the endpoint)" in second.stdout
    seq_report = (tmp_path / "seq" / "results.report.md").read_text(encoding="utf-8")
    assert "client none claimed (usage not reported by the endpoint)" in seq_report


def test_a_refused_temperature_is_adapted_to_once_per_model_and_reported(tmp_path):
    with SimServer(quirks="no-temperature") as sim:
        result = bench(sim, tmp_path / "bench")
        sent = list(sim.requests)
    ok(result)
    refused = {body["model"] for body in sent if "temperature" in body}
    assert refused == {"sim-generator", "sim-judge", "sim-solver"}  # refused (concurrent ones too), then left out
    for model in refused:
        assert "temperature" not in [body for body in sent if body["model"] == model][-1]
    record = json.loads((tmp_path / "bench" / "runs.jsonl").read_text())
    assert len(record["adaptations"]) == 3 and all("refused temperature" in note for note in record["adaptations"])
    report = (tmp_path / "bench" / "report_run_0001.md").read_text(encoding="utf-8")
    assert "## Adapted to the endpoints" in report and "sim-solver at " in report
    assert "refused temperature" in (tmp_path / "bench" / "benchmark.log").read_text(encoding="utf-8")

    with SimServer(quirks="no-temperature") as sim:
        result = sequential(sim, tmp_path / "seq")
    ok(result)
    assert result.stdout.count("Adapted: ") == 2 and "sim-judge at " in result.stdout
    assert "refused temperature" in (tmp_path / "seq" / "results.report.md").read_text(encoding="utf-8")


def test_temperature_none_sends_none(tmp_path):
    with SimServer(quirks="no-temperature") as sim:
        none = [
            "--temperature-generation",
            "none",
            "--temperature-answering",
            "none",
            "--temperature-evaluation",
            "none",
        ]
        ok(bench(sim, tmp_path / "bench", *none))
        ok(sequential(sim, tmp_path / "seq", "--temperature-client", "none", "--temperature-judge", "none"))
        assert all("temperature" not in body for body in sim.requests)
    assert json.loads((tmp_path / "bench" / "runs.jsonl").read_text())["adaptations"] == []


def test_a_server_taking_one_request_at_a_time_is_served_in_turn(tmp_path):
    with SimServer(quirks="serial") as sim:
        ok(bench(sim, tmp_path / "bench", "--concurrency", 8))
        ok(sequential(sim, tmp_path / "seq", "--concurrency", 8))
        assert sim.peak_in_flight == 1 and sim.request_count == 6 + 14


def test_a_base_url_whose_root_is_not_v1_is_used_as_given(tmp_path):
    with SimServer(quirks="path-prefix") as sim:
        assert sim.base_url.endswith("/v1beta/openai")
        ok(bench(sim, tmp_path / "bench"))
        ok(sequential(sim, tmp_path / "seq"))
        dry = bench(sim, tmp_path / "dry", "--dry-run")
        assert sim.request_count == 6 + 14
    ok(dry)
    assert f"answering: 2 calls to sim-solver at {sim.base_url}/chat/completions" in dry.stdout
    assert json.loads((tmp_path / "bench" / "runs.jsonl").read_text())["endpoint_answering"] == sim.base_url


def test_string_errors_reach_the_user_in_the_servers_own_words(tmp_path):
    with SimServer(quirks="string-errors", require_key="right") as sim:
        first = bench(sim, tmp_path / "bench", "--api-key", "wrong")
        second = sequential(sim, tmp_path / "seq", "--client-api-key", "wrong", "--judge-api-key", "wrong")
    for result, role in ((first, "generation"), (second, "client")):
        assert result.returncode == 1 and "Traceback" not in result.stderr
        line = next(line for line in result.stderr.splitlines() if line.startswith("error:"))
        assert line.startswith(f"error: {role}: {sim.base_url} refused the key (HTTP 401: Incorrect API key provided)")

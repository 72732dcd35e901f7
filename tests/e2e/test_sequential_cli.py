"""The sequential (EvaLearn) mode from its command line: ``sequential_eval.main`` in-process, over real
HTTP on loopback to the simulated endpoint (or a scripted variant of it); no network, no sleeps, no
timing assertions.

The protocol (history, chat turns, keys), bad input, output and resume, judge and empty answers,
runs.jsonl as input and the demo. Two tests start a process, because another process is their point:
a run killed with SIGKILL mid-sequence resumes, and a seeded draw of sequences is the same in another
process. Runs write no chart (``--no-charts``) unless the test looks at the chart.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import ROOT, SEQUENTIAL_CLI, run_tool, tool_env
from shared_cases import run_record

import sequential_eval
from seval.benchmark.records import Example, ExampleTags, RunRecord
from seval.sequential.data import select_sequences_for_evaluation
from seval.sim.server import SimServer, make_item

MODELS = ["--client-model", "sim-solver", "--judge-model", "sim-judge"]
KINDS = {"Math": "mathematical_reasoning", "Logic": "logical_deduction"}
NO_KEYS = {"CLIENT_API_KEY": None, "JUDGE_API_KEY": None}  # run_tool drops OPENAI_* itself


# -- fixtures and helpers ------------------------------------------------------------
@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CLIENT_API_KEY", "JUDGE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim():
    with SimServer(seed=0) as server:
        yield server


def hex_for(number: int) -> str:
    return f"{(number * 2654435761) % 2**32:08x}"


def problem(pid, type_name="Math", difficulty=5, key="id", turns=None) -> dict:
    """A problem whose question carries a sim tag, so the simulated models can solve and grade it."""
    question, answer = make_item(KINDS[type_name], difficulty, hex_for(pid if isinstance(pid, int) else 7))
    prompt = turns[:-1] + [question] if turns else [question]
    return {
        key: pid,
        "type": type_name,
        "level": difficulty,
        "prompt": prompt,
        "rubric": f"The final answer must be {answer}.",
        "canonical_answer": "",
    }


def write_data(folder: Path, problems: list, sequences: list) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "problems.json").write_text(json.dumps(problems), encoding="utf-8")
    (folder / "sequences.json").write_text(json.dumps(sequences), encoding="utf-8")
    return folder / "problems.json", folder / "sequences.json"


def basic_data(folder: Path, sequences: int = 1, length: int = 3) -> tuple[Path, Path]:
    problems, seqs = [], []
    for s in range(sequences):
        ids = list(range(s * length + 1, (s + 1) * length + 1))
        problems += [problem(pid) for pid in ids]
        seqs.append({"sequence_id": s + 1, "type": "Math", "question_ids": ids})
    return write_data(folder, problems, seqs)


def args_for(data: tuple[Path, Path], output: Path, sim, *extra, judge_url=None, charts=False) -> list[str]:
    """The command line of a run of ``data`` on ``sim``; with ``charts`` the report's PNG is drawn too."""
    return [
        "--input",
        str(data[0]),
        "--seq",
        str(data[1]),
        "--output",
        str(output),
        "--client-base-url",
        sim.base_url,
        "--judge-base-url",
        judge_url or sim.base_url,
        "--workers",
        "1",
        *MODELS,
        *([] if charts else ["--no-charts"]),
        *extra,
    ]


def run_main(argv, capsys) -> tuple[int, str, str]:
    code = sequential_eval.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def load_results(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def without_times(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in item.items() if k != "processing_time"} for item in items]


def student_requests(sim) -> list[dict]:
    return [r for r in sim.requests if r["model"] == "sim-solver"]


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


class ScriptedSim(SimServer):
    """The simulated endpoint, except that a model's first replies are given by the test."""

    def __init__(self, replies: dict[str, list[str]]):
        super().__init__(seed=0)
        self.replies = {model: list(texts) for model, texts in replies.items()}

    def _chat(self, request: dict):
        queue = self.replies.get(request.get("model"))
        if not queue:
            return super()._chat(request)
        content = queue.pop(0)
        return 200, {
            "object": "chat.completion",
            "model": request["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


# -- the protocol ----------------------------------------------------------------------
def expected_history(records: list[tuple[str, str, str, str]]) -> str:
    """The history text, written out independently of the code under test."""
    if not records:
        return "There are no earlier records yet: this is the first question of the series."
    blocks = [
        f"[History record {n} begins]\n[Question]\n{q}\n[End of question]\n[Your answer]\n{a}\n"
        f"[End of your answer]\n[Grading criteria]\n{c}\n[End of grading criteria]\n"
        f"[Teacher's evaluation of your answer]\n{j}\n[End of teacher's evaluation]\n[History record {n} ends]"
        for n, (q, a, c, j) in enumerate(records, 1)
    ]
    return "\n\n".join(blocks + ["All earlier records end here. Now answer the current question."])


def test_student_sees_earlier_questions_answers_rubrics_and_verdicts_in_order(tmp_path, sim, capsys):
    data = basic_data(tmp_path, length=4)
    code, out, _ = run_main(args_for(data, tmp_path / "out" / "results.json", sim), capsys)
    assert code == 0 and "Integrity check passed" in out
    results = load_results(tmp_path / "out" / "results.json")
    problems = json.loads(data[0].read_text())
    students = student_requests(sim)
    assert [r["model"] for r in sim.requests] == ["sim-solver", "sim-judge"] * 4
    for k, request in enumerate(students):
        records = [
            (p["prompt"][0], r["gpt4res"], p["rubric"], r["gpt4judge"])
            for p, r in zip(problems[:k], results[:k], strict=True)
        ]
        messages = request["messages"]
        assert [m["role"] for m in messages] == ["system", "user"]
        assert "[Math]" in messages[0]["content"] and "earlier" in messages[0]["content"]
        assert (
            messages[1]["content"] == f"{expected_history(records)}\n\n[Current question]\n{problems[k]['prompt'][0]}"
        )
    judge = [r for r in sim.requests if r["model"] == "sim-judge"][2]["messages"][1]["content"]
    assert f"<standard_answer>\n{problems[2]['rubric']}\n</standard_answer>" in judge
    assert f"<question>\n{problems[2]['prompt'][0]}\n</question>" in judge
    assert f"<answer>\n{results[2]['gpt4res']}\n</answer>" in judge and "answer_score" in judge
    for position, item in enumerate(results, 1):
        assert item["position_in_sequence"] == position and item["sequence_id"] == 1
        assert item["answer_score"] in (0, 1) and f'"answer_score": {item["answer_score"]}' in item["gpt4judge"]
        assert item["client_usage"]["total_tokens"] > 0 and "processing_time" in item


def test_conversation_prompt_is_sent_as_chat_turns_and_flattened_in_history(tmp_path, sim, capsys):
    turns = ["Here is a puzzle for you.", "Send it over.", "placeholder"]
    problems = [problem(1), problem(2, turns=turns), problem(3)]
    data = write_data(tmp_path, problems, [{"sequence_id": 9, "type": "Math", "question_ids": [1, 2, 3]}])
    assert run_main(args_for(data, tmp_path / "r.json", sim), capsys)[0] == 0
    second, third = student_requests(sim)[1:]
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "user"]
    assert second["messages"][1]["content"].endswith("[Current question]\nHere is a puzzle for you.")
    assert second["messages"][2]["content"] == "Send it over."
    assert second["messages"][3]["content"] == problems[1]["prompt"][2]
    flat = f"user: Here is a puzzle for you.\n\nassistant: Send it over.\n\nuser: {problems[1]['prompt'][2]}"
    assert f"[Question]\n{flat}\n[End of question]" in third["messages"][1]["content"]
    judge = [r for r in sim.requests if r["model"] == "sim-judge"][1]["messages"][1]["content"]
    assert f"<question>\n{flat}\n</question>" in judge
    assert load_results(tmp_path / "r.json")[1]["prompt"] == problems[1]["prompt"]


def test_unique_id_is_accepted_as_the_problem_key(tmp_path, sim, capsys):
    problems = [problem(pid, key="unique_id") for pid in ("a", "b")]
    problems[1]["unique_id"] = "b"
    data = write_data(tmp_path, problems, [{"sequence_id": "s1", "type": "Math", "question_ids": ["a", "b"]}])
    code, out, _ = run_main(args_for(data, tmp_path / "r.json", sim), capsys)
    assert code == 0 and "Integrity check passed" in out
    assert [item["unique_id"] for item in load_results(tmp_path / "r.json")] == ["a", "b"]


# -- keys ------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["env", "flags"])
def test_each_key_reaches_its_own_endpoint_and_is_written_nowhere(tmp_path, capsys, monkeypatch, how):
    data = basic_data(tmp_path / "data", length=2)
    with SimServer(require_key="client-secret-1") as student, SimServer(require_key="judge-secret-2") as judge:
        extra = []
        if how == "env":
            monkeypatch.setenv("CLIENT_API_KEY", "client-secret-1")
            monkeypatch.setenv("JUDGE_API_KEY", "judge-secret-2")
        else:
            monkeypatch.setenv("OPENAI_API_KEY", "wrong-key")  # the flags win over the environment
            extra = ["--client-api-key", "client-secret-1", "--judge-api-key", "judge-secret-2"]
        argv = args_for(data, tmp_path / "out" / "r.json", student, *extra, judge_url=judge.base_url, charts=True)
        code, out, err = run_main(argv, capsys)
        assert code == 0, err
        assert len(student.requests) == 2 and len(judge.requests) == 2
    for path in (tmp_path / "out").iterdir():  # results, journal, report, chart, log
        assert b"secret" not in path.read_bytes()
    assert "secret" not in out + err


def test_a_refused_key_is_one_line_and_exit_1(tmp_path, capsys):
    data = basic_data(tmp_path, length=1)
    with SimServer(require_key="right") as server:
        code, _, err = run_main(args_for(data, tmp_path / "r.json", server, "--client-api-key", "wrong"), capsys)
    assert code == 1 and len(error_lines(err)) == 1 and "--client-api-key" in err and "wrong" not in err


# -- bad input -------------------------------------------------------------------------
BAD_DATA = {
    "unknown ids": ([1, 2], [[1, 99]]),
    "duplicate ids": ([1, 1, 2], [[1, 2]]),
    "empty prompts": ([1, "empty"], [[1, "empty"]]),
    "empty sequences": ([1], [[]]),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_entries_with_nothing_valid_left_exit_2_and_write_nothing(tmp_path, sim, capsys, case):
    ids, sequences = BAD_DATA[case]
    problems = [problem(pid if isinstance(pid, int) else 50) for pid in ids]
    if case == "empty prompts":
        problems[1] = {**problems[1], "id": "empty", "prompt": ["  "]}
    data = write_data(
        tmp_path / "data",
        problems,
        [{"sequence_id": n, "type": "Math", "question_ids": q} for n, q in enumerate(sequences, 1)],
    )
    code, _, err = run_main(args_for(data, tmp_path / "out" / "r.json", sim), capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: no valid sequence") and case.split()[0] in err
    assert not (tmp_path / "out").exists() and sim.request_count == 0


@pytest.mark.parametrize("content", [b"[{not json", b"\xff\xfe\x00bad", b'{"a": 1}', b'[{"type": "Math"}]'])
def test_malformed_problem_file_exits_2_with_one_line(tmp_path, sim, capsys, content):
    data = basic_data(tmp_path / "data")
    data[0].write_bytes(content)
    code, _, err = run_main(args_for(data, tmp_path / "out" / "r.json", sim), capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "problem" in err
    assert not (tmp_path / "out").exists() and sim.request_count == 0


def test_invalid_sequences_are_skipped_and_the_rest_run(tmp_path, sim, capsys):
    problems = [problem(pid) for pid in (1, 2, 3)]
    sequences = [
        {"sequence_id": 1, "type": "Math", "question_ids": [1, 2]},
        {"sequence_id": 2, "type": "Math", "question_ids": [3, 404]},
    ]
    data = write_data(tmp_path, problems, sequences)
    code, out, err = run_main(args_for(data, tmp_path / "r.json", sim), capsys)
    assert code == 0 and "unknown problem ids (1): sequence 2 -> 404" in err
    assert "skipping 1 invalid sequences of 2" in err
    assert {item["sequence_id"] for item in load_results(tmp_path / "r.json")} == {1}


# -- output and resume -----------------------------------------------------------------
def test_jsonl_output_writes_only_the_journal(tmp_path, sim, capsys):
    data = basic_data(tmp_path / "data", sequences=2, length=2)
    assert run_main(args_for(data, tmp_path / "out" / "r.jsonl", sim, charts=True), capsys)[0] == 0
    # the journal is the results: no JSON list beside it (the report, its chart and the log are written too)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "r.jsonl",
        "r.positions.png",
        "r.report.md",
        "sequential_eval.log",
    ]
    lines = [json.loads(line) for line in (tmp_path / "out" / "r.jsonl").read_text().splitlines()]
    assert sorted((item["sequence_id"], item["position_in_sequence"]) for item in lines) == [
        (1, 1),
        (1, 2),
        (2, 1),
        (2, 2),
    ]


def test_a_finished_evaluation_rerun_sends_nothing_and_changes_no_byte(tmp_path, capsys):
    data = basic_data(tmp_path / "data", sequences=2, length=3)
    output = tmp_path / "out" / "results.json"
    with SimServer() as first:
        assert run_main(args_for(data, output, first, charts=True), capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in output.parent.iterdir()}
    with SimServer() as second:
        code, out, _ = run_main(args_for(data, output, second, charts=True), capsys)
        assert code == 0 and second.request_count == 0 and "Integrity check passed" in out
    assert {p.name: p.read_bytes() for p in output.parent.iterdir()} == before


def test_a_torn_last_journal_line_is_reported_ignored_and_redone(tmp_path, sim, capsys):
    data = basic_data(tmp_path / "data", length=3)
    output = tmp_path / "results.json"
    assert run_main(args_for(data, output, sim), capsys)[0] == 0
    complete = without_times(load_results(output))
    journal = tmp_path / "results.json.jsonl"
    text = journal.read_text()
    journal.write_text(text[: len(text) - 40])  # a crash in the middle of the last line
    with SimServer() as again:
        code, _, err = run_main(args_for(data, output, again), capsys)
        assert code == 0 and "truncated" in err
        assert [r["model"] for r in again.requests] == ["sim-solver", "sim-judge"]
    assert without_times(load_results(output)) == complete


def test_a_different_model_on_the_same_output_is_refused(tmp_path, sim, capsys):
    data = basic_data(tmp_path, length=1)
    assert run_main(args_for(data, tmp_path / "r.json", sim), capsys)[0] == 0
    argv = args_for(data, tmp_path / "r.json", sim) + ["--client-model", "sim-solver-weak", "--sequence-ids", "1"]
    code, _, err = run_main(argv, capsys)
    assert code == 2 and "sim-solver" in err and "another --output" in err


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_transport_failure_leaves_items_unfinished_and_a_rerun_completes_them(tmp_path, sim, capsys):
    data = basic_data(tmp_path / "data", length=2)
    output = tmp_path / "out" / "results.json"
    argv = args_for(data, output, sim, "--max-retries", "0", "--retry-backoff", "0") + [
        "--judge-base-url",
        closed_port_url(),
    ]
    code, _, err = run_main(argv, capsys)
    assert code == 1 and "rerun the same command" in err and "judge" in error_lines(err)[0]
    assert not output.exists() and not Path(str(output) + ".jsonl").exists()  # no answer was recorded
    code, out, _ = run_main(args_for(data, output, sim), capsys)
    assert code == 0 and "Integrity check passed" in out
    with SimServer() as clean:
        assert run_main(args_for(data, tmp_path / "clean.json", clean), capsys)[0] == 0
    assert without_times(load_results(output)) == without_times(load_results(tmp_path / "clean.json"))


@pytest.mark.parametrize("kill_at", [5, 6])  # the student's 3rd request; the judge's 3rd
def test_a_killed_run_resumes_mid_sequence_with_the_same_history(tmp_path, capsys, kill_at):
    data = basic_data(tmp_path / "data", length=5)
    with SimServer() as clean:
        assert run_main(args_for(data, tmp_path / "clean.json", clean), capsys)[0] == 0
        clean_requests = list(clean.requests)
    output = tmp_path / "out" / "results.json"
    started, holder = threading.Event(), {}

    def kill(count: int) -> None:
        if count == kill_at and started.wait(30):
            os.kill(holder["proc"].pid, signal.SIGKILL)

    with SimServer(on_request=kill) as doomed:
        holder["proc"] = subprocess.Popen(
            [sys.executable, str(SEQUENTIAL_CLI), *args_for(data, output, doomed)],
            env=tool_env(),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.set()
        assert holder["proc"].wait(timeout=60) == -signal.SIGKILL
    journaled = (tmp_path / "out" / "results.json.jsonl").read_text().splitlines()
    assert len(journaled) == (kill_at - 1) // 2
    with SimServer() as resumed:
        assert run_main(args_for(data, output, resumed), capsys)[0] == 0
        assert resumed.requests == clean_requests[2 * len(journaled) :]  # nothing finished is asked again
    assert without_times(load_results(output)) == without_times(load_results(tmp_path / "clean.json"))


# -- judge and empty answers -----------------------------------------------------------
def test_an_unreadable_verdict_is_asked_again_then_counted_as_a_judge_error(tmp_path, capsys):
    data = basic_data(tmp_path, length=2)
    replies = {"sim-judge": ["Looks fine to me.", '```json\n{"answer_score": 1}\n```', "No idea.", "Still no idea."]}
    with ScriptedSim(replies) as server:
        code, out, _ = run_main(args_for(data, tmp_path / "r.json", server), capsys)
        retry = [r for r in server.requests if r["model"] == "sim-judge"][1]["messages"]
    assert code == 0 and "Judge replies without a verdict (scored 0): 1" in out
    assert [m["role"] for m in retry][-2:] == ["assistant", "user"] and retry[-2]["content"] == "Looks fine to me."
    first, second = load_results(tmp_path / "r.json")
    assert (
        first["answer_score"] == 1
        and first["judge_error"] is None
        and first["judge_first_reply"] == "Looks fine to me."
    )
    assert second["answer_score"] == 0 and second["judge_error"] and second["gpt4judge"] == "Still no idea."


def test_an_answer_that_stays_empty_stops_its_sequence_unless_no_check_empty(tmp_path, capsys):
    data = basic_data(tmp_path, length=2)
    with ScriptedSim({"sim-solver": ["", "  "]}) as server:
        code, _, err = run_main(args_for(data, tmp_path / "r.json", server), capsys)
        assert [r["model"] for r in server.requests] == ["sim-solver", "sim-solver"]
    assert code == 1 and "--no-check-empty" in err and "sequence 1 position 1" in err
    assert not (tmp_path / "r.json").exists()
    with ScriptedSim({"sim-solver": [""]}) as server:
        code, _, _ = run_main(args_for(data, tmp_path / "r2.json", server, "--no-check-empty"), capsys)
    assert code == 0 and load_results(tmp_path / "r2.json")[0]["gpt4res"] == ""


# -- other inputs ----------------------------------------------------------------------
def simulated_run(run_id: int, items: list[tuple[str, int, int]], reference: bool) -> RunRecord:
    """A run of simulator questions ``(reasoning type, difficulty, index)``, with their references or without."""
    examples = []
    for kind, difficulty, index in items:
        question, answer = make_item(kind, difficulty, hex_for(run_id * 100 + difficulty * 10 + index))
        example = Example(
            question=question,
            tags=ExampleTags(reasoning_type=kind, difficulty=difficulty, question_index=index),
            answer="x",
            score=0.0,
            created_at="2025-01-01T00:00:00+00:00",
        )
        if reference:
            example = Example.model_validate({**example.model_dump(), "reference_answer": answer})
        examples.append(example)
    return run_record(run_id, examples)


def test_runs_jsonl_becomes_problems_and_one_sequence_per_type_in_difficulty_order(tmp_path, sim, capsys):
    math, logic = "mathematical_reasoning", "logical_deduction"
    records = [
        simulated_run(1, [(math, 3, 1), (logic, 3, 1), (math, 1, 1), (math, 2, 1)], reference=True),
        simulated_run(2, [(math, 1, 1), (logic, 1, 1)], reference=False),
    ]
    runs = tmp_path / "bench" / "runs.jsonl"
    runs.parent.mkdir()
    runs.write_text("".join(record.model_dump_json() + "\n" for record in records))
    output = tmp_path / "r.json"
    argv = [
        "--input",
        runs,
        "--output",
        output,
        "--client-base-url",
        sim.base_url,
        "--judge-base-url",
        sim.base_url,
        "--seq-len",
        "2",
        *MODELS,
    ]
    code, out, _ = run_main(argv, capsys)
    assert code == 0 and "Integrity check passed" in out
    results = load_results(output)
    by_seq = {}
    for item in results:
        by_seq.setdefault(item["sequence_id"], []).append(item["id"])
    # math has 4 questions (two sequences of 2, easiest first), logic 2 (one sequence)
    assert by_seq == {
        1: ["r1-mathematical_reasoning-d1-q1", "r2-mathematical_reasoning-d1-q1"],
        2: ["r1-mathematical_reasoning-d2-q1", "r1-mathematical_reasoning-d3-q1"],
        3: ["r2-logical_deduction-d1-q1", "r1-logical_deduction-d3-q1"],
    }
    first = results[0]
    assert first["type"] == math and first["level"] == 1 and "standard answer is:" in first["rubric"]
    assert "There is no standard answer" in results[1]["rubric"]


def test_the_same_seed_draws_the_same_sequences_in_another_process():
    # A rerun resumes the sequences it drew, so the draw must not depend on the process (hash seeds and the like).
    seqs = [{"sequence_id": n, "type": "A" if n % 2 else "B", "question_ids": [n]} for n in range(1, 11)]
    here = [s["sequence_id"] for s in select_sequences_for_evaluation(seqs, num_sequences=4, seed=5)]
    code = (
        "import json\n"
        "from seval.sequential.data import select_sequences_for_evaluation as select\n"
        "seqs = [{'sequence_id': n, 'type': 'A' if n % 2 else 'B', 'question_ids': [n]} for n in range(1, 11)]\n"
        "print(json.dumps([q['sequence_id'] for q in select(seqs, num_sequences=4, seed=5)]))\n"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(other.stdout) == here


# -- the demo ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``sequential_eval.py --demo`` run once: its bundled set on a simulated endpoint of its own."""
    folder = tmp_path_factory.mktemp("demo")
    output = folder / "demo" / "results.json"
    result = run_tool(
        "sequential_eval.py", "--demo", "--num-sequences", "12", "--output", output, env=NO_KEYS, cwd=folder
    )
    return result, output


def test_demo_runs_the_bundled_set_and_shows_learning(demo):
    result, output = demo
    code, out = result.returncode, result.stdout
    assert code == 0 and "Accuracy by position" in out and "Integrity check passed" in out
    results = load_results(output)
    assert len(results) == 84 and len({item["type"] for item in results}) == 3  # 12 of its 30 sequences of 7
    assert {item["paradigm"] for item in results} == {"feedback"} and {item["rubric_field"] for item in results} == {
        "rubric_zh"  # the demo is in EvaLearn's 2026 schema; Chinese first, as its scripts
    }
    accuracy = {p: sum(i["answer_score"] for i in results if i["position_in_sequence"] == p) / 12 for p in range(1, 8)}
    assert sum(accuracy[p] for p in (5, 6, 7)) > sum(accuracy[p] for p in (1, 2, 3))


def test_demo_writes_report_chart_and_log(demo):
    result, output = demo
    assert result.returncode == 0, result.stderr
    report = (output.parent / "results.report.md").read_text()
    chart = output.parent / "results.positions.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Accuracy by position per task type, with fitted lines](results.positions.png)" in report
    log = (output.parent / "sequential_eval.log").read_text()
    assert "sequences to run" in log

"""The four learning paradigms from the command line and the Python API, over loopback HTTP to the
simulated endpoint: what the student is shown, how positions are scheduled, what each record says,
the two data schemas and --rubric-lang, EvaLearn's 2026 names, and refusals to mix runs.

Data are this file's own small fixtures in EvaLearn's January 2026 schema (numeric ids and levels,
rubric_zh and rubric_en, canonical answers) unless a test is about the June 2025 one.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from helpers import run_tool

import sequential_eval
from seval.sim.server import SimServer, make_item

KINDS = {"Math": "mathematical_reasoning", "Logic": "logical_deduction"}
MODELS = ["--client-model", "sim-solver", "--judge-model", "sim-judge"]
NO_KEYS = {"CLIENT_API_KEY": None, "JUDGE_API_KEY": None, "CLIENT_API_BASE_URL": None, "JUDGE_API_BASE_URL": None}


def problem_2026(pid: int, kind: str = "Math", turns: list[str] | None = None) -> dict:
    question, answer = make_item(KINDS[kind], 4, f"{pid * 2654435761 % 2**32:08x}")
    return {
        "id": pid,
        "type": kind,
        "source": "test",
        "level": 4,
        "prompt": (turns or []) + [question],
        "canonical_answer": answer,
        "rubric_en": f"EN: the final answer must be {answer}.",
        "rubric_zh": f"ZH：最终答案必须是 {answer}。",
    }


def problem_2025(pid: int, kind: str = "Math") -> dict:
    question, answer = make_item(KINDS[kind], 4, f"{pid * 2654435761 % 2**32:08x}")
    return {"id": str(pid), "type": kind, "prompt": [question], "rubric": f"R: answer {answer}", "canonical_answer": ""}


def write(folder: Path, problems: list[dict], sequences: list[dict]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p.json").write_text(json.dumps(problems, ensure_ascii=False), encoding="utf-8")
    (folder / "s.json").write_text(json.dumps(sequences), encoding="utf-8")
    return ["--input", str(folder / "p.json"), "--seq", str(folder / "s.json")]


def data_2026(folder: Path) -> list[str]:
    """Two types of 5 problems; problem 2 is a conversation; two sequences of 3 per type."""
    problems = [problem_2026(pid, "Math") for pid in range(1, 6)] + [problem_2026(pid, "Logic") for pid in range(6, 11)]
    problems[1] = problem_2026(2, "Math", turns=["Here is a puzzle.", "Send it."])
    sequences = [
        {"sequence_id": 1, "type": "Math", "question_ids": [1, 2, 3]},
        {"sequence_id": 2, "type": "Math", "question_ids": [4, 5, 1]},
        {"sequence_id": 3, "type": "Logic", "question_ids": [6, 7, 8]},
    ]
    return write(folder, problems, sequences)


def run(sim, data: list[str], output: Path, *extra: str, cwd: Path):
    argv = [*data, "--output", str(output), "--client-base-url", sim.base_url, "--judge-base-url", sim.base_url]
    return run_tool("sequential_eval.py", *argv, *MODELS, "--no-charts", *extra, env=NO_KEYS, cwd=cwd)


def results(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def students(sim) -> list[list[dict]]:
    return [r["messages"] for r in sim.requests if r["model"] == "sim-solver"]


def judges(sim) -> list[str]:
    return [r["messages"][1]["content"] for r in sim.requests if r["model"] == "sim-judge"]


@pytest.fixture
def sim():
    with SimServer(seed=0) as server:
        yield server


# -- zero-shot ---------------------------------------------------------------------------------------------
class BarrierSim(SimServer):
    """Holds every student request until ``parties`` of them are in flight at once."""

    def __init__(self, parties: int):
        super().__init__(seed=0)
        self.barrier = threading.Barrier(parties)

    def _chat(self, request: dict):
        if request.get("model") == "sim-solver" and not self.barrier.broken:
            try:
                self.barrier.wait(timeout=30)  # chained positions would never be three at once
            except threading.BrokenBarrierError:
                pass
        return super()._chat(request)


def test_zero_shot_asks_every_position_alone_and_all_at_once(tmp_path):
    data = write(
        tmp_path,
        [problem_2026(pid) for pid in (1, 2, 3)],
        [{"sequence_id": 1, "type": "Math", "question_ids": [1, 2, 3]}],
    )
    with BarrierSim(parties=3) as sim:
        result = run(sim, data, tmp_path / "zs.json", "--paradigm", "zero-shot", "--workers", "3", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert not sim.barrier.broken  # the three positions of one sequence were in flight together
        for messages in students(sim):
            assert [m["role"] for m in messages] == ["system", "user"]
            assert (
                messages[1]["content"].startswith("[Current question]\n")
                and messages[1]["content"].count("[sim-item") == 1
            )
            assert "earlier" not in messages[0]["content"] and "[Math]" in messages[0]["content"]
    items = results(tmp_path / "zs.json")
    assert [i["position_in_sequence"] for i in items] == [1, 2, 3]
    assert {(i["paradigm"], i["rubric_field"], i["client_model"], i["judge_model"]) for i in items} == {
        ("zero-shot", "rubric_zh", "sim-solver", "sim-judge")
    }
    assert all("examples_shown" not in i for i in items)


def test_zero_shot_resume_redoes_only_the_missing_positions(tmp_path, sim):
    data = data_2026(tmp_path)
    output = tmp_path / "zs.json"
    assert run(sim, data, output, "--paradigm", "zero-shot", "--workers", "4", cwd=tmp_path).returncode == 0
    journal = tmp_path / "zs.json.jsonl"
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if not (json.loads(line)["sequence_id"] == 2 and json.loads(line)["position_in_sequence"] == 2)
    ]
    journal.write_text("".join(kept), encoding="utf-8")  # a gap in the middle of a sequence
    before = len(sim.requests)
    again = run(sim, data, output, "--paradigm", "zero-shot", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    asked = [r for r in sim.requests[before:] if r["model"] == "sim-solver"]
    assert len(asked) == 1 and "[sim-item" in asked[0]["messages"][1]["content"]
    assert sorted((i["sequence_id"], i["position_in_sequence"]) for i in results(output)) == [
        (s, p) for s in (1, 2, 3) for p in (1, 2, 3)
    ]


# -- demonstration -------------------------------------------------------------------------------------
def test_demonstration_shows_earlier_problems_with_standard_answers_never_own_answers(tmp_path, sim):
    data = data_2026(tmp_path)
    result = run(sim, data, tmp_path / "d.json", "--paradigm", "demonstration", "--sequence-ids", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    problems = {p["id"]: p for p in json.loads(Path(data[1]).read_text(encoding="utf-8"))}
    first, second, third = students(sim)
    assert "There are no demonstrations yet" in first[1]["content"]
    text = third[1]["content"]
    # position 3 sees problems 1 and 2 (a conversation, flattened with every turn) with their canonical answers
    flat = f"user: Here is a puzzle.\n\nassistant: Send it.\n\nuser: {problems[2]['prompt'][2]}"
    assert f"[Demonstration record 2 begins]\n[Question]\n{flat}\n[End of question]\n[Standard answer]\n" in text
    assert f"[Standard answer]\n{problems[1]['canonical_answer']}\n[End of standard answer]" in text
    assert "Final answer:" not in text and "answer_score" not in text  # no own answers, no grades
    assert "Demonstration" not in second[1]["content"].split("[Current question]")[1]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]  # the conversation as turns
    items = results(tmp_path / "d.json")
    assert items[2]["examples_shown"] == [
        {"problem_id": 1, "answer_field": "canonical_answer"},
        {"problem_id": 2, "answer_field": "canonical_answer"},
    ]
    assert items[0]["examples_shown"] == [] and {i["paradigm"] for i in items} == {"demonstration"}


def test_demonstration_without_canonical_answers_shows_the_rubric_and_says_so(tmp_path, sim):
    data = write(
        tmp_path,
        [problem_2025(pid) for pid in (1, 2)],
        [{"sequence_id": 1, "type": "Math", "question_ids": ["1", "2"]}],
    )
    assert run(sim, data, tmp_path / "d.json", "--paradigm", "demonstration", cwd=tmp_path).returncode == 0
    rubric = json.loads(Path(data[1]).read_text(encoding="utf-8"))[0]["rubric"]
    assert f"[Standard answer]\n{rubric}\n[End of standard answer]" in students(sim)[1][1]["content"]
    items = results(tmp_path / "d.json")
    assert items[1]["examples_shown"] == [{"problem_id": "1", "answer_field": "rubric"}]
    assert {i["rubric_field"] for i in items} == {"rubric"}  # the 2025 schema


# -- few-shot ------------------------------------------------------------------------------------------
def test_few_shot_shows_drawn_examples_of_the_type_never_the_problem_itself(tmp_path, sim):
    data = data_2026(tmp_path)
    output = tmp_path / "f.json"
    result = run(sim, data, output, "--paradigm", "few-shot", "--shots", "3", "--few-shot-seed", "7", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    problems = {p["id"]: p for p in json.loads(Path(data[1]).read_text(encoding="utf-8"))}
    items = results(output)
    for item in items:
        shown = [e["problem_id"] for e in item["examples_shown"]]
        assert len(shown) == 3 and item["id"] not in shown
        assert {problems[pid]["type"] for pid in shown} == {item["type"]}
        assert {e["answer_field"] for e in item["examples_shown"]} == {"canonical_answer"}
    by_request = {m[-1]["content"].rsplit("[sim-item", 1)[1]: m for m in students(sim)}  # by the question's tag
    for item in items:
        messages = by_request[problems[item["id"]]["prompt"][-1].rsplit("[sim-item", 1)[1]]
        for n, pid in enumerate(e["problem_id"] for e in item["examples_shown"]):
            example = problems[pid]
            flat = (
                example["prompt"][0]
                if len(example["prompt"]) == 1
                else "user: Here is a puzzle.\n\nassistant: Send it."
            )
            assert f"[Example {n + 1} begins]\n[Question]\n{flat}" in messages[1]["content"]  # every turn kept
            assert f"[Standard answer]\n{example['canonical_answer']}\n" in messages[1]["content"]
    # the draw is seeded: the same seed shows the same examples in another output, another seed others
    again = run(sim, data, tmp_path / "f2.json", "--paradigm", "few-shot", "--few-shot-seed", "7", cwd=tmp_path)
    assert again.returncode == 0 and [i["examples_shown"] for i in results(tmp_path / "f2.json")] == [
        i["examples_shown"] for i in items
    ]
    other = run(sim, data, tmp_path / "f3.json", "--paradigm", "few-shot", "--few-shot-seed", "8", cwd=tmp_path)
    assert other.returncode == 0 and [i["examples_shown"] for i in results(tmp_path / "f3.json")] != [
        i["examples_shown"] for i in items
    ]


def test_few_shot_refuses_data_without_canonical_answers(tmp_path, sim):
    data = write(
        tmp_path,
        [problem_2025(pid) for pid in range(1, 6)],
        [{"sequence_id": 1, "type": "Math", "question_ids": ["1", "2"]}],
    )
    result = run(sim, data, tmp_path / "f.json", "--paradigm", "few-shot", cwd=tmp_path)
    assert result.returncode == 2 and not sim.requests and not (tmp_path / "f.json.jsonl").exists()
    assert result.stderr.strip().startswith("error: --paradigm few-shot shows example problems with their canonical")
    assert len(result.stderr.strip().splitlines()) == 1


def test_few_shot_flags_need_few_shot(tmp_path, sim):
    result = run(sim, data_2026(tmp_path), tmp_path / "x.json", "--shots", "2", cwd=tmp_path)
    assert result.returncode == 2 and "--shots applies to --paradigm few-shot" in result.stderr and not sim.requests


# -- rubrics, names, refusals --------------------------------------------------------------------------
def test_rubric_lang_chooses_what_the_judge_gets_and_the_record_names_it(tmp_path, sim):
    problems = [problem_2026(1), problem_2026(2), problem_2025(3)]
    del problems[1]["rubric_zh"]  # English only: zh falls back to it
    problems[2]["id"] = 3
    data = write(tmp_path, problems, [{"sequence_id": 1, "type": "Math", "question_ids": [1, 2, 3]}])
    assert run(sim, data, tmp_path / "zh.json", cwd=tmp_path).returncode == 0
    assert [i["rubric_field"] for i in results(tmp_path / "zh.json")] == ["rubric_zh", "rubric_en", "rubric"]
    assert f"<standard_answer>\n{problems[0]['rubric_zh']}\n</standard_answer>" in judges(sim)[0]
    history = students(sim)[1][1]["content"]  # feedback's history shows the criteria the judge graded by
    assert f"[Grading criteria]\n{problems[0]['rubric_zh']}\n[End of grading criteria]" in history
    before = len(sim.requests)
    assert run(sim, data, tmp_path / "en.json", "--rubric-lang", "en", cwd=tmp_path).returncode == 0
    assert [i["rubric_field"] for i in results(tmp_path / "en.json")] == ["rubric_en", "rubric_en", "rubric"]
    judged = [r["messages"][1]["content"] for r in sim.requests[before:] if r["model"] == "sim-judge"]
    assert f"<standard_answer>\n{problems[0]['rubric_en']}\n</standard_answer>" in judged[0]


def test_a_rerun_with_another_paradigm_rubric_or_draw_is_refused_and_changes_nothing(tmp_path, sim):
    data = data_2026(tmp_path)
    output = tmp_path / "r.json"
    assert run(sim, data, output, "--paradigm", "few-shot", "--sequence-ids", "1", cwd=tmp_path).returncode == 0
    before = (output.read_bytes(), (tmp_path / "r.json.jsonl").read_bytes(), len(sim.requests))
    for extra, says in (
        (["--paradigm", "feedback"], "holds few-shot results, not feedback; rerun with --paradigm few-shot"),
        (["--paradigm", "few-shot", "--rubric-lang", "en"], "was judged by rubric_zh; this run would use rubric_en"),
        (["--paradigm", "few-shot", "--few-shot-seed", "5"], "this run would show problems"),
    ):
        refused = run(sim, data, output, *extra, cwd=tmp_path)
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert (output.read_bytes(), (tmp_path / "r.json.jsonl").read_bytes(), len(sim.requests)) == before


def test_evalearn_2026_flag_and_variable_names(tmp_path, monkeypatch):
    data = data_2026(tmp_path)
    with SimServer(seed=0) as client, SimServer(seed=0) as judge:
        flags = [
            "--client-api-base-url",
            client.base_url,
            "--judge-api-base-url",
            judge.base_url,
            "--sequence-ids",
            "1",
        ]
        result = run_tool("sequential_eval.py", *data, "--output", tmp_path / "a.json", *MODELS, "--no-charts",
                          *flags, env=NO_KEYS, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert {r["model"] for r in client.requests} == {"sim-solver"} and {r["model"] for r in judge.requests} == {
            "sim-judge"
        }
        env = {**NO_KEYS, "CLIENT_API_BASE_URL": client.base_url, "JUDGE_API_BASE_URL": judge.base_url}
        result = run_tool("sequential_eval.py", *data, "--output", tmp_path / "b.json", *MODELS, "--no-charts",
                          "--sequence-ids", "2", env=env, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(client.requests) == len(judge.requests) == 6


def test_python_api_has_the_2026_signature(tmp_path):
    data = data_2026(tmp_path)
    with SimServer(seed=0) as client, SimServer(seed=0) as judge:
        for function, paradigm in (
            (sequential_eval.zeroShotEval, "zero-shot"),
            (sequential_eval.fewShotEval, "few-shot"),
            (sequential_eval.demonstrationEval, "demonstration"),
            (sequential_eval.sequentialEval, "feedback"),
        ):
            output = tmp_path / f"{paradigm}.json"
            # positional, in EvaLearn's order: ..., judge_model, client_model, judge_api_base_url, client_api_base_url
            outcome = function(data[1], data[3], str(output), 2, True, None, None, "sim-judge", "sim-solver",
                               judge.base_url, client.base_url, sequence_ids=[3], env_keys=False)  # fmt: skip
            assert [i.paradigm for i in outcome.items] == [paradigm] * 3
        assert {r["model"] for r in client.requests} == {"sim-solver"} and {r["model"] for r in judge.requests} == {
            "sim-judge"
        }


# -- all four -------------------------------------------------------------------------------------------
def test_demo_paradigm_all_prints_one_table_of_what_the_simulated_models_show(tmp_path):
    result = run_tool("sequential_eval.py", "--demo", "--paradigm", "all", "--num-sequences", "6", "--no-charts",
                      "--output", tmp_path / "demo" / "results.json", env=NO_KEYS, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Four paradigms on the same sequences" in out and "SIMULATED models" in out
    for paradigm in ("zero_shot", "few_shot", "demonstration", "feedback"):
        items = results(tmp_path / "demo" / f"results_{paradigm}.json")
        assert len(items) == 42 and {i["paradigm"] for i in items} == {paradigm.replace("_", "-")}
    table = (tmp_path / "demo" / "results_paradigms.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(): line
        for line in table.splitlines()
        if line.startswith("| ") and "paradigm" not in line
    }
    assert set(rows) == {"zero-shot", "few-shot", "demonstration", "feedback"}
    assert "control" in rows["zero-shot"] and "SIMULATED" in table
    # the simulated student does better with relevant context: a positive gain over zero-shot for each
    for paradigm in ("few-shot", "demonstration", "feedback"):
        assert rows[paradigm].split("|")[6].strip().startswith("+"), rows[paradigm]

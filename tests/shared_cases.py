"""Cases and helpers shared by unit and e2e modules that test one thing twice: in one process and over HTTP.

The metrics' reading (``unit/test_evaluate_metric.py``, ``e2e/test_evaluate_metric_processes.py``):

- ``FENCE``: an EvaLearn judge reply whose fenced verdict is ``answer_score`` N (``FENCE.format(N)``);
- ``write_json`` / ``write_jsonl``: records written as one JSON list / as JSON lines; the path comes back as text;
- ``awkward_records``: records whose texts hold ``}, {`` and nested objects, so a cheap cut between records
  lands inside one and must be caught.

The sequential mode's problems from a runs.jsonl (``unit/test_sequential_data.py``, ``e2e/test_sequential_cli.py``):

- ``run_record``: a runner's run record holding given examples, every other required field a placeholder.

Requests to the simulated endpoint (``unit/test_sim_endpoint.py``, ``e2e/test_sim_http.py``):

- ``user``, ``generation_prompt``, ``judge_prompt``: chat messages as the tools write them;
- ``reply_text``: the text of a 200 reply (a ``requests`` response or the unit tests' direct reply);
- ``final_answer``: what follows the last ``Final answer:`` of a solver's reply.
"""

from __future__ import annotations

import json
from pathlib import Path

from seval.benchmark.records import Example, RunRecord

FENCE = '[Grade]\n```json\n{{"answer_score": {}}}\n```'


def write_json(path: Path, records: list[dict]) -> str:
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
    return str(path)


def write_jsonl(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def awkward_records(n: int) -> list[dict]:
    """``n`` records, 7 to a sequence; record i is correct when ``i % 3 == 1`` (``i % 3 % 2``)."""
    return [
        {
            "sequence_id": i // 7,
            "position_in_sequence": i % 7 + 1,
            "type": ["x", "y"][i // 7 % 2],
            "history": [{"a": "}, {"}, {"b": [{"c": "]}, {["}]}],
            "gpt4judge": 'Quote: "}, {\\" ```python\nx = {"a": [1]}, {}\n``` \\\\' + FENCE.format(i % 3 % 2),
        }
        for i in range(n)
    ]


def run_record(run_id: int, examples: list[Example], **fields) -> RunRecord:
    """A run record of ``examples`` (``fields`` override the placeholders, ``replay=True`` for one)."""
    placeholders = {
        "started_at": "s",
        "ended_at": "e",
        "difficulty_start": 1,
        "difficulty_end": max((example.tags.difficulty for example in examples), default=1),
        "num_questions_per_cell": 1,
        "endpoint_generation": "g",
        "endpoint_answering": "a",
        "endpoint_evaluation": "e",
        "model_generation": "g",
        "model_answering": "a",
        "model_evaluation": "e",
        "reasoning_types": sorted({example.tags.reasoning_type for example in examples}),
        "run_mean_score": 0.0,
        "ema_score": 0.0,
        "n": 1,
        "alpha": 0.3,
    }
    return RunRecord(run_id=run_id, examples=examples, **{**placeholders, **fields})


# -- requests to the simulated endpoint ---------------------------------------------------


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def generation_prompt(kind: str, difficulty: int, extra: str = "") -> list[dict]:
    return [
        {"role": "system", "content": "You write benchmark questions."},
        {
            "role": "user",
            "content": f"Reasoning type: {kind}\nTarget difficulty: {difficulty}/10 "
            f"(some descriptor)\n\nWrite one new question.{extra}",
        },
    ]


def judge_prompt(question: str, answer: str, reference: str | None = None, tail: str = "") -> list[dict]:
    parts = ["Grade the answer.", "<question>", question, "</question>", "<answer>", answer, "</answer>"]
    if reference is not None:
        parts += ["<reference_answer>", reference, "</reference_answer>"]
    return user("\n".join(parts + [tail or 'End with {"score": "correct" or "incorrect", "rationale": "..."}']))


def reply_text(response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


def final_answer(text: str) -> str:
    return text.rsplit("Final answer:", 1)[1].strip()

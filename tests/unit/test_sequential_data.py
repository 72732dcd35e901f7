"""The sequential mode's input, as pure functions: which sequences are chosen, which runs.jsonl questions count.

- ``select_sequences_for_evaluation``: by type, by id, or a seeded draw (that the draw is the same in
  another process is checked in ``e2e/test_sequential_cli.py``);
- ``problems_from_runs``: only scored questions of generated runs become problems.
"""

from __future__ import annotations

import pytest
from shared_cases import run_record

from seval.benchmark.records import Example, ExampleTags
from seval.errors import UsageError
from seval.sequential.data import problems_from_runs, select_sequences_for_evaluation

SEQUENCES = [{"sequence_id": n, "type": "A" if n % 2 else "B", "question_ids": [n]} for n in range(1, 11)]


def example(index: int, reference: str, excluded: bool = False) -> Example:
    return Example(
        question=f"q{index}",
        tags=ExampleTags(reasoning_type="math", difficulty=1, question_index=index),
        answer="a",
        score=1.0,
        created_at="t",
        reference_answer=reference,
        excluded=excluded,
        excluded_reason="unverified: ..." if excluded else None,
    )


def test_excluded_questions_and_replays_do_not_become_problems():
    runs = [
        run_record(1, [example(1, "4"), example(2, "WRONG", excluded=True)]),
        run_record(2, [example(1, "4")], replay=True),
    ]  # run 2 replays run 1's question
    problems = problems_from_runs(runs)
    assert [problem["id"] for problem in problems] == ["r1-math-d1-q1"]
    assert problems[0]["canonical_answer"] == "4" and "The standard answer is: 4" in problems[0]["rubric"]


def test_select_sequences_by_type_id_and_seeded_draw():
    seqs = SEQUENCES
    assert [s["sequence_id"] for s in select_sequences_for_evaluation(seqs, sequence_types=["B"])] == [2, 4, 6, 8, 10]
    assert [s["sequence_id"] for s in select_sequences_for_evaluation(seqs, sequence_ids=["3", 7])] == [3, 7]
    draws = {
        seed: [s["sequence_id"] for s in select_sequences_for_evaluation(seqs, num_sequences=4, seed=seed)]
        for seed in range(6)
    }
    assert all(len(ids) == 4 and ids == sorted(ids) and len(set(ids)) == 4 for ids in draws.values())
    assert len({tuple(ids) for ids in draws.values()}) > 1  # the seed decides the draw
    with pytest.raises(UsageError):
        select_sequences_for_evaluation(seqs, sequence_types=["C"])

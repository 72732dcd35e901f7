"""The metrics' fast paths give exactly what the general ones give.

* the typed decoder (msgspec, only the fields the metrics read) against the untyped parse of every
  value, on plain records and on records that force the fallback chunk by chunk;
* the judge scorer's cache of fence-free tails against ``verdict.parse_answer_score``.
"""

from __future__ import annotations

import pytest
from shared_cases import FENCE, awkward_records, write_json, write_jsonl

from seval import verdict as verdict


def _plain(n: int) -> list[dict]:
    records = [
        {
            "id": i % 11,
            "sequence_id": i // 5,
            "position_in_sequence": i % 5 + 1,
            "type": "ab"[i // 5 % 2],
            "prompt": ["a question", {"nested": [1, 2]}],
            "gpt4judge": FENCE.format(i % 3 % 2) if i % 4 else f'no fence {{"answer_score": {i % 2}}}',
        }
        for i in range(n)
    ]
    for record in records[::7]:  # our own results: the parsed score overrides the judge's text
        record["answer_score"] = 1 - record["gpt4judge"].count('": 1')
    return records


def _odd() -> list[dict]:
    # each of these sends its chunk to the untyped path: a float position, a list id, a bool score,
    # a number as type, a record that is not an object, a missing position, judge_error set
    return [
        {"sequence_id": 90, "position_in_sequence": 2.0, "type": "a", "gpt4judge": FENCE.format(1), "id": 3},
        {"sequence_id": [1], "position_in_sequence": 1, "gpt4judge": FENCE.format(1)},
        {"sequence_id": 91, "position_in_sequence": 1, "answer_score": True, "id": "x"},
        {"sequence_id": 92, "position_in_sequence": 1, "type": 7, "gpt4judge": FENCE.format(1)},
        {"sequence_id": 93, "position_in_sequence": 3, "answer_score": 1, "judge_error": "no verdict", "id": 4},
        {"sequence_id": 94, "gpt4judge": FENCE.format(1), "id": 5},
    ]


def _outcome_facts(outcomes):
    return (
        outcomes.matrix.tolist(),
        outcomes.present.tolist(),
        outcomes.type_of.tolist(),
        outcomes.type_names,
        outcomes.sequence_ids,
        outcomes.stats,
        outcomes.problem_ids.tolist(),
        outcomes.correct_ids,
    )


@pytest.mark.parametrize("writer", [write_json, write_jsonl])
def test_typed_decoding_agrees_with_the_untyped_parse(tmp_path, writer, monkeypatch):
    from seval.metrics import columns
    from seval.metrics.outcomes import collect_outcomes

    records = _plain(300) + _odd() + awkward_records(40) + _plain(60)
    path = writer(tmp_path / "r.json", records)
    typed_chunks = []
    real = columns._typed

    def counting(chunk, want_ids):
        found = real(chunk, want_ids)
        typed_chunks.append(found is not None)
        return found

    monkeypatch.setattr(columns, "_typed", counting)
    fast = collect_outcomes(path, 5, jobs=1, block=2048, want_ids=True)
    assert any(typed_chunks) and not all(typed_chunks)  # both paths were taken
    monkeypatch.setattr(columns, "_typed", lambda chunk, want_ids: None)
    slow = collect_outcomes(path, 5, jobs=1, block=2048, want_ids=True)
    assert _outcome_facts(fast) == _outcome_facts(slow)
    assert fast.stats["unparseable_verdicts"] >= 1  # judge_error counts as unreadable on both paths
    assert fast.stats["scored_from_answer_score"] > 40  # plain chunks with answer_score took the typed path


def test_judge_scorer_fence_free_tails_agree_with_parse_answer_score():
    from seval.metrics.judge import JudgeScorer, score_code

    tails = ['{"answer_score": 1}', '{"answer_score":0}', '{"answer_score": 1, "x": 2}', '{"answer_score": "1"}']
    replies = []
    for pre in ("", "Grade 1\n", "```python\nx = 1\n```\n", "```json never closed ", '{"answer_score": 7, "k": 1} '):
        for tail in tails:
            for post in ("", " thanks", ' {"answer_score": 0}'):
                replies.append(pre + tail + post)
    scorer = JudgeScorer()
    expected = [score_code(*verdict.parse_answer_score(r)) for r in replies]
    for _ in range(2):  # the second pass answers from the cache
        assert [scorer(r) for r in replies] == expected
        assert scorer.codes(replies).tolist() == expected

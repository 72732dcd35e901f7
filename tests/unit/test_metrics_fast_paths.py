"""The metrics' fast paths give exactly what the general ones give.

* the typed decoder (msgspec, only the fields the metrics read) against the untyped parse of every
  value, on plain records and on records that force the fallback chunk by chunk;
* the judge scorer (a cache of reply tails) against ``verdict.parse_answer_score``, on thousands of awkward
  replies.
"""

from __future__ import annotations

import random

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


# Pieces of judge replies, awkward on purpose: fences in other cases or languages, unclosed, empty or
# holding no verdict, exact forms with and without extra keys or spaces, backticks and braces as noise.
NOISE = ["x ", "学生 ", "\n", "```python\nx = {}\n```\n", "```", "``` ", "{", "}", "Grade: 1 point\n"]
OPENS = ["```json", "```JSON", "```Json", "````json", "`````json", "``` json", "```jsonc"]
SEPS = ["\n", " ", "", "\t\n  "]
BODIES = [
    '{"answer_score": 1}',
    '{"answer_score": 0}',
    '{"answer_score": 0.5}',
    '{"answer_score": true}',
    '{"answer_score": "1"}',
    '{"answer_score": 1,}',
    "[1]",
    "",
    '{"answer_score": -1}',
    '{"answer_score": 2}',
    '{"answer_score": NaN}',
    '{"other": 2}',
]
CLOSES = ["```", "\n```", ""]
EXACT = [
    '{"answer_score":1}',
    '{"answer_score": 0}',
    '{"answer_score" : 1}',
    '{"answer_score": 1 }',
    '{"answer_score": 1, "why": "x"}',
    '{"answer_score": 0.5}',
    '{"answer_score": 7}',
]


def _awkward_replies(n: int = 3000) -> list:
    """Replies that are not text, then ``n`` seeded ones made of one to four pieces: noise, a fence, an exact form."""
    rng = random.Random(0)

    def piece() -> str:
        kind = rng.randrange(3)
        if kind == 0:
            return rng.choice(NOISE)
        if kind == 1:
            return rng.choice(OPENS) + rng.choice(SEPS) + rng.choice(BODIES) + rng.choice(SEPS) + rng.choice(CLOSES)
        return rng.choice(EXACT)

    return [None, 7, 1.5, ["```json"], ""] + ["".join(piece() for _ in range(rng.randint(1, 4))) for _ in range(n)]


@pytest.mark.parametrize("limit", [100_000, 3], ids=["cache", "cache-emptied-again-and-again"])
def test_judge_scorer_agrees_with_parse_answer_score(limit):
    from seval.metrics.judge import CORRECT, NON_BINARY, UNPARSED, JudgeScorer, score_code

    replies = _awkward_replies()
    expected = [score_code(*verdict.parse_answer_score(reply)) for reply in replies]
    # the replies reach every outcome, with and without a fence that matches
    fenced = [isinstance(r, str) and verdict.EVALEARN_FENCE.search(r) is not None for r in replies]
    outcomes = {(code, has_fence) for code, has_fence in zip(expected, fenced, strict=True)}
    for code in (0, CORRECT, CORRECT | NON_BINARY, UNPARSED):
        assert {(code, True), (code, False)} <= outcomes, code
    assert (NON_BINARY, True) in outcomes  # -1 in a fence
    scorer = JudgeScorer(limit=limit)
    texts = [(reply, code) for reply, code in zip(replies, expected, strict=True) if isinstance(reply, str)]
    for _ in range(2):  # the second pass answers from the cache (or from a cache emptied while filling it)
        assert [scorer(reply) for reply in replies] == expected
        assert scorer.codes(replies).tolist() == expected  # not all text: one at a time
        assert scorer.codes([reply for reply, _ in texts]).tolist() == [code for _, code in texts]

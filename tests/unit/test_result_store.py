"""The sequential mode's result store: per-sequence lookups from an index, and a JSON list rewritten O(S) times."""

from __future__ import annotations

import json

from seval.sequential.records import ResultStore, SequentialItem


def item(sequence: int, position: int) -> SequentialItem:
    return SequentialItem.model_validate(
        {
            "id": sequence * 100 + position,
            "prompt": "q",
            "sequence_id": sequence,
            "position_in_sequence": position,
            "gpt4res": "a",
            "gpt4judge": '```json\n{"answer_score": 1}\n```',
            "answer_score": 1,
            "processing_time": 0.1,
            "client_model": "c",
            "judge_model": "j",
        }
    )


def test_checkpoints_rewrite_the_list_only_when_the_results_have_doubled(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    store.load()
    store.open()
    writes = []
    for sequence in range(1, 65):  # 64 sequences of 2 positions, a checkpoint after each
        for position in (1, 2):
            store.record(item(sequence, position))
        writes.append(store.checkpoint())
    assert sum(writes) == 7  # at 2, 4, 8, 16, 32, 64 and 128 items, not after each of the 64 sequences
    listed = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert len(listed) == 128
    assert store.write_json() is False  # already complete: the file is left byte for byte as it is


def test_done_for_gives_a_sequence_s_positions_in_order(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    store.load()
    store.open()
    for position in (3, 1, 2):
        store.record(item(7, position))
    store.record(item(8, 1))
    assert [found.position_in_sequence for found in store.done_for(7)] == [1, 2, 3]
    assert store.done_for(9) == []
    reread = ResultStore(tmp_path / "results.json")
    reread.load()
    assert [found.key for found in reread.done_for(7)] == [(7, 1), (7, 2), (7, 3)]

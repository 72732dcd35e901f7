"""The sequential mode's result store: per-sequence lookups from an index, and a JSON list rewritten O(S) times."""

from __future__ import annotations

import json

import pytest

from seval.errors import DataError, UsageError
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
    store.close()


def test_done_for_gives_a_sequence_s_positions_in_order(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    store.load()
    store.open()
    for position in (3, 1, 2):
        store.record(item(7, position))
    store.record(item(8, 1))
    assert [found.position_in_sequence for found in store.done_for(7)] == [1, 2, 3]
    assert store.done_for(9) == []
    store.close()
    reread = ResultStore(tmp_path / "results.json")
    reread.load()
    assert [found.key for found in reread.done_for(7)] == [(7, 1), (7, 2), (7, 3)]
    reread.close()


def test_a_second_store_on_the_same_output_is_refused_while_the_first_holds_it(tmp_path):
    first = ResultStore(tmp_path / "results.json")
    first.load()
    first.open()
    first.record(item(1, 1))
    second = ResultStore(tmp_path / "results.json")
    with pytest.raises(UsageError, match="being written by another sequential evaluation"):
        second.load()
    first.close()
    second.load()  # once the first is done, the output is free again
    assert [found.key for found in second.done_for(1)] == [(1, 1)]
    second.close()


def test_a_journal_made_only_to_hold_the_lock_is_not_left_behind_empty(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    store.load()
    store.open()
    store.close()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("chained", [True, False], ids=["prefixes", "positions"])
def test_a_resume_whose_sequences_changed_is_refused_naming_the_position(tmp_path, chained):
    store = ResultStore(tmp_path / "results.json")
    store.load()
    store.open()
    for position in (1, 2):
        store.record(item(7, position))  # problems 701 and 702

    def finished(question_ids: list) -> dict:
        sequences = [{"sequence_id": 7, "type": "T", "question_ids": question_ids}]
        if chained:
            return store.finished_prefixes(sequences, ("c", "j"))
        return store.finished_positions(sequences)

    assert len(finished([701, 702, 703])[7]) == 2  # the same sequence, one position longer: resumed
    with pytest.raises(DataError, match="position 2 holds problem 702, but the sequence lists 999 there"):
        finished([701, 999])
    with pytest.raises(DataError, match="position 2 holds problem 702, but the sequence has only 1 position"):
        finished([701])
    store.close()


def test_a_gap_before_a_recorded_position_is_refused_only_where_positions_chain(tmp_path):
    store = ResultStore(tmp_path / "results.json")
    store.load()
    store.open()
    for position in (1, 3):
        store.record(item(7, position))
    sequences = [{"sequence_id": 7, "type": "T", "question_ids": [701, 702, 703]}]
    assert sorted(store.finished_positions(sequences)[7]) == [1, 3]  # zero-shot: position 2 is simply missing
    with pytest.raises(DataError, match="has position 3 but not every one before it"):
        store.finished_prefixes(sequences, ("c", "j"))
    store.close()

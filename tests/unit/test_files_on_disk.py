"""Atomic writes and JSONL appends: modes under the umask, strict JSON, torn tails cut from the end only."""

from __future__ import annotations

import json
import os
import stat

import pytest
from pydantic import TypeAdapter

from seval.errors import DataError
from seval.io.atomic import write_json_atomic, write_text_atomic
from seval.io.jsonl import TAIL_BLOCK, JsonlAppender, cut_torn_tail, read_jsonl
from seval.records import Record, TokenUsage


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def test_an_atomic_write_gets_the_mode_the_umask_gives_and_leaves_no_temp_file(tmp_path, umask_027):
    target = tmp_path / "state.json"
    write_text_atomic(target, "one\n")
    write_text_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]


def test_json_files_are_strict_json(tmp_path):
    with pytest.raises(ValueError):
        write_json_atomic(tmp_path / "x.json", {"score": float("nan")})
    assert not (tmp_path / "x.json").exists()


def test_a_torn_last_line_longer_than_a_read_block_is_cut_and_earlier_lines_kept(tmp_path):
    path = tmp_path / "runs.jsonl"
    whole = [TokenUsage(prompt_tokens=n).model_dump_json() for n in range(3)]
    torn = '{"prompt_tokens": ' + "1" * (3 * TAIL_BLOCK)  # a crash mid-write of a long record
    path.write_text("\n".join(whole) + "\n" + torn, encoding="utf-8")
    JsonlAppender(path).append(TokenUsage(prompt_tokens=9))
    assert path.read_text(encoding="utf-8").splitlines() == [*whole, TokenUsage(prompt_tokens=9).model_dump_json()]


def test_a_whole_last_record_missing_only_its_newline_is_kept(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}', encoding="utf-8")
    cut_torn_tail(path)
    assert path.read_text(encoding="utf-8") == '{"a": 1}\n{"b": 2}\n'


def test_a_file_that_is_one_torn_line_becomes_empty(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"a": ', encoding="utf-8")
    cut_torn_tail(path)
    assert path.read_bytes() == b""


def test_a_whole_last_line_that_is_not_json_is_refused_not_skipped(tmp_path):
    """A line that ends with its newline was written whole: a bad one is damage, refused before any append."""
    path = tmp_path / "runs.jsonl"
    path.write_text(TokenUsage().model_dump_json() + "\nnot json at all\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        read_jsonl(path, TypeAdapter(TokenUsage))
    path.write_text(TokenUsage().model_dump_json() + '\n{"prompt_tok', encoding="utf-8")  # what a crash leaves
    records, warning = read_jsonl(path, TypeAdapter(TokenUsage))
    assert len(records) == 1 and "line 2 is truncated" in warning


def test_a_replay_file_whose_reference_answers_are_numbers_is_read(tmp_path):
    from seval.benchmark.dataset import load_replay_items

    path = tmp_path / "questions.jsonl"
    lines = [
        {"question": "What is 6 x 7?", "reference_answer": 42, "reasoning_type": "math", "difficulty": 1},
        {"question": "Half of 7?", "reference_answer": 3.5, "reasoning_type": "math", "difficulty": 2},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert [item.reference_answer for item in load_replay_items(path)] == ["42", "3.5"]


def test_a_last_line_cut_inside_a_multibyte_character_is_a_torn_line_not_a_file_that_is_not_utf8(tmp_path):
    """Model text and EvaLearn's data are often Chinese: a kill can land between a character's bytes."""

    class Note(Record):
        text: str

    path = tmp_path / "results.json.jsonl"
    whole = Note(text="第一").model_dump_json()
    cut = Note(text="第二").model_dump_json().encode("utf-8")[:-4]  # ends inside 二's three bytes
    path.write_bytes(whole.encode("utf-8") + b"\n" + cut)
    records, warning = read_jsonl(path, TypeAdapter(Note))
    assert [note.text for note in records] == ["第一"] and "line 2 is truncated" in warning
    JsonlAppender(path).append(Note(text="第三"))
    assert [note.text for note in read_jsonl(path, TypeAdapter(Note))[0]] == ["第一", "第三"]
    path.write_bytes(b'{"text": "\xff"}\n' + whole.encode("utf-8") + b"\n")  # not a crash: a file that is not UTF-8
    with pytest.raises(DataError, match="is not UTF-8 text"):
        read_jsonl(path, TypeAdapter(Note))

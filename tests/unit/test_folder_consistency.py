"""state.json, runs.jsonl and the journals must belong together; any other combination is refused, never merged."""

from __future__ import annotations

import pytest

from seval.benchmark.consistency import check_journals, check_records
from seval.benchmark.records import BenchmarkState, RunFinished, RunPlan, RunRecord
from seval.errors import DataError

DESCRIPTION = dict(
    started_at="t",
    num_questions_per_cell=1,
    endpoint_generation="g",
    endpoint_answering="a",
    endpoint_evaluation="e",
    model_generation="g",
    model_answering="a",
    model_evaluation="e",
    reasoning_types=["logic"],
    n=2,
    alpha=0.3,
)


def record(run_id: int) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        difficulty_start=1,
        difficulty_end=2,
        ended_at="t",
        run_mean_score=1.0,
        ema_score=1.0,
        examples=[],
        **DESCRIPTION,
    )


def plan(run_id: int, start: int, end: int) -> RunPlan:
    return RunPlan(run_id=run_id, difficulty_start=start, difficulty_end=end, **DESCRIPTION)


def test_the_crash_window_between_record_and_state_is_allowed(tmp_path):
    state = BenchmarkState(run_count=1, current_difficulty=5)
    runs = [record(1), record(2)]  # run 2's record is written before the state counts it
    check_records(tmp_path, state, runs)
    check_journals(tmp_path, state, runs, [plan(2, 3, 4)])


@pytest.mark.parametrize(
    ("run_count", "ids", "named"),
    [(2, [1, 2, 2], "records run 2 twice"), (3, [1, 3], "no record of run 2"), (1, [1, 2, 3], "records run 3")],
)
def test_records_that_do_not_match_the_state_are_refused(tmp_path, run_count, ids, named):
    with pytest.raises(DataError, match=named):
        check_records(tmp_path, BenchmarkState(run_count=run_count), [record(run_id) for run_id in ids])


def test_a_finished_journal_for_the_next_run_is_refused(tmp_path):
    with pytest.raises(DataError, match="journal of a finished run"):
        check_journals(
            tmp_path, BenchmarkState(run_count=0), [record(1)], [plan(1, 1, 2), RunFinished(run_id=1, ended_at="t")]
        )


def test_a_later_journal_means_an_older_state(tmp_path):
    (tmp_path / "journal_run_0003.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="journal_run_0003.jsonl exists"):
        check_journals(tmp_path, BenchmarkState(run_count=1), [record(1)], [])


def test_a_record_of_the_next_run_without_its_journal_is_refused(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        check_journals(tmp_path, BenchmarkState(run_count=1), [record(1), record(2)], [])


@pytest.mark.parametrize("difficulty", [2, 6])
def test_a_resumed_plan_must_contain_the_state_s_difficulty(tmp_path, difficulty):
    with pytest.raises(DataError, match=f"at difficulty {difficulty}"):
        check_journals(
            tmp_path, BenchmarkState(run_count=1, current_difficulty=difficulty), [record(1)], [plan(2, 3, 4)]
        )

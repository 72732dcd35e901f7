"""Whether an output folder's state.json, runs.jsonl and journals belong together, before anything is written.

They are written in a fixed order (journal steps, then the run record, then the
state, then the journal's end), so only a few combinations can exist. Anything
else means a file was moved, restored from an older copy or edited by hand;
carrying on would merge two histories (a second plan appended to a finished
journal, a run id recorded twice), so it is refused with a one-line DataError
that says how to recover. Nothing here writes.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from seval.benchmark.records import BenchmarkState, RunFinished, RunPlan, RunRecord
from seval.benchmark.store import RUNS_FILE, STATE_FILE, journal_path
from seval.errors import DataError

_JOURNAL_NAME = re.compile(r"journal_run_(\d+)\.jsonl")
START_AFRESH = (
    f"move {STATE_FILE}, {RUNS_FILE} and every journal_run_*.jsonl away together to start a new benchmark there"
)


def _refuse(out_dir: Path, problem: str, restore: str) -> DataError:
    return DataError(f"{out_dir}: {problem}; {restore}, or {START_AFRESH}")


def check_records(out_dir: Path, state: BenchmarkState, runs: list[RunRecord]) -> None:
    """Every counted run has exactly one record, and no record is ahead of the state but the next run's."""
    ids = Counter(record.run_id for record in runs)
    twice = sorted(run_id for run_id, count in ids.items() if count > 1)
    if twice:
        raise _refuse(out_dir, f"{RUNS_FILE} records run {twice[0]} twice", f"remove the extra line of {RUNS_FILE}")
    missing = sorted(set(range(1, state.run_count + 1)) - set(ids))
    if missing:
        raise _refuse(
            out_dir,
            f"{STATE_FILE} counts {state.run_count} run(s) but {RUNS_FILE} has no record of run {missing[0]}",
            f"restore the {RUNS_FILE} that belongs to this {STATE_FILE}",
        )
    ahead = sorted(run_id for run_id in ids if run_id > state.run_count + 1)
    if ahead:
        raise _refuse(
            out_dir,
            f"{RUNS_FILE} records run {ahead[-1]} but {STATE_FILE} counts only {state.run_count} run(s) "
            f"({STATE_FILE} is older than the records: moved away or restored?)",
            f"put back the {STATE_FILE} that belongs to these records",
        )


def check_journals(out_dir: Path, state: BenchmarkState, runs: list[RunRecord], next_events: list) -> None:
    """The next run's journal is absent, or unfinished and planned for this state; no later journal exists."""
    next_id = state.run_count + 1
    later = sorted(
        int(match.group(1))
        for path in out_dir.glob("journal_run_*.jsonl")
        if (match := _JOURNAL_NAME.fullmatch(path.name)) and int(match.group(1)) > next_id
    )
    if later:
        raise _refuse(
            out_dir,
            f"journal_run_{later[-1]:04d}.jsonl exists but {STATE_FILE} counts only {state.run_count} run(s)",
            f"put back the {STATE_FILE} that belongs to these journals",
        )
    path = journal_path(out_dir, next_id)
    if not next_events:
        if any(record.run_id == next_id for record in runs):  # the record is written while its journal is open
            raise _refuse(
                out_dir,
                f"{RUNS_FILE} records run {next_id} but {path.name} does not exist",
                f"put back {path.name}, or the {STATE_FILE} that counts run {next_id}",
            )
        return
    if any(isinstance(event, RunFinished) for event in next_events):
        raise _refuse(
            out_dir,
            f"{path.name} is the journal of a finished run, but {STATE_FILE} counts only {state.run_count} run(s) "
            f"({STATE_FILE} is older than the journal: moved away or restored?)",
            f"put back the {STATE_FILE} that counts run {next_id}",
        )
    plans = [event for event in next_events if isinstance(event, RunPlan)]
    _check_plan_fits_state(out_dir, state, plans[-1], path)


def _check_plan_fits_state(out_dir: Path, state: BenchmarkState, plan: RunPlan, path: Path) -> None:
    """An interrupted generated run can only have moved the state's difficulty within its own range."""
    if plan.replay or plan.cycle > state.cycle:  # a replay does not move it; a new cycle's state is not saved yet
        return
    if plan.cycle < state.cycle or not plan.difficulty_start <= state.current_difficulty <= plan.difficulty_end + 1:
        raise _refuse(
            out_dir,
            f"{path.name} plans difficulties {plan.difficulty_start}-{plan.difficulty_end} of cycle {plan.cycle}, "
            f"but {STATE_FILE} is at difficulty {state.current_difficulty} of cycle {state.cycle}: they do not "
            "belong together",
            f"put back the {STATE_FILE} this run was started with, or move {path.name} away to abandon the run",
        )

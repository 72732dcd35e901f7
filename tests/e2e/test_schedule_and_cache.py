"""The concurrent schedule, the reply cache and rate limits change nothing in a run's results.

The CLI runs in-process (``helpers.run_command``) against the SIMULATED endpoint
over real HTTP on loopback, whose replies depend only on the request body and the
seed. So two schedules that send the same prompts get the same replies, and a run
is compared with a run of another schedule (or with a cache, or through faults)
for equality. Two runs sharing a cache folder are two real processes at once
(``helpers.run_commands_together``): two processes are the point there.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from helpers import (
    PLANNED,
    PLANNED_REQUESTS,
    canonical,
    cli_args,
    comparable,
    read_lines,
    run_command,
    run_commands_together,
)

from seval.sim.server import SimServer

# Every run here is ``helpers.cli_args``: TYPES x LEVELS x PER_CELL = PLANNED (24) examples on the sim's
# models, one generation, one answer and one verdict request each (PLANNED_REQUESTS).
ROLES = ("generation", "answering", "evaluation")


# --- helpers ----------------------------------------------------------------------------


def results(out_dir: Path) -> tuple[list[dict], dict]:
    """(comparable run records, state) of an output folder."""
    runs = [comparable(record) for record in read_lines(out_dir / "runs.jsonl")]
    state = json.loads((out_dir / "state.json").read_text(encoding="utf-8"))
    return runs, state


def prompt_multiset(bodies: list[dict]) -> Counter:
    """Canonical JSON of what decides a reply, counted: arrival order does not matter."""
    return Counter(canonical(body) for body in bodies)


def cache_counts(stdout: str) -> dict[str, tuple[int, int]]:
    """{role: (hits, misses)} from the CLI's 'Cache: ...' line."""
    text = " ".join(stdout.split())
    return {
        role: (int(hit), int(miss))
        for role, hit, miss in re.findall(r"(generation|answering|evaluation) (\d+) hit / (\d+) miss", text)
    }


class FaultCountingSim(SimServer):
    """The sim, noting which simulated fault it answered with (to prove 429s really happened)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.faults: Counter[str] = Counter()

    def _fault_for(self, path: str, body: bytes) -> str | None:
        fault = super()._fault_for(path, body)
        if fault:
            self.faults[fault] += 1
        return fault


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The default schedule (--concurrency 8) on a fresh sim of seed 0: its results and the requests sent."""
    out_dir = tmp_path_factory.mktemp("concurrent")
    with SimServer(seed=0) as sim:
        result = run_command(cli_args(sim.base_url, out_dir, "--concurrency", "8"), out_dir)
        assert result.returncode == 0, result.stderr
        sent = list(sim.requests)
    runs, state = results(out_dir)
    assert len(runs) == 1 and len(runs[0]["examples"]) == PLANNED
    return {"runs": runs, "state": state, "requests": sent}


# --- schedule ---------------------------------------------------------------------------


def test_concurrent_schedule_sends_the_prompts_of_the_one_at_a_time_schedule(reference, tmp_path):
    with SimServer(seed=0) as sim:
        result = run_command(cli_args(sim.base_url, tmp_path, "--concurrency", "1"), tmp_path)
        assert result.returncode == 0, result.stderr
        serial_requests = list(sim.requests)
    assert len(serial_requests) == len(reference["requests"]) == PLANNED_REQUESTS
    assert prompt_multiset(serial_requests) == prompt_multiset(reference["requests"])
    assert results(tmp_path) == (reference["runs"], reference["state"])


# --- cache ------------------------------------------------------------------------------


def test_cache_answers_a_second_run_without_a_request(reference, tmp_path):
    cache = tmp_path / "cache"
    with SimServer(seed=0) as sim:
        first = run_command(cli_args(sim.base_url, tmp_path / "first", "--cache-dir", str(cache)), tmp_path)
        assert first.returncode == 0, first.stderr
        sent_by_first = sim.request_count
        assert sent_by_first == PLANNED_REQUESTS
        second = run_command(cli_args(sim.base_url, tmp_path / "second", "--cache-dir", str(cache)), tmp_path)
        assert second.returncode == 0, second.stderr
        assert sim.request_count == sent_by_first  # nothing reached the endpoint
    assert cache_counts(first.stdout) == {role: (0, PLANNED) for role in ROLES}
    assert cache_counts(second.stdout) == {role: (PLANNED, 0) for role in ROLES}
    assert results(tmp_path / "first") == results(tmp_path / "second") == (reference["runs"], reference["state"])


def test_two_processes_sharing_a_cache_folder_finish_equal(reference, tmp_path):
    cache = tmp_path / "cache"
    with SimServer(seed=0) as sim:
        both = run_commands_together(
            [cli_args(sim.base_url, tmp_path / name, "--cache-dir", str(cache)) for name in ("a", "b")], tmp_path
        )
        assert sim.request_count <= 2 * PLANNED_REQUESTS
    for result in both:
        assert result.returncode == 0, result.stderr
        counts = cache_counts(result.stdout)
        assert {role: sum(pair) for role, pair in counts.items()} == {role: PLANNED for role in ROLES}
    assert results(tmp_path / "a") == results(tmp_path / "b") == (reference["runs"], reference["state"])
    # Every cached reply is whole JSON: concurrent writers never leave half a file.
    entries = [path for path in cache.rglob("*.json") if not path.name.startswith(".")]
    assert len(entries) == PLANNED_REQUESTS
    for path in entries:
        json.loads(path.read_text(encoding="utf-8"))


# --- rate limits and transient faults ------------------------------------------------------


def test_rate_limits_and_transient_faults_do_not_change_the_run(reference, tmp_path):
    with FaultCountingSim(seed=0, fault_rate=0.5) as sim:
        result = run_command(cli_args(sim.base_url, tmp_path, "--retry-backoff", "0"), tmp_path)
        assert result.returncode == 0, result.stderr
        assert sim.faults["rate_limit"] > 0  # 429s really happened
        assert sim.request_count == PLANNED_REQUESTS + sum(sim.faults.values())  # each fault retried once
    assert results(tmp_path) == (reference["runs"], reference["state"])

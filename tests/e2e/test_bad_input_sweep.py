"""Bad input to every command-line tool, as a user meets it: one table, one test.

Each row writes its files in a folder of its own, runs one CLI in-process as a user
would run it (``helpers.run_tool``: its working folder is the row's folder, so default
outputs would land there too; its environment has no API key or base URL)
and expects: a non-zero exit code (2 for bad input to the runner and the sequential
mode, 1 for evaluate_metric.py), exactly one line on stderr in the tool's error
format, no traceback anywhere, no request to the (simulated) endpoint, and every
file and folder under the row's folder exactly as before (bytes and mtimes; nothing
new either). One row is not an error: a torn last line of runs.jsonl is reported,
dropped, and the run goes on keeping the earlier run.

The endpoint is the simulator on loopback (``sim`` from conftest), so "no request"
is counted where requests arrive.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import run_main, run_tool

RUNNER, SEQUENTIAL, METRICS = "self_evolving_benchmark.py", "sequential_eval.py", "evaluate_metric.py"
NOT_UTF8 = b'\xff\xfe{"run_count": 1}\n\x80\x81'
PROBLEMS = json.dumps([{"id": 1, "type": "Math", "prompt": ["What is 2 + 2?"], "rubric": "The answer is 4."}]).encode()
SEQUENCES = json.dumps([{"sequence_id": 1, "type": "Math", "question_ids": [1]}]).encode()
SEQUENTIAL_DATA = {"problems.json": PROBLEMS, "sequences.json": SEQUENCES}
SEQUENTIAL_IO = ("--input", "problems.json", "--seq", "sequences.json", "--output", "out/results.json")
SOME_RESULTS = b'[{"sequence_id": 1}]\n'
METRICS_ERROR = "evaluate_metric.py: error: "


def runner(url: str, *extra: object) -> list[str]:
    return [
        RUNNER,
        "--base-url",
        url,
        "--model-generation",
        "sim-generator",
        "--model-answering",
        "sim-solver",
        "--model-evaluation",
        "sim-judge",
        "--reasoning-types",
        "logic",
        "--n",
        "1",
        "--no-charts",
        "--retry-backoff",
        "0",
        "--max-retries",
        "0",
        *map(str, extra),
    ]


def sequential(url: str, *extra: object) -> list[str]:
    return [
        SEQUENTIAL,
        "--client-base-url",
        url,
        "--judge-base-url",
        url,
        "--client-model",
        "sim-solver",
        "--judge-model",
        "sim-judge",
        "--retry-backoff",
        "0",
        "--max-retries",
        "0",
        *map(str, extra),
    ]


def metrics(*extra: object) -> list[str]:
    return [METRICS, "--bootstrap", "0", *map(str, extra)]


def finished_run_then_torn_line(folder: Path, url: str) -> None:
    """A real finished run in ``folder/out`` (in-process), then half a line appended to its runs.jsonl."""
    assert run_main(*runner(url, "--out-dir", folder / "out")[1:]) == 0
    runs = folder / "out" / "runs.jsonl"
    runs.write_bytes(runs.read_bytes() + b'{"run_id": 2, "started_at": "2026-01-01T00:00:00+00:00", "ended_')


def finished_run_then_garbage_line(folder: Path, url: str) -> None:
    """A finished run, then a whole line that is not JSON: hand-made damage, not a crash's torn tail."""
    assert run_main(*runner(url, "--out-dir", folder / "out")[1:]) == 0
    runs = folder / "out" / "runs.jsonl"
    runs.write_bytes(runs.read_bytes() + b"this line is not JSON\n")


def finished_run_then_state_moved_away(folder: Path, url: str) -> None:
    """A finished run whose state.json was moved away (as README once suggested for a damaged one)."""
    assert run_main(*runner(url, "--out-dir", folder / "out")[1:]) == 0
    (folder / "out" / "state.json").rename(folder / "state.json.moved")


def two_runs_then_older_state(folder: Path, url: str) -> None:
    """Two finished runs, then the state.json saved after the first one put back."""
    assert run_main(*runner(url, "--out-dir", folder / "out")[1:]) == 0
    older = (folder / "out" / "state.json").read_bytes()
    assert run_main(*runner(url, "--out-dir", folder / "out")[1:]) == 0
    (folder / "out" / "state.json").write_bytes(older)


def state_behind_its_journal(folder: Path, url: str) -> None:
    """An interrupted run's journal planned for difficulty 1, with a state.json already at difficulty 5."""
    assert run_main(*runner(url, "--out-dir", folder / "out")[1:]) == 0
    out = folder / "out"
    journal = (out / "journal_run_0001.jsonl").read_text(encoding="utf-8").splitlines()
    plan = json.loads(journal[0])
    plan["run_id"] = 2
    (out / "journal_run_0002.jsonl").write_text(json.dumps(plan) + "\n", encoding="utf-8")
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    (out / "state.json").write_text(json.dumps({**state, "current_difficulty": 5}), encoding="utf-8")


@dataclass(frozen=True)
class Row:
    """One bad input: files to write (relative path -> bytes) and the command line, given the sim's URL."""

    files: dict[str, bytes]
    argv: Callable[[str], list[str]]
    code: int
    named: tuple[str, ...]  # texts the error line must hold
    prefix: str = "error: "
    locked: str | None = None  # a folder made read-only (chmod 0o500) for the run
    prepare: Callable[[Path, str], None] | None = None
    marks: tuple = field(default=())


ROWS = {
    # -- the runner: exit 2 ------------------------------------------------------------------------
    "runner-corrupt-state": Row(
        {"out/state.json": b'{"run_count": 1, "current_diffic'},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("state.json", "not valid JSON"),
    ),
    "runner-state-ema-above-one": Row(
        {"out/state.json": b'{"run_count": 0, "current_difficulty": 1, "ema": 1.5}'},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("state.json", "field 'ema'", "less than or equal to 1"),
    ),
    "runner-state-ema-not-finite": Row(
        {"out/state.json": b'{"run_count": 0, "current_difficulty": 1, "ema_by_difficulty": {"1": NaN}}'},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("state.json", "ema_by_difficulty.1"),
    ),
    "runner-state-not-utf8": Row(
        {"out/state.json": NOT_UTF8}, lambda url: runner(url, "--out-dir", "out"), 2, ("state.json", "UTF-8")
    ),
    "runner-torn-runs-line": Row(  # not an error: see check_torn_runs_line
        {}, lambda url: runner(url, "--out-dir", "out"), 0, (), prepare=finished_run_then_torn_line
    ),
    "runner-runs-line-not-json": Row(
        {},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("runs.jsonl", "line 2"),
        prepare=finished_run_then_garbage_line,
    ),
    "runner-state-moved-away": Row(
        {},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("journal_run_0001.jsonl", "finished run", "state.json"),
        prepare=finished_run_then_state_moved_away,
    ),
    "runner-state-restored-older": Row(
        {},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("journal_run_0002.jsonl", "older", "state.json"),
        prepare=two_runs_then_older_state,
    ),
    "runner-journal-planned-for-another-difficulty": Row(
        {},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("journal_run_0002.jsonl", "difficulty 5"),
        prepare=state_behind_its_journal,
    ),
    "runner-extra-body-sets-the-model": Row(
        {},
        lambda url: runner(url, "--extra-body-answering", '{"model": "other", "top_p": 1}', "--out-dir", "out"),
        2,
        ("--extra-body-answering", "model", "the tool sets itself"),
    ),
    "runner-extra-body-sets-messages-and-token-limit": Row(
        {},
        lambda url: runner(url, "--extra-body-evaluation", '{"messages": [], "max_tokens": 9}', "--out-dir", "out"),
        2,
        ("--extra-body-evaluation", "messages, max_tokens"),
    ),
    "runner-extra-body-not-strict-json": Row(
        {},
        lambda url: runner(url, "--extra-body-answering", '{"top_p": NaN}', "--out-dir", "out"),
        2,
        ("--extra-body-answering", "must be a JSON object"),
    ),
    "runner-timeout-nan": Row(
        {}, lambda url: runner(url, "--timeout", "nan", "--out-dir", "out"), 2, ("--timeout must be above 0",)
    ),
    "runner-timeout-inf": Row(
        {}, lambda url: runner(url, "--timeout", "inf", "--out-dir", "out"), 2, ("--timeout must be above 0",)
    ),
    "runner-timeout-overflow": Row(
        {}, lambda url: runner(url, "--timeout", "1e400", "--out-dir", "out"), 2, ("--timeout must be above 0",)
    ),
    "runner-backoff-inf": Row(
        {},
        lambda url: runner(url, "--retry-backoff", "inf", "--out-dir", "out"),
        2,
        ("--retry-backoff must be between 0 and 60",),
    ),
    "runner-backoff-huge": Row(
        {},
        lambda url: runner(url, "--retry-backoff", "1e9", "--out-dir", "out"),
        2,
        ("--retry-backoff must be between 0 and 60",),
    ),
    "runner-num-questions-huge": Row(
        {},
        lambda url: runner(url, "--num-questions", "100000000", "--out-dir", "out"),
        2,
        ("--num-questions must be between 1 and 1000",),
    ),
    "runner-concurrency-huge": Row(
        {},
        lambda url: runner(url, "--concurrency", "1000000", "--out-dir", "out"),
        2,
        ("--concurrency must be between 1 and 256",),
    ),
    "runner-concurrency-not-an-int": Row(
        {}, lambda url: runner(url, "--concurrency", "1e20", "--out-dir", "out"), 2, ("--concurrency",)
    ),
    "runner-max-tokens-huge": Row(
        {},
        lambda url: runner(url, "--max-tokens-answering", "100000000000", "--out-dir", "out"),
        2,
        ("--max-tokens-answering must be between 1",),
    ),
    "runner-config-timeout-nan": Row(
        {"bench.toml": b"timeout = nan\n"},
        lambda url: runner(url, "--config", "bench.toml", "--out-dir", "out"),
        2,
        ("--timeout must be above 0",),
    ),
    "sequential-workers-huge": Row(
        SEQUENTIAL_DATA,
        lambda url: sequential(url, *SEQUENTIAL_IO, "--workers", "100000"),
        2,
        ("--workers must be between 1 and 256",),
    ),
    "runner-report-path-is-a-folder": Row(
        {"out/report_run_0001.md/notes.txt": b"mine\n"},
        lambda url: runner(url, "--out-dir", "out"),
        2,
        ("report_run_0001.md", "is a folder"),
    ),
    "sequential-report-path-is-a-folder": Row(
        {**SEQUENTIAL_DATA, "out/results.report.md/notes.txt": b"mine\n"},
        lambda url: sequential(url, *SEQUENTIAL_IO),
        2,
        ("results.report.md", "is a folder"),
    ),
    "runner-replay-not-utf8": Row(
        {"questions.jsonl": NOT_UTF8},
        lambda url: runner(url, "--replay", "questions.jsonl", "--out-dir", "out"),
        2,
        ("questions.jsonl", "UTF-8"),
    ),
    "runner-replay-missing": Row(
        {},
        lambda url: runner(url, "--replay", "nowhere.jsonl", "--out-dir", "out"),
        2,
        ("nowhere.jsonl", "does not exist"),
    ),
    "runner-config-not-utf8": Row(
        {"bench.toml": b'n = 1\nalpha = "\xff\xfe"\n'},
        lambda url: runner(url, "--config", "bench.toml", "--out-dir", "out"),
        2,
        ("bench.toml",),
    ),
    "runner-out-dir-is-a-file": Row(
        {"out": b"not a folder\n"}, lambda url: runner(url, "--out-dir", "out"), 2, ("out", "not a folder")
    ),
    "runner-cache-dir-is-a-file": Row(
        {"cache": b"not a folder\n"},
        lambda url: runner(url, "--cache-dir", "cache", "--out-dir", "out"),
        2,
        ("cache", "not a folder"),
    ),
    "runner-out-dir-not-writable": Row(
        {}, lambda url: runner(url, "--out-dir", "locked/out"), 2, ("locked", "not writable"), locked="locked"
    ),
    # -- the sequential mode: exit 2 -----------------------------------------------------------------
    "sequential-problems-missing-fields": Row(
        {**SEQUENTIAL_DATA, "problems.json": b'[{"id": 1, "type": "Math"}]'},
        lambda url: sequential(url, *SEQUENTIAL_IO),
        2,
        ("problems.json", "prompt"),
    ),
    "sequential-input-not-utf8": Row(
        {**SEQUENTIAL_DATA, "problems.json": NOT_UTF8},
        lambda url: sequential(url, *SEQUENTIAL_IO),
        2,
        ("problems.json", "UTF-8"),
    ),
    "sequential-seq-not-utf8": Row(
        {**SEQUENTIAL_DATA, "sequences.json": NOT_UTF8},
        lambda url: sequential(url, *SEQUENTIAL_IO),
        2,
        ("sequences.json", "UTF-8"),
    ),
    "sequential-input-not-strict-json": Row(
        {**SEQUENTIAL_DATA, "problems.json": PROBLEMS.replace(b'"id": 1', b'"id": 1, "level": NaN')},
        lambda url: sequential(url, *SEQUENTIAL_IO),
        2,
        ("problems.json", "not valid JSON", "NaN"),
    ),
    "sequential-input-missing": Row(
        {"sequences.json": SEQUENCES},
        lambda url: sequential(url, *SEQUENTIAL_IO),
        2,
        ("problems.json", "does not exist"),
    ),
    "sequential-output-folder-is-a-file": Row(
        {**SEQUENTIAL_DATA, "out": b"a file\n"}, lambda url: sequential(url, *SEQUENTIAL_IO), 2, ("out", "not a folder")
    ),
    "sequential-output-not-writable": Row(
        SEQUENTIAL_DATA,
        lambda url: sequential(url, *SEQUENTIAL_IO[:-1], "locked/results.json"),
        2,
        ("locked", "not writable"),
        locked="locked",
    ),
    # -- evaluate_metric.py: exit 1, its own one-line format ---------------------------------------------
    "metrics-bootstrap-huge": Row(
        {"results.json": SOME_RESULTS},
        lambda url: metrics("--results", "results.json", "--output", "report.json", "--bootstrap", "100000000"),
        1,
        ("--bootstrap must be between 0 and 100000",),
        prefix=METRICS_ERROR,
    ),
    "metrics-results-wrong-shape": Row(
        {"results.json": b"[1, 2, 3]\n"},
        lambda url: metrics("--results", "results.json", "--output", "report.json"),
        1,
        ("results.json", "wrong shape"),
        prefix=METRICS_ERROR,
    ),
    "metrics-results-not-utf8": Row(
        {"results.json": NOT_UTF8},
        lambda url: metrics("--results", "results.json", "--output", "report.json"),
        1,
        ("results.json", "UTF-8"),
        prefix=METRICS_ERROR,
    ),
    "metrics-results-missing": Row(
        {},
        lambda url: metrics("--results", "nowhere.json", "--output", "report.json"),
        1,
        ("nowhere.json", "no such file"),
        prefix=METRICS_ERROR,
    ),
    "metrics-output-folder-is-a-file": Row(
        {"results.json": SOME_RESULTS, "out": b"a file\n"},
        lambda url: metrics("--results", "results.json", "--output", "out/report.json"),
        1,
        ("out",),
        prefix=METRICS_ERROR,
    ),
    "metrics-output-not-writable": Row(
        {"results.json": SOME_RESULTS},
        lambda url: metrics("--results", "results.json", "--output", "locked/r.json"),
        1,
        ("locked",),
        prefix=METRICS_ERROR,
        locked="locked",
    ),
}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every path under ``folder``: files as (bytes, mtime_ns), folders as None."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns) if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def tool_env() -> dict[str, str | None]:
    """What the tools must not see (None: removed): any OPENAI_* or per-role key; and a wide console."""
    dropped = [name for name in os.environ if name.startswith("OPENAI_")] + ["CLIENT_API_KEY", "JUDGE_API_KEY"]
    return {**dict.fromkeys(dropped), "COLUMNS": "400"}


def write_files(row: Row, folder: Path) -> Path | None:
    """The row's files under ``folder``, and its read-only folder (returned), if it has one."""
    for relative, content in row.files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    if row.locked is None:
        return None
    locked = folder / row.locked
    locked.mkdir()
    locked.chmod(0o500)
    return locked


@pytest.mark.parametrize("name", [pytest.param(name, marks=list(row.marks), id=name) for name, row in ROWS.items()])
def test_bad_input(sim, tmp_path, name):
    row, folder = ROWS[name], tmp_path
    locked = write_files(row, folder)
    try:
        if locked is not None and os.access(locked, os.W_OK):
            pytest.skip("a chmod 0o500 folder is still writable here (running as root)")
        if row.prepare is not None:
            row.prepare(folder, sim.base_url)
        before, sent_before = snapshot(folder), sim.request_count
        argv = row.argv(sim.base_url)
        result = run_tool(argv[0], *argv[1:], env=tool_env(), cwd=folder)
        after, requests = snapshot(folder), sim.request_count - sent_before
    finally:
        if locked is not None:
            locked.chmod(0o700)  # so the folder can be cleaned up

    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert result.returncode == row.code, (result.returncode, result.stderr)
    if row.code == 0:
        check_torn_runs_line(folder, before, result, requests)
        return
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(row.prefix), lines[0]
    for text in row.named:
        assert text in lines[0], (text, lines[0])
    assert requests == 0
    changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path, "absent") != after.get(path, "absent")
    )
    assert changed == [], f"written or changed: {changed}"


def check_torn_runs_line(folder: Path, before: dict, result, requests: int) -> None:
    """The torn last line is named on stderr and dropped; the earlier run is kept byte for byte."""
    stderr = " ".join(result.stderr.split())
    assert "runs.jsonl" in stderr and "truncated" in stderr and "ignored" in stderr, result.stderr
    earlier, _ = before["out/runs.jsonl"]
    kept = earlier[: earlier.rindex(b"\n") + 1]  # run 1, without the torn tail
    runs = (folder / "out" / "runs.jsonl").read_bytes()
    assert runs.startswith(kept)
    records = [json.loads(line) for line in runs.splitlines()]
    assert [record["run_id"] for record in records] == [1, 2]
    assert records[1]["difficulty_start"] == 2  # the new run continued where run 1 ended
    state = json.loads((folder / "out" / "state.json").read_text(encoding="utf-8"))
    assert state["run_count"] == 2 and state["current_difficulty"] == 3
    assert requests == 3  # one question, one answer, one verdict

"""Durability of a benchmark run: interrupted runs resume to the very run an
uninterrupted one produces.

Every test drives the CLI against the SIMULATED endpoint on loopback. The runs
that are killed (SIGKILL) or interrupted (SIGINT) are real processes, since the
signal is the point; every other run (the uninterrupted reference, the reruns
that resume, the sessions after a damaged file) runs in-process
(``helpers.run_command``). Interruptions land at exact request numbers through
the sim's ``on_request`` hook (called in the server thread before the reply),
so there are no sleeps and no timing assumptions. What is asserted is equality
with an uninterrupted run of the same sim seed: same questions, same round-robin
order, same answers and scores, same EMAs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest
import requests
from helpers import (
    LEVELS,
    MODELS,
    PER_CELL,
    PLANNED,
    PLANNED_REQUESTS,
    TIMEOUT_S,
    TYPES,
    canonical,
    cli_args,
    cli_env,
    comparable,
    free_port,
    read_lines,
    run_command,
    run_main,
)

from seval.cli import benchmark as self_evolving_benchmark
from seval.sim.server import SimServer

# Every run here is ``helpers.cli_args``: TYPES x LEVELS x PER_CELL = PLANNED (24) examples on the sim's
# MODELS, one generation, one answer and one verdict request each (PLANNED_REQUESTS).


# --- helpers ----------------------------------------------------------------------------


def flat(text: str) -> str:
    """Output with every run of whitespace made one space (rich may still break lines)."""
    return " ".join(text.split())


class Interrupter:
    """``on_request`` hook: sends a signal to a client process when request ``at`` arrives."""

    def __init__(self) -> None:
        self.at: int | None = None
        self.sig = signal.SIGKILL
        self.proc: subprocess.Popen | None = None
        self.fired = False
        self._ready = threading.Event()

    def __call__(self, count: int) -> None:
        if self.at is None or count != self.at:
            return
        self._ready.wait(TIMEOUT_S)  # the Popen object exists before the signal goes out
        self.fired = True
        try:
            os.kill(self.proc.pid, self.sig)
        except ProcessLookupError:
            pass

    def run(self, args: list[str], cwd: Path, at: int, sig: int = signal.SIGKILL) -> subprocess.CompletedProcess:
        """Run the CLI and signal it when the sim receives its request number ``at``."""
        self._ready.clear()
        self.at, self.sig, self.fired = at, sig, False
        proc = subprocess.Popen(args, cwd=cwd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.proc = proc
        self._ready.set()
        try:
            stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
        finally:
            self.at = None
        return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def journal_file(out_dir: Path, run_id: int = 1) -> Path:
    return out_dir / f"journal_run_{run_id:04d}.jsonl"


def step_key(event: dict) -> tuple:
    return event["difficulty"], event["reasoning_type"], event["question_index"]


def finished_part(data: bytes) -> bytes:
    """A file's bytes as a resume keeps them after a kill: a last line without its newline is kept only when it
    is a whole record. A SIGKILL can land inside a write, which the kernel then stops at a page boundary, so the
    line being appended at that moment may be cut anywhere, even inside a character."""
    end = data.rfind(b"\n") + 1
    try:
        json.loads(data[end:] or b"null")
    except ValueError:
        return data[:end]
    return data


def journaled(out_dir: Path) -> tuple[dict, dict]:
    """Question and item steps of run 1's journal, by cell (as a resume reads them, see ``finished_part``)."""
    lines = finished_part(journal_file(out_dir).read_bytes()).splitlines()
    events = [json.loads(line) for line in lines if line.strip()]
    questions = {step_key(e): e for e in events if e["kind"] == "question"}
    items = {step_key(e): e for e in events if e["kind"] == "item"}
    return questions, items


def outputs(out_dir: Path) -> tuple[list[dict], dict]:
    runs = read_lines(out_dir / "runs.jsonl")
    state = json.loads((out_dir / "state.json").read_text(encoding="utf-8"))
    return runs, state


def round_robin_tags() -> list[dict]:
    return [
        {"reasoning_type": kind, "difficulty": level, "question_index": index}
        for level in range(1, LEVELS + 1)
        for kind in TYPES
        for index in range(1, PER_CELL + 1)
    ]


def assert_equals_reference(out_dir: Path, reference: dict) -> None:
    """One run, id 1, planned size, round-robin order, every step once; record and state as uninterrupted."""
    runs, state = outputs(out_dir)
    assert [r["run_id"] for r in runs] == [1]
    record = runs[0]
    assert len(record["examples"]) == PLANNED
    assert [e["tags"] for e in record["examples"]] == round_robin_tags()
    assert comparable(record) == reference["record"]
    assert state == reference["state"]
    events = read_lines(journal_file(out_dir))
    for kind in ("question", "item"):
        keys = [step_key(e) for e in events if e["kind"] == kind]
        assert len(keys) == len(set(keys)) == PLANNED, f"{kind} steps journaled twice or missing"
    assert [e["kind"] for e in events].count("finished") == 1


def question_in_reply(text: str) -> str:
    """The question a generator's reply carries: a JSON object's 'question' (fenced or not), else the text."""
    body = text.strip()
    fenced = re.match(r"^```[^\n]*\n(.*?)\n?```$", body, re.DOTALL)
    if fenced:
        body = fenced.group(1).strip()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("question"), str):
        return parsed["question"].strip()
    return body


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the same command on a fresh sim with the same seed."""
    out_dir = tmp_path_factory.mktemp("reference")
    with SimServer(seed=0) as sim:
        result = run_command(cli_args(sim.base_url, out_dir), out_dir)
        assert result.returncode == 0, result.stderr
        # The request counts asserted below assume one generation, one answer and one verdict per item.
        assert sim.request_count == PLANNED_REQUESTS, "the reference run asked again for a question or a verdict"
        generation_prompts = Counter(canonical(r) for r in sim.requests if r["model"] == MODELS["generation"])
    runs, state = outputs(out_dir)
    assert len(runs) == 1 and runs[0]["judge_errors"] == 0
    return {"out_dir": out_dir, "record": comparable(runs[0]), "state": state, "generation_prompts": generation_prompts}


@pytest.fixture
def interrupted_sim():
    hook = Interrupter()
    with SimServer(seed=0, on_request=hook) as sim:
        yield sim, hook


@pytest.fixture(scope="module")
def oracle():
    """A sim of the same seed that tells which question a generation prompt produces."""
    with SimServer(seed=0) as sim, requests.Session() as http:

        def question_for(body: dict) -> str:
            reply = http.post(f"{sim.base_url}/chat/completions", json=body, timeout=30)
            reply.raise_for_status()
            return question_in_reply(reply.json()["choices"][0]["message"]["content"])

        yield question_for


# --- SIGKILL ------------------------------------------------------------------------


@pytest.mark.parametrize("kill_at", [3, 17, 40])
def test_sigkill_then_rerun_equals_uninterrupted_run_and_redoes_no_journaled_step(
    reference, interrupted_sim, oracle, tmp_path, kill_at
):
    """Killed at request ``kill_at``, then rerun: the same run, and only what the journal lacks is asked.

    The rerun is the same command against a second sim of the same seed, so the
    requests that sim sees are exactly the rerun's (none can still be arriving
    from the killed process).
    """
    sim, hook = interrupted_sim
    killed = hook.run(cli_args(sim.base_url, tmp_path), tmp_path, at=kill_at)
    assert hook.fired and killed.returncode == -signal.SIGKILL
    assert not (tmp_path / "runs.jsonl").exists()
    questions, items = journaled(tmp_path)
    assert len(items) < PLANNED

    with SimServer(seed=0) as rerun_sim:
        resumed = run_command(cli_args(rerun_sim.base_url, tmp_path), tmp_path)
        sent = list(rerun_sim.requests)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming interrupted run 1" in flat(resumed.stderr)
    assert_equals_reference(tmp_path, reference)

    by_model = {role: [r for r in sent if r["model"] == model] for role, model in MODELS.items()}
    assert len(by_model["generation"]) == PLANNED - len(questions)
    assert len(by_model["answering"]) == PLANNED - len(items)
    assert len(by_model["evaluation"]) == PLANNED - len(items)
    assert Counter(canonical(r) for r in by_model["generation"]) <= reference["generation_prompts"]
    final_questions = {e["question"] for e in outputs(tmp_path)[0][0]["examples"]}
    journaled_questions = {step["question"] for step in questions.values()}
    for body in by_model["generation"]:
        question = oracle(body)
        assert question in final_questions  # the oracle does tell which question a prompt makes
        assert question not in journaled_questions, "a journaled question was generated again"
    answered = {questions[key]["question"] for key in items}
    for body in by_model["answering"]:
        asked = body["messages"][-1]["content"]
        assert asked in final_questions
        assert asked not in answered, "a journaled item was answered again"


def test_killed_twice_then_rerun_equals_uninterrupted_run(reference, interrupted_sim, tmp_path):
    """Killed, rerun and killed again, rerun: the same command each time, on the same sim."""
    sim, hook = interrupted_sim
    args = cli_args(sim.base_url, tmp_path)
    first = hook.run(args, tmp_path, at=20)
    assert hook.fired and first.returncode == -signal.SIGKILL
    # The second kill counts from what the sim has seen so far; 12 is well inside what is left.
    second = hook.run(args, tmp_path, at=sim.request_count + 12)
    assert hook.fired and second.returncode == -signal.SIGKILL
    assert "resuming interrupted run 1" in flat(second.stderr)
    questions, items = journaled(tmp_path)
    assert len(items) < PLANNED  # the second kill did interrupt the run

    final = run_command(args, tmp_path)
    assert final.returncode == 0, final.stderr
    assert "resuming interrupted run 1" in flat(final.stderr)
    assert_equals_reference(tmp_path, reference)


# --- Ctrl-C ---------------------------------------------------------------------------


def test_ctrl_c_exits_130_and_rerun_equals_uninterrupted_run(reference, interrupted_sim, tmp_path):
    sim, hook = interrupted_sim
    args = cli_args(sim.base_url, tmp_path)
    interrupted = hook.run(args, tmp_path, at=25, sig=signal.SIGINT)
    assert hook.fired
    assert interrupted.returncode == 130, interrupted.stderr
    assert "rerun the same command to resume" in flat(interrupted.stdout + interrupted.stderr)
    assert not (tmp_path / "runs.jsonl").exists()
    questions, items = journaled(tmp_path)
    assert len(items) < PLANNED

    resumed = run_command(args, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming interrupted run 1" in flat(resumed.stderr)
    assert_equals_reference(tmp_path, reference)


# --- torn files -------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["torn-line", "newline-missing"])
def test_damaged_journal_tail_after_a_kill(reference, interrupted_sim, tmp_path, damage):
    """A crash mid-append: a torn last line is reported and ignored; a whole last line that
    lacks only its newline is a finished step and stays in the journal."""
    sim, hook = interrupted_sim
    args = cli_args(sim.base_url, tmp_path)
    killed = hook.run(args, tmp_path, at=35)
    assert killed.returncode == -signal.SIGKILL
    journal = journal_file(tmp_path)
    whole = journal.read_bytes()
    whole = whole[: whole.rfind(b"\n") + 1]  # the damage goes after whole lines (the kill may have torn one)
    journal.write_bytes(whole)
    if damage == "torn-line":
        journal.write_bytes(whole + b'{"kind": "item", "reasoning_type": "logical_deduction", "difficulty": 3, "qu')
    else:
        journal.write_bytes(whole[:-1])

    resumed = run_command(args, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    message = flat(resumed.stderr)
    if damage == "torn-line":
        assert "journal_run_0001.jsonl" in message and "truncated" in message
    assert_equals_reference(tmp_path, reference)
    assert journal.read_bytes().startswith(whole)  # every finished step kept; only a torn tail is gone


def test_truncated_runs_line_is_reported_and_earlier_runs_kept(reference, tmp_path):
    """A torn last line in runs.jsonl before a second session: the second run equals one after an intact file."""
    torn_dir, intact_dir = tmp_path / "torn", tmp_path / "intact"
    shutil.copytree(reference["out_dir"], torn_dir)
    shutil.copytree(reference["out_dir"], intact_dir)
    runs_file = torn_dir / "runs.jsonl"
    first_run = runs_file.read_bytes()
    runs_file.write_bytes(first_run + b'{"run_id": 2, "started_at": "2026-01-01T00:00:00+00:00", "ended_')

    with SimServer(seed=0) as sim:  # the two sessions share nothing but the sim
        torn = run_command(cli_args(sim.base_url, torn_dir), tmp_path)
        intact = run_command(cli_args(sim.base_url, intact_dir), tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert torn.returncode == 0, torn.stderr
    message = flat(torn.stderr)
    assert "runs.jsonl" in message and "truncated" in message

    assert runs_file.read_bytes().startswith(first_run)  # run 1 kept byte for byte
    torn_runs, torn_state = outputs(torn_dir)
    intact_runs, intact_state = outputs(intact_dir)
    assert [r["run_id"] for r in torn_runs] == [1, 2]
    assert [comparable(r) for r in torn_runs] == [comparable(r) for r in intact_runs]
    assert torn_state == intact_state
    assert torn_state["run_count"] == 2


# --- corrupt state ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"run_count": 1, "current_diffic',  # not JSON (torn by hand)
        b'{"run_count": 1, "current_difficulty": 42, "cycle": 1}\n',  # JSON, impossible value
    ],
    ids=["invalid-json", "invalid-field"],
)
def test_corrupt_state_fails_with_one_line_and_leaves_the_file(tmp_path, content):
    state_file = tmp_path / "state.json"
    state_file.write_bytes(content)
    with SimServer(seed=0) as sim:
        result = run_command(cli_args(sim.base_url, tmp_path), tmp_path)
        assert sim.request_count == 0
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(state_file) in lines[0]
    assert state_file.read_bytes() == content
    assert not journal_file(tmp_path).exists()


# --- transport failures ---------------------------------------------------------------------


def test_transport_failure_is_never_recorded_as_a_wrong_answer(reference, tmp_path):
    dead_url = f"http://127.0.0.1:{free_port()}"
    with SimServer(seed=0) as sim:
        args = cli_args(sim.base_url, tmp_path)
        failed = run_command(
            args + ["--base-url-answering", dead_url, "--max-retries", "1", "--retry-backoff", "0"], tmp_path
        )
        assert failed.returncode == 1, failed.stderr
        assert "answering" in failed.stderr
        assert "rerun the same command to resume" in flat(failed.stderr)
        questions, items = journaled(tmp_path)
        assert questions and not items
        assert not (tmp_path / "runs.jsonl").exists()

        resumed = run_command(args, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming interrupted run 1" in flat(resumed.stderr)
    record = outputs(tmp_path)[0][0]
    for example in record["examples"]:
        assert example["answer"].strip() and example["judge_error"] is None and example["judge_verdicts"][0]["reply"]
    assert_equals_reference(tmp_path, reference)


def test_an_interrupt_while_the_report_is_written_leaves_the_run_to_finish_on_rerun(tmp_path, monkeypatch):
    """Ctrl-C after runs.jsonl is written but before the report: the rerun writes that run's report
    and counts the run once; it does not start the next run."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with SimServer(seed=0) as sim:
        args = cli_args(sim.base_url, out)[2:]  # the flags, without the interpreter and the script
        monkeypatch.setattr(self_evolving_benchmark, "write_report", interrupted)
        assert run_main(*args) == 130
        state = json.loads((out / "state.json").read_text())
        assert state["run_count"] == 0  # the run is not counted before its report exists
        monkeypatch.undo()
        assert run_main(*args) == 0
    assert (out / "report_run_0001.md").exists()
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert [record["run_id"] for record in records] == [1]
    assert json.loads((out / "state.json").read_text())["run_count"] == 1

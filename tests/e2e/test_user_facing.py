"""What users see: the dry-run plan, token and cost accounting, charts, the log,
``--config`` files, ``--extra-body-ROLE`` and endpoints that want ``max_completion_tokens``.

Every run goes over real HTTP on loopback: to the SIMULATED endpoint, or to the
small server below whose replies and ``usage`` are fixed per model, so every
token count and cost here is computed by hand. Runs are in-process: ``main``, or
``run_cli`` where the exit code, stderr or the absence of a traceback is the point
(it gives them as a finished process would).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import run_cli
from helpers import run_main

from seval.sim.server import SimServer

SIM_MODELS = [
    "--model-generation",
    "sim-generator",
    "--model-answering",
    "sim-solver",
    "--model-evaluation",
    "sim-judge",
]
TINY_MODELS = ["--model-generation", "gen", "--model-answering", "ans", "--model-evaluation", "judge"]
QUIET = ["--no-charts", "--retry-backoff", "0"]


# -- helpers -----------------------------------------------------------------------------


def flat(text: str) -> str:
    """Whitespace runs made one space (rich may wrap a long line)."""
    return " ".join(text.split())


def tree(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every path under ``folder``: files with (bytes, mtime_ns), folders as None."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns) if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()]


def one_error_line(err: str, *named: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for text in named:
        assert text in lines[0], (text, lines[0])
    return lines[0]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """No key or URL from the environment; rich prints 400 columns (it wraps at 80 off a terminal)."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "400")


# -- a tiny scripted endpoint --------------------------------------------------------------

# (prompt_tokens, completion_tokens) of every reply of a model: hand-computable totals.
USAGE = {"gen": (10, 5), "ans": (100_000, 25_000), "judge": (30, 3)}
MAX_TOKENS_REJECTION = {
    "error": {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
}


class TinyServer:
    """OpenAI-compatible chat endpoint on 127.0.0.1 with fixed replies and usage per model.

    ``gen`` writes a JSON question (text derived from a hash of the prompt, so it is new
    each time) with reference answer ``A``; ``ans`` answers ``A``; any ``judge*`` model
    replies a ``correct`` verdict. ``reject_max_tokens`` answers OpenAI's 400 to any body
    holding ``max_tokens``; ``hold_rejections=k`` makes the first k such requests wait
    until all k have arrived (a barrier, no sleep), so k of them are in flight together.
    Every (model, body, status, usage sent) is kept in ``log``.
    """

    def __init__(self, reject_max_tokens: bool = False, hold_rejections: int = 0):
        self.reject_max_tokens = reject_max_tokens
        self.barrier = threading.Barrier(hold_rejections) if hold_rejections > 1 else None
        self.held = 0
        self.log: list[tuple[str, dict, int, tuple[int, int] | None]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TinyHandler)
        self.httpd.daemon_threads = True
        self.httpd.tiny = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> TinyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def calls(self, model_prefix: str = "") -> list[tuple[str, dict, int, tuple[int, int] | None]]:
        with self.lock:
            return [entry for entry in self.log if entry[0].startswith(model_prefix)]

    def respond(self, body: dict) -> tuple[int, dict]:
        model = str(body.get("model"))
        if self.reject_max_tokens and "max_tokens" in body:
            hold = False
            with self.lock:
                if self.barrier is not None and self.held < self.barrier.parties:
                    self.held += 1
                    hold = True
            if hold:
                try:
                    self.barrier.wait(timeout=30)
                except threading.BrokenBarrierError:
                    pass
            with self.lock:
                self.log.append((model, body, 400, None))
            return 400, MAX_TOKENS_REJECTION
        kind = "judge" if model.startswith("judge") else model
        if kind not in USAGE:
            with self.lock:
                self.log.append((model, body, 404, None))
            return 404, {"error": {"message": f"The model `{model}` does not exist", "code": "model_not_found"}}
        digest = hashlib.sha256(json.dumps(body.get("messages"), sort_keys=True).encode()).hexdigest()
        if kind == "gen":
            words = " ".join(digest[i : i + 6] for i in range(0, 48, 6))
            content = json.dumps({"question": f"What is {words}?", "reference_answer": "A"})
        elif kind == "ans":
            content = "Final answer: A"
        else:
            content = json.dumps({"score": "correct", "rationale": "matches the reference"})
        prompt, completion = USAGE[kind]
        with self.lock:
            self.log.append((model, body, 200, (prompt, completion)))
        return 200, {
            "id": "chatcmpl-tiny",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }


class _TinyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, payload = self.server.tiny.respond(json.loads(raw))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# -- --dry-run -----------------------------------------------------------------------------

PLAN_FLAGS = ["--reasoning-types", "a,b,c", "--n", 3, "--num-questions", 2, "--validate"]


def planned_calls(out: str) -> dict[str, int]:
    return {role: int(count) for role, count in re.findall(r"(\w+): (\d+) calls to", flat(out))}


def test_dry_run_prints_the_plan_and_sends_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    with SimServer() as sim:
        code = run_main(
            "--base-url",
            sim.base_url,
            "--model-generation",
            "sim-generator",
            "--model-answering",
            "sim-solver",
            "--model-evaluation",
            "sim-judge,sim-judge-2,sim-judge-3",
            *PLAN_FLAGS,
            "--out-dir",
            out,
            "--cache-dir",
            tmp_path / "cache",
            "--dry-run",
        )
        assert code == 0
        assert sim.request_count == 0
    assert list(tmp_path.iterdir()) == []  # neither the output folder nor the cache folder
    text = flat(capsys.readouterr().out)
    root = f"{sim.base_url}/chat/completions"  # each role's final chat URL
    assert (
        f"Would start run 1 in {out}: difficulties 1-3, 3 reasoning types (a, b, c), 2 question(s) per cell."
    ) in text
    assert "Items to do: 18" in text  # 3 levels x 3 types x 2 questions
    assert f"generation: 18 calls to sim-generator at {root}" in text
    assert f"answering: 18 calls to sim-solver at {root}" in text
    # Validation: the first judge solves each question, then each of the 3 judges grades that solution.
    assert "validation: 72 calls to sim-judge" in text
    assert (
        f"evaluation: 54 calls to sim-judge at {root}, sim-judge-2 at {root}, sim-judge-3 at {root} "
        "(3 judge(s) x 18 answers)"
    ) in text
    assert "Nothing was sent." in text


def test_dry_run_call_counts_are_what_the_run_then_sends(tmp_path, capsys):
    """With no retry (every question new and verified, every verdict readable) the plan is exact."""
    out = tmp_path / "out"
    with TinyServer() as server:
        flags = [
            "--base-url",
            server.base_url,
            "--model-generation",
            "gen",
            "--model-answering",
            "ans",
            "--model-evaluation",
            "judge1,judge2,judge3",
            *PLAN_FLAGS,
            "--out-dir",
            out,
            *QUIET,
        ]
        assert run_main(*flags, "--dry-run") == 0
        assert server.calls() == []
        plan = planned_calls(capsys.readouterr().out)
        assert run_main(*flags) == 0
        sent = Counter(model for model, *_ in server.calls())
    record = records(out)[0]
    assert all(example["attempts"] == 1 and example["validation"] == "verified" for example in record["examples"])
    assert plan == {"generation": 18, "answering": 18, "validation": 72, "evaluation": 54}
    assert sent["gen"] == plan["generation"] and sent["ans"] == plan["answering"]
    assert sent["judge1"] + sent["judge2"] + sent["judge3"] == plan["validation"] + plan["evaluation"]


def test_dry_run_of_an_interrupted_run_counts_what_its_journal_lacks(tmp_path, capsys):
    """An interrupted run (its journal without its last items and its end): the plan says what is done and what the
    resume then sends, and only that."""
    finished, out = tmp_path / "finished", tmp_path / "out"
    with TinyServer() as server:
        flags = [*TINY_MODELS, "--reasoning-types", "a,b", "--n", 2, *QUIET]
        assert run_main("--base-url", server.base_url, *flags, "--out-dir", finished) == 0
        events = (finished / "journal_run_0001.jsonl").read_text(encoding="utf-8").splitlines()
        items = [line for line in events if json.loads(line)["kind"] == "item"]
        assert len(items) == 4 and json.loads(events[-1])["kind"] == "finished"
        out.mkdir()  # the same run, stopped before its last three items were journaled
        kept = [line for line in events[:-1] if line not in items[1:]]
        (out / "journal_run_0001.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
        capsys.readouterr()
        assert run_main("--base-url", server.base_url, *flags, "--out-dir", out, "--dry-run") == 0
        text = flat(capsys.readouterr().out)
        before = len(server.calls())
        assert run_main("--base-url", server.base_url, *flags, "--out-dir", out) == 0
        sent = Counter(model for model, *_ in server.calls()[before:])
    assert f"Would resume interrupted run 1 in {out}" in text
    assert "Items to do: 3 (1 already done)" in text
    assert planned_calls(text) == {"generation": 0, "answering": 3, "evaluation": 3}
    assert sent == {"ans": 3, "judge": 3}


# -- tokens and cost -------------------------------------------------------------------------


def table_row(text: str, first_cell: str) -> list[str]:
    """Cells of the rich table row that starts with ``first_cell``."""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│┃").split("│")]
        if cells and cells[0] == first_cell and len(cells) > 1:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{text}")


def test_usage_is_summed_per_role_into_the_record_report_and_console(tmp_path, capsys):
    out = tmp_path / "out"
    with TinyServer() as server:
        assert (
            run_main(
                "--base-url",
                server.base_url,
                *TINY_MODELS,
                "--reasoning-types",
                "logic,math",
                "--n",
                2,
                "--out-dir",
                out,
                *QUIET,
                "--price",
                "answering=1,2",
            )
            == 0
        )
        sent = server.calls()
    console = capsys.readouterr().out
    # What the server really sent, summed per role: 4 items, one call per role each.
    by_role: dict[str, list[int]] = {}
    for model, _, status, usage in sent:
        assert status == 200
        role = {"gen": "generation", "ans": "answering"}.get(model, "evaluation")
        totals = by_role.setdefault(role, [0, 0])
        totals[0] += usage[0]
        totals[1] += usage[1]
    assert by_role == {"generation": [40, 20], "answering": [400_000, 100_000], "evaluation": [120, 12]}
    expected = {
        role: {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c} for role, (p, c) in by_role.items()
    }
    assert records(out)[0]["usage_by_role"] == expected

    # answering priced at 1 USD / M prompt and 2 USD / M completion: 0.4 + 0.2 = 0.6 USD.
    report = (out / "report_run_0001.md").read_text(encoding="utf-8")
    assert "| generation | 40 | 20 | 60 | no price given |" in report
    assert "| answering | 400000 | 100000 | 500000 | 0.6000 |" in report
    assert "| evaluation | 120 | 12 | 132 | no price given |" in report
    assert "Cost from the prices given with --price: **0.6000 USD** for the roles priced." in report
    assert table_row(console, "answering") == ["answering", "400000", "100000", "500000", "0.6000"]
    assert table_row(console, "generation") == ["generation", "40", "20", "60", "-"]
    assert table_row(console, "evaluation") == ["evaluation", "120", "12", "132", "-"]


def test_without_price_no_cost_is_claimed(tmp_path, capsys):
    out = tmp_path / "out"
    with TinyServer() as server:
        assert (
            run_main(
                "--base-url",
                server.base_url,
                *TINY_MODELS,
                "--reasoning-types",
                "logic",
                "--n",
                1,
                "--out-dir",
                out,
                *QUIET,
            )
            == 0
        )
    console = capsys.readouterr().out
    report = (out / "report_run_0001.md").read_text(encoding="utf-8")
    assert "| answering | 100000 | 25000 | 125000 |\n" in report
    assert "No cost is claimed" in report
    assert "Cost" not in report.replace("No cost is claimed", "") and "Cost" not in console
    assert table_row(console, "answering") == ["answering", "100000", "25000", "125000"]


# -- charts ----------------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_report_charts_are_valid_pngs_embedded_by_name_and_no_charts_writes_none(tmp_path):
    charted, plain = tmp_path / "charted", tmp_path / "plain"
    with SimServer() as sim:
        common = [
            "--base-url",
            sim.base_url,
            *SIM_MODELS,
            "--reasoning-types",
            "logic,math",
            "--n",
            2,
            "--retry-backoff",
            0,
        ]
        assert run_main(*common, "--out-dir", charted) == 0
        assert run_main(*common, "--out-dir", plain, "--no-charts") == 0

    names = {f"report_run_0001_{kind}.png" for kind in ("accuracy", "heatmap", "ema")}
    assert {path.name for path in charted.glob("*.png")} == names
    for name in names:
        width, height = png_size(charted / name)
        assert width >= 200 and height >= 150, name
        assert (charted / name).stat().st_size > 5_000, name  # a drawn picture, not an empty canvas
    report = (charted / "report_run_0001.md").read_text(encoding="utf-8")
    embedded = re.findall(r"^!\[([^\]]+)\]\(([^)]+)\)$", report, re.MULTILINE)
    assert {target for _, target in embedded} == names
    assert all(caption.strip() for caption, _ in embedded)

    assert list(plain.glob("*.png")) == []
    plain_report = (plain / "report_run_0001.md").read_text(encoding="utf-8")
    assert "![" not in plain_report and ".png" not in plain_report


# -- the log and progress lines ----------------------------------------------------------------


def test_progress_lines_on_stderr_and_every_run_in_benchmark_log(tmp_path):
    out = tmp_path / "out"
    with SimServer() as sim:
        args = [
            "--base-url",
            sim.base_url,
            *SIM_MODELS,
            "--reasoning-types",
            "logic,math",
            "--n",
            2,
            "--out-dir",
            out,
            *QUIET,
        ]
        first = run_cli(*args, cwd=tmp_path)  # stderr is a pipe, not a terminal
        assert first.returncode == 0, first.stderr
        assert run_main(*args) == 0  # a second session in the same folder, in-process

    assert "Traceback" not in first.stderr and "\x1b[" not in first.stderr  # plain lines, no colour codes
    progress = [line for line in first.stderr.splitlines() if re.match(r"INFO run 1: \d+/4 done", line)]
    assert len(progress) >= 2 and progress[-1].startswith("INFO run 1: 4/4 done")
    assert all("generation:" in line and "tokens" in line for line in progress)

    log = (out / "benchmark.log").read_text(encoding="utf-8")
    for line in first.stderr.splitlines():
        if line.startswith("INFO "):
            assert line[len("INFO ") :] in log, line  # everything shown on stderr is in the log too
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO seval.progress: run 1: 4/4 done", log, re.MULTILINE)
    assert "run 2: 4/4 done" in log.split("run 1: 4/4 done")[-1]  # appended: both sessions are there


# -- --config FILE.toml ---------------------------------------------------------------------------


def toml_file(path: Path, **values: object) -> Path:
    path.write_text("".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items()), encoding="utf-8")
    return path


def test_config_keys_are_long_flag_names_and_the_command_line_wins(tmp_path):
    out = tmp_path / "out"
    with SimServer() as sim:
        config = toml_file(
            tmp_path / "bench.toml",
            **{
                "base-url": sim.base_url,
                "model_generation": "sim-generator",
                "model-answering": "sim-solver-weak",
                "model-evaluation": "sim-judge",
                "reasoning-types": "logic,math",
                "n": 3,
                "alpha": 0.5,
                "no-charts": True,
                "retry_backoff": 0,
                "out-dir": str(out),
            },
        )
        assert run_main("--config", config, "--n", 1, "--model-answering", "sim-solver") == 0
    record = records(out)[0]
    assert (record["difficulty_start"], record["difficulty_end"]) == (1, 1)  # --n 1 beat n = 3
    assert record["model_answering"] == "sim-solver"  # the flag beat the file
    assert record["model_generation"] == "sim-generator" and record["alpha"] == 0.5  # from the file
    assert record["reasoning_types"] == ["logic", "math"]
    assert list(out.glob("*.png")) == []  # no-charts = true


# Each case: one bad line; the rest of the file makes a one-cell run if that line were ignored.
BAD_CONFIGS = {
    "unknown-key": ('modle-answering = "x"', "unknown key 'modle-answering'"),
    "config-in-config": ('config = "other.toml"', "unknown key 'config'"),
    "bad-toml": ("n = ", "not valid TOML"),
    "list-for-text": ('reasoning-types = ["logic", "math"]', "not a valid value for --reasoning-types"),
    "bad-choice": ('log-level = "LOUD"', "'LOUD' is not a valid value for --log-level"),
    "text-for-int": ('n = "three"', "'three' is not a valid value for --n"),
    "float-for-int": ("n = 1.5", "1.5 is not a valid value for --n"),
    "text-for-switch": ('no-charts = "false"', "no-charts must be true or false"),
    "table-value": ("alpha = { value = 0.5 }", "not a valid value for --alpha"),
}
ONE_CELL_CONFIG = {
    "n": "n = 1",
    "reasoning-types": 'reasoning-types = "logic"',
    "no-charts": "no-charts = true",
    "log-level": 'log-level = "INFO"',
    "alpha": "alpha = 0.3",
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_file_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, case):
    bad_line, named = BAD_CONFIGS[case]
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "bench.toml"
    bad_key = bad_line.split("=")[0].strip()
    lines = [line for key, line in ONE_CELL_CONFIG.items() if key != bad_key] + [bad_line]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tree(tmp_path)
    with SimServer() as sim:
        code = run_main(
            "--config",
            config,
            "--base-url",
            sim.base_url,
            *SIM_MODELS,
            "--out-dir",
            tmp_path / "out",
            "--retry-backoff",
            0,
        )
        assert sim.request_count == 0
    assert code == 2
    one_error_line(capsys.readouterr().err, str(config), named)
    assert tree(tmp_path) == before


def test_config_file_with_a_key_works_warns_and_never_writes_the_key(tmp_path):
    key = "sk-config-3f9a1c7e5b"
    out = tmp_path / "out"
    with SimServer(require_key=key) as sim:  # the key reached the endpoint, or the run fails with 401
        config = toml_file(tmp_path / "bench.toml", **{"api-key": key, "base_url": sim.base_url})
        result = run_cli(
            "--config",
            config,
            *SIM_MODELS,
            "--reasoning-types",
            "logic,math",
            "--n",
            1,
            "--out-dir",
            out,
            *QUIET,
            cwd=tmp_path,
        )
        assert sim.request_count > 0
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warning = flat(result.stderr)
    assert f"config file {config} holds api-key" in warning and "OPENAI_API_KEY" in warning
    assert key not in result.stdout and key not in result.stderr
    written = [path for path in out.rglob("*") if path.is_file()]
    assert {"benchmark.log", "runs.jsonl", "state.json", "report_run_0001.md"} <= {path.name for path in written}
    for path in written:
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"


# -- --extra-body-ROLE --------------------------------------------------------------------------


def test_extra_body_reaches_only_the_answering_requests(tmp_path):
    with SimServer() as sim:
        assert (
            run_main(
                "--base-url",
                sim.base_url,
                *SIM_MODELS,
                "--reasoning-types",
                "logic,math",
                "--n",
                2,
                "--extra-body-answering",
                '{"top_p": 0.5, "seed": 7}',
                "--out-dir",
                tmp_path / "out",
                *QUIET,
            )
            == 0
        )
        sent = list(sim.requests)
    answering = [body for body in sent if body["model"] == "sim-solver"]
    others = [body for body in sent if body["model"] != "sim-solver"]
    assert len(answering) == 4 and len(others) == 8
    for body in answering:
        assert body["top_p"] == 0.5 and body["seed"] == 7
        assert body["max_tokens"] == 700 and body["temperature"] == 0.5  # merged, not replacing
    for body in others:
        assert "top_p" not in body and "seed" not in body


@pytest.mark.parametrize(
    "value, named",
    [
        ('{"top_p": 0.5,}', "must be a JSON object"),
        ("top_p=0.5", "must be a JSON object"),
        ("[0.5]", "not list"),
    ],
    ids=["trailing-comma", "not-json", "not-an-object"],
)
def test_invalid_extra_body_exits_2_with_one_line(tmp_path, capsys, monkeypatch, value, named):
    monkeypatch.chdir(tmp_path)
    with SimServer() as sim:
        code = run_main(
            "--base-url",
            sim.base_url,
            *SIM_MODELS,
            "--extra-body-answering",
            value,
            "--out-dir",
            tmp_path / "out",
            *QUIET,
        )
        assert sim.request_count == 0
    assert code == 2
    one_error_line(capsys.readouterr().err, "--extra-body-answering", named)
    assert list(tmp_path.iterdir()) == []


# -- endpoints that take max_completion_tokens ---------------------------------------------------


def test_max_completion_tokens_is_used_after_one_rejection_per_endpoint_and_model(tmp_path):
    """Generation and evaluation on one endpoint, answering on another: one 400 each, then the new name."""
    out = tmp_path / "out"
    with TinyServer(reject_max_tokens=True) as first, TinyServer(reject_max_tokens=True) as second:
        assert (
            run_main(
                "--base-url",
                first.base_url,
                "--base-url-answering",
                second.base_url,
                *TINY_MODELS,
                "--reasoning-types",
                "logic,math",
                "--n",
                2,
                "--concurrency",
                1,
                "--out-dir",
                out,
                *QUIET,
            )
            == 0
        )
        calls = {"gen": first.calls("gen"), "judge": first.calls("judge"), "ans": second.calls("ans")}
        assert first.calls("ans") == [] and second.calls("gen") == second.calls("judge") == []
    limits = {"gen": 500, "ans": 700, "judge": 250}
    for model, seen in calls.items():
        statuses = [status for _, _, status, _ in seen]
        assert statuses == [400] + [200] * 4, (model, statuses)  # 4 items; the first try was rejected once
        assert seen[0][1]["max_tokens"] == limits[model]
        for _, body, _, _ in seen[1:]:
            assert "max_tokens" not in body and body["max_completion_tokens"] == limits[model]
    record = records(out)[0]
    assert len(record["examples"]) == 4 and all(example["score"] == 1.0 for example in record["examples"])


def test_max_completion_tokens_switch_survives_concurrent_rejections(tmp_path):
    """Several requests sent with max_tokens before the first 400 comes back: each is resent, none fails."""
    out = tmp_path / "out"
    with TinyServer(reject_max_tokens=True, hold_rejections=2) as server:
        code = run_main(
            "--base-url",
            server.base_url,
            *TINY_MODELS,
            "--reasoning-types",
            "logic,math,code",
            "--n",
            1,
            "--concurrency",
            4,
            "--max-retries",
            0,
            "--out-dir",
            out,
            *QUIET,
        )
        rejected = [model for model, _, status, _ in server.calls() if status == 400]
    assert code == 0
    assert rejected.count("gen") >= 2  # the barrier held two generation requests in flight together
    assert len(records(out)[0]["examples"]) == 3

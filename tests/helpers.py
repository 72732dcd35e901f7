"""Helpers that several test modules share (fixtures live in ``conftest.py``).

- ``run_tool``: one of the three command-line tools run in-process as a user would run it (flags,
  environment, working folder), giving what a finished process gives: exit code, stdout, stderr.
  Tests start a real process only where a signal or a kill is the point (``run_process``);
- ``run_main``: the benchmark's ``main`` in-process, its log handlers closed afterwards;
- ``LoopbackChatServer``: the smallest chat-completions endpoint, for test files that script
  their own replies (``scripted_endpoint.py`` is the full scripted one);
- the standard small run of the simulated endpoint (``cli_args``, ``run_command``, ``run_commands_together``),
  with what compares two runs;
- ``cell_means_expected``: the seed's rule for per-type and per-difficulty figures.

Test modules import this as ``from helpers import ...`` (``tests/`` is on ``sys.path`` under pytest).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import traceback
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import fmean

from rich.logging import RichHandler

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from seval.cli import benchmark as benchmark_cli  # noqa: E402
from seval.cli import metrics as metrics_cli  # noqa: E402
from seval.cli import sequential as sequential_cli  # noqa: E402

CLI = ROOT / "self_evolving_benchmark.py"
SEQUENTIAL_CLI = ROOT / "sequential_eval.py"
METRICS_CLI = ROOT / "evaluate_metric.py"
TOOLS: dict[str, Callable[[list[str]], int]] = {
    "self_evolving_benchmark.py": benchmark_cli.main,
    "sequential_eval.py": sequential_cli.main,
    "evaluate_metric.py": metrics_cli.main,
}
# Tests never reach a real provider: these are dropped from the environment a tool sees.
ISOLATED_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


# -- the CLIs in-process ----------------------------------------------------------------------


def close_log_handlers() -> None:
    """Close the handlers a tool's ``main`` installed (log file, console), as process exit would."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler | RichHandler) or (
            type(handler) is logging.StreamHandler and handler.stream is not sys.__stderr__
        ):
            root.removeHandler(handler)
            handler.close()


def tool_env(env: dict | None = None) -> dict[str, str]:
    """This process's environment without OPENAI_API_KEY/OPENAI_BASE_URL, plus ``env`` (None removes a name)."""
    full = {name: value for name, value in os.environ.items() if name not in ISOLATED_ENV}
    for name, value in (env or {}).items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = str(value)
    return full


@contextlib.contextmanager
def _environment(env: dict[str, str], cwd: Path | str | None):
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run_tool(tool: str | Path, *args: object, env: dict | None = None, cwd: Path | str | None = None):
    """Run a tool (``self_evolving_benchmark.py``, ``sequential_eval.py`` or ``evaluate_metric.py``) in-process.

    What it gets is what a process would: its flags, an environment without the
    OPENAI_* variables (plus ``env``), ``cwd`` as its working folder. What comes
    back is a ``CompletedProcess`` with the exit code and the text written to stdout
    and stderr; an exception that escapes ``main`` is printed as Python would print
    it (a traceback, exit code 1), so "no traceback" assertions keep their meaning.
    """
    main = TOOLS[Path(tool).name]
    argv = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    with _environment(tool_env(env), cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's --help and usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            close_log_handlers()
    return subprocess.CompletedProcess([tool, *argv], code, out.getvalue(), err.getvalue())


def run_process(args: list[str], *, cwd: Path | str, env: dict | None = None, timeout: float = 120):
    """A tool as a real process (for signals, kills and two processes at once); text output."""
    full = tool_env(env)
    full.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run(args, cwd=cwd, env=full, capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def run_main(*argv: object) -> int:
    """The benchmark's ``main`` in-process (output not captured); its log handlers closed afterwards."""
    try:
        return benchmark_cli.main([str(arg) for arg in argv])
    finally:
        close_log_handlers()


# -- a minimal chat endpoint on loopback ------------------------------------------------------


class LoopbackChatServer:
    """Chat-completions endpoint on 127.0.0.1 whose reply text is ``reply_to(body)``; keeps every request body.

    Subclasses define ``reply_to``. Every reply is a 200 with usage 1 + 1 tokens; ``GET`` (the
    model list) lists nothing. Use as a context manager; ``base_url`` ends in ``/v1``.
    """

    completion_id = "chatcmpl-loopback"

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    def reply_to(self, body: dict) -> str:
        raise NotImplementedError

    def __enter__(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
        self._httpd.daemon_threads = True
        self._httpd.chat = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"


class _ChatHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def _send(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send({"object": "list", "data": []})

    def do_POST(self):
        server: LoopbackChatServer = self.server.chat
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with server._lock:
            server.requests.append(body)
        text = server.reply_to(body)
        self._send(
            {
                "id": server.completion_id,
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- the CLI as a subprocess, on a standard small run of the simulated endpoint ---------------

TYPES = ("logical_deduction", "mathematical_reasoning", "commonsense_reasoning")
LEVELS = 4
PER_CELL = 2
PLANNED = LEVELS * len(TYPES) * PER_CELL  # examples in the run: 24
PLANNED_REQUESTS = 3 * PLANNED  # one generation, one answer, one verdict each
MODELS = {"generation": "sim-generator", "answering": "sim-solver", "evaluation": "sim-judge"}
VOLATILE_RECORD_FIELDS = ("started_at", "ended_at", "endpoint_generation", "endpoint_answering", "endpoint_evaluation")
TIMEOUT_S = 120
# Charts (matplotlib) cost seconds per run and are not what is checked here.
NO_CHARTS = ("--no-charts",)


def cli_args(base_url: str, out_dir: Path, *extra: str) -> list[str]:
    """The whole command line of the standard run (TYPES x LEVELS x PER_CELL on the sim's models)."""
    return [
        sys.executable,
        str(CLI),
        "--base-url",
        base_url,
        "--model-generation",
        MODELS["generation"],
        "--model-answering",
        MODELS["answering"],
        "--model-evaluation",
        MODELS["evaluation"],
        "--out-dir",
        str(out_dir),
        "--reasoning-types",
        ",".join(TYPES),
        "--n",
        str(LEVELS),
        "--num-questions",
        str(PER_CELL),
        *NO_CHARTS,
        *extra,
    ]


def cli_env() -> dict[str, str]:
    """This process's environment without any OPENAI_* variable, and wide enough that rich does not wrap."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["COLUMNS"] = "400"  # rich wraps at 80 columns when not on a terminal
    return env


def run_command(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run one command line (``cli_args``: ``python TOOL FLAGS``) in ``cwd``, in-process (see ``run_tool``)."""
    return run_tool(args[1], *args[2:], cwd=cwd)


def run_commands_together(commands: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess]:
    """Start every command at once, then wait for all of them."""
    procs = [
        subprocess.Popen(args, cwd=cwd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args in commands
    ]
    results = []
    for args, proc in zip(commands, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
        results.append(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr))
    return results


def read_lines(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_state(out_dir: Path) -> dict:
    """A benchmark folder's state.json, as JSON."""
    return json.loads((out_dir / "state.json").read_text(encoding="utf-8"))


def read_runs(out_dir: Path) -> list[dict]:
    """A benchmark folder's run records (runs.jsonl), as JSON."""
    return read_lines(out_dir / "runs.jsonl")


def comparable(record: dict) -> dict:
    """A run record without the fields that differ between two equal runs (times, ports)."""
    record = {k: v for k, v in record.items() if k not in VOLATILE_RECORD_FIELDS}
    record["examples"] = [{k: v for k, v in e.items() if k != "created_at"} for e in record["examples"]]
    return record


def canonical(body: dict) -> str:
    """Canonical JSON of what decides a reply of the sim: model, messages, temperature, max_tokens."""
    return json.dumps(
        {k: body.get(k) for k in ("model", "messages", "temperature", "max_tokens")},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


# -- expected figures ---------------------------------------------------------------------------


def cell_means_expected(examples: list[dict]) -> tuple[dict, dict]:
    """Per-type and per-difficulty means of cell means over the examples given (the seed's rule)."""
    cells = defaultdict(list)
    for e in examples:
        cells[(e["tags"]["difficulty"], e["tags"]["reasoning_type"])].append(e["score"])
    means = {cell: fmean(scores) for cell, scores in cells.items()}
    by_type, by_level = defaultdict(list), defaultdict(list)
    for (level, kind), mean in means.items():
        by_type[kind].append(mean)
        by_level[str(level)].append(mean)
    return ({k: fmean(v) for k, v in by_type.items()}, {k: fmean(v) for k, v in by_level.items()})

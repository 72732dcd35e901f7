"""A tiny scripted OpenAI-compatible server for tests that must know every score in advance.

Models (any other name gets a 404 and ``GET /v1/models`` lists these three):

* ``gen``: reads ``Reasoning type: X`` and ``Target difficulty: D/10`` from the
  prompt, counts the must-differ list (I = its length + 1) and replies
  ``question_text(X, D, I, version)``: ``Q X dD iI: `` and a few words fixed by
  the cell and by how often the server was asked for it (``version``), so
  no two questions look alike to a novelty check. When the prompt asks for a
  ``reference_answer``, the reply is ``{"question": ..., "reference_answer": "A"}``;
* ``ans``: replies ``Final answer: A``;
* ``judge``: finds ``Q X dD iI`` between ``<question>`` and ``</question>`` and
  replies with ``verdicts[(X, D, I)]`` (default ``"correct"``). ``"correct"`` /
  ``"incorrect"`` become ``{"score": ..., "rationale": ...}``; any other string
  is sent as the raw reply; a list gives the reply per ask (ask k = the number
  of assistant turns already in the conversation; the last entry repeats).

Failures are scripted with ``override``: a function of the ``Call`` that
returns ``(status, headers, body)`` to send instead, or None to answer
normally (``Transfer-Encoding: chunked`` among the headers sends the body in
chunks, without a ``Content-Length``). Every request is kept in ``calls`` (path, headers, body, model,
cell) for assertions.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = ("gen", "ans", "judge")
ROLE_OF_MODEL = {"gen": "generation", "ans": "answering", "judge": "evaluation"}
USAGE = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}  # every successful reply

_TYPE = re.compile(r"Reasoning type: (\S+)")
_DIFFICULTY = re.compile(r"Target difficulty: (\d+)/10")
_MUST_DIFFER = "It must differ from each of these questions"
_QUESTION = re.compile(r"Q (\S+) d(\d+) i(\d+):")
_WORDS = (
    "amber",
    "basalt",
    "cobalt",
    "dune",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kelp",
    "lagoon",
    "meadow",
    "nickel",
    "orchid",
    "prairie",
    "quartz",
    "reef",
    "saffron",
    "tundra",
    "umber",
    "violet",
    "walnut",
    "xenon",
    "yarrow",
    "zephyr",
    "anvil",
    "bramble",
    "canyon",
    "delta",
    "estuary",
    "falcon",
    "glacier",
    "heron",
    "iris",
    "jasper",
    "kestrel",
    "lichen",
    "marble",
    "nebula",
)
_JUDGE_QUESTION = re.compile(r"<question>\s*(.*?)\s*</question>", re.DOTALL)

Cell = tuple[str, int, int]


@dataclass
class Call:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict | None
    model: str | None = None
    cell: Cell | None = None
    messages: list[dict] = field(default_factory=list)

    def text(self, index: int = -1) -> str:
        """Content of one message (default: the last)."""
        return str(self.messages[index].get("content", "")) if self.messages else ""


def question_text(kind: str, level: int, index: int, version: int = 1) -> str:
    """The question the scripted generator writes for a cell (the ``version``-th time it is asked)."""
    digest = hashlib.sha256(f"{kind}|{level}|{index}|{version}".encode()).digest()
    words = " ".join(_WORDS[byte % len(_WORDS)] for byte in digest[:8])
    return f"Q {kind} d{level} i{index}: {words}?"


def generation_cell(prompt: str) -> Cell | None:
    """(type, difficulty, index) a generation prompt asks for; index = must-differ entries + 1."""
    kind, level = _TYPE.search(prompt), _DIFFICULTY.search(prompt)
    if not kind or not level:
        return None
    earlier = 0
    if _MUST_DIFFER in prompt:
        after = prompt.split(_MUST_DIFFER, 1)[1].split("\n")[1:]
        for line in after:
            if not re.match(r"\d+\. ", line):
                break
            earlier += 1
    return kind.group(1), int(level.group(1)), earlier + 1


def question_cell(text: str) -> Cell | None:
    match = _QUESTION.search(text)
    return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None


def chat_payload(model: str, content: str) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": dict(USAGE),
    }


def error_payload(message: str, code: str = "scripted") -> dict:
    return {"error": {"message": message, "type": "scripted_error", "code": code}}


class ScriptedServer:
    """Scripted endpoint on 127.0.0.1, served from a daemon thread; ``base_url`` ends in ``/v1``."""

    def __init__(
        self, verdicts: dict | None = None, override: Callable[[Call], tuple[int, dict, object] | None] | None = None
    ):
        self.verdicts: dict = dict(verdicts or {})
        self.override = override
        self.calls: list[Call] = []
        self._versions: dict[Cell, int] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------
    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def start(self) -> ScriptedServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.scripted = self
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- queries for tests -------------------------------------------------------------
    def chat_calls(self, model: str | None = None) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.path.endswith("/chat/completions") and (model is None or c.model == model)]

    # -- answering -------------------------------------------------------------------
    def handle(self, call: Call) -> tuple[int, dict, object]:
        with self._lock:
            self.calls.append(call)
        if self.override is not None:
            scripted = self.override(call)
            if scripted is not None:
                return scripted
        if call.method == "GET" and call.path.rstrip("/") == "/v1/models":
            return 200, {}, {"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]}
        if call.method != "POST" or call.path != "/v1/chat/completions":
            return 404, {}, error_payload(f"unknown route {call.method} {call.path}", "unknown_url")
        if call.body is None:
            return 400, {}, error_payload("body is not JSON")
        if call.model not in MODELS:
            return 404, {}, error_payload(f"The model `{call.model}` does not exist", "model_not_found")
        return 200, {}, chat_payload(call.model, self.reply(call))

    def reply(self, call: Call) -> str:
        if call.model == "gen":
            with self._lock:
                version = self._versions[call.cell] = self._versions.get(call.cell, 0) + 1
            question = question_text(*call.cell, version)
            if "reference_answer" in call.text():
                return json.dumps({"question": question, "reference_answer": "A"})
            return question
        if call.model == "ans":
            return "Final answer: A"
        script = self.verdicts.get(call.cell, "correct")
        if isinstance(script, (list, tuple)):
            asked_before = sum(1 for m in call.messages if m.get("role") == "assistant")
            script = script[min(asked_before, len(script) - 1)]
        if script in ("correct", "incorrect"):
            kind, level, index = call.cell
            return json.dumps({"score": script, "rationale": f"scripted {script} for {kind} d{level} i{index}"})
        return script


def _cell_of(model: str | None, messages: list[dict]) -> Cell | None:
    texts = [str(m.get("content", "")) for m in messages if isinstance(m, dict)]
    users = [t for t, m in zip(texts, messages, strict=True) if m.get("role") == "user"]
    if model == "gen":
        return generation_cell(users[-1] if users else "")
    if model == "ans":
        return question_cell(users[-1] if users else "")
    if model == "judge":
        block = _JUDGE_QUESTION.search(users[0] if users else "")
        return question_cell(block.group(1)) if block else None
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes: without TCP_NODELAY, Nagle and the
        # client's delayed ACK add ~40 ms to every reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else None
        model = body.get("model") if body else None
        messages = [m for m in (body or {}).get("messages", []) if isinstance(m, dict)]
        call = Call(
            method=method,
            path=self.path,
            headers=dict(self.headers.items()),
            body=body,
            model=model,
            cell=_cell_of(model, messages),
            messages=messages,
        )
        status, headers, payload = self.server.scripted.handle(call)
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode()
        elif isinstance(payload, str):
            data = payload.encode()
        else:
            data = bytes(payload or b"")
        chunked = str(headers.get("Transfer-Encoding", "")).lower() == "chunked"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if not chunked:
                self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, str(value))
            self.end_headers()
            if chunked:  # the body in chunks of 1 MiB, its length known to nobody before the end
                for start in range(0, len(data), 1 << 20):
                    piece = data[start : start + (1 << 20)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

"""The SIMULATED endpoint over real HTTP on loopback: what its HTTP layer adds to the handler.

Reply headers, a path without /v1, chunked request bodies on a kept-alive connection,
concurrent clients, and ``python sim_endpoint.py`` as a process that serves until Ctrl-C
(SIGINT is the point, so it is a real process). What the simulated models answer is tested
on the handler directly in ``unit/test_sim_endpoint.py``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers import ROOT
from shared_cases import final_answer, generation_prompt, judge_prompt, reply_text, user

from seval.sim.server import KINDS, SimServer, make_item


@pytest.fixture(scope="module")
def server():
    with SimServer(seed=0) as sim:
        yield sim


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def post_chat(http, sim, model, messages, **extra):
    return http.post(
        f"{sim.base_url}/chat/completions", json={"model": model, "messages": messages, **extra}, timeout=10
    )


def test_chat_reply_shape_and_path_without_v1(server, http):
    root = server.base_url.removesuffix("/v1")
    messages = generation_prompt("logical_deduction", 3)
    response = http.post(f"{root}/chat/completions", json={"model": "sim-generator", "messages": messages}, timeout=10)
    body = response.json()
    assert response.headers["Content-Length"] == str(len(response.content))
    assert body["object"] == "chat.completion" and body["created"] == 0
    assert body["system_fingerprint"] == "simulated" and body["model"] == "sim-generator"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["role"] == "assistant"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_concurrent_replies_equal_sequential_ones(server, http):
    question = make_item("data_interpretation", 6, "0000abcd")[0]
    bodies = [("sim-generator", generation_prompt(kind, d)) for kind in KINDS for d in (2, 9)]
    bodies += [(m, user(question)) for m in ("sim-solver", "sim-solver-weak", "sim-solver-strong")]
    bodies += [(m, judge_prompt(question, "Final answer: Oak")) for m in ("sim-judge", "sim-judge-2")]
    sequential = [post_chat(http, server, model, messages).content for model, messages in bodies]

    def fetch(item):
        with requests.Session() as own:
            return post_chat(own, server, *item).content

    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(fetch, reversed(bodies)))
    assert concurrent[::-1] == sequential


def test_chunked_request_body_and_keep_alive(server, http):
    parts = [b'{"model": "sim-solver", ', b'"messages": [{"role": "user", "content": "chunked"}]}']
    chunked = http.post(f"{server.base_url}/chat/completions", data=iter(parts), timeout=10)
    assert final_answer(reply_text(chunked)) == "unknown"
    assert http.get(f"{server.base_url}/models", timeout=10).status_code == 200


def test_standalone_serves_and_exits_cleanly_on_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "sim_endpoint.py"), "--port", "0", "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Simulated OpenAI-compatible endpoint (no real model) at http://127.0.0.1:")
        url = line.split(" at ", 1)[1].strip()
        assert requests.get(f"{url}/models", timeout=10).status_code == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err

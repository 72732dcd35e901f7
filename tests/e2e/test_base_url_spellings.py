"""The base-URL rule: no path gets ``/v1``, a pasted ``.../chat/completions`` is cut back to its base, any other
path is used as given. Each spelling of the same endpoint sends every request to ``/v1/chat/completions``.

One tiny run (one type, one difficulty) per spelling, in-process, against the scripted
endpoint on loopback, which records the path of every request.
"""

from __future__ import annotations

import json

import pytest
from helpers import run_main
from scripted_endpoint import ScriptedServer, question_text

MODELS = ["--model-generation", "gen", "--model-answering", "ans", "--model-evaluation", "judge"]


@pytest.mark.parametrize(
    "suffix",
    ["/v1", "/v1/", "", "/", "/v1/chat/completions"],
    ids=["v1", "v1-slash", "root", "root-slash", "full-chat-url"],
)
def test_base_url_with_or_without_v1(tmp_path, monkeypatch, suffix):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with ScriptedServer() as server:
        out = tmp_path / "out"
        code = run_main(
            "--base-url",
            server.root_url + suffix,
            *MODELS,
            "--reasoning-types",
            "logic",
            "--n",
            1,
            "--no-charts",
            "--out-dir",
            out,
        )
        assert code == 0
        paths = [call.path for call in server.calls]
    assert paths == ["/v1/chat/completions"] * 3  # one question, its answer, its verdict
    record = json.loads((out / "runs.jsonl").read_text(encoding="utf-8"))
    assert record["endpoint_generation"] == server.base_url  # the real base: what requests are built on
    assert record["examples"][0]["question"] == question_text("logic", 1, 1)
    assert record["examples"][0]["score"] == 1.0

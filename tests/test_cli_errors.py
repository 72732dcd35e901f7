"""Bad command lines: one ``error:`` line on stderr, exit code 2, no traceback, nothing written.

Each case runs ``main`` in an empty working folder and checks that the folder
is still empty afterwards (no output folder, no default ``out_benchmark``); a
few also run as real processes for the exit code. Also: a base URL works with
and without ``/v1``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import run_cli
from helpers import run_main
from scripted_endpoint import ScriptedServer, question_text

from seval.cli import benchmark as self_evolving_benchmark

UNREACHABLE = "http://127.0.0.1:9/v1"  # never contacted: every case fails before a request
MODELS = ["--model-generation", "gen", "--model-answering", "ans", "--model-evaluation", "judge"]
GOOD = ["--base-url", UNREACHABLE, *MODELS, "--out-dir", "out"]


def without(args: list[str], flag: str) -> list[str]:
    """``args`` minus ``flag`` and its value."""
    at = args.index(flag)
    return args[:at] + args[at + 2 :]


BAD_COMMAND_LINES = {
    "n-zero": (GOOD + ["--n", "0"], "--n"),
    "n-eleven": (GOOD + ["--n", "11"], "--n"),
    "num-questions-zero": (GOOD + ["--num-questions", "0"], "--num-questions"),
    "alpha-zero": (GOOD + ["--alpha", "0"], "--alpha"),
    "alpha-above-one": (GOOD + ["--alpha", "1.5"], "--alpha"),
    "types-empty": (GOOD + ["--reasoning-types", ""], "--reasoning-types"),
    "types-empty-entry": (GOOD + ["--reasoning-types", "a,,b"], "--reasoning-types"),
    "types-duplicate": (GOOD + ["--reasoning-types", "a,a"], "--reasoning-types"),
    "base-url-ftp": (["--base-url", "ftp://x", *MODELS, "--out-dir", "out"], "ftp://x"),
    "no-base-url": (without(GOOD, "--base-url"), "OPENAI_BASE_URL"),
    "no-answering-model": (without(GOOD, "--model-answering"), "--model-answering"),
}


def check_one_error_line(stderr: str, named: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert named in lines[0]
    assert "Traceback" not in stderr


@pytest.mark.parametrize("case", BAD_COMMAND_LINES)
def test_bad_input_fails_with_one_line_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    """In-process: ``main`` returns 2 after one error line, and the working folder stays empty."""
    argv, named = BAD_COMMAND_LINES[case]
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert self_evolving_benchmark.main(list(argv)) == 2
    captured = capsys.readouterr()
    check_one_error_line(captured.err, named)
    assert list(tmp_path.iterdir()) == []  # neither "out" nor the default out_benchmark


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """A few bad command lines run as real processes, side by side (each is ~0.5 s of start-up)."""
    cases = ("n-zero", "base-url-ftp", "no-answering-model")
    folders = {case: tmp_path_factory.mktemp(case) for case in cases}
    environment = {"OPENAI_BASE_URL": None, "OPENAI_API_KEY": None}
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {
            case: pool.submit(run_cli, *BAD_COMMAND_LINES[case][0], cwd=folders[case], env=environment)
            for case in cases
        }
        return {case: (future.result(), folders[case]) for case, future in futures.items()}


@pytest.mark.parametrize("case", ["n-zero", "base-url-ftp", "no-answering-model"])
def test_bad_input_as_a_process_exits_2_without_traceback(cli_runs, case):
    result, folder = cli_runs[case]
    assert result.returncode == 2, (result.stdout, result.stderr)
    check_one_error_line(result.stderr, BAD_COMMAND_LINES[case][1])
    assert result.stdout == ""
    assert list(folder.iterdir()) == []


# -- base URL spellings ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/v1", "/v1/", "", "/"], ids=["v1", "v1-slash", "root", "root-slash"])
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
    assert record["endpoint_generation"] == server.root_url
    assert record["examples"][0]["question"] == question_text("logic", 1, 1)
    assert record["examples"][0]["score"] == 1.0

"""Bad command lines: one ``error:`` line on stderr, exit code 2, no traceback, nothing written.

Each case runs the CLI through ``conftest.run_cli`` (as a user runs it, in-process: environment
without OPENAI_*, exit code, stdout and stderr as a process gives them) in an empty working folder,
and checks that the folder is still empty afterwards (no output folder, no default ``out_benchmark``).
Every case fails before a request, so no endpoint is needed. (A base URL with and
without ``/v1``, which needs one, is in e2e/test_base_url_spellings.py.)
"""

from __future__ import annotations

import pytest
from conftest import run_cli

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
def test_bad_input_fails_with_one_line_and_writes_nothing(case, tmp_path):
    """As a user runs it (``run_cli``): exit code 2, one error line, nothing on stdout, the folder still empty."""
    argv, named = BAD_COMMAND_LINES[case]
    result = run_cli(*argv, cwd=tmp_path, env={"OPENAI_BASE_URL": None, "OPENAI_API_KEY": None})
    assert result.returncode == 2, (result.stdout, result.stderr)
    check_one_error_line(result.stderr, named)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # neither "out" nor the default out_benchmark

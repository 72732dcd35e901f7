"""A judge panel's flags that are refused before anything is sent: one error line, exit 2, nothing written.

The benchmark's ``main`` runs in-process; the endpoint URLs are never contacted (the flags are refused
first), so no server is needed. Panels that do run are in ``e2e/test_trust_panel.py``.
"""

from __future__ import annotations

import pytest
from helpers import run_main


def test_two_urls_for_three_judges_is_refused_in_one_line(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code = run_main(
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model-generation",
        "gen",
        "--model-answering",
        "ans",
        "--model-evaluation",
        "j1,j2,j3",
        "--base-url-evaluation",
        "http://127.0.0.1:9/v1,http://127.0.0.1:10/v1",
        "--out-dir",
        out_dir,
        "--no-charts",
    )
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        "error: --base-url-evaluation gives 2 URLs for 3 judges: give one URL for all, or one per judge"
    )
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--model-evaluation", "j1,,j2", "error: --model-evaluation has an empty entry: 'j1,,j2'"),
        ("--model-evaluation", "j1,j2,j1", "error: --model-evaluation names j1 more than once"),
        ("--model-answering", "a,", "error: --model-answering has an empty entry: 'a,'"),
        ("--model-answering", "a, b,a ,b", "error: --model-answering names a, b more than once"),
    ],
)
def test_a_model_list_with_an_empty_entry_or_a_repeated_model_is_refused(tmp_path, capsys, flag, value, message):
    flags = {"--model-generation": "gen", "--model-answering": "ans", "--model-evaluation": "judge", flag: value}
    out_dir = tmp_path / "out"
    code = run_main("--base-url", "http://127.0.0.1:9/v1", *flags_of(flags), "--out-dir", out_dir, "--no-charts")
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [message]
    assert not out_dir.exists()


def flags_of(flags: dict[str, str]) -> list[str]:
    return [part for pair in flags.items() for part in pair]

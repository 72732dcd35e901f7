"""``--config FILE.toml``: keys are exactly the long flag names (dashes or TOML's underscores), checked as flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from seval.cli import benchmark as benchmark_cli
from seval.cli import sequential as sequential_cli
from seval.cli.config import read_config
from seval.errors import UsageError


def write_toml(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_negative_switch_is_given_by_its_flag_name(tmp_path):
    values = read_config(sequential_cli.build_parser(), write_toml(tmp_path, "no-check-empty = true\n"))
    assert values == {"check_empty": False}


def test_a_switch_set_to_false_leaves_the_default(tmp_path):
    values = read_config(sequential_cli.build_parser(), write_toml(tmp_path, "no-check-empty = false\n"))
    assert values == {}


@pytest.mark.parametrize("key", ["check-empty", "check_empty"])
def test_an_argparse_dest_that_is_no_flag_is_refused(tmp_path, key):
    with pytest.raises(UsageError, match=f"unknown key '{key}'"):
        read_config(sequential_cli.build_parser(), write_toml(tmp_path, f"{key} = false\n"))


def test_underscores_stand_for_dashes_and_values_are_converted_as_flags(tmp_path):
    path = write_toml(tmp_path, 'model_answering = "m"\nnum-questions = 3\nno_charts = true\n')
    values = read_config(benchmark_cli.build_parser(), path)
    assert values == {"model_answering": "m", "num_questions": 3, "no_charts": True}


def test_a_value_the_flag_would_refuse_is_one_error_naming_the_flag(tmp_path):
    with pytest.raises(UsageError, match="is not a valid value for --num-questions"):
        read_config(benchmark_cli.build_parser(), write_toml(tmp_path, 'num-questions = "many"\n'))

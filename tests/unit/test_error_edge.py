"""The one error edge every CLI shares (``run_main``): user errors are one line, a bug keeps its traceback."""

from __future__ import annotations

import argparse

import pytest

from seval.cli.common import OneLineParser, run_main
from seval.errors import DataError, TransportError
from seval.metrics.load import InputError


def parser() -> argparse.ArgumentParser:
    return OneLineParser(prog="tool")


def raising(exc: BaseException):
    def run(args, console):
        raise exc

    return run


def test_input_errors_are_one_line_with_their_own_exit_code(capsys):
    assert run_main(parser, raising(DataError("state.json is damaged")), []) == 2
    assert capsys.readouterr().err == "error: state.json is damaged\n"
    assert run_main(parser, raising(InputError("bad file")), [], error_prefix="tool: error: ") == 1
    assert capsys.readouterr().err == "tool: error: bad file\n"


def test_a_transport_failure_says_how_to_resume(capsys):
    assert run_main(parser, raising(TransportError("judge: could not reach x")), []) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: judge: could not reach x",
        "Everything finished so far is kept; rerun the same command to resume.",
    ]


def test_a_bug_is_not_disguised_as_an_input_error():
    with pytest.raises(ZeroDivisionError):
        run_main(parser, raising(ZeroDivisionError("a bug")), [])


def test_the_metrics_parser_errors_exit_1_in_the_metrics_format(capsys):
    metrics_parser = OneLineParser(prog="evaluate_metric.py", exit_code=1)
    metrics_parser.add_argument("--results", required=True)
    with pytest.raises(SystemExit) as stopped:
        metrics_parser.parse_args([])
    assert stopped.value.code == 1
    assert capsys.readouterr().err.startswith("evaluate_metric.py: error: the following arguments are required")

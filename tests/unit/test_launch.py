"""Ctrl-C while a command is still importing its tool: exit 130 and one line, no traceback."""

from __future__ import annotations

import sys

import pytest

from seval.cli import launch


class InterruptingImport:
    """A meta path finder that acts as Ctrl-C arriving while ``name`` is being imported."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name:
            raise KeyboardInterrupt
        return None


def test_ctrl_c_during_the_import_is_exit_130_with_one_line(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "seval.cli.metrics", raising=False)
    monkeypatch.setattr(sys, "meta_path", [InterruptingImport("seval.cli.metrics"), *sys.meta_path])
    assert launch.metrics() == 130
    assert capsys.readouterr().err == "Interrupted while starting; nothing was done.\n"


def test_the_launcher_runs_the_tool_once_it_is_imported(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["evaluate_metric.py", "--help"])
    with pytest.raises(SystemExit) as stopped:
        launch.metrics()
    assert stopped.value.code == 0
    assert "--results" in capsys.readouterr().out

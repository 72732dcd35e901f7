"""Shared test fixtures: a simulated endpoint and a way to run the CLI as a user would.

Kept small on purpose: anything specific to one test file lives in that file; plain
helpers that several files share (``run_tool``, a loopback chat server, ...) are in helpers.py.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
for folder in (TESTS, TESTS.parent):  # helpers.py and the repository's root modules
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from helpers import CLI, run_tool  # noqa: E402

from seval.sim.server import SimServer  # noqa: E402

_temp_dirs: list[str] = []


@pytest.fixture
def sim():
    """A simulated OpenAI-compatible endpoint on loopback (seed 0, no faults)."""
    server = SimServer().start()
    try:
        yield server
    finally:
        server.stop()


def _cleanup_temp_dirs() -> None:
    for folder in _temp_dirs:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_cleanup_temp_dirs)


def run_cli(*args: object, env: dict | None = None, cwd: object = None):
    """``python self_evolving_benchmark.py ARGS`` as a user runs it, in-process (``helpers.run_tool``).

    ``env`` entries are added to the environment (minus OPENAI_API_KEY and
    OPENAI_BASE_URL); an entry whose value is None removes that variable. ``cwd``
    defaults to a fresh temporary folder, so the default output folder never lands
    in the repository.
    """
    if cwd is None:
        cwd = tempfile.mkdtemp(prefix="cli-run-")
        _temp_dirs.append(cwd)
    return run_tool(CLI, *args, env=env, cwd=cwd)

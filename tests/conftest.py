"""Shared test fixtures: a simulated endpoint and a way to run the CLI as a user would.

Kept small on purpose: anything specific to one test file lives in that file; plain
helpers that several files share (``run_main``, a loopback chat server, ...) are in helpers.py.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from seval.sim.server import SimServer  # noqa: E402

CLI = ROOT / "self_evolving_benchmark.py"
CLI_TIMEOUT_S = 120
# Tests never reach a real provider: these are dropped from the inherited environment.
_ISOLATED_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
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


def run_cli(
    *args: object, env: dict | None = None, cwd: object = None, timeout: float = CLI_TIMEOUT_S
) -> subprocess.CompletedProcess:
    """Run ``python self_evolving_benchmark.py ARGS`` and return the finished process (text output).

    ``env`` entries are added to this process's environment (minus OPENAI_API_KEY
    and OPENAI_BASE_URL); an entry whose value is None removes that variable.
    ``cwd`` defaults to a fresh temporary folder, so the default output folder
    never lands in the repository.
    """
    full_env = {name: value for name, value in os.environ.items() if name not in _ISOLATED_ENV}
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = str(value)
    full_env.setdefault("PYTHONIOENCODING", "utf-8")
    full_env.setdefault("COLUMNS", "400")  # rich wraps at 80 columns off a terminal
    if cwd is None:
        cwd = tempfile.mkdtemp(prefix="cli-run-")
        _temp_dirs.append(cwd)
    return subprocess.run(
        [sys.executable, str(CLI), *(str(arg) for arg in args)],
        cwd=str(cwd),
        env=full_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )

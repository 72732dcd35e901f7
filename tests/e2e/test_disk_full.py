"""A full disk: refused before a request is paid for when it is already full, one line when it fills mid-run.

The output folder is a real small tmpfs, so the writes fail with a real ENOSPC. Mounting needs root (CI runs
as root); elsewhere these tests are skipped.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from helpers import CLI, cli_args, comparable, read_lines, run_tool

from seval.io import folders
from seval.sim.server import SimServer


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()

    def resize(size: str) -> None:
        options = f"size={size}" if not resized else f"remount,size={size}"
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], check=True, capture_output=True)
        resized.append(size)

    resized: list[str] = []
    try:
        resize("96k")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("cannot mount a tmpfs here (not root?)")
    yield mount, resize
    subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def run(sim: SimServer, out, cwd):
    args = cli_args(sim.base_url, out, "--max-retries", "0")
    return run_tool(CLI, *args[2:], cwd=cwd)


def test_a_nearly_full_disk_is_refused_before_any_request(small_disk, tmp_path):
    disk, _ = small_disk
    with SimServer() as sim:
        refused = run(sim, disk / "out", tmp_path)
        assert sim.request_count == 0
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert "KB free on its disk and a run needs at least 4 MB" in line and str(disk / "out") in line


def test_a_disk_that_fills_mid_run_is_one_line_and_the_rerun_finishes_the_same_run(small_disk, tmp_path, monkeypatch):
    disk, resize = small_disk
    monkeypatch.setattr(folders, "MIN_FREE_BYTES", 16 << 10)  # let the run start on this small disk
    with SimServer() as sim:
        full = run(sim, disk / "out", tmp_path)
        assert full.returncode == 1, full.stderr
        assert "Traceback" not in full.stderr
        (error, hint) = [line for line in full.stderr.splitlines() if line.startswith(("error:", "Everything"))]
        assert error.startswith(f"error: cannot write {disk / 'out'}/") and error.endswith("No space left on device")
        assert "rerun the same command to resume" in hint
        resize("16m")
        finished = run(sim, disk / "out", tmp_path)
        assert finished.returncode == 0, finished.stderr
    with SimServer() as sim:
        reference = run(sim, tmp_path / "reference", tmp_path)
        assert reference.returncode == 0
    assert [comparable(r) for r in read_lines(disk / "out" / "runs.jsonl")] == [
        comparable(r) for r in read_lines(tmp_path / "reference" / "runs.jsonl")
    ]
    state = json.loads((disk / "out" / "state.json").read_text(encoding="utf-8"))
    assert state == json.loads((tmp_path / "reference" / "state.json").read_text(encoding="utf-8"))

"""Output folders: checked before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

from seval.errors import UsageError


def check_output_folder(folder: Path, create: bool = True) -> None:
    """Fail with one line, before anything is written, if ``folder`` cannot hold output."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"output folder {folder} exists and is not a folder")
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"output folder {folder} cannot be made: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"output folder {folder} is not writable")
    if create:
        folder.mkdir(parents=True, exist_ok=True)

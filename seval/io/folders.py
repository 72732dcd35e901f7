"""Output folders and the files a run will write: checked before anything is written or paid for."""

from __future__ import annotations

import errno
import os
import shutil
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


# Enough for a run's journal, records, report and charts many times over; below it a run would stop half way.
MIN_FREE_BYTES = 4 << 20
# Errors a write meets because of the machine, not of the tool: reported in one line, never as a traceback.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


def check_free_space(folder: Path, minimum: int | None = None) -> None:
    """Refuse to start (before any request is paid for) when ``folder``'s disk has less than ``MIN_FREE_BYTES``."""
    minimum = MIN_FREE_BYTES if minimum is None else minimum
    free = shutil.disk_usage(_nearest_existing(Path(folder).absolute())).free
    if free < minimum:
        raise UsageError(
            f"{folder} has only {free >> 10} KB free on its disk and a run needs at least "
            f"{minimum >> 20} MB; free some space or write elsewhere"
        )


def check_writable(paths: list[Path]) -> None:
    """Refuse to start when a file the run will write is a folder or cannot be written."""
    for path in paths:
        if path.is_dir():
            raise UsageError(f"{path} is a folder, so it cannot be written; move it away")
        if path.exists() and not os.access(path, os.W_OK):
            raise UsageError(f"{path} is not writable")

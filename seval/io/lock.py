"""One invocation at a time per output folder or results file: an exclusive lock held for the whole run.

``flock`` on the folder (or file) itself: taking it writes nothing (so bad input
still leaves the folder as it was), and the operating system releases it when
the process ends, however it ends, so a kill -9 never leaves a stale lock behind.
A second process is refused at once with one line, not queued. Where ``fcntl``
does not exist (Windows) there is no lock, and DESIGN.md says so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from seval.errors import UsageError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def exclusive_lock(path: Path, in_use: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a folder or a file that exists) for the block.

    ``in_use`` is the one-line message for when another process holds it.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(in_use) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def folder_in_use(folder: Path) -> str:
    """The refusal for a benchmark output folder another run holds."""
    return (
        f"{folder} is in use by another run of this tool (it holds the folder's lock); "
        "wait for it to finish, or give another --out-dir"
    )

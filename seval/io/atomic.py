"""Whole-file writes that a crash cannot leave half done, and reads that fail in one line."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from seval.errors import DataError
from seval.io import strict_json


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves the old or the new file, never half.

    The temporary file is created with mode 0o666 filtered by the umask, as any
    file the user's shell would make (``mkstemp``'s 0600 would need a chmod,
    and ``os.fchmod`` ignores the umask and is missing on Windows before 3.13).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # the file meant, not the temporary one
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_json_atomic(path: Path, payload: object) -> None:
    """``write_text_atomic`` for a JSON document (strict JSON: NaN and infinities are refused)."""
    write_text_atomic(path, strict_json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_text(path: Path, what: str = "") -> str:
    """A text file's contents; every way reading it can fail is one DataError line (``what`` names the file)."""
    return decode_utf8(read_bytes(path, what), path, what)


def decode_utf8(data: bytes, path: Path, what: str = "") -> str:
    """``data`` read from ``path`` as UTF-8 text, or the one-line DataError ``read_text`` gives."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{what} {path}".strip() + " is not UTF-8 text") from None


def read_bytes(path: Path, what: str = "") -> bytes:
    """A file's bytes; every way reading it can fail is one DataError line (``what`` names the file)."""
    name = f"{what} {path}".strip()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"{name} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"{name} is a folder, not a file") from None
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror}") from None

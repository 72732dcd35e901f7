"""JSONL files of pydantic records: the reader and the appender agree on a damaged last line.

A crash can tear only the last line of an append-only file, and a torn line
never ends with a newline: every record is written as one line and its newline
in one append. The reader reports and ignores such a line; the appender cuts it
off before its first append, so new lines always start clean. Any other bad
line, a last line that ends with its newline included (that is damage no crash
of ours leaves), is an error naming the file, the line and the field, and the
appender never appends after it because every file is read before it is
appended to.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from seval.errors import DataError
from seval.io.atomic import decode_utf8, read_bytes

T = TypeVar("T")
TAIL_BLOCK = 1 << 16  # bytes read back from the end at a time when looking for the last line


def field_error(exc: ValidationError) -> str:
    """The first thing wrong with a record, as ``field 'a.b': message``."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "(record)"
    return f"field '{where}': {first.get('msg')}"


def is_json_error(exc: ValidationError) -> bool:
    """True when the text was not JSON at all (as opposed to JSON of the wrong shape)."""
    return any(error.get("type") == "json_invalid" for error in exc.errors())


def read_jsonl(path: Path, adapter: TypeAdapter[T]) -> tuple[list[T], str | None]:
    """Parse a JSONL file into models: ``(records, warning)``.

    The warning names a truncated last line that was ignored. A bad line
    anywhere else raises DataError with its line number and field.
    """
    if not path.exists():
        return [], None
    data = read_bytes(path)
    whole, _, tail = data.rpartition(b"\n")  # tail: what follows the last newline, possibly torn
    lines = decode_utf8(whole, path).split("\n") if whole or data.startswith(b"\n") else []
    records: list[T] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                records.append(adapter.validate_json(line))
            except ValidationError as exc:
                raise DataError(f"{path} line {number}: {field_error(exc)}") from None
    if tail.strip():
        try:  # a kill can cut a line inside a multi-byte character as well as anywhere else
            records.append(adapter.validate_json(tail.decode("utf-8")))
        except (UnicodeDecodeError, ValidationError) as exc:
            if isinstance(exc, ValidationError) and not is_json_error(exc):
                raise DataError(f"{path} line {len(lines) + 1}: {field_error(exc)}") from None
            return records, f"{path}: line {len(lines) + 1} is truncated (a crash mid-write?) and was ignored"
    return records, None


class JsonlAppender:
    """Appends models to a JSONL file, one line each, fsynced before returning.

    Thread-safe. A torn last line left by an earlier crash is cut off first,
    so the next record starts on a line of its own.
    """

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        cut_torn_tail(path)

    def append(self, record: BaseModel) -> None:
        """Write one record as a line and fsync it."""
        line = record.model_dump_json() + "\n"
        with self._lock:
            try:
                with open(self.path, "a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:  # a full disk: say which file (a write's error names none)
                raise OSError(exc.errno, exc.strerror, str(self.path)) from exc


def _last_line_start(handle, size: int) -> int:
    """Offset where the file's last line starts, reading back from the end only as far as needed."""
    end = size
    while end > 0:
        start = max(0, end - TAIL_BLOCK)
        handle.seek(start)
        block = handle.read(end - start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


def cut_torn_tail(path: Path) -> None:
    """Cut off a last line a crash left unfinished; complete one that lacks only its newline.

    Reads the file's last line only, so appending to a long file costs the
    same as appending to a short one.
    """
    if not path.exists():
        return
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        start = _last_line_start(handle, size)
        handle.seek(start)
        try:
            json.loads(handle.read())  # a whole record that lacks only its newline was read as valid: keep it
        except ValueError:
            handle.truncate(start)
        else:
            handle.seek(size)
            handle.write(b"\n")

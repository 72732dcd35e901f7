"""Streaming reader for result files: a JSON list or JSONL, read in pieces.

The job here is only to cut a file into chunks of JSON that parse on their
own, so that neither the whole file nor all of its records are ever held in
memory, and so that chunks can be parsed by several processes, each reading
its own byte range:

* a JSON list (first non-space character ``[``) is cut at element
  boundaries. The cheap cut (the first ``}`` followed by ``,`` then ``{``
  after a target offset) only reads a small window and is usually right; it
  is proved by parsing (a piece of a list between two element boundaries,
  wrapped in ``[ ]``, parses only when both cuts are boundaries). A chunk
  that fails raises ``CutError`` and the rest of the file is redone from
  that chunk's start with an exact scan that tracks strings, escapes and
  depth;
* JSONL is cut at newlines (a raw newline never occurs inside a JSON
  string); a last line with no newline after it that does not parse is
  reported and skipped, a bad line anywhere else is an error.

Every problem with the input is an ``InputError`` whose message is one line,
meant to be shown to the user as it is.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pydantic_core

from seval.errors import UsageError

BLOCK = 2 << 20  # bytes per chunk, about (small chunks: fewer fresh pages to fault in per chunk)
_WINDOW = 1 << 16  # bytes read to find a cheap cut
_WS = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_CHEAP_CUT = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*\{")
_SCRATCH = threading.local()  # one reusable chunk buffer per thread (see _scratch)
# pydantic_core's string cache: only keys repeat enough to be worth it
# (values such as ids are unique, and caching them costs a lookup each).
_CACHE: Literal["keys"] = "keys"


class InputError(UsageError):
    """A problem with the user's input file, said in one line; exit code 1, as EvaLearn's script."""

    exit_code = 1


class CutError(Exception):
    """A cheap cut proved wrong: redo from ``args[0]`` (a file offset) exactly."""


@dataclass
class ReadInfo:
    """What the reader learnt about the file while reading it."""

    path: str
    fmt: str = ""  # "json" (a list) or "jsonl"
    truncated_line: int | None = None  # 1-based line number of a skipped last line
    notes: list[str] = field(default_factory=list)


@dataclass
class Chunk:
    """Bytes ``[offset, end)`` of ``path``, which parse on their own.

    A "json" chunk holds list elements (maybe after a separating comma; the
    last chunk also holds the closing ``]``); a "jsonl" chunk holds whole
    lines (the last may lack its newline). ``data`` is set when the reader
    already holds the bytes; otherwise ``parse_chunk`` reads them.
    """

    path: str
    kind: str
    offset: int
    end: int
    verified: bool  # cut made by the exact scan: a parse failure is the file's
    last: bool
    data: bytes | None = None
    first: bool = False  # the file's first chunk


def line_at(path: str, offset: int) -> int:
    """1-based line number of the byte at ``offset`` (for messages only)."""
    count = 0
    with open(path, "rb") as f:
        left = offset
        while left > 0:
            block = f.read(min(BLOCK, left))
            if not block:
                break
            count += block.count(b"\n")
            left -= len(block)
    return count + 1


def _name(path: str) -> str:
    return os.path.basename(path) or path


def _parse(data: bytes | bytearray, chunk: Chunk, skipped: int = 0):
    """Parse one JSON value fast; on failure say where and why, in one line.

    ``skipped`` bytes of the chunk precede ``data`` (for line numbers); the
    bytes of ``data`` are the file's, but for a leading ``[`` added to wrap
    list elements (it holds no newline, so line numbers stay right).
    """
    try:
        return pydantic_core.from_json(data, cache_strings=_CACHE)
    except ValueError:
        pass
    what = _name(chunk.path)
    first = line_at(chunk.path, chunk.offset + skipped)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first + data.count(b"\n", 0, exc.start)
        raise InputError(f"{what} is not UTF-8 (invalid byte on line {line})") from None
    try:
        # The stdlib accepts a few things pydantic_core does not (lone
        # surrogate escapes); it also gives a precise error position.
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON (line {first + exc.lineno - 1}: {exc.msg})") from None
    except RecursionError:
        raise InputError(f"{what} is not usable JSON (nested too deeply after line {first})") from None


def exact_cut(buf: bytes) -> int:
    """Index just past the last complete element of a JSON list in ``buf``.

    ``buf`` begins between two elements (depth 1, outside strings). Quotes
    preceded by an odd run of backslashes are escaped; brackets inside
    strings are ignored; the last closing bracket that brings the depth back
    to that of the list ends the last complete element. -1 when there is none.
    """
    a = np.frombuffer(buf, dtype=np.uint8)
    quotes = np.flatnonzero(a == 0x22)
    prev = quotes[quotes > 0]
    maybe = prev[a[prev - 1] == 0x5C]
    if maybe.size:
        run = np.zeros(maybe.size, dtype=np.int64)  # backslashes before each
        alive = np.ones(maybe.size, dtype=bool)
        k = 1
        while alive.any():
            idx = maybe - k
            ok = alive & (idx >= 0)
            ok[ok] = a[idx[ok]] == 0x5C
            run += ok
            alive = ok
            k += 1
        keep = np.ones(quotes.size, dtype=bool)
        keep[np.searchsorted(quotes, maybe[(run & 1) == 1])] = False
        quotes = quotes[keep]
    folded = a | 0x20  # '[' -> '{', ']' -> '}'
    opens = folded == 0x7B
    marks = np.flatnonzero(opens | (folded == 0x7D))
    marks = marks[(np.searchsorted(quotes, marks) & 1) == 0]
    if marks.size == 0:
        return -1
    step = np.where(opens[marks], 1, -1)
    ends = marks[(np.cumsum(step) == 0) & (step == -1)]
    return int(ends[-1]) + 1 if ends.size else -1


def _cheap_chunks(f, path: str, kind: str, start: int, size: int, block: int, first: bool = True) -> Iterator[Chunk]:
    """Chunks of about ``block`` bytes, each cut found in a small window."""
    while start < size:
        target = start + block
        cut = -1
        window = _WINDOW
        while target < size and cut < 0:
            f.seek(target)
            data = f.read(window)
            if kind == "jsonl":
                found = data.find(b"\n")
                cut = target + found + 1 if found >= 0 else -1
            else:
                match = _CHEAP_CUT.search(data)
                cut = target + match.start() + 1 if match else -1
            if cut < 0:
                if target + len(data) >= size:
                    break
                window *= 2
        if cut < 0:
            yield Chunk(path, kind, start, size, kind == "jsonl", True, first=first)
            return
        yield Chunk(path, kind, start, cut, kind == "jsonl", False, first=first)
        start, first = cut, False


def _exact_chunks(f, path: str, start: int, size: int, block: int) -> Iterator[Chunk]:
    """From an element boundary on: one chunk cut by ``exact_cut`` (so it is
    right even where the cheap cut went wrong), then cheap chunks again."""
    f.seek(start)
    buf = b""
    while True:
        more = f.read(block)
        buf += more
        if not more:
            yield Chunk(path, "json", start, size, True, True, buf)
            return
        cut = exact_cut(buf)
        if cut > 0:
            yield Chunk(path, "json", start, start + cut, True, False, buf[:cut])
            yield from _cheap_chunks(f, path, "json", start + cut, size, block, first=False)
            return


def read_chunks(path: str, info: ReadInfo, block: int = BLOCK, resume: int | None = None) -> Iterator[Chunk]:
    """Yield the chunks of ``path`` in file order (reading only small windows).

    ``resume`` (a file offset at a JSON-list element boundary, from a
    ``CutError``) restarts there with one exact cut. Raises InputError for a
    missing, unreadable or empty file.
    """
    what = _name(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a results file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        if resume is not None:
            yield from _exact_chunks(f, path, resume, size, block)
            return
        head = f.read(_WINDOW)
        skip = len(_BOM) if head.startswith(_BOM) else 0
        while not head[skip:].strip(_WS):
            more = f.read(block)
            if not more:
                raise InputError(f"{what} is empty: no results to read")
            head += more
        stripped = head[skip:].lstrip(_WS)
        if stripped[:1] == b"[":
            info.fmt = "json"
            start = len(head) - len(stripped) + 1
        else:
            info.fmt = "jsonl"
            start = skip
        yield from _cheap_chunks(f, path, info.fmt, start, size, block)


def _scratch(size: int) -> memoryview:
    """This thread's reusable buffer, ``size`` bytes of it.

    A fresh 2 MB bytearray per chunk is zero-filled and page-faulted in every time:
    most of the cost of getting a chunk's bytes (measured: 0.43 s against 0.08 s
    per million results). Valid until this thread's next call.
    """
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or len(buf) < size:
        buf = _SCRATCH.buf = bytearray(max(size, BLOCK + (BLOCK >> 1)))
    return memoryview(buf)[:size]


def _read_into(chunk: Chunk, buf: bytearray | memoryview, pad: int) -> None:
    """Put the chunk's bytes into ``buf`` after ``pad`` spare bytes."""
    n = len(buf) - 2 * pad
    if chunk.data is not None:
        buf[pad : pad + n] = chunk.data
        return
    with open(chunk.path, "rb") as f:
        f.seek(chunk.offset)
        got = f.readinto(memoryview(buf)[pad : pad + n])
    if got != n:
        raise InputError(f"{_name(chunk.path)} changed while it was read")


def _size(chunk: Chunk) -> int:
    return len(chunk.data) if chunk.data is not None else chunk.end - chunk.offset


def _chunk_bytes(chunk: Chunk, pad: int = 0) -> bytearray:
    """The chunk's bytes, with ``pad`` spare bytes before and after them."""
    buf = bytearray(_size(chunk) + 2 * pad)
    _read_into(chunk, buf, pad)
    return buf


def _as_list(chunk: Chunk, buf: bytearray | memoryview) -> bool:
    """Make the chunk's elements in ``buf`` (one spare byte each side) one JSON list, in place (no
    copy): '[' and ']' in the spare bytes, the comma that separates it from the previous chunk and
    the file's own closing ']' (last chunk) blanked. False when the chunk holds no element."""
    end = len(buf) - 1
    buf[0], buf[end] = 0x5B, 0x5D
    i = 1
    while i < end and buf[i] in _WS:
        i += 1
    if i < end and buf[i] == 0x2C:
        buf[i] = 0x20
    if chunk.last:
        j = end - 1
        while j > 0 and buf[j] in _WS:
            j -= 1
        if j == 0 or buf[j] != 0x5D:
            raise InputError(f"{_name(chunk.path)} is not valid JSON (the list is not closed: truncated file?)")
        buf[j] = 0x20
        if not bytes(buf[1:j]).strip(_WS):
            return False
    return True


def _json_list(chunk: Chunk) -> bytearray | None:
    """The chunk's elements as one JSON list (see ``_as_list``); None when it holds no element."""
    buf = _chunk_bytes(chunk, pad=1)
    return buf if _as_list(chunk, buf) else None


def chunk_as_list(chunk: Chunk) -> memoryview | bytes | None:
    """The chunk's values as the bytes of one JSON list, for a decoder that takes a whole list.

    Nothing is checked here: whatever does not decode goes to ``parse_chunk``,
    which says why. None when a JSON-list chunk holds no element. A JSON-list
    chunk comes back in this thread's reused buffer: decode it before the next call.
    """
    if chunk.kind == "json":
        buf = _scratch(_size(chunk) + 2)
        _read_into(chunk, buf, 1)
        return buf if _as_list(chunk, buf) else None
    texts = [text for text in _chunk_bytes(chunk).split(b"\n") if text.strip(_WS)]
    return b"[" + b",".join(texts) + b"]"


def parse_chunk(chunk: Chunk) -> tuple[list, int | None]:
    """The chunk's values, and the line number of a skipped truncated last line.

    Raises CutError when an unverified cut proves wrong, InputError when the
    file itself is at fault.
    """
    if chunk.kind == "json":
        data = _json_list(chunk)
        if data is None:
            return [], None
        if not chunk.verified:
            try:
                return pydantic_core.from_json(data, cache_strings=_CACHE), None
            except ValueError:
                raise CutError(chunk.offset) from None
        return _parse(data, chunk), None
    buf = _chunk_bytes(chunk)
    lines = buf.split(b"\n")
    texts = [text for text in lines if text.strip(_WS)]
    try:
        items = pydantic_core.from_json(b"[" + b",".join(texts) + b"]", cache_strings=_CACHE)
        if len(items) == len(texts):
            return items, None
    except ValueError:
        pass
    items = []
    skipped = 0
    for i, text in enumerate(lines):
        if text.strip(_WS):
            try:
                items.append(_parse(text, chunk, skipped))
            except InputError:
                if chunk.first and not items:
                    _not_jsonl(chunk)  # raises when the file is one JSON value
                    raise
                if chunk.last and i == len(lines) - 1:  # no newline after it
                    return items, line_at(chunk.path, chunk.offset + skipped)
                raise
        skipped += len(text) + 1
    return items, None


def _not_jsonl(chunk: Chunk, limit: int = 256 << 20) -> None:
    """When the first line fails, the file may still be one JSON value (an
    object spread over lines): say it has the wrong shape rather than that it
    is not JSON."""
    if os.path.getsize(chunk.path) > limit:
        return
    with open(chunk.path, "rb") as f:
        data = f.read()
    try:
        value = pydantic_core.from_json(data[len(_BOM) :] if data.startswith(_BOM) else data)
    except ValueError:
        return
    kind = {dict: "object", str: "string", bool: "boolean"}.get(type(value), type(value).__name__)
    if value is None:
        kind = "null"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        kind = "number"
    raise InputError(
        f"{_name(chunk.path)} has the wrong shape: it is one JSON {kind}, "
        "not a list of results nor JSONL (one result object per line)"
    )


def is_run_record(value: object) -> bool:
    """A line of the benchmark runner's runs.jsonl (told apart from sequential results by content)."""
    return isinstance(value, dict) and "run_id" in value and "examples" in value


def note_truncated(info: ReadInfo, line: int) -> None:
    info.truncated_line = line
    info.notes.append(f"line {line} is not complete JSON (truncated last line?): skipped")


def read_values(path: str, info: ReadInfo | None = None, block: int = BLOCK) -> Iterator[list]:
    """Parsed values of ``path``, a list per chunk, in this process."""
    info = info or ReadInfo(path)
    chunks = read_chunks(path, info, block)
    while True:
        try:
            for chunk in chunks:
                items, truncated = parse_chunk(chunk)
                if truncated is not None:
                    note_truncated(info, truncated)
                yield items
            return
        except CutError as exc:
            chunks = read_chunks(path, info, block, resume=exc.args[0])

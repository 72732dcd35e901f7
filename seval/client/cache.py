"""Opt-in on-disk cache of chat replies (``--cache-dir``).

A reply is stored under the SHA-256 of everything that determines it (the
endpoint, model, messages and sampling parameters) and never under anything
secret: the API key is not part of the key or the file. One file per reply,
written to a temp file and renamed into place, so concurrent threads and two
processes sharing the folder never see half a reply, and the last writer of
an identical reply simply wins.

An entry is used only if it validates as a reply (``CachedReply``); anything
else (a damaged file, ``[1]``, ``{"text": null}``, ``{"usage": {}}``) is a
miss: the request is sent and the entry replaced, so a damaged cache can
neither crash a rerun nor put words in a model's mouth.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from pathlib import Path

from pydantic import ValidationError

from seval.client.replies import ChatReply, split_think
from seval.io.atomic import write_text_atomic
from seval.records import Record, TokenUsage


class CachedReply(Record):
    """A cache entry. Entries written before reasoning was kept apart hold only text and usage."""

    text: str
    usage: TokenUsage | None
    reasoning: str | None = None
    finish_reason: str | None = None


def request_fingerprint(base_url: str, model: str, body: dict) -> str:
    """Stable hash of a request: the same request gives the same key everywhere."""
    canonical = json.dumps(
        {"base_url": base_url, "model": model, "body": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _reply_from(entry: CachedReply) -> ChatReply:
    text, reasoning = entry.text, entry.reasoning
    if "finish_reason" not in entry.model_fields_set:  # an older entry: reasoning may still be in its text
        text, reasoning = split_think(text)
    return ChatReply(text=text, usage=entry.usage, reasoning=reasoning, finish_reason=entry.finish_reason, cached=True)


class ResponseCache:
    """Reply cache in a folder, with hit/miss counts per role."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)  # made by the first put: building a client writes nothing
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, role: str) -> ChatReply | None:
        """The stored reply for key, or None; counts a hit or a miss for role."""
        try:
            with open(self._path(key), encoding="utf-8") as handle:
                reply: ChatReply | None = _reply_from(CachedReply.model_validate_json(handle.read()))
        except (OSError, UnicodeDecodeError, ValidationError, RecursionError):
            # A missing, unreadable or invalid entry is a miss: the request is sent and
            # the entry rewritten, which also repairs a damaged file.
            reply = None
        with self._lock:
            (self.hits if reply is not None else self.misses)[role] += 1
        return reply

    def put(self, key: str, reply: ChatReply) -> None:
        """Store a reply atomically (temp file, fsync, rename)."""
        entry = CachedReply(
            text=reply.text, usage=reply.usage, reasoning=reply.reasoning, finish_reason=reply.finish_reason
        )
        write_text_atomic(self._path(key), entry.model_dump_json())

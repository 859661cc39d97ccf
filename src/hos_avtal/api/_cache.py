"""Encoded responses kept in memory, least recently used first out, bounded by their total bytes.

One instance per application (on ``app.state``), so two apps in a process, or a test, never
share entries. Sync routes run in the thread pool, hence the lock.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Encoded:
    """A response body as sent, its media type, its own headers and its strong ETag."""

    body: bytes
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str = ""

    @classmethod
    def of(cls, body: bytes, media_type: str, headers: Mapping[str, str] | None = None) -> Encoded:
        return cls(body, media_type, dict(headers or {}), f'"{hashlib.sha256(body).hexdigest()}"')


class ResponseCache:
    """At most ``max_bytes`` of bodies; an entry larger than that is not kept at all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Encoded] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Encoded | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: Encoded) -> None:
        size = len(entry.body)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes:
                _key, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag``: weak comparison, as RFC 9110 wants
    for this header, so ``W/"x"`` matches ``"x"``; ``*`` matches any current representation."""
    if if_none_match is None:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)

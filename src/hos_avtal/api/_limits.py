"""Per-key limits on concurrent and per-minute requests: 429 with ``Retry-After`` past them.

A key is told apart by the SHA-256 of its bearer token, before the key is looked up, so a
refused request costs no query and a flood of made-up tokens is limited like any other. The
per-minute limit is a token bucket (``per_minute`` requests at once, refilled evenly over a
minute); the concurrency limit counts requests in flight, answers included.

Each worker process keeps its own counts (the limits guard the service against one runaway
client; they decide no invoice), so with ``serve --workers N`` one key can at most reach N
times them. Requests without a bearer token (``/v1/health``, the page's files) are not limited.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from hos_avtal.api._metrics import RATE_LIMITED
from hos_avtal.api._middleware import send_problem

_TRACKED = 10_000
"""Keys remembered at most; the longest idle is forgotten first (a made-up token each request
must not grow memory)."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    active: int = 0


class KeyLimits:
    """The counts of one process.

    >>> now = [0.0]
    >>> limits = KeyLimits(concurrent=1, per_minute=2, clock=lambda: now[0])
    >>> limits.acquire("k"), limits.acquire("k")
    (None, ('concurrent', 1))
    >>> limits.release("k"); limits.acquire("k"); limits.release("k")
    >>> limits.acquire("k")
    ('per_minute', 30)
    >>> now[0] = 30.0
    >>> limits.acquire("k")
    """

    def __init__(
        self, concurrent: int | None, per_minute: int | None, clock: Callable[[], float] = time.monotonic
    ):
        self.concurrent, self.per_minute, self._clock = concurrent, per_minute, clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def acquire(self, key: str) -> tuple[str, int] | None:
        """Count a request of ``key``: ``None`` if it may go on (then :meth:`release` it), else
        the limit it is over and the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.per_minute or 0), now)
            self._buckets[key] = bucket
            self._forget()
        self._buckets.move_to_end(key)
        if self.concurrent is not None and bucket.active >= self.concurrent:
            return "concurrent", 1
        if self.per_minute is not None:
            rate = self.per_minute / 60
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens < 1:
                return "per_minute", max(1, math.ceil((1 - bucket.tokens) / rate))
            bucket.tokens -= 1
        bucket.active += 1
        return None

    def release(self, key: str) -> None:
        bucket = self._buckets.get(key)
        if bucket is not None and bucket.active:
            bucket.active -= 1

    def _forget(self) -> None:
        # At most one pass: keys with requests in flight are kept, even past the bound.
        for key in list(self._buckets)[: max(0, len(self._buckets) - _TRACKED)]:
            if not self._buckets[key].active:
                del self._buckets[key]


class KeyLimitMiddleware:
    """Refuse a request past its key's limits with a 429 problem and ``Retry-After``."""

    def __init__(self, app: ASGIApp, limits: KeyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _token_digest(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        refused = self.limits.acquire(key)
        if refused is not None:
            limit, seconds = refused
            RATE_LIMITED.labels(limit).inc()
            # The protocol's own problem, in English like the others (docs/decisions/0019).
            detail = (
                "too many requests in flight with this API key" if limit == "concurrent"
                else "too many requests a minute with this API key"
            )  # fmt: skip
            await send_problem(
                send, 429, f"{detail}; retry after {seconds} s", kind="rate-limited",
                headers=((b"retry-after", str(seconds).encode()),),
            )  # fmt: skip
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.limits.release(key)


def _token_digest(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = bytes(value).partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return hashlib.sha256(token.strip()).hexdigest()
            return None
    return None

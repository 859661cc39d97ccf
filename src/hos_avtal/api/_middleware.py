"""ASGI middleware: a body-size limit that counts bytes, a JSON nesting limit, the audit log and
the registry (the access log and request ids: :mod:`hos_avtal.api._logs`).

Pure ASGI rather than Starlette's ``BaseHTTPMiddleware``: the limit must hold for chunked bodies
without a Content-Length, so the bytes are counted as they arrive, and the request is refused
before any of it reaches a parser.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import numpy as np
import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hos_avtal.api._problems import PROBLEM_JSON, problem_body, route_template
from hos_avtal.rules import using_registry
from hos_avtal.storage import Database, audit_log, load_registry

MAX_DEPTH = 32
_log = logging.getLogger("hos_avtal.api")
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_STATELESS = "_hos_avtal_stateless"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def stateless(endpoint: Endpoint) -> Endpoint:
    """Mark a route that is a POST only to carry a body: it creates and changes nothing (a
    calculation, a comparison), so it is not a write and :class:`AuditMiddleware` skips it.

    Put it under the route decorator, so the marked function is the one registered.
    """
    setattr(endpoint, _STATELESS, True)
    return endpoint


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    kind: str | None = None,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """A problem document sent straight from middleware, before or outside any route."""
    # Before routing there is no route template, and the path sent is never shown: no instance.
    body = json.dumps(problem_body(status, detail, None, kind=kind)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_BRACKETS_AND_QUOTES = b'"[]{}'
_OTHER_BYTES = bytes(b for b in range(256) if b not in _BRACKETS_AND_QUOTES)
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[0x5B, 0x7B]] = 1  # [ {
_STEP[[0x5D, 0x7D]] = -1  # ] }


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` (strings skipped); no parsing, no recursion.

    A quote is escaped when an odd run of backslashes precedes it, so removing the backslash
    pairs and then the escaped quotes leaves only the quotes that open and close strings. Of
    the rest only quotes and brackets matter (``bytes.translate`` drops the others at C speed),
    and two adjacent quotes can go too: no bracket lies between them, and the parity of the
    quotes before every bracket stays. What is left of 10 000 episodes is their 20 000
    brackets, whose running sum is the depth. Only C-level byte operations read the body (two
    passes, four with an escaped quote) and numpy sees only the remainder; indexing every byte of a
    10 000-episode body with numpy took 19.0 ms, this takes 12.2.
    """
    if b'\\"' in body:  # no quote is escaped otherwise, however many backslashes (\u00f6)
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    bare = body.translate(None, _OTHER_BYTES).replace(b'""', b"")
    if bare.count(b"[") + bare.count(b"{") <= limit:
        return False
    a = np.frombuffer(bare, dtype=np.uint8)
    outside = (np.cumsum(a == 0x22, dtype=np.int64) & 1) == 0
    steps = np.where(outside, np.take(_STEP, a), 0)
    return bool(np.cumsum(steps, dtype=np.int64).max(initial=0) > limit)


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` (413) and JSON nested deeper than ``max_depth`` (400);
    let at most ``max_active`` requests with a body past this point at once.

    A body is small as bytes and large once parsed: 10 000 episodes are 3 MB of JSON, 14 MB of
    request models, and 35 MB at the peak of parsing. Without a bound, a burst of 64 such
    requests had every body parsed and alive together (1.85 GB), and the kernel's time for the
    page faults rose from 6 to 59 ms per request. The others wait here, holding only their
    bytes, in arrival order.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_DEPTH, max_active: int = 2) -> None:
        if max_active < 1:
            raise ValueError("max_active must be at least 1")
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        # Made outside any event loop, anyio binds it to the loop that first uses it.
        self._active = anyio.Semaphore(max_active)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        too_large = f"the body is larger than {self.max_bytes} bytes"
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await send_problem(send, 413, too_large)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_problem(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type.endswith(b"json") and json_depth_exceeds(body, self.max_depth):
            too_deep = f"the JSON body nests deeper than {self.max_depth} levels"
            await send_problem(send, 400, too_deep, "too-deep")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async with self._active:
            await self.app(scope, replay, send)


class _Status:
    """Passes a response on and remembers its status, for middleware that acts after the call."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.code = 500  # what the server answers when the app raises before it starts a response

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.code = int(message["status"])
        await self._send(message)


class AuditMiddleware:
    """Record every write made with a valid key: key id, time, method, path, status.

    A write is a non-safe request to a route not marked :func:`stateless`; the router leaves the
    matched endpoint in the scope, so the mark is read after the response, whatever its status.
    The key and the resource id are left in the request state by the dependencies and routes;
    bodies are never recorded. An audit row that cannot be written is logged, not hidden.
    """

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE:
            await self.app(scope, receive, send)
            return
        response = _Status(send)
        try:
            await self.app(scope, receive, response.send)
        finally:
            status = response.code
            state: dict[str, Any] = scope.get("state", {})
            key = state.get("api_key")
            if key is not None and not getattr(scope.get("endpoint"), _STATELESS, False):
                await anyio.to_thread.run_sync(
                    self._record,
                    key.id,
                    scope["method"],
                    status,
                    # Only what a write made or changed: a refused request's id is only what was sent.
                    state.get("resource_id") if status < 400 else None,
                    _audited_path(scope),
                )

    def _record(self, key_id: int, method: str, status: int, resource: str | None, route: str) -> None:
        try:
            with self.db.write() as connection:
                connection.execute(
                    sa.insert(audit_log).values(
                        key_id=key_id,
                        at=dt.datetime.now(dt.UTC),
                        method=method,
                        path=route,
                        status=status,
                        resource_id=resource,
                    )
                )
        except Exception as exc:  # the response is already sent; say so loudly instead of failing
            # The route template, not the path, and the type only: either could quote a value sent.
            _log.error(
                "audit row not written for key %s %s %s: %s", key_id, method, route, type(exc).__name__
            )


_SHORT_TOKEN = re.compile(r"[0-9A-Za-z._-]{1,9}")


def _audited_path(scope: Scope) -> str:
    """The path an audit row names: as sent when every path parameter is a short plain token (a
    run id, a kommun code, a rule-set id), else the route template. A personnummer needs at least
    ten digits, so it can never be a short token, and a refused request is still recorded with
    which run it tried to change."""
    template = route_template(scope) or "-"
    parameters = scope.get("path_params") or {}
    if all(isinstance(v, str) and _SHORT_TOKEN.fullmatch(v) for v in parameters.values()):
        return str(scope.get("path", template))
    return template


class RegistryMiddleware:
    """Every request sees the rules registered in the database as well as the shipped ones
    (:func:`hos_avtal.rules.using_registry`); they are read only if the route needs a rule, so
    a request that computes nothing costs no query."""

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with using_registry(lambda: load_registry(self.db)):
            await self.app(scope, receive, send)

"""The API's logs: one line per request with its request id, and JSON lines for log collectors.

Every request gets a request id: the reverse proxy's ``X-Request-ID`` when it sends a plain one,
else a new random one. It is answered as ``X-Request-ID``, is on the request's access line and
on every application event logged while the request runs (a run created, a run finalized, a rule
set registered), so one id finds a request in the proxy's log, in this log and in a client's
report.

What is logged is a fixed list of fields (:data:`FIELDS`), never a body, a path or query string
as sent, a header or a submitted value: any of them can carry a personnummer. A proxy's id that
is not a plain token, or that reads as a personnummer, is replaced, not logged.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import json
import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hos_avtal.api._metrics import observe_request
from hos_avtal.api._middleware import send_problem
from hos_avtal.api._problems import logged_method, route_template
from hos_avtal.privacy import normalised

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("hos_avtal_request_id", default=None)
"""The id of the request being served (``None`` outside one); copied into worker threads."""

FIELDS = (
    "request_id", "method", "route", "status", "duration_ms", "key_id",
    "event", "run_id", "month", "version", "state", "ruleset_id", "year", "kommun", "created_by",
)  # fmt: skip
"""The only record attributes a JSON line carries besides time, level, logger and message."""

_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_access = logging.getLogger("hos_avtal.access")


def request_id_of(scope: Scope) -> str:
    """The proxy's ``X-Request-ID`` if it is a plain token that is no personnummer, else a new id.

    >>> request_id_of({"headers": [(b"x-request-id", b"3f9a0c1d-77ab")]})
    '3f9a0c1d-77ab'
    >>> len(request_id_of({"headers": [(b"x-request-id", b"19121212-1212")]}))
    32
    """
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _TOKEN.fullmatch(text) and normalised(text) is None:
                return text
            break
    return secrets.token_hex(16)


class AccessLogMiddleware:
    """One line per request on the logger ``hos_avtal.access``: method, route template (``-``
    when no route matched), status and duration in ms; the request id and the key's id (``None``
    without a valid key) are on the record too, for :class:`JsonLogFormatter`. The response
    carries the request id as ``X-Request-ID``; the request is counted in the metrics.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        status = 500  # what the server answers when the app raises before it starts a response
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = int(message["status"]), True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            # The server is stopping and the grace (serve --grace) is over: a request that has
            # not begun its answer gets one that says to send it again, not a bare 500.
            if not started:
                await send_problem(
                    send_with_id, 503, "the server is stopping; send the request again",
                    kind="shutting-down", headers=((b"retry-after", b"5"), (b"connection", b"close")),
                )  # fmt: skip
            raise
        finally:
            key = scope.get("state", {}).get("api_key")
            # Read after the call: the router leaves the matched route in the scope.
            seconds = time.perf_counter() - start
            method, route = logged_method(scope), route_template(scope) or "-"
            fields = {
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "key_id": key.id if key is not None else None,
            }
            observe_request(route, method, status, seconds)
            _access.info("%(method)s %(route)s %(status)d %(duration_ms).1f ms", fields, extra=fields)
            REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Put the request id on each record as it is logged (in the request's context, a worker
    thread's included), so a handler that formats it later, or elsewhere, still has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


LOGGERS = ("hos_avtal.access", "hos_avtal.events", "hos_avtal.api")
"""The loggers whose records carry the request id (a logger's filter does not reach its children)."""


def tag_records_with_request_id() -> None:
    """Install :class:`RequestIdFilter` on :data:`LOGGERS`, once per process."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
            logger.addFilter(RequestIdFilter())


class JsonLogFormatter(logging.Formatter):
    """A record as one JSON object on one line: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
    ``pid`` (the worker), ``message``, the request id of the request it was logged in, and those
    of :data:`FIELDS` the record carries. An exception is its type only (its text can quote a
    submitted value).

    >>> record = logging.LogRecord("hos_avtal.events", logging.INFO, "", 0, "run 3 created", None, None)
    >>> record.event, record.run_id = "run.created", 3
    >>> line = json.loads(JsonLogFormatter().format(record))
    >>> line["event"], line["run_id"], line["level"]
    ('run.created', 3, 'INFO')
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,  # which worker of ``serve --workers N``
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if name == "request_id" and value is None:
                value = REQUEST_ID.get()  # a record logged past the filter, in the request's context
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__qualname__
        return json.dumps(line, ensure_ascii=False, default=str)

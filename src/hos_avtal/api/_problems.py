"""RFC 9457 problem details: every error of the API is one ``application/problem+json`` document.

The package's error hierarchy maps onto HTTP statuses here, once, so no route decides a status for
an error itself. A problem never echoes a submitted value (an id could be a personnummer); it names
where the problem is (``row``, ``column`` or ``field``) and why.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hos_avtal.errors import (
    CalculationError,
    FinalRunError,
    HosAvtalError,
    InputError,
    RuleSetError,
    RunNotFoundError,
    StorageError,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://hos-avtal.example/problems/"
_log = logging.getLogger("hos_avtal.api")

_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed for this key's role"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "No acceptable representation"),
    409: ("conflict", "Conflict"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class ProblemError(Exception):
    """Raised by routes and dependencies for an error that has no place in the core's hierarchy."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = headers


def problem_body(
    status: int,
    detail: str,
    instance: str | None,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    slug, title = _TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or slug),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    status: int,
    detail: str,
    instance: str | None = None,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, instance, kind=kind, errors=errors),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def input_errors(error: InputError) -> list[dict[str, Any]]:
    """The core's problems as ``{source, row, column, reason}``; rows are 1-based array indexes."""
    return [
        {"source": error.source, "row": p.row, "column": p.column, "field": None, "reason": p.reason}
        for p in error.problems
    ]


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors, located like the core's: an item of an input array is ``row``/``column``.

    ``input`` is left out on purpose: it would echo what the client sent.
    """
    out: list[dict[str, Any]] = []
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if part != "body"]
        entry: dict[str, Any] = {"source": None, "row": None, "column": None, "field": None}
        if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
            entry["source"], entry["row"] = loc[0], loc[1] + 1
            entry["column"] = ".".join(str(p) for p in loc[2:]) or None
        else:
            entry["field"] = ".".join(str(p) for p in loc) or None
        entry["reason"] = str(error.get("msg", "invalid"))
        out.append(entry)
    return out


def _status_of(exc: HosAvtalError) -> int:
    if isinstance(exc, RunNotFoundError):
        return 404
    if isinstance(exc, FinalRunError):
        return 409
    if isinstance(exc, StorageError):
        return 503
    if isinstance(exc, InputError | RuleSetError | CalculationError):
        return 422
    return 422


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a problem document."""

    @app.exception_handler(ProblemError)
    async def _api_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status, exc.detail, request.url.path, kind=exc.kind, errors=exc.errors, headers=exc.headers
        )

    @app.exception_handler(HosAvtalError)
    async def _core(request: Request, exc: HosAvtalError) -> JSONResponse:
        status = _status_of(exc)
        errors = input_errors(exc) if isinstance(exc, InputError) else None
        if isinstance(exc, InputError):
            detail = f"{exc.source}: {len(exc.problems)} problem(s) in the input; nothing was computed"
        else:
            detail = str(exc)
        return problem_response(status, detail, request.url.path, errors=errors)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return problem_response(
                400, "the body is not valid JSON", request.url.path, kind="malformed-json"
            )
        return problem_response(
            422, f"{len(errors)} problem(s) in the request", request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code, str(exc.detail), request.url.path, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The type only: an exception's text may quote input values.
        _log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return problem_response(500, "an unexpected error; it has been logged", request.url.path)

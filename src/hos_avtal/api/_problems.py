"""RFC 9457 problem details: every error of the API is one ``application/problem+json`` document.

The package's error hierarchy maps onto HTTP statuses here, once, so no route decides a status for
an error itself. A problem never echoes a submitted value (an id could be a personnummer); it names
where the problem is (``row``, ``column`` or ``field``) and why. Its ``instance`` is the template of
the route that matched (``/v1/billing-runs/{run_id}``), never the path that was sent.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from hos_avtal.errors import (
    CalculationError,
    FinalRunError,
    HosAvtalError,
    InputError,
    NotFoundError,
    ProblemError,
    RuleSetConflictError,
    RuleSetError,
    RunIntegrityError,
    RunNotFoundError,
    StorageError,
    quotable,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://hos-avtal.example/problems/"
_log = logging.getLogger("hos_avtal.api")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")

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


def route_template(scope: Scope) -> str | None:
    """The path template of the route that matched (``/v1/billing-runs/{run_id}``); ``None`` before
    routing or when no route matched. The path itself is a submitted value and is never shown."""
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else None


def logged_method(scope: Scope) -> str:
    """The request's method for a log line: any token is a valid method, so one that is not a
    standard method is a submitted value like any other and is logged as ``OTHER``."""
    method = scope.get("method", "")
    return method if method in _METHODS else "OTHER"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path.

    Starlette's 405 names only the methods of the first route whose path matched, and a path may
    have several (GET and POST on ``/v1/billing-runs``), so each method is put to the app's routes
    as the router itself would match it. HEAD is named only where a route answers it (FastAPI's
    GET routes do not), and OPTIONS only if some route does.
    """
    scope = request.scope
    routes = request.app.router.routes
    allowed = []
    for method in _METHODS:
        probe = {
            "type": "http", "path": scope["path"], "root_path": scope.get("root_path", ""),
            "method": method, "headers": scope.get("headers", []),
        }  # fmt: skip
        if any(route.matches(probe)[0] == Match.FULL for route in routes):
            allowed.append(method)
    return allowed


def input_errors(error: InputError) -> list[dict[str, Any]]:
    """The core's problems as ``{source, row, column, reason}``; rows are 1-based array indexes."""
    return [
        {"source": error.source, "row": p.row, "column": p.column, "field": None, "reason": p.reason}
        for p in error.problems
    ]


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors, located like the core's: an item of an input array is ``row``/``column``.

    ``input`` is left out on purpose: it would echo what the client sent; so is a key the client
    made up (an unknown field) that could hold personal data (:func:`~hos_avtal.errors.quotable`).
    """
    out: list[dict[str, Any]] = []
    for error in exc.errors():
        loc = [
            part if isinstance(part, int) else quotable(str(part))
            for part in error.get("loc", ())
            if part != "body"
        ]
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
    if isinstance(exc, RunIntegrityError):
        return 500  # the stored data is damaged, not the request
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, FinalRunError | RuleSetConflictError):
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
            exc.status,
            exc.detail,
            route_template(request.scope),
            kind=exc.kind,
            errors=exc.errors,
            headers=exc.headers,
        )

    @app.exception_handler(HosAvtalError)
    async def _core(request: Request, exc: HosAvtalError) -> JSONResponse:
        status = _status_of(exc)
        errors = input_errors(exc) if isinstance(exc, InputError) else None
        if isinstance(exc, InputError):
            detail = f"{exc.source}: {len(exc.problems)} fel i indata; ingenting beräknades"
        elif isinstance(exc, RunNotFoundError):
            detail = "no billing run has this id"  # the core's message repeats the id sent
        else:
            detail = str(exc)
        kind = "run-integrity" if isinstance(exc, RunIntegrityError) else None
        if kind is not None:
            _log.error(
                "run integrity check failed on %s %s",
                logged_method(request.scope),
                route_template(request.scope),
            )
        return problem_response(status, detail, route_template(request.scope), kind=kind, errors=errors)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        instance = route_template(request.scope)
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return problem_response(400, "the body is not valid JSON", instance, kind="malformed-json")
        return problem_response(422, f"{len(errors)} problem(s) in the request", instance, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        return problem_response(
            exc.status_code, str(exc.detail), route_template(request.scope), headers=headers or None
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The type and the route template only: an exception's text may quote input values.
        template = route_template(request.scope)
        method = logged_method(request.scope)
        _log.error("unexpected %s on %s %s", type(exc).__name__, method, template or "-")
        return problem_response(500, "an unexpected error; it has been logged", template)

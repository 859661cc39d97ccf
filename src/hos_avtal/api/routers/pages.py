"""The negotiators' web page at ``/``: static files shipped in the package, no login for them.

The page itself holds no data; it asks for an API key and sends it with every call to ``/v1``.
The Content-Security-Policy allows nothing but this server, so the page works offline and cannot
be made to load (or leak to) anything elsewhere.

Files are looked up and sent by Starlette's ``StaticFiles`` (a name cannot leave the folder; ETag,
``If-None-Match`` and HEAD as it does them), called from a route rather than mounted so that a
missing file is a problem document naming the route template, like every other 404.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from hos_avtal.errors import ProblemError

STATIC = Path(__file__).resolve().parent.parent / "static"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _PageFiles(StaticFiles):
    """The page's files with its security headers, and the text types spelt out (Python 3.11's
    ``mimetypes`` calls a script ``application/javascript``)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(_HEADERS)
        media_type = _TYPES.get(Path(full_path).suffix)
        if media_type is not None and "content-type" in response.headers:
            response.headers["content-type"] = media_type
        return response


_FILES = _PageFiles(directory=STATIC)
router = APIRouter(include_in_schema=False)


async def _send(name: str, request: Request) -> Response:
    try:
        return await _FILES.get_response(name, request.scope)
    except HTTPException as exc:  # Starlette's bare 404, as this API's problem document
        raise ProblemError(exc.status_code, "no such static file") from None


@router.api_route("/", methods=["GET", "HEAD"])
async def index(request: Request) -> Response:
    return await _send("index.html", request)


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
async def static(name: str, request: Request) -> Response:
    return await _send(name, request)

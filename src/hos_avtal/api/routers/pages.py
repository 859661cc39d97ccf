"""The negotiators' web page at ``/``: static files shipped in the package, no login for them.

The page itself holds no data; it asks for an API key and sends it with every call to ``/v1``.
The Content-Security-Policy allows nothing but this server, so the page works offline and cannot
be made to load (or leak to) anything elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response

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

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> Response:
    return FileResponse(STATIC / "index.html", media_type=_TYPES[".html"], headers=_HEADERS)


@router.get("/static/{name}")
def static(name: str = PathParam(pattern=r"^[a-z0-9_-]+\.(html|js|css)$")) -> Response:
    # Only plain names of shipped files: no path can leave the folder.
    path = STATIC / name
    if not path.is_file():
        raise ProblemError(404, "no such static file")
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)

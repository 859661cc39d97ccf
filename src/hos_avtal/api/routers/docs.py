"""Swagger UI at ``/docs``, its scripts and styles served from the package (``swagger-ui-bundle-v2``,
Swagger UI 5, which renders OpenAPI 3.1): the docs work offline and load nothing from elsewhere.

Only the three files the page names are served, by name, rather than the bundle's whole folder: it
also holds an ``index.html`` and a ``swagger-initializer.js`` that would load the Petstore example
from the internet.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, Response
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # ships no py.typed

from hos_avtal.errors import ProblemError

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
_FOLDER = Path(str(swagger_ui_path))
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _policy(html: str) -> str:
    # Swagger UI starts from an inline script. Its hash admits that one script and nothing else,
    # where 'unsafe-inline' would run any script that found its way into the page. The hash is
    # taken from the page as built, so it follows FastAPI's template and the root path. Swagger
    # UI's stylesheet draws its icons as data: images.
    match = _INLINE_SCRIPT.search(html)
    if match is None:
        raise RuntimeError("FastAPI's Swagger UI page has no inline script to allow")
    digest = base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode()
    return (
        f"default-src 'self'; script-src 'self' 'sha256-{digest}'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )


@router.api_route("/docs", methods=["GET", "HEAD"])
def swagger_ui(request: Request) -> Response:
    root = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(
        openapi_url=root + request.app.openapi_url,
        title=f"{request.app.title} – API",
        swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
        swagger_favicon_url=f"{root}/docs/assets/favicon-32x32.png",
    )
    html = bytes(page.body).decode()
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": _policy(html), **_HEADERS},
    )


@router.api_route("/docs/assets/{name}", methods=["GET", "HEAD"])
def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise ProblemError(404, "no such file of the API docs")
    return FileResponse(_FOLDER / name, media_type=media_type, headers=_HEADERS)

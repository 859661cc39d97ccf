"""Content negotiation for resources that come as JSON or as files: ``?format=`` or Accept
chooses, and a file is sent as an attachment. Shared by invoice bases, comparisons and sweeps."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request, Response

from hos_avtal.errors import ProblemError

MEDIA = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""JSON, CSV and Excel: what comparisons and sweeps come as."""

WITH_PDF = {**MEDIA, "pdf": "application/pdf"}
"""What an invoice basis comes as."""


def negotiate(request: Request, format: str | None, media: Mapping[str, str] = MEDIA) -> str:
    """``?format=`` wins; else the first supported type in Accept (by quality); else JSON.

    Nothing acceptable is a 406 that lists what is.
    """
    if format is not None:
        return format
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return "json"
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        kind, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, kind.lower()))
    for _quality, _index, kind in sorted(ranked):
        for name, type_ in media.items():
            if kind == type_:
                return name
        if kind in ("*/*", "application/*", "application/problem+json"):
            return "json"
    raise ProblemError(406, f"available as {', '.join(media.values())}; or use ?format={'|'.join(media)}")


def attachment(data: bytes, chosen: str, filename: str, media: Mapping[str, str] = MEDIA) -> Response:
    """A file download: its media type, a file name, and ``Vary: Accept`` for caches."""
    return Response(
        data,
        media_type=media[chosen],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )

"""Content negotiation of the comparison: ``?format=`` or Accept chooses JSON, CSV or Excel."""

from __future__ import annotations

from fastapi import Request

from hos_avtal.api._problems import ProblemError

MEDIA = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def negotiate(request: Request, format: str | None) -> str:
    """``?format=`` wins; else the first supported type in Accept (by quality); else JSON."""
    if format is not None:
        return format
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return "json"
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, media.lower()))
    for _quality, _index, media in sorted(ranked):
        for name, type_ in MEDIA.items():
            if media == type_:
                return name
        if media in ("*/*", "application/*", "application/problem+json"):
            return "json"
    raise ProblemError(406, f"available as {', '.join(MEDIA.values())}; or use ?format=json|csv|xlsx")

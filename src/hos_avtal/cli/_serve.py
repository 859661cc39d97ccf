"""``hos-avtal serve``: the HTTP API (uvicorn), on the same run database as ``hos-avtal run``."""

from __future__ import annotations

from typing import Annotated

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._run import DbOption


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the API under /v1 (OpenAPI at /openapi.json, docs at /docs). Put TLS in front of it:
    API keys travel as bearer tokens."""
    import uvicorn

    from hos_avtal.api import create_app

    uvicorn.run(create_app(db), host=host, port=port, access_log=True, proxy_headers=True)

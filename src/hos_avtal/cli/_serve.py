"""``hos-avtal serve``: the HTTP API (uvicorn), on the same run database as ``hos-avtal run``."""

from __future__ import annotations

import copy
import logging
import os
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._options import DbOption


class ExceptionTypesOnly(logging.Filter):
    """Log an exception as its types and frames, without its messages.

    uvicorn logs every exception an app lets out, with its traceback, and an exception's text can
    quote a value from the request (a personnummer in a row that failed to parse). The frames name
    only code.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}\n{_frames(record.exc_info[1])}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


def _frames(exc: BaseException) -> str:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n".join(
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_list(traceback.extract_tb(e.__traceback__)))
        + type(e).__qualname__
        for e in reversed(chain)
    )


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def log_config(log_format: LogFormat | str = LogFormat.text) -> dict[str, Any]:
    """uvicorn's logging, with the API's loggers (``hos_avtal.access``: one line per request;
    ``hos_avtal.events``: runs created and finalized, rules registered) on its stderr handler and
    every exception logged as types and frames only; ``json``: every line, uvicorn's own too, one
    JSON object (:class:`hos_avtal.api.JsonLogFormatter`)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["exception_types_only"] = {"()": ExceptionTypesOnly}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("exception_types_only")
    config["loggers"]["hos_avtal"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if LogFormat(log_format) is LogFormat.json:
        config["formatters"]["json"] = {"()": "hos_avtal.api.JsonLogFormatter"}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
    return config


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Gränssnitt att lyssna på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP-port.", min=1, max=65535)] = 8000,
    db: DbOption = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Antal arbetsprocesser (uvicorn); allt som ska gälla mellan anrop finns i databasen.",
            min=1,
            max=64,
        ),
    ] = 1,
    grace: Annotated[
        int,
        typer.Option(
            "--grace",
            help="Sekunder som pågående anrop får på sig att bli klara efter SIGTERM.",
            min=0,
            max=3600,
        ),
    ] = 30,
    key_concurrency: Annotated[
        int,
        typer.Option(
            "--key-concurrency",
            help="Högst så många samtidiga anrop per API-nyckel och arbetsprocess (0: ingen gräns).",
            min=0,
        ),
    ] = 32,
    key_rate: Annotated[
        int,
        typer.Option(
            "--key-requests-per-minute",
            help="Högst så många anrop per minut och API-nyckel i varje arbetsprocess (0: ingen gräns).",
            min=0,
        ),
    ] = 6000,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            help="text: rader för människor; json: ett JSON-objekt per rad, för loggsamlare.",
        ),
    ] = LogFormat.text,
) -> None:
    """Kör API:t under /v1 (OpenAPI på /openapi.json, dokumentation på /docs). Lägg TLS framför
    det: API-nycklar skickas som bearer-token. Databasens schema måste vara den här versionens:
    serve migrerar aldrig själv (kör hos-avtal db upgrade först). SIGTERM: inga nya anrop tas
    emot, pågående får --grace sekunder att bli klara, sedan stängs databasen."""
    import uvicorn

    from hos_avtal.storage import ENV_URL, open_database, require_current_schema, resolve_url

    url = resolve_url(db)
    with open_database(url, upgrade=False) as database:
        require_current_schema(database)  # refused here, once, before any worker starts
    with (
        tempfile.TemporaryDirectory(prefix="hos-avtal-metrics-") as metrics,
        _environment(
            # Each worker process opens the same database and counts into the same metrics folder.
            {ENV_URL: url, MULTIPROCESS_ENV: metrics, **_limits(key_concurrency, key_rate)}
        ),
    ):
        # uvicorn's access log would write every path and query string as sent; the app logs
        # each request by its route template instead (hos_avtal.access).
        uvicorn.run(
            SERVED_APP, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
            timeout_graceful_shutdown=grace, access_log=False, log_config=log_config(log_format),
        )  # fmt: skip


def _limits(concurrency: int, per_minute: int) -> dict[str, str]:
    from hos_avtal.api import LIMIT_ENV

    return {
        LIMIT_ENV["key_concurrency"]: str(concurrency),
        LIMIT_ENV["key_requests_per_minute"]: str(per_minute),
    }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in the environment (which the worker processes inherit), the old ones back after."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Read by prometheus-client in each worker: where they all count, so /metrics sums them."""
SERVED_APP = "hos_avtal.api:create_served_app"
"""What each worker imports and calls: the app on ``HOS_AVTAL_DATABASE_URL``, never migrating."""

"""The HTTP API of hos_avtal (FastAPI): every calculation and every stored billing run, under /v1.

The web layer holds no rule logic: routes validate the request, call the same core functions as
the CLI, and shape the answer. Errors are RFC 9457 problem documents; access is by API keys
(``hos-avtal keys create``) with the roles admin, billing, analyst and kommun.

>>> import tempfile, pathlib
>>> app = create_app(str(pathlib.Path(tempfile.mkdtemp()) / "api.sqlite"))
>>> sorted(p for p in app.openapi()["paths"] if p.startswith("/v1/rulesets"))
['/v1/rulesets', '/v1/rulesets/{a}/diff/{b}', '/v1/rulesets/{ruleset_id}']
>>> app.state.database.close()
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from hos_avtal._version import __version__
from hos_avtal.api import _problems
from hos_avtal.api._cache import ResponseCache
from hos_avtal.api._catalog_schema import add_catalog_schemas
from hos_avtal.api._keys import create_key, list_keys, revoke_key
from hos_avtal.api._limits import KeyLimitMiddleware, KeyLimits
from hos_avtal.api._logs import AccessLogMiddleware, JsonLogFormatter, tag_records_with_request_id
from hos_avtal.api._middleware import (
    MAX_DEPTH,
    AuditMiddleware,
    BodyLimitMiddleware,
    RegistryMiddleware,
)
from hos_avtal.api._problems import PROBLEM_JSON
from hos_avtal.api._scenario_schemas import DatasetFromRun, DatasetUpload
from hos_avtal.api._schemas import BillingRunForm, BillingRunRequest, Problem
from hos_avtal.api.routers import (
    billing_runs,
    calculations,
    docs,
    health,
    keys,
    metrics,
    municipalities,
    pages,
    prognos,
    registry,
    rulesets,
    scenario_sweeps,
    scenarios,
)
from hos_avtal.errors import SchemaError
from hos_avtal.storage import open_database, require_current_schema

__all__ = [
    "LIMIT_ENV",
    "JsonLogFormatter",
    "create_app",
    "create_key",
    "create_served_app",
    "list_keys",
    "revoke_key",
]

_events = logging.getLogger("hos_avtal.events")

GC_THRESHOLDS = (50_000, 20, 10)
"""The collector's thresholds while the app serves (Python's default: 700, 10, 10).

Parsing a body of 10 000 episodes leaves about 160 000 allocated blocks (90 000 from
``json.loads``, 72 000 for the models; ``sys.getallocatedblocks``), none of them garbage. At
the default a young collection runs every 700 allocations, so each object is examined as it is
promoted, and again in the full collections that the growing heap sets off. Raising the first
threshold cut the CPU of such a request by 13 % one at a time and by 29 % with many bodies
alive at once (``benchmarks/gc_thresholds.py``).
"""

_DESCRIPTION = """
Calculations of the healthcare agreement between Västra Götalandsregionen and its 49
municipalities, and the monthly billing runs built from them.

* Authenticate with `Authorization: Bearer hk_…` (keys from `hos-avtal keys create`).
* Money is a decimal string with two decimals (`"9300.00"`); dates are ISO 8601.
* Errors are RFC 9457 problem details (`application/problem+json`) naming field, row and reason.
* POSTs that create things accept an `Idempotency-Key` header for safe retries.
"""


def create_app(
    database_url: str | None = None,
    *,
    max_body_bytes: int = 20 * 2**20,
    invoice_cache_bytes: int = 64 * 2**20,
    max_active_bodies: int = 2,
    migrate: bool = True,
    key_concurrency: int | None = None,
    key_requests_per_minute: int | None = None,
) -> FastAPI:
    """The application on the run database at ``database_url`` (default as the CLI:
    ``HOS_AVTAL_DATABASE_URL``, else ``hos_avtal.sqlite`` here), created or upgraded at once —
    or, with ``migrate=False`` (``hos-avtal serve``), refused with a
    :class:`~hos_avtal.errors.SchemaError` unless its schema is this version's.

    ``key_concurrency`` and ``key_requests_per_minute`` limit each API key (429 with
    ``Retry-After`` past them; ``None``: no limit), per process (:mod:`hos_avtal.api._limits`).

    ``max_body_bytes`` bounds every request body, counted as it arrives (413 beyond it).
    ``invoice_cache_bytes`` bounds the encoded invoice bases kept in memory
    (0: none kept). ``max_active_bodies`` requests with a body are parsed and computed at
    once; more wait their turn (bounded memory under a burst of large calculations).
    """
    tag_records_with_request_id()
    db = open_database(database_url, upgrade=migrate)
    if not migrate:
        try:
            require_current_schema(db)
        except SchemaError:
            db.close()
            raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (modules, schemas, the app) lives as long as the process: out
        # of the collector's sight, a full collection set off by a request's many small objects
        # (10 000 episodes are 10 000 models) scans only what requests made, not the whole heap.
        gc.collect()
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        yield
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        db.close()
        _events.info("stopped: database closed", extra={"event": "stopped"})

    app = FastAPI(
        title="hos-avtal",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # FastAPI's /docs loads Swagger UI from a CDN; routers.docs serves it from here
        redoc_url=None,
    )
    app.state.database = db
    app.state.invoice_cache = ResponseCache(invoice_cache_bytes)
    _problems.install(app)
    # Each router carries its /v1 prefix itself: FastAPI (0.137 on) leaves a prefix given here out
    # of the route in the scope, whose template is all that problems and logs may show of a path.
    routers = (
        health,
        keys,
        municipalities,
        rulesets,
        registry,
        calculations,
        prognos,
        billing_runs,
        scenarios,
        scenario_sweeps,
        metrics,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(pages.router)
    app.include_router(docs.router)
    # Each added middleware wraps the ones before it: the access log times everything, and the
    # size limit refuses a body before anything inside it reads one.
    app.add_middleware(RegistryMiddleware, db=db)
    app.add_middleware(AuditMiddleware, db=db)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=max_body_bytes, max_depth=MAX_DEPTH, max_active=max_active_bodies
    )
    if key_concurrency is not None or key_requests_per_minute is not None:
        # Outside the body limit: a refused request's body is never read.
        app.add_middleware(KeyLimitMiddleware, limits=KeyLimits(key_concurrency, key_requests_per_minute))
    app.add_middleware(AccessLogMiddleware)
    _openapi(app)
    return app


LIMIT_ENV = {
    "key_concurrency": "HOS_AVTAL_KEY_CONCURRENCY",
    "key_requests_per_minute": "HOS_AVTAL_KEY_REQUESTS_PER_MINUTE",
}
"""Where ``serve`` tells its workers the per-key limits (unset or 0: none)."""


def create_served_app() -> FastAPI:
    """What ``hos-avtal serve`` runs in each worker process: the app on ``HOS_AVTAL_DATABASE_URL``,
    refusing (never migrating) a schema that is not this version's, with the limits in
    :data:`LIMIT_ENV`."""
    limits = {name: int(os.environ.get(env) or 0) or None for name, env in LIMIT_ENV.items()}
    return create_app(
        None,
        migrate=False,
        key_concurrency=limits["key_concurrency"],
        key_requests_per_minute=limits["key_requests_per_minute"],
    )


def _openapi(app: FastAPI) -> None:
    """Problems are documented as ``application/problem+json`` only, the JSON body of
    ``POST /v1/billing-runs`` and ``POST /v1/scenarios/datasets`` (read by hand, to accept file
    uploads too) get their schemas, and the parameters of scenarios and sweeps come from the
    parameter catalog (:mod:`hos_avtal.api._catalog_schema`)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        forms = (BillingRunRequest, BillingRunForm, DatasetFromRun, DatasetUpload)
        for model in (*forms, Problem, *calculations.BODY_MODELS, *prognos.BODY_MODELS):
            _add_schema(components, model)
        add_catalog_schemas(components)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if PROBLEM_JSON in content:
                        content.pop("application/json", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_schema(components: dict[str, Any], model: type[BaseModel]) -> None:
    generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in generated.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, generated)

"""Läget i dag's daily flow: the billing office's system stores each morning's episodes as the day's
snapshot; every municipality reads the latest (or a given day's) for the rest of the day.

A kommun key sees only its own municipality's row and its own waiting patients, and asking for
another municipality is a 404, as for an invoice basis; other roles see all 49 (or one, with
``?kommun=``). The stateless ``POST /v1/prognos`` (nothing stored) is with the calculations.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool

from hos_avtal.api._bodies import Encoder, parse_json, request_body, require_json
from hos_avtal.api._cache import etag_matches
from hos_avtal.api._convert import typed_frame
from hos_avtal.api._deps import (
    READ_RUNS,
    WRITE_RUNS,
    DatabaseDep,
    Idempotency,
    idempotency,
    named_ruleset,
    require,
)
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._prognos_schemas import (
    PrognosSnapshotOut,
    SnapshotList,
    SnapshotRequest,
    SnapshotStored,
)
from hos_avtal.api._schemas import Date, EpisodeIn
from hos_avtal.api.routers._common import IDEMPOTENCY_HEADER, problems
from hos_avtal.api.routers._invoice import CACHE_CONTROL
from hos_avtal.errors import ProblemError
from hos_avtal.forecasts import delete_snapshot, list_snapshots, load_snapshot, save_snapshot
from hos_avtal.municipalities import is_party
from hos_avtal.storage import Database

router = APIRouter(prefix="/v1/prognos", tags=["prognos"])
BODY_MODELS = (SnapshotRequest,)
"""The request bodies read by hand here, whose schemas the app adds to its OpenAPI document."""

_SNAPSHOT = Encoder(PrognosSnapshotOut)
_STORED = Encoder(SnapshotStored)
_LIST_SNAPSHOTS = require("billing", "analyst")

Day = Annotated[Date, PathParam(description="The day, YYYY-MM-DD.")]
KommunQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{4}$",
        description="Only this municipality and its waiting patients (a kommun key: its own, the default).",
    ),
]
IfNoneMatch = Annotated[
    str | None, Header(alias="If-None-Match", description="An ETag of an earlier answer.")
]


@router.post(
    "/snapshots",
    status_code=201,
    response_model=SnapshotStored,
    responses=problems(415),
    openapi_extra={**request_body(SnapshotRequest), "parameters": [IDEMPOTENCY_HEADER]},
)
async def create_snapshot(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(WRITE_RUNS)],
    idem: Annotated[Idempotency, Depends(idempotency)],
) -> Response:
    """Compute Läget i dag for the day and store it, with the episodes pseudonymised, as the day's
    snapshot; a newer snapshot of the same day replaces the older (``replaced`` says so). An
    ``Idempotency-Key`` makes a retry safe."""
    require_json(request)
    replay = await run_in_threadpool(idem.replay)
    if replay is not None:
        return replay
    body = await request.body()
    return await run_in_threadpool(_store, db, body, f"api-key:{key.id}", idem, request)


def _store(db: Database, body: bytes, created_by: str, idem: Idempotency, request: Request) -> Response:
    wanted = parse_json(SnapshotRequest, body)
    summary = save_snapshot(
        db,
        typed_frame(wanted.episodes, EpisodeIn),
        wanted.date,
        created_by=created_by,
        ruleset=named_ruleset(wanted.ruleset),
        daily_amount_sek=wanted.daily_amount_sek,
        accept=wanted.accept,
    )
    answer = {**summary.record(), "replaced": summary.replaced}
    location = f"/v1/prognos/{summary.date.isoformat()}"
    request.state.resource_id = summary.date.isoformat()
    idem.store(201, answer, location)
    response = _STORED.response(answer)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@router.get("/snapshots", response_model=SnapshotList, responses=problems())
def get_snapshots(db: DatabaseDep, _key: Annotated[ApiKey, Depends(_LIST_SNAPSHOTS)]) -> SnapshotList:
    """Every stored day, the latest first, with how many episodes each holds and how many waited
    (all municipalities' together, so not for a kommun key)."""
    return SnapshotList.model_validate({"snapshots": [s.record() for s in list_snapshots(db)]})


@router.get(
    "/latest",
    response_model=PrognosSnapshotOut,
    responses={304: {"description": "Not modified: If-None-Match names the current ETag."}, **problems(404)},
)
def latest(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(READ_RUNS)],
    kommun: KommunQuery = None,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    """The latest stored day's Läget i dag, as computed when it was stored."""
    return _snapshot_response(request, db, key, None, kommun)


@router.get(
    "/{day}",
    response_model=PrognosSnapshotOut,
    responses={304: {"description": "Not modified: If-None-Match names the current ETag."}, **problems(404)},
)
def of_day(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(READ_RUNS)],
    day: Day,
    kommun: KommunQuery = None,
    _if_none_match: IfNoneMatch = None,
) -> Response:
    """The stored snapshot of ``day``, as computed when it was stored."""
    return _snapshot_response(request, db, key, day, kommun)


@router.delete("/{day}", status_code=204, responses=problems(404))
def remove_snapshot(
    request: Request, db: DatabaseDep, _key: Annotated[ApiKey, Depends(WRITE_RUNS)], day: Day
) -> Response:
    """Delete the day's snapshot and the pseudonymised episodes it holds (204)."""
    request.state.resource_id = day.isoformat()
    delete_snapshot(db, day)
    return Response(status_code=204)


def _snapshot_response(
    request: Request, db: Database, key: ApiKey, day: Date | None, kommun: str | None
) -> Response:
    shown = _visible(key, kommun)
    snapshot = load_snapshot(db, day)
    encoded = _SNAPSHOT.response({**snapshot.part(shown), "snapshot": snapshot.summary.record()})
    etag = f'"{hashlib.sha256(bytes(encoded.body)).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    encoded.headers.update(headers)
    return encoded


def _visible(key: ApiKey, kommun: str | None) -> str | None:
    """The municipality whose part the key is shown: a kommun key its own (another is a 404,
    so it does not learn whether it exists), others the one asked for or all."""
    if key.role == "kommun":
        if kommun is not None and kommun != key.kommun:
            raise ProblemError(404, "no prognos for this municipality is visible to this key")
        return key.kommun
    if kommun is not None and not is_party(kommun):
        raise ProblemError(422, "kommun is not one of the 49 municipalities of the agreement")
    return kommun

"""Billing runs: create (JSON arrays or uploaded CSV/Parquet files), list, read, finalize, and each
municipality's invoice basis as JSON, CSV, Excel or PDF.

A run is computed and stored by :func:`hos_avtal.runs.execute_run`, exactly as ``hos-avtal run``
does; identical inputs return the stored run (200) instead of a new one (201).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hos_avtal.api._bodies import json_or_form, parse_json, parsed_form, saved_uploads
from hos_avtal.api._convert import rows_frame, run_municipalities
from hos_avtal.api._deps import (
    READ_RUNS,
    WRITE_RUNS,
    DatabaseDep,
    Idempotency,
    check_kommun,
    idempotency,
    named_ruleset,
    visible_kommun,
)
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._metrics import RUNS, count_calculation
from hos_avtal.api._schemas import (
    AgreementIn,
    BillingRunForm,
    BillingRunRequest,
    CostIn,
    EpisodeIn,
    InvoiceBasisOut,
    MonthText,
    PlacementIn,
    RunDetailOut,
    RunList,
    RunSummaryOut,
    TariffIn,
    VisitIn,
)
from hos_avtal.api.routers._common import IDEMPOTENCY_HEADER, problems
from hos_avtal.api.routers._formats import WITH_PDF as MEDIA
from hos_avtal.api.routers._formats import negotiate
from hos_avtal.api.routers._invoice import invoice_response
from hos_avtal.errors import InputError
from hos_avtal.exports import build_run_basis
from hos_avtal.io import INPUT_KINDS, InputKind
from hos_avtal.months import parse_month
from hos_avtal.runs import RunOutcome, execute_run
from hos_avtal.storage import Database, finalize, list_runs, load_run

router = APIRouter(prefix="/v1/billing-runs", tags=["billing runs"])

_MODELS: dict[str, type[BaseModel]] = {
    "episodes": EpisodeIn, "placements": PlacementIn, "costs": CostIn,
    "agreements": AgreementIn, "visits": VisitIn, "tariffs": TariffIn,
}  # fmt: skip
_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/BillingRunRequest"}},
            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/BillingRunForm"}},
        },
    }
}


def _summary_response(outcome: RunOutcome, idem: Idempotency, request: Request) -> JSONResponse:
    if outcome.created:
        RUNS.labels("created").inc()
        count_calculation("billing_run", outcome.rows)
    body = outcome.summary.record(money="sek")
    status = 201 if outcome.created else 200
    location = f"/v1/billing-runs/{outcome.summary.id}"
    request.state.resource_id = str(outcome.summary.id)
    idem.store(status, body, location)
    return JSONResponse(body, status_code=status, headers={"Location": location})


def _json_run(db: Database, body: bytes, created_by: str) -> RunOutcome:
    run = parse_json(BillingRunRequest, body)
    frames = {
        name: rows_frame(rows, _MODELS[name])
        for name in INPUT_KINDS
        if (rows := getattr(run, name)) is not None
    }
    return _execute(db, run, created_by, frames)


def _execute(
    db: Database,
    run: BillingRunRequest | BillingRunForm,
    created_by: str,
    inputs: Mapping[InputKind, pl.DataFrame] | Mapping[InputKind, Path],
) -> RunOutcome:
    """The run a request asks for, from its inputs as frames (JSON) or as files (a form)."""
    return execute_run(
        db,
        run.month,
        ruleset=named_ruleset(run.ruleset),
        daily_amount_sek=run.daily_amount_sek,
        created_by=created_by,
        accept=run.accept,
        **inputs,  # type: ignore[arg-type]
    )


async def _upload_run(db: Database, request: Request, created_by: str) -> RunOutcome:
    async with (
        parsed_form(BillingRunForm, request) as form,
        saved_uploads(form, INPUT_KINDS) as (folder, paths),
    ):
        try:
            return await run_in_threadpool(_execute, db, form, created_by, paths)
        except InputError as exc:  # name the form field, not the temporary file
            source = Path(exc.source).stem if exc.source.startswith(folder) else exc.source
            raise InputError(source, exc.problems) from None


@router.post(
    "",
    status_code=201,
    response_model=RunSummaryOut,
    responses={
        200: {"model": RunSummaryOut, "description": "An identical run was stored already."},
        **problems(409, 415),
    },
    openapi_extra={**_CREATE_BODY, "parameters": [IDEMPOTENCY_HEADER]},
)
async def create_run(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(WRITE_RUNS)],
    idem: Annotated[Idempotency, Depends(idempotency)],
) -> JSONResponse:
    """Compute and store a billing run of one month: betalningsansvar always, placements with all
    three placement inputs, home care with visits. JSON arrays or multipart file uploads."""
    replay = await run_in_threadpool(idem.replay)
    if replay is not None:
        return replay
    created_by = f"api-key:{key.id}"
    if json_or_form(request) == "json":
        outcome = await run_in_threadpool(_json_run, db, await request.body(), created_by)
    else:
        outcome = await _upload_run(db, request, created_by)
    return _summary_response(outcome, idem, request)


@router.get("", response_model=RunList, responses=problems())
def list_billing_runs(
    db: DatabaseDep,
    _key: Annotated[ApiKey, Depends(READ_RUNS)],
    month: Annotated[MonthText | None, Query(description="YYYY-MM")] = None,
    state: Annotated[Literal["draft", "final"] | None, Query()] = None,
) -> RunList:
    """Stored runs, oldest month first, then by version: identity and audit data, no figures
    (so a kommun key sees nothing of another municipality here)."""
    summaries = list_runs(db, parse_month(month) if month else None, state)
    return RunList.model_validate({"runs": [s.record(money="sek") for s in summaries]})


RunId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Run id")]
Kommun = Annotated[str, PathParam(pattern=r"^[0-9]{4}$", description="Kommun code, e.g. 1480")]


@router.get("/{run_id}", response_model=RunDetailOut, responses=problems(404))
def get_billing_run(
    db: DatabaseDep, key: Annotated[ApiKey, Depends(READ_RUNS)], run_id: RunId
) -> RunDetailOut:
    """A run's identity, inputs and each municipality's figures (a kommun key: its own only)."""
    run = load_run(db, run_id)
    basis = build_run_basis(run)
    return RunDetailOut.model_validate(
        {
            "run": run.summary.record(money="sek"),
            "inputs": [
                {"kind": i.kind, "name": i.name, "sha256": i.sha256, "rows": i.rows} for i in run.inputs
            ],
            "municipalities": run_municipalities(run, basis, visible_kommun(key)),
        }
    )


@router.post(
    "/{run_id}/finalize",
    response_model=RunSummaryOut,
    responses=problems(404, 409),
    openapi_extra={"parameters": [IDEMPOTENCY_HEADER]},
)
def finalize_run(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(WRITE_RUNS)],
    idem: Annotated[Idempotency, Depends(idempotency)],
    run_id: RunId,
) -> JSONResponse:
    """Make a draft final (immutable from then on); finalizing a final run returns it unchanged.
    A draft superseded by a newer final version is a 409: run the month again."""
    request.state.resource_id = str(run_id)
    replay = idem.replay()
    if replay is not None:
        return replay
    summary, changed = finalize(db, run_id, f"api-key:{key.id}")
    if changed:
        RUNS.labels("finalized").inc()
    body = summary.record(money="sek")
    idem.store(200, body, None)
    return JSONResponse(body)


@router.get(
    "/{run_id}/municipalities/{kommun}",
    response_model=InvoiceBasisOut,
    responses={
        200: {
            "description": "The invoice basis in the negotiated format.",
            "content": {
                MEDIA["csv"]: {"schema": {"type": "string"}},
                MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                MEDIA["pdf"]: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        304: {"description": "Not modified: If-None-Match names the current ETag."},
        **problems(404, 406),
    },
)
def invoice_basis(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(READ_RUNS)],
    run_id: RunId,
    kommun: Kommun,
    format: Annotated[Literal["json", "csv", "xlsx", "pdf"] | None, Query()] = None,
    _if_none_match: Annotated[
        str | None, Header(alias="If-None-Match", description="An ETag of an earlier answer.")
    ] = None,
) -> Response:
    """One municipality's fakturaunderlag: JSON by default; CSV, Excel or PDF by Accept or ?format=.
    The files are those of ``hos-avtal run export``; a draft is marked UTKAST. Every answer has a
    strong ETag: send it back in If-None-Match to get a 304 instead of the same bytes again."""
    check_kommun(key, kommun)
    chosen = negotiate(request, format, MEDIA)
    return invoice_response(request, db, run_id, kommun, chosen)

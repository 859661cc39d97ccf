"""The framework's floor for the HTTP API load test: a bare FastAPI app that does no work.

``POST /v1/betalningsansvar/calculate`` parses the same JSON body as the real endpoint into a
pydantic model of the same shape (a month, a list of episode objects with the same field types,
the optional ruleset, daily amount and ``include_episodes``; the same constraints) and echoes it back.
``GET /v1/billing-runs/{run_id}/municipalities/{kommun}`` returns a fixed JSON object of the size
of an invoice basis: the file named by ``HOS_AVTAL_FLOOR_INVOICE`` (``load_api.py`` saves the real
server's answer there), else a built-in one of similar size. It is parsed once at start-up and
serialised on every request, as the real endpoint must. No authentication, no database.

Run: ``uvicorn --app-dir benchmarks api_floor:app --host 127.0.0.1 --port 8001``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

INVOICE_ENV = "HOS_AVTAL_FLOOR_INVOICE"


Money = Annotated[str, StringConstraints(pattern=r"^-?\d+\.\d{2}$", max_length=20)]
MonthText = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=10)]
RulesetId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]


class Episode(BaseModel):
    """One care episode: the fields, types and constraints of the real request's episodes."""

    model_config = ConfigDict(extra="forbid")

    episode_id: Id
    person_id: Id
    kommun: Code
    care_type: Code
    hospital: Annotated[str, StringConstraints(max_length=200)] | None = None
    ready_date: dt.date
    discharge_date: dt.date | None = None
    admission_notice: bool
    ready_notice: bool
    sip_needed: bool
    sip_invited: bool | None = None
    outpatient_plan: bool
    outpatient_available: bool


class CalculateBody(BaseModel):
    """The calculate request: a month and its episodes."""

    model_config = ConfigDict(extra="forbid")

    episodes: Annotated[list[Episode], Field(min_length=1, max_length=2_000_000)]
    month: MonthText
    ruleset: RulesetId | None = None
    daily_amount_sek: Money | None = None
    include_episodes: bool = False


def _builtin_invoice() -> dict[str, Any]:
    """An invoice-basis-like object: a header, totals and 150 episode lines."""
    lines = [
        {
            "episode_id": f"E2206000-{i:06d}",
            "person_id": f"P2206-{i:06d}",
            "care_type": "somatik" if i % 8 else "psykiatri",
            "hospital": "SU",
            "ready_date": "2022-06-10",
            "discharge_date": "2022-06-20",
            "days": 10,
            "liable_days": 7,
            "amount_sek": "65100.00",
            "reason": None,
        }
        for i in range(150)
    ]
    return {
        "run_id": 1,
        "month": "2022-06",
        "version": 1,
        "state": "draft",
        "kommun": "1480",
        "name": "Göteborg",
        "ruleset": "vgr-2022",
        "daily_amount_sek": "9300.00",
        "totals": {"episodes": 150, "liable_days": 1050, "amount_sek": "9765000.00"},
        "lines": lines,
    }


def _invoice() -> dict[str, Any]:
    path = os.environ.get(INVOICE_ENV)
    if path:
        loaded: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        return loaded
    return _builtin_invoice()


app = FastAPI(title="hos-avtal API floor", docs_url=None, redoc_url=None, openapi_url=None)
INVOICE = _invoice()


@app.post("/v1/betalningsansvar/calculate")
async def calculate(body: CalculateBody) -> CalculateBody:
    """Parse and validate the body, then echo it."""
    return body


@app.get("/v1/billing-runs/{run_id}/municipalities/{kommun}")
async def invoice_basis(run_id: int, kommun: str) -> JSONResponse:
    """A fixed invoice basis, serialised on each request."""
    return JSONResponse(INVOICE)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    """Readiness."""
    return {"status": "ok"}

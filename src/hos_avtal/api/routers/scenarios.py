"""What-if scenarios (docs/rules.md §7): compare base and scenarios on a stored or inline dataset, and the
datasets themselves (an uploaded episode file or a stored run's episodes). Analysts and admins.
The sweep over a grid of parameter values lives beside it, in :mod:`.scenario_sweeps`.

The comparison is :func:`hos_avtal.scenarios.compare` and its JSON, CSV and Excel renderings,
exactly what the CLI gives; a route only chooses the data and the format.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hos_avtal.api._bodies import json_or_form, parse_json, parsed_form, saved_uploads
from hos_avtal.api._convert import sek, typed_frame
from hos_avtal.api._deps import DatabaseDep, Idempotency, idempotency, named_ruleset, require
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._middleware import stateless
from hos_avtal.api._scenario_schemas import (
    BaseParameter,
    BaseParameters,
    CompareRequest,
    ComparisonOut,
    DatasetFromRun,
    DatasetList,
    DatasetOut,
    DatasetUpload,
    ScenarioDataIn,
)
from hos_avtal.api._schemas import (
    AgreementIn,
    CostIn,
    EpisodeIn,
    Money,
    MonthText,
    PlacementIn,
    TariffIn,
    VisitIn,
)
from hos_avtal.api.routers._common import IDEMPOTENCY_HEADER, problems
from hos_avtal.api.routers._formats import MEDIA, attachment, negotiate
from hos_avtal.errors import DatasetNotFoundError, ProblemError, ScenarioError, quotable
from hos_avtal.io import (
    INPUT_KINDS,
    inputs_apart,
    validate_episodes,
    validate_placement_inputs,
    validate_tariffs,
    validate_visits,
)
from hos_avtal.money import divide_round_half_up, format_sek, sek_to_ore
from hos_avtal.months import format_month, parse_month
from hos_avtal.rules import ACKNOWLEDGEMENTS, parse_share
from hos_avtal.scenarios import (
    BaseValue,
    Comparison,
    DatasetSummary,
    Scenario,
    ScenarioData,
    base_values,
    compare,
    comparison_csv,
    comparison_data,
    comparison_json,
    dataset_summary,
    delete_dataset,
    format_permille,
    label,
    list_datasets,
    read_upload,
    save_dataset,
    save_run_dataset,
    scenario_from_mapping,
)
from hos_avtal.storage import Database

ANALYSE = require("analyst")
router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The comparison; CSV or Excel by `?format=` or Accept.",
        "content": {
            MEDIA["csv"]: {"schema": {"type": "string"}},
            MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
_DATASET_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/DatasetFromRun"}},
            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/DatasetUpload"}},
        },
    }
}


@router.post("/compare", response_model=ComparisonOut, responses={**_FILES, **problems(404, 406)})
@stateless
def compare_scenarios(
    request: Request,
    body: CompareRequest,
    db: DatabaseDep,
    _key: Annotated[ApiKey, Depends(ANALYSE)],
    format: Annotated[Literal["json", "csv", "xlsx"] | None, Query()] = None,
) -> Response:
    """Base against up to ten scenarios on one dataset: per municipality, per kommunalförbund and
    in total, the base amount, each scenario's amount and the difference in kronor and percent."""
    chosen = negotiate(request, format)
    data, months, daily_amount = request_data(db, body)
    scenarios = [
        _scenario(i, s.model_dump(exclude_none=True), body.base) for i, s in enumerate(body.scenarios)
    ]
    try:
        comparison = compare(
            data,
            scenarios,
            base=named_ruleset(body.base, "base"),
            months=[parse_month(m) for m in body.months] if body.months else months,
            daily_amount_sek=daily_amount,
        )
    except ScenarioError as exc:
        raise scenario_problem(exc, None) from None
    return _render(comparison, chosen)


@router.get("/base-parameters", response_model=BaseParameters, responses=problems())
def base_parameters(
    _key: Annotated[ApiKey, Depends(ANALYSE)],
    month: Annotated[MonthText, Query(description="YYYY-MM")],
    base: Annotated[str | None, Query(max_length=100, description="Default: the VGR agreement")] = None,
    daily_amount_sek: Annotated[
        Money | None, Query(description="Fastställt belopp for a year none ships for")
    ] = None,
) -> BaseParameters:
    """The parameters a scenario starts from: the base's values in ``month``, with the
    fastställt belopp and VästKom's tariffs of its year (the web page prefills its fields).
    ``daily_amount_sek`` is null for a year without a shipped fastställt belopp, unless given."""
    named_ruleset(base, "base")
    given = Decimal(daily_amount_sek) if daily_amount_sek is not None else None
    values = base_values(month, base, given)
    return BaseParameters(
        ruleset=values.ruleset_id,
        month=format_month(values.month),
        daily_amount_sek=sek(values.daily_amount_ore),
        daily_amount_source=values.daily_amount_source,
        parameters=[_base_parameter(v) for v in values.values],
    )


def _base_parameter(base: BaseValue) -> BaseParameter:
    spec, value = base.spec, base.value
    text: str | None
    if value is None or isinstance(value, bool):
        text = None
    elif spec.kind == "money":
        text = format_sek(sek_to_ore(value))  # type: ignore[arg-type]
    elif spec.kind == "decimal":
        text = label(value, spec.name)
    else:
        text = str(value)
    shown: bool | int | str | None = value if isinstance(value, bool | int) else text
    field = text
    if spec.kind == "share" and text is not None:
        share = parse_share(text)
        field = format_permille(divide_round_half_up(share.numerator * 1000, share.denominator)) or "0.0"
    return BaseParameter(
        capability=spec.capability, name=spec.name, value=shown, input=field, source=base.source
    )


@router.post(
    "/datasets",
    status_code=201,
    response_model=DatasetOut,
    responses=problems(404, 415),
    openapi_extra={**_DATASET_BODY, "parameters": [IDEMPOTENCY_HEADER]},
)
async def create_dataset(
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(ANALYSE)],
    idem: Annotated[Idempotency, Depends(idempotency)],
) -> JSONResponse:
    """Store a dataset: uploaded files (multipart: any of ``episodes``, ``placements`` with
    ``costs`` and ``agreements``, ``visits`` with optional ``tariffs``; optional ``name``) or a
    stored billing run's inputs (JSON ``{"billing_run_id": …}``). Every input is validated as a
    billing run's would be, and its ids pseudonymised. An ``Idempotency-Key`` makes a retry safe."""
    replay = await run_in_threadpool(idem.replay)
    if replay is not None:
        return replay
    created_by = f"api-key:{key.id}"
    if json_or_form(request) == "json":
        wanted = parse_json(DatasetFromRun, await request.body())
        summary = await run_in_threadpool(
            save_run_dataset, db, wanted.billing_run_id, wanted.name, created_by
        )
    else:
        summary = await _upload(db, request, created_by)
    request.state.resource_id = str(summary.id)
    body = _dataset_json(summary)
    location = f"/v1/scenarios/datasets/{summary.id}"
    idem.store(201, body, location)
    return JSONResponse(body, status_code=201, headers={"Location": location})


@router.get("/datasets", response_model=DatasetList, responses=problems())
def get_datasets(db: DatabaseDep, _key: Annotated[ApiKey, Depends(ANALYSE)]) -> DatasetList:
    """Every stored dataset, newest first (no data, only what identifies it)."""
    return DatasetList.model_validate({"datasets": [_dataset_json(s) for s in list_datasets(db)]})


@router.get("/datasets/{dataset_id}", response_model=DatasetOut, responses=problems(404))
def get_dataset(
    db: DatabaseDep,
    _key: Annotated[ApiKey, Depends(ANALYSE)],
    dataset_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
) -> DatasetOut:
    return DatasetOut.model_validate(_dataset_json(_found(dataset_summary, db, dataset_id)))


@router.delete("/datasets/{dataset_id}", status_code=204, responses=problems(404))
def remove_dataset(
    request: Request,
    db: DatabaseDep,
    _key: Annotated[ApiKey, Depends(ANALYSE)],
    dataset_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
) -> Response:
    """Delete a dataset and the pseudonymised inputs it holds (204). Comparisons already made
    on it are not stored, so nothing else refers to it; the billing run it came from stays."""
    request.state.resource_id = str(dataset_id)
    _found(delete_dataset, db, dataset_id)
    return Response(status_code=204)


# ----------------------------------------------------------------------------------- helpers


def request_data(
    db: Database, body: ScenarioDataIn
) -> tuple[ScenarioData, list[dt.date] | None, Decimal | None]:
    """The dataset to compare on, its own months (``None`` for inline data), and the fastställt
    belopp: the request's, else the one the dataset's billing run used."""
    given = Decimal(body.daily_amount_sek) if body.daily_amount_sek else None
    inline = [n for n in ("episodes", "placements", "costs", "agreements", "visits") if getattr(body, n)]
    if body.dataset_id is not None:
        if inline:
            raise ProblemError(
                422, "give dataset_id or inline data, not both", errors=[field_error("dataset_id")]
            )
        summary = _found(dataset_summary, db, body.dataset_id)
        stored = summary.daily_amount_ore
        amount = given if given is not None or stored is None else Decimal(stored) / 100
        data = _found(lambda db, _id: comparison_data(db, summary), db, body.dataset_id)
        return data, summary.months, amount
    if not inline:
        raise ProblemError(
            422,
            "no data: give dataset_id, episodes, placements or visits",
            errors=[field_error("dataset_id")],
        )
    apart = inputs_apart([kind for kind in INPUT_KINDS if getattr(body, kind)])
    if apart is not None:
        raise ProblemError(422, apart[1], errors=[field_error(apart[0])])
    placements = None
    if body.placements and body.costs and body.agreements:
        placements = validate_placement_inputs(
            typed_frame(body.placements, PlacementIn),
            typed_frame(body.costs, CostIn),
            typed_frame(body.agreements, AgreementIn),
        )
    data = ScenarioData(
        # A what-if is never billed: a long wait needs no acknowledgement (docs/rules.md §7).
        episodes=(
            validate_episodes(typed_frame(body.episodes, EpisodeIn), accept=ACKNOWLEDGEMENTS)
            if body.episodes
            else None
        ),
        placements=placements,
        visits=validate_visits(typed_frame(body.visits, VisitIn)) if body.visits else None,
        tariffs=validate_tariffs(typed_frame(body.tariffs, TariffIn)) if body.tariffs else None,
    )
    return data, None, given


def _scenario(index: int, mapping: dict[str, Any], base: str | None) -> Scenario:
    if "base" not in mapping and base is not None:
        mapping["base"] = base
    try:
        return scenario_from_mapping(mapping, origin=f"scenarios[{index}]")
    except ScenarioError as exc:
        raise scenario_problem(exc, index) from None


def scenario_problem(exc: ScenarioError, index: int | None, *, prefix: str = "scenarios") -> ProblemError:
    """A 422 whose ``errors[].field`` names the key: ``scenarios.0.betalningsansvar.free_dayz``."""
    prefix = f"{prefix}.{index}" if index is not None else prefix
    field = f"{prefix}.{exc.key}" if exc.key else prefix
    return ProblemError(422, str(exc), errors=[{**field_error(field), "reason": exc.reason}])


def _found(function: Any, db: Database, dataset_id: int) -> Any:
    try:
        return function(db, dataset_id)
    except DatasetNotFoundError:
        # Not the core's message: it repeats the id sent.
        raise ProblemError(404, "no scenario dataset has this id") from None


def field_error(name: str) -> dict[str, Any]:
    """A problem with a field, named unless the name could hold personal data (:func:`quotable`):
    an unknown field's name is a submitted value."""
    field = ".".join(quotable(part) for part in name.split("."))
    return {"source": None, "row": None, "column": None, "field": field, "reason": "invalid"}


def _dataset_json(s: DatasetSummary) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "created_at": s.created_at.isoformat(), "created_by": s.created_by,
        "source": s.source, "ruleset_id": s.ruleset_id, "months": [format_month(m) for m in s.months],
        "episodes": s.episodes, "inputs": s.inputs, "capabilities": list(s.capabilities), "sha256": s.sha256,
        "daily_amount_sek": sek(s.daily_amount_ore),
    }  # fmt: skip


async def _upload(db: Database, request: Request, created_by: str) -> DatasetSummary:
    async with parsed_form(DatasetUpload, request) as form, saved_uploads(form, INPUT_KINDS) as (_, paths):
        if not paths:
            raise ProblemError(
                422,
                "upload episodes, placements (with costs and agreements) or visits as CSV or Parquet files",
                errors=[field_error("episodes")],
            )
        first = next(upload for kind in INPUT_KINDS if (upload := getattr(form, kind)) is not None)
        label = form.name or Path(first.filename or "underlag").stem[:200]
        tables = await run_in_threadpool(read_upload, paths, {kind: kind for kind in paths})
        return await run_in_threadpool(save_dataset, db, label, tables, created_by)


def _render(comparison: Comparison, chosen: str) -> Response:
    if chosen == "json":
        return JSONResponse(ComparisonOut.model_validate(comparison_json(comparison)).model_dump(mode="json"))
    if chosen == "csv":
        data = comparison_csv(comparison).encode("utf-8")
    else:
        from hos_avtal.scenarios import comparison_xlsx

        data = comparison_xlsx(comparison)
    filename = f"scenariojamforelse-{'_'.join(format_month(m) for m in comparison.months[:1])}.{chosen}"
    return attachment(data, chosen, filename)

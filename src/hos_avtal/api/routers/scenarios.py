"""What-if scenarios (SPEC §7): compare base and scenarios on a stored or inline dataset, and the
datasets themselves (an uploaded episode file or a stored run's episodes). Analysts and admins.
The sweep over a grid of parameter values lives beside it, in :mod:`.scenario_sweeps`.

The comparison is :func:`hos_avtal.scenarios.compare` and its JSON, CSV and Excel renderings,
exactly what the CLI gives; a route only chooses the data and the format.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from hos_avtal.api._convert import rows_frame
from hos_avtal.api._deps import DatabaseDep, require, shipped_ruleset
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._problems import ProblemError
from hos_avtal.api._scenario_schemas import (
    BaseParameters,
    CompareRequest,
    ComparisonOut,
    DatasetFromRun,
    DatasetList,
    DatasetOut,
    ScenarioDataIn,
)
from hos_avtal.api._schemas import AgreementIn, CostIn, EpisodeIn, MonthText, PlacementIn, TariffIn, VisitIn
from hos_avtal.api.routers._common import problems
from hos_avtal.api.routers._formats import MEDIA, attachment, negotiate
from hos_avtal.errors import InputError, ScenarioError
from hos_avtal.io import validate_episodes, validate_placement_inputs, validate_tariffs, validate_visits
from hos_avtal.money import format_sek
from hos_avtal.months import format_month, parse_month
from hos_avtal.rules import select_ruleset
from hos_avtal.scenarios import Comparison, Scenario, ScenarioData, compare, scenario_from_mapping
from hos_avtal.scenarios._datasets import (
    DatasetNotFoundError,
    DatasetSummary,
    dataset_summary,
    list_datasets,
    load_dataset,
    read_episode_upload,
    save_dataset,
    save_run_dataset,
)
from hos_avtal.scenarios._report import comparison_csv, comparison_json
from hos_avtal.storage import Database

ANALYSE = require("analyst")
router = APIRouter(prefix="/scenarios", tags=["scenarios"])

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The comparison; CSV or Excel by `?format=` or Accept.",
        "content": {
            MEDIA["csv"]: {"schema": {"type": "string"}},
            MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
_DATASET_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/DatasetFromRun"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["episodes"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 200},
                        "episodes": {"type": "string", "format": "binary", "description": "CSV or Parquet"},
                    },
                }
            },
        },
    }
}


@router.post("/compare", response_model=ComparisonOut, responses={**_FILES, **problems(404, 406)})
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
    data, months = request_data(db, body)
    scenarios = [
        _scenario(i, s.model_dump(exclude_none=True), body.base) for i, s in enumerate(body.scenarios)
    ]
    try:
        comparison = compare(
            data,
            scenarios,
            base=shipped_ruleset(body.base, "base"),
            months=[parse_month(m) for m in body.months] if body.months else months,
            daily_amount_sek=Decimal(body.daily_amount_sek) if body.daily_amount_sek else None,
        )
    except ScenarioError as exc:
        raise scenario_problem(exc, None) from None
    return _render(comparison, chosen)


@router.get("/base-parameters", response_model=BaseParameters, responses=problems())
def base_parameters(
    _key: Annotated[ApiKey, Depends(ANALYSE)],
    month: Annotated[MonthText, Query(description="YYYY-MM")],
    base: Annotated[str | None, Query(max_length=100, description="Default: the VGR agreement")] = None,
) -> BaseParameters:
    """The betalningsansvar parameters a scenario starts from: the base's values in ``month``,
    with the fastställt belopp of its year (the web page prefills its fields with them)."""
    shipped_ruleset(base, "base")
    p = select_ruleset(month, base).betalningsansvar(month)
    return BaseParameters(
        ruleset=p.ruleset_id,
        month=format_month(p.month),
        daily_amount_sek=format_sek(p.daily_amount_ore),
        daily_amount_source=p.daily_amount_source,
        average_threshold_days=str(p.average_threshold_days),
        individual_after_days=p.individual_after_days,
        free_days=p.free_days,
        separate_care_type_averages=p.separate_care_type_averages,
    )


@router.post(
    "/datasets",
    status_code=201,
    response_model=DatasetOut,
    responses=problems(404, 415),
    openapi_extra=_DATASET_BODY,
)
async def create_dataset(
    request: Request, db: DatabaseDep, key: Annotated[ApiKey, Depends(ANALYSE)]
) -> JSONResponse:
    """Store a dataset: an uploaded episode file (multipart: ``episodes``, optional ``name``) or a
    stored billing run's episodes (JSON ``{"billing_run_id": …}``). Ids are pseudonymised."""
    created_by = f"api-key:{key.id}"
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            wanted = DatasetFromRun.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        summary = await run_in_threadpool(
            save_run_dataset, db, wanted.billing_run_id, wanted.name, created_by
        )
    elif content_type == "multipart/form-data":
        summary = await _upload(db, request, created_by)
    else:
        raise ProblemError(415, "send application/json or multipart/form-data")
    request.state.resource_id = str(summary.id)
    body = _dataset_json(summary)
    return JSONResponse(body, status_code=201, headers={"Location": f"/v1/scenarios/datasets/{summary.id}"})


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


# ----------------------------------------------------------------------------------- helpers


def request_data(db: Database, body: ScenarioDataIn) -> tuple[ScenarioData, list[dt.date] | None]:
    """The dataset to compare on, and its own months (``None`` for inline data)."""
    inline = [n for n in ("episodes", "placements", "costs", "agreements", "visits") if getattr(body, n)]
    if body.dataset_id is not None:
        if inline:
            raise ProblemError(
                422, "give dataset_id or inline data, not both", errors=[field_error("dataset_id")]
            )
        summary = _found(dataset_summary, db, body.dataset_id)
        return _found(load_dataset, db, body.dataset_id), summary.months
    if not inline:
        raise ProblemError(
            422,
            "no data: give dataset_id, episodes, placements or visits",
            errors=[field_error("dataset_id")],
        )
    trio = (body.placements, body.costs, body.agreements)
    if any(trio) and not all(trio):
        raise ProblemError(
            422, "placements need placements, costs and agreements", errors=[field_error("placements")]
        )
    if body.tariffs and not body.visits:
        raise ProblemError(422, "tariffs are used only with visits", errors=[field_error("tariffs")])
    placements = None
    if body.placements and body.costs and body.agreements:
        placements = validate_placement_inputs(
            rows_frame(body.placements, PlacementIn),
            rows_frame(body.costs, CostIn),
            rows_frame(body.agreements, AgreementIn),
        )
    data = ScenarioData(
        episodes=validate_episodes(rows_frame(body.episodes, EpisodeIn)) if body.episodes else None,
        placements=placements,
        visits=validate_visits(rows_frame(body.visits, VisitIn)) if body.visits else None,
        tariffs=validate_tariffs(rows_frame(body.tariffs, TariffIn)) if body.tariffs else None,
    )
    return data, None


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
    except DatasetNotFoundError as exc:
        raise ProblemError(404, str(exc)) from None


def field_error(name: str) -> dict[str, Any]:
    return {"source": None, "row": None, "column": None, "field": name, "reason": "invalid"}


def _dataset_json(s: DatasetSummary) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "created_at": s.created_at.isoformat(), "created_by": s.created_by,
        "source": s.source, "ruleset_id": s.ruleset_id, "months": [format_month(m) for m in s.months],
        "episodes": s.episodes, "sha256": s.sha256,
    }  # fmt: skip


async def _upload(db: Database, request: Request, created_by: str) -> DatasetSummary:
    form = await request.form(max_files=1, max_fields=5)
    upload, name = form.get("episodes"), form.get("name")
    if not isinstance(upload, UploadFile):
        raise ProblemError(
            422, "upload the episodes as a CSV or Parquet file", errors=[field_error("episodes")]
        )
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise ProblemError(422, "name must be a text of at most 200 characters", errors=[field_error("name")])
    filename = upload.filename or "episoder.csv"
    label = name or Path(filename).stem[:200]
    with tempfile.TemporaryDirectory(prefix="hos-avtal-dataset-") as folder:
        path = Path(folder) / (
            "episodes.parquet" if filename.lower().endswith(".parquet") else "episodes.csv"
        )
        path.write_bytes(await upload.read())
        try:
            frame = await run_in_threadpool(read_episode_upload, db, path)
        except InputError as exc:  # name the form field, not the temporary file
            source = "episodes" if exc.source.startswith(folder) else exc.source
            raise InputError(source, exc.problems) from None
    return await run_in_threadpool(save_dataset, db, label, ScenarioData(episodes=frame), created_by)


def _render(comparison: Comparison, chosen: str) -> Response:
    if chosen == "json":
        return JSONResponse(ComparisonOut.model_validate(comparison_json(comparison)).model_dump(mode="json"))
    if chosen == "csv":
        data = comparison_csv(comparison).encode("utf-8")
    else:
        from hos_avtal.scenarios._excel import comparison_xlsx

        data = comparison_xlsx(comparison)
    filename = f"scenariojamforelse-{'_'.join(format_month(m) for m in comparison.months[:1])}.{chosen}"
    return attachment(data, chosen, filename)

"""``POST /v1/scenarios/sweep``: every combination of a grid of parameter values (docs/rules.md §7).

The route turns the request into :func:`hos_avtal.scenarios._sweep.sweep`'s axes and renders its
result; the histogram engine behind it makes a thousand combinations cost about one calculation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from hos_avtal.api._deps import DatabaseDep, named_ruleset
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._middleware import stateless
from hos_avtal.api._scenario_schemas import SweepOut, SweepParameter, SweepRequest
from hos_avtal.api.routers._common import problems
from hos_avtal.api.routers._formats import MEDIA, attachment, negotiate
from hos_avtal.api.routers.scenarios import ANALYSE, request_data, scenario_problem
from hos_avtal.errors import ScenarioError
from hos_avtal.months import format_month, parse_month
from hos_avtal.scenarios import Axis, Sweep, parse_axis, sweep, sweep_csv, sweep_json

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The sweep; CSV (one row per combination) or Excel by `?format=` or Accept.",
        "content": {
            MEDIA["csv"]: {"schema": {"type": "string"}},
            MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/sweep", response_model=SweepOut, responses={**_FILES, **problems(404, 406)})
@stateless
def sweep_scenarios(
    request: Request,
    body: SweepRequest,
    db: DatabaseDep,
    _key: Annotated[ApiKey, Depends(ANALYSE)],
    format: Annotated[Literal["json", "csv", "xlsx"] | None, Query()] = None,
) -> Response:
    """Every combination of the parameters' values (at most 10 000): the total of each, and each
    municipality's amount, against the base. Sweepable: every parameter of ``GET /v1/parameters``
    with ``sweep: true``."""
    chosen = negotiate(request, format)
    data, months, daily_amount = request_data(db, body)
    base = named_ruleset(body.base, "base")
    assert base is not None  # required by the schema
    try:
        axes = [_axis(p) for p in body.parameters]
        result = sweep(
            data,
            axes,
            base=base,
            months=[parse_month(m) for m in body.months] if body.months else months,
            daily_amount_sek=daily_amount,
        )
    except ScenarioError as exc:
        raise scenario_problem(exc, None, prefix="parameters") from None
    return _render(result, chosen)


def _axis(parameter: SweepParameter) -> Axis:
    """The request's parameter in the CLI's ``--param`` syntax, so both parse it the same way."""
    if parameter.values is not None:
        if any(v is not None for v in (parameter.start, parameter.stop, parameter.step)):
            raise ScenarioError("parameters", "give values or start/stop/step, not both", key=parameter.name)
        values = ",".join(_text(v) for v in parameter.values)
        return parse_axis(f"{parameter.name}={values}")
    if parameter.start is None or parameter.stop is None or parameter.step is None:
        raise ScenarioError("parameters", "give start, stop and step, or values", key=parameter.name)
    if any(sep in text for text in (parameter.start, parameter.stop, parameter.step) for sep in ":,"):
        raise ScenarioError("parameters", "start, stop and step are single numbers", key=parameter.name)
    return parse_axis(f"{parameter.name}={parameter.start}:{parameter.stop}:{parameter.step}")


def _text(value: bool | int | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "," in text or ":" in text:
        raise ScenarioError("parameters", "a value holds a ',' or ':'; give one value per item")
    return text


def _render(result: Sweep, chosen: str) -> Response:
    if chosen == "json":
        return JSONResponse(SweepOut.model_validate(sweep_json(result)).model_dump(mode="json"))
    if chosen == "csv":
        data = sweep_csv(result).encode("utf-8")
    else:
        from hos_avtal.scenarios import sweep_xlsx

        data = sweep_xlsx(result)
    first = format_month(result.months[0]) if result.months else "svep"
    return attachment(data, chosen, f"parametersvep-{first}.{chosen}")

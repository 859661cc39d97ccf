"""Stateless calculations: the same functions and JSON contracts as the CLI, nothing stored.

Each route reads its body by hand (:mod:`hos_avtal.api._bodies`) and hands the bytes to one
worker thread, which validates them, calculates and encodes the answer; the event loop meanwhile
serves other requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from hos_avtal.api._bodies import Encoder, in_worker_thread, parse_json, request_body
from hos_avtal.api._convert import typed_frame
from hos_avtal.api._deps import CALCULATE, named_ruleset
from hos_avtal.api._metrics import count_calculation
from hos_avtal.api._middleware import stateless
from hos_avtal.api._prognos_schemas import PrognosOut, PrognosRequest
from hos_avtal.api._schemas import (
    AgreementIn,
    BetalningsansvarMonth,
    BetalningsansvarRequest,
    CostIn,
    EpisodeIn,
    HomeCareMonth,
    HomeCareRequest,
    PlacementIn,
    PlacementsRequest,
    PlacementsResult,
    TariffIn,
    VisitIn,
)
from hos_avtal.api.routers._common import problems
from hos_avtal.betalningsansvar import calculate_betalningsansvar
from hos_avtal.betalningsansvar import contract as betalningsansvar_contract
from hos_avtal.errors import ProblemError
from hos_avtal.home_care import calculate_home_care
from hos_avtal.home_care import contract as home_care_contract
from hos_avtal.io import validate_episodes, validate_placement_inputs, validate_tariffs, validate_visits
from hos_avtal.months import parse_month
from hos_avtal.placements import calculate_placements
from hos_avtal.placements import contract as placements_contract

_Route = Callable[[Request], Awaitable[Response]]

router = APIRouter(prefix="/v1", tags=["calculations"], dependencies=[Depends(CALCULATE)])
BODY_MODELS = (BetalningsansvarRequest, PlacementsRequest, HomeCareRequest, PrognosRequest)
"""The request bodies read by hand here, whose schemas the app adds to its OpenAPI document."""

_BETALNINGSANSVAR = Encoder(BetalningsansvarMonth)
_PLACEMENTS = Encoder(PlacementsResult)
_HOME_CARE = Encoder(list[HomeCareMonth])
_PROGNOS = Encoder(PrognosOut)


def _calculation(path: str, answer: Any, body: type[BaseModel]) -> Callable[[_Route], _Route]:
    """The route of one stateless calculation: the body read by hand (its schema documented),
    the answer's model, and the problems it may give."""
    return router.post(path, response_model=answer, responses=problems(415), openapi_extra=request_body(body))


@_calculation("/betalningsansvar/calculate", BetalningsansvarMonth, BetalningsansvarRequest)
@stateless
async def betalningsansvar(request: Request) -> Response:
    """Kommunens betalningsansvar for one month (docs/rules.md §4): all 49 municipalities, totals and the
    episodes outside the agreement; the episode lines too with ``include_episodes``."""
    return await in_worker_thread(request, _betalningsansvar)


def _betalningsansvar(body: bytes) -> Response:
    return _answer_betalningsansvar(parse_json(BetalningsansvarRequest, body))


def _answer_betalningsansvar(request: BetalningsansvarRequest) -> Response:
    """The answer to a parsed request (apart, so ``benchmarks/gc_thresholds.py`` can pile them)."""
    episodes = validate_episodes(
        typed_frame(request.episodes, EpisodeIn), accept=request.accept, months=[parse_month(request.month)]
    )
    result = calculate_betalningsansvar(
        episodes,
        request.month,
        ruleset=named_ruleset(request.ruleset),
        daily_amount_sek=request.daily_amount_sek,
        validate=False,
    )
    count_calculation("betalningsansvar", episodes.height)
    return _BETALNINGSANSVAR.response(betalningsansvar_contract(result, episodes=request.include_episodes)[0])


@_calculation("/placements/calculate", PlacementsResult, PlacementsRequest)
@stateless
async def placements(request: Request) -> Response:
    """The cost split of placements (docs/rules.md §5): lines, all 49 municipalities and totals."""
    return await in_worker_thread(request, _placements)


def _placements(body: bytes) -> Response:
    request = parse_json(PlacementsRequest, body)
    inputs = validate_placement_inputs(
        typed_frame(request.placements, PlacementIn),
        typed_frame(request.costs, CostIn),
        typed_frame(request.agreements, AgreementIn),
    )
    result = calculate_placements(
        inputs,
        months=request.months,
        ruleset=named_ruleset(request.ruleset),
        as_of=request.as_of,
        adjust_from=request.adjust_from,
    )
    count_calculation("placements", inputs.placements.height)
    return _PLACEMENTS.response(placements_contract(result))


@_calculation("/home-care/calculate", list[HomeCareMonth], HomeCareRequest)
@stateless
async def home_care(request: Request) -> Response:
    """Home care across municipal borders (docs/rules.md §6): one object per month with a visit."""
    return await in_worker_thread(request, _home_care)


def _home_care(body: bytes) -> Response:
    request = parse_json(HomeCareRequest, body)
    visits = validate_visits(typed_frame(request.visits, VisitIn))
    tariffs = validate_tariffs(typed_frame(request.tariffs, TariffIn)) if request.tariffs else None
    result = calculate_home_care(
        visits, request.months, tariffs=tariffs, ruleset=named_ruleset(request.ruleset), validate=False
    )
    count_calculation("home_care", visits.height)
    return _HOME_CARE.response(home_care_contract(result))


@_calculation("/prognos", PrognosOut, PrognosRequest)
@stateless
async def prognos(request: Request) -> Response:
    """Läget i dag: the month so far per municipality, what it would be if every waiting patient
    were discharged today, each pool's margin, and every waiting patient's cost of one more day,
    by the billing engine's own rules (``hos-avtal prognos``)."""
    return await in_worker_thread(request, _prognos)


def _prognos(body: bytes) -> Response:
    from hos_avtal import months
    from hos_avtal.forecasts import check_date, contract
    from hos_avtal.forecasts import prognos as compute
    from hos_avtal.municipalities import is_party

    request = parse_json(PrognosRequest, body)
    day = check_date(request.date, months.today())
    if request.kommun is not None and not is_party(request.kommun):
        raise ProblemError(422, "kommun is not one of the 49 municipalities of the agreement")
    month = day.replace(day=1)
    episodes = validate_episodes(
        typed_frame(request.episodes, EpisodeIn), accept=request.accept, months=[month]
    )
    result = compute(
        episodes, day, ruleset=named_ruleset(request.ruleset), daily_amount_sek=request.daily_amount_sek,
        validate=False,
    )  # fmt: skip
    count_calculation("prognos", episodes.height)
    return _PROGNOS.response(contract(result, request.kommun))

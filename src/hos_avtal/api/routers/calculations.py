"""Stateless calculations: the same functions and JSON contracts as the CLI, nothing stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from hos_avtal.api._convert import typed_frame
from hos_avtal.api._deps import CALCULATE, shipped_ruleset
from hos_avtal.api._middleware import stateless
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
from hos_avtal.betalningsansvar._report import contract as betalningsansvar_contract
from hos_avtal.home_care import calculate_home_care
from hos_avtal.home_care._report import contract as home_care_contract
from hos_avtal.io import validate_episodes, validate_placement_inputs, validate_tariffs, validate_visits
from hos_avtal.placements import calculate_placements
from hos_avtal.placements._report import contract as placements_contract

router = APIRouter(tags=["calculations"], dependencies=[Depends(CALCULATE)])


@router.post("/betalningsansvar/calculate", response_model=BetalningsansvarMonth, responses=problems())
@stateless
def betalningsansvar(request: BetalningsansvarRequest) -> dict[str, Any]:
    """Kommunens betalningsansvar for one month (SPEC §4): all 49 municipalities, totals and the
    episodes outside the agreement; the episode lines too with ``include_episodes``."""
    episodes = validate_episodes(typed_frame(request.episodes, EpisodeIn))
    result = calculate_betalningsansvar(
        episodes,
        request.month,
        ruleset=shipped_ruleset(request.ruleset),
        daily_amount_sek=request.daily_amount_sek,
        validate=False,
    )
    return betalningsansvar_contract(result, episodes=request.include_episodes)[0]


@router.post("/placements/calculate", response_model=PlacementsResult, responses=problems())
@stateless
def placements(request: PlacementsRequest) -> dict[str, Any]:
    """The cost split of placements (SPEC §5): lines, all 49 municipalities and totals."""
    inputs = validate_placement_inputs(
        typed_frame(request.placements, PlacementIn),
        typed_frame(request.costs, CostIn),
        typed_frame(request.agreements, AgreementIn),
    )
    result = calculate_placements(
        inputs,
        months=request.months,
        ruleset=shipped_ruleset(request.ruleset),
        as_of=request.as_of,
        adjust_from=request.adjust_from,
    )
    return placements_contract(result)


@router.post("/home-care/calculate", response_model=list[HomeCareMonth], responses=problems())
@stateless
def home_care(request: HomeCareRequest) -> list[dict[str, Any]]:
    """Home care across municipal borders (SPEC §6): one object per month with a visit."""
    visits = validate_visits(typed_frame(request.visits, VisitIn))
    tariffs = validate_tariffs(typed_frame(request.tariffs, TariffIn)) if request.tariffs else None
    result = calculate_home_care(
        visits, request.months, tariffs=tariffs, ruleset=shipped_ruleset(request.ruleset), validate=False
    )
    return home_care_contract(result)

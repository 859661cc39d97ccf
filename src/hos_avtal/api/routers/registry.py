"""The year's fastställt belopp (``/v1/daily-amounts``) and each municipality's own tariffs
(``/v1/municipalities/{kommun}/tariffs/{year}``): entered once, used by every calculation.

An amount is an administrator's to enter; a tariff is the municipality's own decision, so its
own kommun key may enter it as well. Every write is audited (by the audit middleware).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from hos_avtal.api._deps import READ_REFERENCE, DatabaseDep, current_key, require
from hos_avtal.api._keys import ApiKey
from hos_avtal.api._registry_schemas import DailyAmountIn, DailyAmountOut, TariffOut, TariffsIn
from hos_avtal.api.routers._common import problems
from hos_avtal.errors import ProblemError
from hos_avtal.money import format_sek
from hos_avtal.municipalities import is_party, lookup
from hos_avtal.rules import (
    RegisteredTariff,
    active_registry,
    check_registered_amount,
    check_registered_tariff,
    daily_amounts_in_force,
)
from hos_avtal.storage import Actor, register_daily_amount, register_tariff

router = APIRouter(prefix="/v1", tags=["rules"])

Year = Annotated[int, Path(ge=1900, le=9999)]
Kommun = Annotated[str, Path(min_length=4, max_length=4, pattern=r"^[0-9]{4}$")]


def _actor(key: ApiKey) -> Actor:
    return Actor(f"API key {key.id}", key.id)


def _amount_out(year: int) -> DailyAmountOut:
    found = next((a for a in daily_amounts_in_force() if a.year == year), None)
    if found is None:
        raise ProblemError(404, "no fastställt belopp is known for this year; an admin may PUT it")
    return DailyAmountOut(
        year=found.year,
        daily_amount_sek=format_sek(found.amount_ore),
        origin=found.origin,
        source=found.source,
    )


@router.get(
    "/daily-amounts",
    response_model=list[DailyAmountOut],
    responses=problems(),
    dependencies=[Depends(READ_REFERENCE)],
)
def list_daily_amounts() -> list[DailyAmountOut]:
    """Every year with a fastställt belopp: shipped with hos_avtal or registered in this deployment."""
    return [_amount_out(a.year) for a in daily_amounts_in_force()]


@router.get(
    "/daily-amounts/{year}",
    response_model=DailyAmountOut,
    responses=problems(404),
    dependencies=[Depends(READ_REFERENCE)],
)
def get_daily_amount(year: Year) -> DailyAmountOut:
    """The year's fastställt belopp as every calculation of that year uses it, and its source."""
    return _amount_out(year)


@router.put("/daily-amounts/{year}", response_model=DailyAmountOut, responses=problems())
def put_daily_amount(
    year: Year,
    body: DailyAmountIn,
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(require())],
) -> DailyAmountOut:
    """Register the year's fastställt belopp (admin). New calculations and runs of the year use
    it; a final run keeps the amount it used, and the next run of its month is a new version."""
    checked_year, amount_ore, source = check_registered_amount(
        year, Decimal(body.daily_amount_sek), body.source
    )
    registered = register_daily_amount(db, checked_year, amount_ore, source, _actor(key))
    request.state.resource_id = str(year)
    return DailyAmountOut(
        year=registered.year,
        daily_amount_sek=format_sek(registered.amount_ore),
        origin="registered",
        source=registered.source,
    )


def _tariff_out(t: RegisteredTariff) -> TariffOut:
    return TariffOut(
        kommun=t.kommun, name=lookup(t.kommun).name, year=t.year, service=t.service,
        sek_per_hour=format_sek(t.amount_ore), decided=t.decided, source=t.source,
        registered_by=t.registered_by, registered_at=t.registered_at,
    )  # fmt: skip


def _party(kommun: str) -> str:
    if not is_party(kommun):
        raise ProblemError(404, "not one of the 49 municipalities of the agreement")
    return kommun


@router.get(
    "/municipalities/{kommun}/tariffs/{year}",
    response_model=list[TariffOut],
    responses=problems(404),
    dependencies=[Depends(READ_REFERENCE)],
)
def get_tariffs(kommun: Kommun, year: Year) -> list[TariffOut]:
    """The municipality's own registered tariffs for the year (empty: none registered, and a
    tariff file or VästKom's recommendation applies)."""
    _party(kommun)
    found = [t for t in active_registry().tariffs.values() if t.kommun == kommun and t.year == year]
    return [_tariff_out(t) for t in sorted(found, key=lambda t: t.service)]


@router.put(
    "/municipalities/{kommun}/tariffs/{year}", response_model=list[TariffOut], responses=problems(404)
)
def put_tariffs(
    kommun: Kommun,
    year: Year,
    body: TariffsIn,
    request: Request,
    db: DatabaseDep,
    key: Annotated[ApiKey, Depends(current_key)],
) -> list[TariffOut]:
    """Register the municipality's own tariffs for the year: an admin, or the municipality's own
    kommun key (each municipality decides its tariff). Another kommun's key gets 404."""
    if key.role == "kommun" and key.kommun != kommun:
        raise ProblemError(404, "not one of this key's municipalities")
    if key.role not in ("admin", "kommun"):
        raise ProblemError(403, f"a {key.role} key may not register tariffs")
    _party(kommun)
    given = {"hemtjanst": body.hemtjanst_sek_per_hour, "hemsjukvard": body.hemsjukvard_sek_per_hour}
    amounts = {service: Decimal(text) for service, text in given.items() if text is not None}
    checked, source = check_registered_tariff(kommun, year, amounts, body.decided, body.source)
    registered = register_tariff(db, kommun, year, checked, body.decided, source, _actor(key))
    request.state.resource_id = f"{kommun}/{year}"
    return [_tariff_out(t) for t in registered]

"""Option parsers shared by several commands; each turns bad text into a clear message."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer

from hos_avtal._types import Month
from hos_avtal.months import parse_month


def month_option(value: str | None) -> Month | None:
    if value is None:
        return None
    try:
        return parse_month(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def amount_option(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not an amount in kronor, e.g. 9300 or 9300.50") from None
    if not amount.is_finite() or amount <= 0:
        raise typer.BadParameter(f"{value!r} must be a positive amount in kronor")
    return amount

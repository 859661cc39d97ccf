"""Exact money: integer öre inside, decimal strings at the edges.

Rounding is half up (away from zero for the non-negative amounts billed here) and happens once,
per invoice line, where the SPEC says.

>>> sek_to_ore("9300")
930000
>>> format_sek(930000)
'9300.00'
>>> divide_round_half_up(1, 3)  # a third of one öre
0
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import polars as pl

from hos_avtal._types import Ore

_HUNDRED = Decimal(100)


def sek_to_ore(value: Decimal | str | int) -> Ore:
    """Convert kronor to öre exactly; more than two decimals is an error, never rounded away."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount in kronor") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount in kronor")
    ore = amount * _HUNDRED
    if ore != ore.to_integral_value():
        raise ValueError(f"{value!r} has fractions of an öre")
    return int(ore)


def ore_to_decimal(ore: Ore) -> Decimal:
    """Öre as a :class:`~decimal.Decimal` number of kronor with two decimals."""
    return (Decimal(ore) / _HUNDRED).quantize(Decimal("0.01"))


def format_sek(ore: Ore) -> str:
    """The contract's money format: a decimal string with two decimals, ``"9300.00"``."""
    sign = "-" if ore < 0 else ""
    whole, frac = divmod(abs(ore), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_sek_sv(ore: Ore) -> str:
    """Swedish display format for people: ``"9 300,00"`` (no-break space grouping)."""
    sign = "-" if ore < 0 else ""
    whole, frac = divmod(abs(ore), 100)
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{frac:02d}"


def divide_round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in exact integer arithmetic."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return (2 * numerator + denominator) // (2 * denominator)


def divide_round_half_up_expr(numerator: pl.Expr, denominator: pl.Expr | int) -> pl.Expr:
    """The vectorised twin of :func:`divide_round_half_up` for Int64 columns."""
    den = denominator if isinstance(denominator, pl.Expr) else pl.lit(denominator, pl.Int64)
    return (2 * numerator + den) // (2 * den)


def format_sek_expr(ore: pl.Expr) -> pl.Expr:
    """Vectorised :func:`format_sek`: an Int64 öre column as ``"1234.50"`` strings."""
    absolute = ore.abs()
    return pl.concat_str(
        pl.when(ore < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (absolute // 100).cast(pl.String),
        pl.lit("."),
        (absolute % 100).cast(pl.String).str.zfill(2),
    )

"""Typing one raw parameter value by its catalog kind; every failure is a ``ValueError`` with a
reason a person can act on.

Every check bounds the text before converting it: a value such as ``"1e10000000"`` is refused in
microseconds, never turned into a number of ten million digits (a hostile request once froze a
worker that way).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hos_avtal.rules._catalog import ParameterSpec

_DECIMAL = re.compile(r"-?[0-9]{1,10}(?:\.[0-9]{1,10})?")
_SHARE = re.compile(r"[0-9]{1,6}(?:/[0-9]{1,6}|\.[0-9]{1,8})?")


def check(spec: ParameterSpec, value: object) -> object:
    checker = _CHECKERS[spec.kind]
    return checker(spec, value)


def _range_reason(spec: ParameterSpec) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f"från {spec.minimum} till {spec.maximum}"
    if spec.minimum is not None:
        return f"{spec.minimum} eller mer"
    return f"högst {spec.maximum}"


def _in_range(spec: ParameterSpec, number: Decimal | int) -> bool:
    return (spec.minimum is None or number >= spec.minimum) and (
        spec.maximum is None or number <= spec.maximum
    )


def _decimal(spec: ParameterSpec, value: object) -> Decimal:
    if isinstance(value, float):  # TOML and JSON floats: what the user wrote, not the binary value
        value = Decimal(repr(value))
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError('ogiltigt värde: ett tal, t.ex. "3.0"')
    if isinstance(value, str) and not value.isascii():  # Decimal("３") is 3: only ASCII digits count
        raise ValueError("ogiltigt värde: skriv talet med siffrorna 0–9")
    text = format(value, "f") if isinstance(value, Decimal) and value.is_finite() else str(value).strip()
    places = spec.decimals if spec.decimals is not None else 10
    if not _DECIMAL.fullmatch(text) or len(text.partition(".")[2]) > places:
        raise ValueError(f'ogiltigt värde: ett decimaltal med högst {places} decimaler, t.ex. "3.0"')
    number = Decimal(text)
    if not _in_range(spec, number):
        raise ValueError(f"ogiltigt värde: måste vara {_range_reason(spec)}")
    return number


def _integer(spec: ParameterSpec, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("ogiltigt värde: ett heltal (inte text, inte ett decimaltal)")
    if not _in_range(spec, value):
        raise ValueError(f"ogiltigt värde: ett heltal {_range_reason(spec)}")
    return value


def _boolean(_spec: ParameterSpec, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("ogiltigt värde: true eller false")
    return value


def _money(spec: ParameterSpec, value: object) -> Decimal:
    from hos_avtal.money import sek_to_ore
    from hos_avtal.rules._plausibility import plausibility_limits

    example = '"9300"' if spec.bound == "daily_amount" else '"744"'
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"ogiltigt värde: ett belopp i kronor, t.ex. {example}")
    try:  # sek_to_ore bounds the text before converting it
        ore = sek_to_ore(repr(value) if isinstance(value, float) else value)
    except ValueError:
        raise ValueError(f"ogiltigt värde: ett belopp i kronor, t.ex. {example}") from None
    if spec.bound is not None:
        limits = plausibility_limits()
        if (
            spec.bound == "daily_amount"
            and not limits.daily_amount_min_ore <= ore <= limits.daily_amount_max_ore
        ):
            raise ValueError(limits.daily_amount_reason())
        if spec.bound == "tariff" and not limits.tariff_min_ore <= ore <= limits.tariff_max_ore:
            raise ValueError(f"ogiltigt värde: {limits.tariff_reason()}")
    elif not _in_range(spec, Decimal(ore) / 100):
        raise ValueError(f"ogiltigt värde: måste vara {_range_reason(spec)} kronor")
    return Decimal(ore) / 100


def parse_share(value: object) -> Fraction:
    """A share of the cost as an exact fraction: ``"1/3"`` (exact thirds) or ``"0.33"``.

    >>> parse_share("1/3"), parse_share("0.33")
    (Fraction(1, 3), Fraction(33, 100))
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('ogiltigt värde: skriv andelen som text, t.ex. "1/3" eller "0.33"')
    text = str(value).strip()
    # Before Fraction: "1e10000000" is a valid fraction whose integer takes seconds to build.
    if not _SHARE.fullmatch(text):
        raise ValueError('ogiltigt värde: inget bråk som "1/3" eller "0.33"')
    try:
        share = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError('ogiltigt värde: inget bråk som "1/3" eller "0.33"') from None
    if not 0 <= share <= 1:
        raise ValueError("ogiltigt värde: en andel ska vara mellan 0 och 1")
    return share


def _share(_spec: ParameterSpec, value: object) -> Fraction:
    return parse_share(value)


def _conditions(spec: ParameterSpec, value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"ogiltigt värde: en lista med villkor ur {list(spec.choices)}")
    unknown = sorted(set(value) - set(spec.choices))
    if unknown:
        raise ValueError(f"okända villkor {unknown}; kända: {sorted(spec.choices)}")
    return list(value)


_CHECKERS = {
    "decimal": _decimal,
    "integer": _integer,
    "boolean": _boolean,
    "money": _money,
    "share": _share,
    "conditions": _conditions,
}

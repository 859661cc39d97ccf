"""The placement cost-split parameters (SPEC §5; HoS-avtal Del C, psykisk funktionsnedsättning och
missbruk, §6.3): their types, and their values for one month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hos_avtal._types import Month
from hos_avtal.months import parse_month

PARAMETER_TYPES = ("schablon_region_share", "agreement_overdue_days")
REQUIRED = PARAMETER_TYPES


_SHARE = re.compile(r"[0-9]{1,6}(?:/[0-9]{1,6}|\.[0-9]{1,8})?")


def parse_share(value: object) -> Fraction:
    """A share of the cost as an exact fraction: ``"1/3"`` (exact thirds) or ``"0.33"``.

    >>> parse_share("1/3"), parse_share("0.33")
    (Fraction(1, 3), Fraction(33, 100))
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError('invalid value: write a share as text, e.g. "1/3" or "0.33"')
    text = str(value).strip()
    # Before Fraction: "1e10000000" is a valid fraction whose integer takes seconds to build.
    if not _SHARE.fullmatch(text):
        raise ValueError('invalid value: not a fraction like "1/3" or "0.33"')
    try:
        share = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError('invalid value: not a fraction like "1/3" or "0.33"') from None
    if not 0 <= share <= 1:
        raise ValueError("invalid value: a share must be between 0 and 1")
    return share


def check_value(name: str, value: object) -> object:
    """Validate one raw value from a file; raise ``ValueError`` with a reason."""
    if name == "schablon_region_share":
        return parse_share(value)
    if name == "agreement_overdue_days":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("invalid value: a whole number of days, 0 or more")
        return value
    raise ValueError(f"unknown parameter; known: {', '.join(PARAMETER_TYPES)}")


@dataclass(frozen=True, slots=True)
class PlacementParameters:
    """The placement parameters, resolved for one month of one rule set."""

    ruleset_id: str
    month: Month
    schablon_region_share: Fraction
    """The region's share under the schablon (exact thirds by default; a scenario may try 0.33)."""
    agreement_overdue_days: int
    """An acute placement still without a cost agreement this many days after its start is overdue."""


def resolve_placements(ruleset: Any, month: Month | str) -> PlacementParameters:
    if isinstance(month, str):
        month = parse_month(month)
    share = parse_share(ruleset.require("placements", "schablon_region_share", month).value)
    days = check_value(
        "agreement_overdue_days", ruleset.require("placements", "agreement_overdue_days", month).value
    )
    assert isinstance(days, int)
    return PlacementParameters(ruleset.id, month, share, days)

"""The placement cost-split parameters (docs/rules.md §5; HoS-avtal Del C, psykisk funktionsnedsättning och
missbruk, §6.3): their types, and their values for one month."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hos_avtal._types import Month
from hos_avtal.months import parse_month
from hos_avtal.rules._catalog import parameter_catalog
from hos_avtal.rules._checks import parse_share


def check_value(name: str, value: object) -> object:
    """Validate one raw placement value (the catalog's type); ``ValueError`` with a reason."""
    return parameter_catalog().check("placements", name, value)


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

"""What a scenario starts from: the base rule set's values in one month.

A negotiator's what-if begins at the agreement as it is, so the web page prefills its fields
from these. Where the rules ship no value (no fastställt belopp for the year, no VästKom tariff,
an agreement that splits no placements) the value is ``None``: a field left for the user, never
a guess.

>>> from hos_avtal.scenarios._base import base_values
>>> base = base_values("2022-03")
>>> base.ruleset_id, base.daily_amount_ore, base.individual_after_days, base.tariffs_ore["hemsjukvard"]
('vgr-2018', 930000, 7, 74400)
>>> base_values("2024-03").daily_amount_ore is None  # no verified amount for 2024 ships
True
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hos_avtal._types import Month, Ore, RuleSetRef
from hos_avtal.errors import MissingParameterError
from hos_avtal.months import parse_month
from hos_avtal.rules import select_ruleset
from hos_avtal.rules._betalningsansvar import daily_amount, rule_values
from hos_avtal.rules._home_care import SERVICES, recommended_tariff
from hos_avtal.rules._placements import PlacementParameters


@dataclass(frozen=True)
class BaseValues:
    """The base's parameters in force in ``month``; ``None`` where nothing ships."""

    ruleset_id: str
    month: Month
    daily_amount_ore: Ore | None
    daily_amount_source: str | None
    average_threshold_days: Decimal
    individual_after_days: int
    free_days: int
    separate_care_type_averages: bool
    placements: PlacementParameters | None
    """``None`` for an agreement from before placements were split by rule."""
    tariffs_ore: dict[str, Ore | None]
    """Öre per hour for each home-care service: the base's own, else VästKom's for the year."""


def base_values(
    month: Month | str, base: RuleSetRef | Path | None = None, daily_amount_sek: Decimal | None = None
) -> BaseValues:
    """The values of ``base`` (default: the VGR agreement in force) in ``month``.

    ``daily_amount_sek`` is the user's figure for a year none ships for; a bad one is an error,
    as in a calculation.
    """
    chosen = parse_month(month) if isinstance(month, str) else month.replace(day=1)
    rules = select_ruleset(chosen, base)
    values = rule_values(rules, chosen)
    try:
        amount: Ore | None
        amount, source = daily_amount(rules, chosen, daily_amount_sek)
    except MissingParameterError:
        if daily_amount_sek is not None:  # the user's own figure was refused: say so
            raise
        amount, source = None, None
    try:
        placements: PlacementParameters | None = rules.placements(chosen)
    except MissingParameterError:
        placements = None
    return BaseValues(
        ruleset_id=rules.id,
        month=chosen,
        daily_amount_ore=amount,
        daily_amount_source=source,
        average_threshold_days=values["average_threshold_days"],
        individual_after_days=values["individual_after_days"],
        free_days=values["free_days"],
        separate_care_type_averages=values["separate_care_type_averages"],
        placements=placements,
        tariffs_ore={service: _tariff(service, chosen.year, rules) for service in SERVICES},
    )


def _tariff(service: str, year: int, rules: object) -> Ore | None:
    try:
        return recommended_tariff(service, year, rules)[0]
    except MissingParameterError:
        return None

"""Plausibility limits: what separates a typing slip from a possible value (``data/plausibility.toml``).

A value outside a limit is an input error naming its file, row and column (a year 1900, a daily
amount of 9.30 kr). One limit marks a value that is possible but rare, a very long wait: it is
refused unless the user acknowledges it (``--accept long-wait``, or ``"accept": ["long_wait"]``
in a request), and a billing run records what was acknowledged and shows it on its
fakturaunderlag. The limits are data like the rule sets, each value with its period and source,
and the same for every agreement.

>>> limits = plausibility_limits(dt.date(2026, 12, 2))
>>> limits.earliest_date, limits.max_wait_days, limits.daily_amount_min_ore
(datetime.date(2000, 1, 1), 365, 100000)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from hos_avtal import months
from hos_avtal._types import Ore
from hos_avtal.money import sek_to_ore

Acknowledgement = Literal["long_wait"]
ACKNOWLEDGEMENTS: tuple[Acknowledgement, ...] = ("long_wait",)
"""What a user may acknowledge: a value that is possible, but rare enough to be a mistake."""


def check_value(name: str, value: object) -> object:
    """Validate one raw value of the limits file (the catalog's type); ``ValueError`` with a reason."""
    from hos_avtal.rules._catalog import parameter_catalog

    return parameter_catalog().check("plausibility", name, value)


@dataclass(frozen=True, slots=True)
class Limits:
    """The plausibility limits in force on ``today``."""

    today: dt.date
    """No event (a discharge, a visit, a decision) can be later than this."""
    earliest_year: int
    max_wait_days: int
    daily_amount_min_ore: Ore
    daily_amount_max_ore: Ore
    tariff_min_ore: Ore
    """Per hour."""
    tariff_max_ore: Ore
    visit_max_minutes: int
    cost_max_ore: Ore
    """Per placement and month."""

    @property
    def earliest_date(self) -> dt.date:
        return dt.date(self.earliest_year, 1, 1)

    def daily_amount_reason(self) -> str:
        """Why a fastställt belopp outside the limits is refused."""
        return _outside(
            "ett fastställt belopp", self.daily_amount_min_ore, self.daily_amount_max_ore, "per vårddygn"
        )

    def tariff_reason(self) -> str:
        """Why a tariff outside the limits is refused."""
        return _outside("en taxa", self.tariff_min_ore, self.tariff_max_ore, "per timme")


def _outside(what: str, low: Ore, high: Ore, unit: str) -> str:
    from hos_avtal.money import format_sek_sv

    return (
        f"utanför det rimliga intervallet för {what}, {format_sek_sv(low)}–{format_sek_sv(high)} kr {unit} "
        "(rimlighetsgränserna); är det en felskrivning?"
    )


_NAMES = (
    "earliest_year", "max_wait_days", "visit_max_minutes", "daily_amount_min_sek", "daily_amount_max_sek",
    "tariff_min_sek_per_hour", "tariff_max_sek_per_hour", "cost_max_sek_per_month",
)  # fmt: skip
"""The limits :class:`Limits` holds (the catalog has their types)."""


def plausibility_limits(today: dt.date | None = None) -> Limits:
    """The limits in force on ``today`` (default: :func:`hos_avtal.months.today`)."""
    return _limits(today or months.today())


@cache
def _limits(today: dt.date) -> Limits:
    from hos_avtal.rules._loader import shipped_limits

    ruleset = shipped_limits()
    values: dict[str, Any] = {
        name: check_value(name, ruleset.require("plausibility", name, today).value) for name in _NAMES
    }
    return Limits(
        today=today,
        earliest_year=values["earliest_year"],
        max_wait_days=values["max_wait_days"],
        daily_amount_min_ore=sek_to_ore(values["daily_amount_min_sek"]),
        daily_amount_max_ore=sek_to_ore(values["daily_amount_max_sek"]),
        tariff_min_ore=sek_to_ore(values["tariff_min_sek_per_hour"]),
        tariff_max_ore=sek_to_ore(values["tariff_max_sek_per_hour"]),
        visit_max_minutes=values["visit_max_minutes"],
        cost_max_ore=sek_to_ore(values["cost_max_sek_per_month"]),
    )

"""What a scenario starts from: the base rule set's value of every parameter a scenario can
change (the catalog's sweepable ones), in one month.

A negotiator's what-if begins at the agreement as it is, so the web page prefills its controls
from these. Where the rules have no value (no fastställt belopp for the year, no tariff, an
agreement that splits no placements) the value is ``None``: a field left for the user, never a
guess.

>>> from hos_avtal.scenarios._base import base_values
>>> base = base_values("2022-03")
>>> base.ruleset_id, base.daily_amount_ore, base.value("individual_after_days")
('vgr-2018', 930000, 7)
>>> base.value("hemsjukvard_sek_per_hour")
Decimal('744')
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
from hos_avtal.rules import (
    SERVICES,
    ParameterSpec,
    RawValue,
    RuleSet,
    daily_amount,
    parameter_catalog,
    recommended_tariff,
    select_ruleset,
)


@dataclass(frozen=True)
class BaseValue:
    """One parameter's value in the base (typed as the catalog types it), and its source."""

    spec: ParameterSpec
    value: RawValue | None
    source: str | None


@dataclass(frozen=True)
class BaseValues:
    """The base's parameters in force in ``month``; ``None`` values where nothing ships."""

    ruleset_id: str
    month: Month
    daily_amount_ore: Ore | None
    daily_amount_source: str | None
    values: tuple[BaseValue, ...]

    def value(self, name: str) -> RawValue | None:
        return next((v.value for v in self.values if v.spec.name == name), None)


def base_values(
    month: Month | str, base: RuleSetRef | Path | None = None, daily_amount_sek: Decimal | None = None
) -> BaseValues:
    """The values of ``base`` (default: the VGR agreement in force) in ``month``.

    ``daily_amount_sek`` is the user's figure for a year none ships for; a bad one is an error,
    as in a calculation.
    """
    chosen = parse_month(month) if isinstance(month, str) else month.replace(day=1)
    rules = select_ruleset(chosen, base)
    try:
        amount: Ore | None
        amount, source, _origin = daily_amount(rules, chosen, daily_amount_sek)
    except MissingParameterError:
        if daily_amount_sek is not None:  # the user's own figure was refused: say so
            raise
        amount, source = None, None
    values = []
    for spec in parameter_catalog().sweepable():
        if spec.key == "betalningsansvar.daily_amount_sek":
            values.append(BaseValue(spec, None if amount is None else Decimal(amount) / 100, source))
        else:
            values.append(_value(spec, rules, chosen))
    return BaseValues(rules.id, chosen, amount, source, tuple(values))


def _value(spec: ParameterSpec, rules: RuleSet, month: Month) -> BaseValue:
    """The rule set's value, else (home care) VästKom's recommendation for the month's year,
    else (a parameter the catalog makes optional) its default."""
    if spec.capability == "home_care" and spec.name.removesuffix("_sek_per_hour") in SERVICES:
        try:  # the rule set's own tariff, else VästKom's, as home care itself resolves it
            ore, source = recommended_tariff(spec.name.removesuffix("_sek_per_hour"), month.year, rules)
        except MissingParameterError:
            return BaseValue(spec, None, None)
        return BaseValue(spec, Decimal(ore) / 100, source)
    parameter = getattr(rules, f"{spec.capability}_parameters").get(spec.name)
    found = parameter.value_at(month) if parameter else None
    if found is None:
        return BaseValue(spec, spec.default, None)
    # A share stays the rule set's exact text ("1/3"); everything else its typed value.
    typed = str(found.value) if spec.kind == "share" else spec.check(found.value)
    return BaseValue(spec, typed, found.source)  # type: ignore[arg-type]

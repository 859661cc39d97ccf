"""The betalningsansvar parameters: their types, and their values for one month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from hos_avtal._types import Month, Ore
from hos_avtal.errors import MissingParameterError, RuleSetError
from hos_avtal.money import sek_to_ore
from hos_avtal.months import format_month, parse_month

CONDITIONS: dict[str, str] = {
    "admission_notice": "no_admission_notice",
    "ready_notice": "no_ready_notice",
    "sip_invited": "sip_not_invited",
    "outpatient_plan": "no_outpatient_plan",
    "outpatient_available": "outpatient_unavailable",
}
"""Each villkor / förutsättning an episode must meet, and the reason code when it does not.

``sip_invited`` is met when no SIP is needed or öppenvården invited to it.
"""

# The upper bounds only catch typing slips (a threshold of 30 instead of 3.0 is a real question,
# 3000 is not): nothing in the agreement or the statute comes near them.
_MAX_DAYS = 365
# max_digits and decimal_places bound the exact fractions the engine builds from a value (3.25 is
# 325/100): a threshold of 1e-1000000 is in range, but its denominator would be a million digits.
_Days = Annotated[Decimal, Field(ge=0, le=_MAX_DAYS, allow_inf_nan=False, max_digits=10, decimal_places=4)]
_DailyAmount = Annotated[
    Decimal, Field(gt=0, le=1_000_000, allow_inf_nan=False, max_digits=12, decimal_places=2)
]
_DayCount = Annotated[int, Field(ge=0, le=_MAX_DAYS, strict=True)]

PARAMETER_TYPES: dict[str, TypeAdapter[Any]] = {
    "daily_amount_sek": TypeAdapter(_DailyAmount),
    "average_threshold_days": TypeAdapter(_Days),
    "individual_after_days": TypeAdapter(_DayCount),
    "free_days": TypeAdapter(_DayCount),
    "separate_care_type_averages": TypeAdapter(Annotated[bool, Field(strict=True)]),
    "accrue_while_admitted": TypeAdapter(Annotated[bool, Field(strict=True)]),
    "recurring_liability_months": TypeAdapter(Annotated[int, Field(ge=1, le=120, strict=True)]),
    "conditions": TypeAdapter(list[str]),
}
"""The parameters a rule set may set for betalningsansvar, and the type of their values."""

REQUIRED = tuple(name for name in PARAMETER_TYPES if name != "daily_amount_sek")


def check_value(name: str, value: object) -> object:
    """Validate one raw value from a file; raise ``ValueError`` with a reason."""
    adapter = PARAMETER_TYPES.get(name)
    if adapter is None:
        raise ValueError(f"unknown parameter; known: {', '.join(sorted(PARAMETER_TYPES))}")
    if isinstance(value, float):  # TOML floats: keep what the user wrote, not the binary value
        value = Decimal(repr(value))
    if isinstance(value, str) and not value.isascii():  # Decimal("３") is 3: only ASCII digits count
        raise ValueError("invalid value: write the number with the digits 0–9")
    try:
        typed = adapter.validate_python(value)
    except Exception as exc:
        errors = getattr(exc, "errors", None)
        reason = errors()[0]["msg"] if callable(errors) else str(exc)
        raise ValueError(f"invalid value: {reason}") from None
    if name == "conditions":
        unknown = sorted(set(typed) - set(CONDITIONS))
        if unknown:
            raise ValueError(f"unknown condition(s) {unknown}; known: {sorted(CONDITIONS)}")
    if name == "daily_amount_sek":
        _plausible_daily_amount(sek_to_ore(typed))
    return typed


def _plausible_daily_amount(ore: Ore) -> None:
    from hos_avtal.rules._plausibility import plausibility_limits

    limits = plausibility_limits()
    if not limits.daily_amount_min_ore <= ore <= limits.daily_amount_max_ore:
        raise ValueError(limits.daily_amount_reason())


@dataclass(frozen=True, slots=True)
class BetalningsansvarParameters:
    """Every betalningsansvar parameter, resolved for one month of one rule set."""

    ruleset_id: str
    month: Month
    daily_amount_ore: Ore
    daily_amount_source: str
    average_threshold_days: Decimal
    individual_after_days: int
    free_days: int
    separate_care_type_averages: bool
    accrue_while_admitted: bool
    recurring_liability_months: int
    conditions: tuple[str, ...]

    @property
    def threshold_fraction(self) -> tuple[int, int]:
        """The threshold as an exact fraction ``(numerator, denominator)``: 3.0 → (30, 10)."""
        _sign, digits, exponent = self.average_threshold_days.as_tuple()
        assert isinstance(exponent, int)
        numerator = int("".join(map(str, digits)) or "0")
        if exponent >= 0:
            return numerator * 10**exponent, 1
        return numerator, 10**-exponent


def resolve_betalningsansvar(
    ruleset: Any, month: Month | str, daily_amount_sek: Decimal | None
) -> BetalningsansvarParameters:
    """Resolve the parameters of ``ruleset`` (a RuleSet) in force on the month's first day."""
    if isinstance(month, str):
        month = parse_month(month)
    typed = rule_values(ruleset, month)
    amount_ore, source = daily_amount(ruleset, month, daily_amount_sek)
    return BetalningsansvarParameters(
        ruleset_id=ruleset.id,
        month=month,
        daily_amount_ore=amount_ore,
        daily_amount_source=source,
        conditions=tuple(typed.pop("conditions")),
        **typed,
    )


def rule_values(ruleset: Any, month: Month) -> dict[str, Any]:
    """Every parameter but the fastställt belopp, typed: what the agreement itself decides."""
    return {
        name: check_value(name, ruleset.require("betalningsansvar", name, month).value) for name in REQUIRED
    }


def daily_amount_decimal(given: Decimal | str | int | None) -> Decimal | None:
    """A daily amount as a caller gives it (kronor: a Decimal, an int or text such as ``"9300.00"``),
    as an exact Decimal; bounded before it is converted, so no text can overflow or trap."""
    if given is None:
        return None
    try:
        return Decimal(sek_to_ore(given if isinstance(given, Decimal) else str(given))) / 100
    except ValueError as exc:
        raise MissingParameterError(f"the daily amount given: {exc}") from None


def daily_amount(ruleset: Any, month: Month, given_sek: Decimal | None) -> tuple[Ore, str]:
    """The fastställt belopp in öre and its source: ``given_sek``, else the rule set's value for
    the month's year, else the nationally set one; a year with none is a
    :class:`~hos_avtal.errors.MissingParameterError` that says how to supply it."""
    from hos_avtal.rules._loader import national_parameters

    if given_sek is None:
        return _daily_amount(ruleset, month, national_parameters())
    try:
        amount_ore = sek_to_ore(check_value("daily_amount_sek", given_sek))  # type: ignore[arg-type]
    except ValueError as exc:
        raise MissingParameterError(f"the daily amount given: {exc}") from None
    return amount_ore, "given by the user (--daily-amount / daily_amount_sek)"


def _daily_amount(ruleset: Any, month: Month, national: Any) -> tuple[Ore, str]:
    for candidate in (ruleset, national):
        parameter = candidate.betalningsansvar_parameters.get("daily_amount_sek")
        value = parameter.value_at(month) if parameter else None
        if value is not None:
            return sek_to_ore(check_value("daily_amount_sek", value.value)), value.source  # type: ignore[arg-type]
    known = sorted(
        {v.valid_from.year for v in national.betalningsansvar_parameters["daily_amount_sek"].values}
    )
    raise MissingParameterError(
        f"No fastställt belopp (daily amount per vårddygn) for {month.year} is known to "
        f"hos_avtal: only verified amounts ship (years {', '.join(map(str, known))}), and none is "
        f"ever guessed. Billing month {format_month(month)} needs the {month.year} amount "
        f"published by Socialstyrelsen. Supply it with --daily-amount SEK on the command line, "
        f"the field daily_amount_sek in an API request, or a [betalningsansvar.daily_amount_sek] "
        f"value from {month.year}-01-01 in your own rule-set file (--ruleset FILE)."
    )


def first_day(value: dt.date) -> dt.date:
    return value.replace(day=1)


def validate_ruleset_parameters(ruleset: Any, source: str) -> None:
    """Check the type of every value of every capability; name the key of the first bad one."""
    from hos_avtal.rules import _home_care, _placements, _plausibility

    if ruleset.plausibility_parameters and ruleset.kind != "limits":
        raise RuleSetError(
            source,
            "plausibility limits are the same for every agreement and cannot be set in a rule set",
            key="plausibility",
        )
    checkers = {
        "betalningsansvar": (check_value, REQUIRED),
        "placements": (_placements.check_value, _placements.REQUIRED),
        "home_care": (_home_care.check_value, ()),
        "plausibility": (_plausibility.check_value, _plausibility.REQUIRED),
    }
    for capability, (check, required) in checkers.items():
        parameters = getattr(ruleset, f"{capability}_parameters")
        for name, parameter in parameters.items():
            for index, value in enumerate(parameter.values):
                try:
                    check(name, value.value)
                except ValueError as exc:
                    key = (
                        f"{capability}.{name}"
                        if "unknown parameter" in str(exc)
                        else f"{capability}.{name}.values[{index}].value"
                    )
                    raise RuleSetError(source, str(exc), key=key) from None
        # A rule set that speaks of a capability must say everything it needs.
        speaks = parameters or capability == "betalningsansvar"
        if (ruleset.kind in ("agreement", "statute") and speaks and capability != "plausibility") or (
            ruleset.kind == "limits" and capability == "plausibility"
        ):
            missing = [name for name in required if name not in parameters]
            if missing:
                raise RuleSetError(source, f"missing parameter(s): {', '.join(missing)}", key=capability)

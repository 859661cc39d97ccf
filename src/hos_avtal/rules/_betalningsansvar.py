"""The betalningsansvar parameters: their types, and their values for one month."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Literal

from hos_avtal._types import Month, Ore
from hos_avtal.errors import MissingParameterError, RuleSetError
from hos_avtal.money import sek_to_ore
from hos_avtal.months import format_month, parse_month
from hos_avtal.rules._catalog import CAPABILITIES, parameter_catalog

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

AmountOrigin = Literal["shipped", "registered", "given", "ruleset"]

CAPABILITY = "betalningsansvar"


def check_value(name: str, value: object) -> object:
    """Validate one raw betalningsansvar value (the catalog's type); ``ValueError`` with a reason."""
    return parameter_catalog().check(CAPABILITY, name, value)


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
    pooled_average: bool = True
    care_type_values: tuple[tuple[str, str, Any], ...] = ()
    """``(care type, parameter, value)`` where a care type's own value differs from the one above
    (which is then the other care type's): see :meth:`for_care_type`."""
    """False: no pooled average (the statute): every covered episode is individual, and one no
    longer than ``free_days`` has 0 billable days."""
    daily_amount_origin: AmountOrigin = "shipped"
    """Where the fastställt belopp came from: ``shipped`` with hos_avtal, ``registered`` in the
    deployment (``hos-avtal amounts set``), ``given`` on the call, or the ``ruleset``'s own."""

    def for_care_type(self, care_type: str) -> BetalningsansvarParameters:
        """The parameters an episode of ``care_type`` is classified by.

        >>> import dataclasses, datetime as dt
        >>> from hos_avtal.rules import load_ruleset
        >>> p = load_ruleset("vgr-2018").betalningsansvar("2022-03")
        >>> split = dataclasses.replace(p, care_type_values=(("psykiatri", "individual_after_days", 6),))
        >>> [split.for_care_type(c).individual_after_days for c in ("psykiatri", "somatik")]
        [6, 7]
        """
        own = {name: value for kind, name, value in self.care_type_values if kind == care_type}
        return dataclasses.replace(self, care_type_values=(), **own) if own or self.care_type_values else self

    def with_values(self, **values: Any) -> BetalningsansvarParameters:
        """These parameters with ``values`` for both care types (a scenario's or a sweep's)."""
        kept = tuple(entry for entry in self.care_type_values if entry[1] not in values)
        return dataclasses.replace(self, care_type_values=kept, **values)

    @property
    def daily_amount_sek(self) -> Decimal:
        """The fastställt belopp in kronor, exactly."""
        return Decimal(self.daily_amount_ore) / 100

    @property
    def switch_days(self) -> int:
        """Episodes with more days than this are individual: ``individual_after_days``, or −1
        (every covered episode) without a pooled average."""
        return self.individual_after_days if self.pooled_average else -1

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
    typed["care_type_values"] = care_type_values(ruleset, month, typed)
    amount_ore, source, origin = daily_amount(ruleset, month, daily_amount_sek)
    return BetalningsansvarParameters(
        ruleset_id=ruleset.id,
        month=month,
        daily_amount_ore=amount_ore,
        daily_amount_source=source,
        daily_amount_origin=origin,
        conditions=tuple(typed.pop("conditions")),
        **typed,
    )


_ENGINE_FIELDS = frozenset(f.name for f in fields(BetalningsansvarParameters))
"""The parameters the engine reads; a catalog entry it does not know is validated, not used."""


def rule_values(ruleset: Any, month: Month) -> dict[str, Any]:
    """Every parameter the engine reads but the fastställt belopp, typed: what the agreement
    itself decides. An optional parameter the rule set does not give takes the catalog's default."""
    values: dict[str, Any] = {}
    for spec in parameter_catalog().of(CAPABILITY):
        if spec.name not in _ENGINE_FIELDS or spec.name == "daily_amount_sek":
            continue
        parameter = ruleset.betalningsansvar_parameters.get(spec.name)
        if parameter is None and not spec.required:
            values[spec.name] = spec.default
            continue
        values[spec.name] = spec.check(ruleset.require(CAPABILITY, spec.name, month).value)
    return values


def care_type_values(ruleset: Any, month: Month, general: dict[str, Any]) -> tuple[tuple[str, str, Any], ...]:
    """Each care type's own value of a parameter, where it differs from ``general``'s."""
    from hos_avtal.rules._model import CARE_TYPES

    found = []
    for spec in parameter_catalog().of(CAPABILITY):
        parameter = ruleset.betalningsansvar_parameters.get(spec.name)
        if (
            not spec.per_care_type
            or spec.name not in general
            or parameter is None
            or not parameter.by_care_type
        ):
            continue
        for care_type in CARE_TYPES:
            own = parameter.value_at(month, care_type)
            value = spec.check(own.value) if own is not None else general[spec.name]
            if value != general[spec.name]:
                found.append((care_type, spec.name, value))
    return tuple(found)


def daily_amount_decimal(given: Decimal | str | int | None) -> Decimal | None:
    """A daily amount as a caller gives it (kronor: a Decimal, an int or text such as ``"9300.00"``),
    as an exact Decimal; bounded before it is converted, so no text can overflow or trap."""
    if given is None:
        return None
    try:
        return Decimal(sek_to_ore(given if isinstance(given, Decimal) else str(given))) / 100
    except ValueError as exc:
        raise MissingParameterError(f"det angivna fastställda beloppet: {exc}") from None


def daily_amount(ruleset: Any, month: Month, given_sek: Decimal | None) -> tuple[Ore, str, AmountOrigin]:
    """The fastställt belopp in öre, its source and its origin: ``given_sek``, else the rule
    set's own value for the month's year (a scenario's), else the amount registered in the
    deployment, else the shipped national one; a year with none is a
    :class:`~hos_avtal.errors.MissingParameterError` that says how to supply it."""
    from hos_avtal.rules._loader import national_parameters
    from hos_avtal.rules._registry import active_registry

    if given_sek is not None:
        try:
            amount_ore = sek_to_ore(check_value("daily_amount_sek", given_sek))  # type: ignore[arg-type]
        except ValueError as exc:
            raise MissingParameterError(f"det angivna fastställda beloppet: {exc}") from None
        return amount_ore, "given by the user (--daily-amount / daily_amount_sek)", "given"
    own = _value(ruleset, month)
    if own is not None:
        return own[0], own[1], "ruleset"
    registered = active_registry().daily_amounts.get(month.year)
    if registered is not None:
        at = registered.registered_at.date().isoformat()
        source = f"{registered.source} (registered by {registered.registered_by}, {at})"
        return registered.amount_ore, source, "registered"
    national = national_parameters()
    shipped = _value(national, month)
    if shipped is not None:
        return shipped[0], shipped[1], "shipped"
    known = sorted(
        {v.valid_from.year for v in national.betalningsansvar_parameters["daily_amount_sek"].values}
        | set(active_registry().daily_amounts)
    )
    raise MissingParameterError(
        f"hos_avtal känner inte till något fastställt belopp per vårddygn för {month.year}: bara "
        f"verifierade belopp medföljer eller registreras (år {', '.join(map(str, known))}), och "
        f"inget belopp gissas någonsin. Faktureringsmånaden {format_month(month)} kräver beloppet "
        f"för {month.year} som Socialstyrelsen publicerar. Registrera det en gång med 'hos-avtal "
        f"amounts set {month.year} SEK --source TEXT' (eller PUT /v1/daily-amounts/{month.year}), "
        f"eller ange det i just detta anrop med --daily-amount SEK eller fältet daily_amount_sek i "
        f"ett API-anrop."
    )


def _value(ruleset: Any, month: Month) -> tuple[Ore, str] | None:
    parameter = ruleset.betalningsansvar_parameters.get("daily_amount_sek")
    value = parameter.value_at(month) if parameter else None
    if value is None:
        return None
    return sek_to_ore(check_value("daily_amount_sek", value.value)), value.source  # type: ignore[arg-type]


def first_day(value: dt.date) -> dt.date:
    return value.replace(day=1)


def validate_ruleset_parameters(ruleset: Any, source: str) -> None:
    """Check the type of every value of every capability against the parameter catalog; name the
    key of the first bad one."""
    if ruleset.plausibility_parameters and ruleset.kind != "limits":
        raise RuleSetError(
            source,
            "rimlighetsgränserna är desamma för alla avtal och kan inte anges i ett regelverk",
            key="plausibility",
        )
    catalog = parameter_catalog()
    for capability in CAPABILITIES:
        parameters = getattr(ruleset, f"{capability}_parameters")
        for name, parameter in parameters.items():
            spec = catalog.get(capability, name)
            for index, value in enumerate(parameter.values):
                if value.care_type is not None and spec is not None and not spec.per_care_type:
                    raise RuleSetError(
                        source,
                        "samma för båda vårdtyperna (se parameterkatalogen): ingen care_type här",
                        key=f"{capability}.{name}.values[{index}].care_type",
                    )
                try:
                    catalog.check(capability, name, value.value)
                except ValueError as exc:
                    key = (
                        f"{capability}.{name}"
                        if "okänd parameter" in str(exc)
                        else f"{capability}.{name}.values[{index}].value"
                    )
                    raise RuleSetError(source, str(exc), key=key) from None
        # A rule set that speaks of a capability must say everything it needs.
        speaks = parameters or capability == "betalningsansvar"
        if (ruleset.kind in ("agreement", "statute") and speaks and capability != "plausibility") or (
            ruleset.kind == "limits" and capability == "plausibility"
        ):
            missing = [name for name in catalog.required(capability) if name not in parameters]
            if missing:
                raise RuleSetError(source, f"parametrar saknas: {', '.join(missing)}", key=capability)

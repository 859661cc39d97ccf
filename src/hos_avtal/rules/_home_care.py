"""Hemtjänst and hemsjukvård tariffs in another municipality (docs/rules.md §2 and §6).

The tariffs are VästKom's recommendations (``data/vastkom.toml``), per calendar year and service;
a rule set may carry its own (a scenario), and a municipality's own decision ("för egen del
besluta") overrides both — that last layer is the home-care module's tariff file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hos_avtal._types import Ore
from hos_avtal.errors import MissingParameterError
from hos_avtal.money import sek_to_ore

SERVICES = ("hemtjanst", "hemsjukvard")


def check_value(name: str, value: object) -> object:
    """Validate one raw home-care value (the catalog's type); ``ValueError`` with a reason."""
    from hos_avtal.rules._catalog import parameter_catalog

    return parameter_catalog().check("home_care", name, value)


def recommended_tariff(service: str, year: int, ruleset: Any | None = None) -> tuple[Ore, str]:
    """The tariff in öre per hour for ``service`` in ``year``, and its source.

    The named rule set's own value first (a scenario), then VästKom's recommendation. A year
    with neither is an error that names the service and the year; a tariff is never guessed.
    """
    import datetime as dt

    from hos_avtal.rules._loader import vastkom_recommendations

    if service not in SERVICES:
        raise ValueError(f"okänd insats {service!r}; kända: {', '.join(SERVICES)}")
    name = f"{service}_sek_per_hour"
    day = dt.date(year, 1, 1)
    for candidate in (ruleset, vastkom_recommendations()):
        if candidate is None:
            continue
        parameter = candidate.home_care_parameters.get(name)
        value = parameter.value_at(day) if parameter else None
        if value is not None:
            amount = check_value(name, value.value)
            assert isinstance(amount, Decimal)
            return sek_to_ore(amount), value.source
    known = vastkom_recommendations().home_care_parameters[name].values
    years = ", ".join(str(v.valid_from.year) for v in known)
    raise MissingParameterError(
        f"ingen taxa för {service} {year}: VästKom har rekommenderat taxor bara för åren {years}; "
        f"hos_avtal gissar aldrig en taxa. Ange kommunens egen taxa för {year} i en taxefil "
        f"(--tariffs FILE med kolumnerna kommun, year, service, sek_per_hour)."
    )

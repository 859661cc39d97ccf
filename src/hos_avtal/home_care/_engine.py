"""The vectorised home-care engine: visits → tariffs → invoice lines → positions and payments.

The visits are read once, by one polars group-by into (month, host, home, service) groups; the
rest works on those groups. The only Python loops run over the distinct (host, year, service)
tariffs and over the at most 49 positions of a month, never over visits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import polars as pl

from hos_avtal._types import Month
from hos_avtal.errors import MissingParameterError
from hos_avtal.home_care._netting import settle
from hos_avtal.money import divide_round_half_up_expr, sek_to_ore
from hos_avtal.municipalities import lookup
from hos_avtal.rules import RuleSet, active_registry, recommended_tariff
from hos_avtal.rules import check_home_care_value as check_value

LINE_KEYS = ("month", "host", "home", "service")

TARIFF_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "host": pl.String(),
    "year": pl.Int64(),
    "service": pl.String(),
    "tariff_ore": pl.Int64(),
    "source": pl.String(),
}

PAYMENT_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "payer": pl.String(),
    "payee": pl.String(),
    "amount_ore": pl.Int64(),
}


def group_visits(visits: pl.LazyFrame, months: list[Month] | None) -> pl.DataFrame:
    """The one pass over the visits: visits and minutes per (month, host, home, service).

    Everything after works on these groups (at most months × 49 hosts × 290 homes × 2 services
    rows), whatever the number of visits. ``year`` is the month's calendar year, the tariff's key.
    """
    framed = visits.select(
        pl.col("date").dt.month_start().alias("month"),
        pl.col("host_kommun").alias("host"),
        pl.col("home_kommun").alias("home"),
        "service",
        "minutes",
    )
    if months is not None:
        framed = framed.filter(pl.col("month").is_in(months))
    return (
        framed.group_by(*LINE_KEYS)
        .agg(pl.len().cast(pl.Int64).alias("visits"), pl.col("minutes").sum().alias("minutes"))
        .with_columns(pl.col("month").dt.year().cast(pl.Int64).alias("year"))
        .collect()
    )


def split_outside(groups: pl.DataFrame, party_codes: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Groups whose hemkommun is a party (invoiced) and those whose is not (only reported)."""
    inside = pl.col("home").is_in(party_codes)
    return groups.filter(inside), groups.filter(~inside)


def resolve_tariffs(needed: pl.DataFrame, own: pl.DataFrame | None, ruleset: RuleSet | None) -> pl.DataFrame:
    """The tariff of every needed (host, year, service), in öre per hour, with its source.

    The host's own tariff first (the municipality that performs the care decides its level): a
    tariff file's row, else the tariff registered in the deployment (``hos-avtal tariffs set``);
    then the rule set's value (a scenario), then VästKom's recommendation. Every combination
    without any is collected into one :class:`MissingParameterError`, so a user fixes the tariff
    file once rather than once per error.
    """
    own = _with_registered(own)
    if own is not None:
        found = needed.join(own.rename({"kommun": "host"}), on=["host", "year", "service"], how="left")
    else:
        found = needed.with_columns(
            pl.lit(None, pl.Int64).alias("tariff_ore"), pl.lit(None, pl.String).alias("source")
        )
    rows: list[dict[str, object]] = []
    missing: dict[tuple[int, str], list[str]] = defaultdict(list)
    fallback: dict[tuple[int, str], tuple[int, str] | None] = {}
    for host, year, service, tariff_ore, source in found.select(
        "host", "year", "service", "tariff_ore", "source"
    ).iter_rows():
        if tariff_ore is None:
            key = (year, service)
            if key not in fallback:
                fallback[key] = _shared_tariff(service, year, ruleset)
            shared = fallback[key]
            if shared is None:
                missing[key].append(host)
                continue
            tariff_ore, source = shared
        rows.append(
            {"host": host, "year": year, "service": service, "tariff_ore": tariff_ore, "source": source}
        )
    if missing:
        raise MissingParameterError(_missing_message(missing, ruleset))
    return pl.DataFrame(rows, schema=TARIFF_FRAME_SCHEMA)


def _with_registered(own: pl.DataFrame | None) -> pl.DataFrame | None:
    """The tariff file's rows, and the registered tariffs of every (kommun, year, service) the
    file does not give."""
    registered = active_registry().tariffs.values()
    if not registered:
        return own
    frame = pl.DataFrame(
        [
            {
                "kommun": t.kommun,
                "year": t.year,
                "service": t.service,
                "tariff_ore": t.amount_ore,
                "source": f"the municipality's own tariff, decided {t.decided}: {t.source} (registered)",
            }
            for t in registered
        ],
        schema={
            "kommun": pl.String,
            "year": pl.Int64,
            "service": pl.String,
            "tariff_ore": pl.Int64,
            "source": pl.String,
        },
    )
    if own is None:
        return frame
    frame = frame.cast(dict(own.schema))  # type: ignore[arg-type]
    return pl.concat([own, frame.join(own, on=["kommun", "year", "service"], how="anti")])


def _shared_tariff(service: str, year: int, ruleset: RuleSet | None) -> tuple[int, str] | None:
    """The rule set's tariff or VästKom's recommendation; ``None`` when neither has one."""
    if ruleset is not None:
        name = f"{service}_sek_per_hour"
        parameter = ruleset.home_care_parameters.get(name)
        value = parameter.value_at(dt.date(year, 1, 1)) if parameter else None
        if value is not None:
            amount = check_value(name, value.value)
            assert isinstance(amount, Decimal)
            return sek_to_ore(amount), f"rule set {ruleset.id}: {value.source}"
    try:
        return recommended_tariff(service, year)
    except MissingParameterError:
        return None


def _missing_message(missing: dict[tuple[int, str], list[str]], ruleset: RuleSet | None) -> str:
    lines = [
        f"  {year} {service}: " + ", ".join(f"{code} {lookup(code).name}" for code in sorted(hosts))
        for (year, service), hosts in sorted(missing.items())
    ]
    where = f", regelverket {ruleset.id}" if ruleset is not None else ""
    return (
        "ingen taxa för dessa vistelsekommuner, år och insatser; varken en taxefil, en registrerad "
        f"taxa{where} eller VästKom har någon, och hos_avtal gissar aldrig en taxa:\n"
        + "\n".join(lines)
        + "\nRegistrera varje vistelsekommuns egen taxa (hos-avtal tariffs set KOMMUN YEAR …), "
        "eller ange den i en taxefil (--tariffs FILE med kolumnerna kommun, year, service, sek_per_hour)."
    )


def invoice_lines(inside: pl.DataFrame, tariffs: pl.DataFrame) -> pl.DataFrame:
    """One line per (month, host, home, service): visits, minutes, tariff and amount in öre.

    The amount is ``minutes × tariff / 60`` over the line's summed minutes, rounded half up to
    öre once per line (docs/rules.md §4 "round once … per invoice line"), in integer arithmetic.
    """
    return (
        inside.join(tariffs.drop("source"), on=["host", "year", "service"], how="left")
        .with_columns(
            divide_round_half_up_expr(pl.col("minutes") * pl.col("tariff_ore"), 60).alias("amount_ore")
        )
        .select(*LINE_KEYS, "year", "visits", "minutes", "tariff_ore", "amount_ore")
        .sort(*LINE_KEYS)
    )


def positions(lines: pl.DataFrame, months: list[Month], parties: pl.DataFrame) -> pl.DataFrame:
    """Every party in every month: invoiced (as host), owed (as home) and net, in öre."""
    invoiced = lines.group_by("month", pl.col("host").alias("kommun")).agg(
        pl.col("amount_ore").sum().alias("invoiced_ore")
    )
    owed = lines.group_by("month", pl.col("home").alias("kommun")).agg(
        pl.col("amount_ore").sum().alias("owed_ore")
    )
    grid = pl.DataFrame({"month": months}, schema={"month": pl.Date}).join(
        parties.select("kommun", "name"), how="cross"
    )
    return (
        grid.join(invoiced, on=["month", "kommun"], how="left")
        .join(owed, on=["month", "kommun"], how="left")
        .with_columns(pl.col("invoiced_ore", "owed_ore").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("invoiced_ore") - pl.col("owed_ore")).alias("net_ore"))
        .sort("month", "kommun")
    )


def payments(municipalities: pl.DataFrame) -> pl.DataFrame:
    """The settling payments of every month (see :mod:`._netting`), in month and payment order."""
    by_month: dict[Month, dict[str, int]] = defaultdict(dict)
    for month, kommun, net in (
        municipalities.filter(pl.col("net_ore") != 0).select("month", "kommun", "net_ore").iter_rows()
    ):
        by_month[month][kommun] = net
    rows = [
        (month, payer, payee, amount)
        for month in sorted(by_month)
        for payer, payee, amount in settle(by_month[month])
    ]
    return pl.DataFrame(rows, schema=PAYMENT_SCHEMA, orient="row")


def outside(outside_groups: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Visits of people whose hemkommun is not a party: counted per month and kommun, never billed."""
    return (
        outside_groups.group_by("month", pl.col("home").alias("kommun"))
        .agg(pl.col("visits").sum(), pl.col("minutes").sum())
        .join(registry.select("kommun", "name", "lan"), on="kommun", how="left")
        .select("month", "kommun", "name", "lan", "visits", "minutes")
        .sort("month", "kommun")
    )

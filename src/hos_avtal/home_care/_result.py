"""The public entry point and its result: visits in, invoice lines, positions and payments out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.errors import CalculationError
from hos_avtal.home_care import _engine
from hos_avtal.io import read_tariffs, read_visits, validate_tariffs, validate_visits
from hos_avtal.months import parse_month
from hos_avtal.municipalities import all_codes_frame, parties_frame
from hos_avtal.rules import RuleSet, load_ruleset


@dataclass(frozen=True)
class HomeCareResult:
    """Everything a home-care calculation produced; money columns end in ``_ore`` (integer öre).

    * ``lines``: one invoice line per (month, host, home, service): ``year``, ``visits``,
      ``minutes``, ``tariff_ore`` (per hour) and ``amount_ore``.
    * ``tariffs``: the tariffs the lines used, per month, with their ``source``.
    * ``municipalities``: all 49 parties per month: ``invoiced_ore`` (as vistelsekommun),
      ``owed_ore`` (as hemkommun) and ``net_ore`` = invoiced − owed; they sum to zero.
    * ``payments``: per month, the payments (``payer`` → ``payee``) that settle the positions.
    * ``outside_agreement``: visits of people whose hemkommun is not a party, per month and
      kommun: reported, never invoiced or netted.
    """

    months: list[Month]
    lines: pl.DataFrame
    tariffs: pl.DataFrame
    municipalities: pl.DataFrame
    payments: pl.DataFrame
    outside_agreement: pl.DataFrame


def calculate_home_care(
    visits: pl.DataFrame | str | Path,
    months: Month | str | Sequence[Month | str] | None = None,
    *,
    tariffs: pl.DataFrame | str | Path | None = None,
    ruleset: RuleSetRef | Path | RuleSet | None = None,
    validate: bool = True,
) -> HomeCareResult:
    """Invoice lines, net positions and settling payments for home care in another municipality.

    ``visits`` is a frame with the docs/rules.md §6 columns or the path of a CSV/Parquet file. ``months``
    is one month, several, or ``None`` for every month with a visit. ``tariffs`` holds the host
    municipalities' own tariffs (``kommun, year, service, sek_per_hour``, a frame or a file);
    ``ruleset`` may carry tariffs of its own (a scenario); VästKom's recommendation is the last
    resort, and a (host, year, service) with none of the three stops the calculation.
    ``validate=False`` skips validation for frames that the readers in :mod:`hos_avtal.io._visits`
    already returned.
    """
    if isinstance(visits, str | Path):
        frame = read_visits(visits)
    else:
        frame = validate_visits(visits) if validate else visits
    own: pl.DataFrame | None
    if isinstance(tariffs, str | Path):
        own = read_tariffs(tariffs)
    elif tariffs is not None:
        own = validate_tariffs(tariffs) if validate or "tariff_ore" not in tariffs.columns else tariffs
    else:
        own = None
    rules = load_ruleset(ruleset) if isinstance(ruleset, str | Path) else ruleset

    month_list = _months(frame, months)
    parties = parties_frame()
    groups = _engine.group_visits(frame.lazy(), month_list)
    inside, outside_groups = _engine.split_outside(groups, parties["kommun"].to_list())
    needed = inside.select("host", "year", "service").unique().sort("host", "year", "service")
    tariff_frame = _engine.resolve_tariffs(needed, own, rules)
    lines = _engine.invoice_lines(inside, tariff_frame)
    municipalities = _engine.positions(lines, month_list, parties)
    used = (
        lines.select("month", "host", "year", "service")
        .unique()
        .join(tariff_frame, on=["host", "year", "service"], how="left")
        .sort("month", "host", "service")
    )
    return HomeCareResult(
        months=month_list,
        lines=lines,
        tariffs=used,
        municipalities=municipalities,
        payments=_engine.payments(municipalities),
        outside_agreement=_engine.outside(outside_groups, all_codes_frame()),
    )


def _months(frame: pl.DataFrame, months: Month | str | Sequence[Month | str] | None) -> list[Month]:
    if months is None:
        found: list[Month] = frame.get_column("date").dt.month_start().unique().sort().to_list()
        if not found:
            raise CalculationError("indata har inga besök och därmed ingen månad; ange en (--month ÅÅÅÅ-MM)")
        return found
    if isinstance(months, str | dt.date):
        months = [months]
    parsed = [parse_month(m) if isinstance(m, str) else m.replace(day=1) for m in months]
    return sorted(set(parsed))

"""The public entry point: placements, costs and agreements in, a :class:`PlacementResult` out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.errors import CalculationError, InputError, Problem
from hos_avtal.io import PlacementInputs, read_placement_inputs, validate_placement_inputs
from hos_avtal.months import parse_month
from hos_avtal.municipalities import parties_frame
from hos_avtal.placements import _engine
from hos_avtal.placements._result import PlacementResult, municipality_totals
from hos_avtal.rules import PlacementParameters, RuleSet, select_ruleset

Input = pl.DataFrame | str | Path

_MAX_SHARE_DENOMINATOR = 10**15
"""Keeps the Int128 numerators far from overflow; a share needs no more than 15 decimals."""


def calculate_placements(
    placements: Input | PlacementInputs,
    costs: Input | None = None,
    agreements: Input | None = None,
    months: Month | str | Sequence[Month | str] | None = None,
    *,
    ruleset: RuleSetRef | Path | RuleSet | None = None,
    as_of: dt.date | str | None = None,
    adjust_from: dt.date | str | None = None,
) -> PlacementResult:
    """Split each placement's monthly cost between the region and the municipality (docs/rules.md §5).

    ``placements``, ``costs`` and ``agreements`` are frames with the docs/rules.md §5 columns or file paths
    (all three of one kind), or one :class:`~hos_avtal.io._placements.PlacementInputs` already
    validated. ``months``: one, several, or ``None`` for every month in the costs. ``as_of``:
    use only agreements decided by that day (default: all). ``adjust_from``: also compute what
    was billed as of that day and return the lines that changed as ``adjustments``.
    """
    inputs = _inputs(placements, costs, agreements)
    month_list = _months(inputs.costs, months)
    resolved = [_parameters(m, ruleset) for m in month_list]
    params = _engine.params_frame(
        [
            (
                p.month,
                p.ruleset_id,
                p.schablon_region_share.numerator,
                p.schablon_region_share.denominator,
                p.agreement_overdue_days,
            )
            for p in resolved
        ]
    )
    as_of_day = _day(as_of, "as_of")
    places, cost_rows, agreement_rows = (
        inputs.placements.lazy(),
        inputs.costs.lazy(),
        inputs.agreements.lazy(),
    )
    lines = _engine.split(places, cost_rows, agreement_rows, params, as_of_day)
    adjust_day = _day(adjust_from, "adjust_from")
    adjusted = None
    if adjust_day is not None:
        billed = _engine.split(places, cost_rows, agreement_rows, params, adjust_day)
        adjusted = _engine.adjustments(billed, lines)
    return PlacementResult(
        months=resolved,
        as_of=as_of_day,
        lines=lines,
        municipalities=municipality_totals(lines, parties_frame()),
        adjust_from=adjust_day,
        adjustments=adjusted,
    )


def _inputs(
    placements: Input | PlacementInputs, costs: Input | None, agreements: Input | None
) -> PlacementInputs:
    if isinstance(placements, PlacementInputs):
        return placements
    if costs is None or agreements is None:
        raise TypeError("give placements, costs and agreements, or one PlacementInputs")
    if (
        isinstance(placements, pl.DataFrame)
        and isinstance(costs, pl.DataFrame)
        and isinstance(agreements, pl.DataFrame)
    ):
        return validate_placement_inputs(placements, costs, agreements)
    if (
        isinstance(placements, str | Path)
        and isinstance(costs, str | Path)
        and isinstance(agreements, str | Path)
    ):
        return read_placement_inputs(placements, costs, agreements)
    raise TypeError("placements, costs and agreements must all be frames or all be paths")


def _parameters(month: Month, ruleset: RuleSetRef | Path | RuleSet | None) -> PlacementParameters:
    chosen = ruleset if isinstance(ruleset, RuleSet) else select_ruleset(month, ruleset)
    params = chosen.placements(month)
    if params.schablon_region_share.denominator > _MAX_SHARE_DENOMINATOR:
        raise CalculationError(
            f"regelverket {params.ruleset_id!r}: schablon_region_share {params.schablon_region_share} "
            "har fler än 15 decimaler; avrunda den"
        )
    return params


def _months(costs: pl.DataFrame, months: Month | str | Sequence[Month | str] | None) -> list[Month]:
    if months is None:
        found: list[Month] = costs.get_column("month").unique().sort().to_list()
        if not found:
            raise CalculationError(
                "indata costs har inga rader och därmed ingen månad; ange en (--month ÅÅÅÅ-MM)"
            )
        return found
    if isinstance(months, str | dt.date):
        months = [months]
    parsed = [parse_month(m) if isinstance(m, str) else m.replace(day=1) for m in months]
    return sorted(set(parsed))


def _day(value: dt.date | str | None, name: str) -> dt.date | None:
    """An ``as_of`` or ``adjust_from`` day, within the plausibility limits: not before their
    earliest year (a later day than today uses every decision there is)."""
    from hos_avtal.rules import plausibility_limits

    if value is None:
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name}: är inget datum; skriv det ÅÅÅÅ-MM-DD") from None
    limits = plausibility_limits()
    if day < limits.earliest_date:
        raise InputError(name, [Problem(None, name, f"är före {limits.earliest_date} (rimlighetsgränserna)")])
    return day

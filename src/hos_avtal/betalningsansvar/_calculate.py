"""The public entry point: episodes in, a :class:`BetalningsansvarResult` out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.betalningsansvar import _cube, _engine
from hos_avtal.betalningsansvar._params import params_frame, resolve_months
from hos_avtal.betalningsansvar._result import BetalningsansvarResult, MonthRules
from hos_avtal.errors import CalculationError
from hos_avtal.io import read_episodes, validate_episodes
from hos_avtal.months import parse_month
from hos_avtal.municipalities import all_codes_frame, parties_frame
from hos_avtal.rules import RuleSet, daily_amount_decimal


def calculate_betalningsansvar(
    episodes: pl.DataFrame | str | Path,
    months: Month | str | Sequence[Month | str] | None = None,
    *,
    ruleset: RuleSetRef | Path | RuleSet | None = None,
    daily_amount_sek: Decimal | str | int | None = None,
    validate: bool = True,
) -> BetalningsansvarResult:
    """Compute kommunens betalningsansvar per municipality and month.

    ``episodes`` is a frame with the docs/rules.md §4 columns or the path of a CSV/Parquet file.
    ``months`` is one month, several, or ``None`` for every discharge month in the input.
    ``ruleset`` names a shipped rule set or a rule-set file; without it each month uses the VGR
    agreement in force. ``daily_amount_sek`` overrides the fastställt belopp. ``validate=False``
    skips validation for a frame that :func:`hos_avtal.io.read_episodes` already returned.
    """
    if isinstance(episodes, str | Path):
        frame = read_episodes(episodes)
    else:
        frame = validate_episodes(episodes) if validate else episodes
    month_list = billing_months(frame, months)
    amount = daily_amount_decimal(daily_amount_sek)
    resolved = resolve_months(month_list, ruleset, amount)
    return calculate_with_parameters(frame, [MonthRules(r, p) for r, p in resolved])


def calculate_with_parameters(frame: pl.DataFrame, months: Sequence[MonthRules]) -> BetalningsansvarResult:
    """The engine on a validated frame with each month's parameters given, not looked up.

    What-if scenarios and the property tests use this to run the rules with parameters no
    shipped rule set has.
    """
    months = sorted(months, key=lambda m: m.parameters.month)
    params = params_frame([m.parameters for m in months])
    parties = parties_frame()
    lazy = frame.lazy()
    lines = _engine.classify(lazy, params, parties["kommun"].to_list())
    # One call runs both queries, so their fixed costs overlap (they dominate a small input).
    groups, keys = pl.collect_all([_cube.cell_sums(lines), _cube.admission_keys(lazy, params)])
    cube = _cube.tally(groups, params)
    waiting = _cube.pending(keys, params)
    recurring_after = np.array([m.parameters.recurring_liability_months for m in months], dtype=np.int64)
    return BetalningsansvarResult(
        months=list(months),
        municipalities=_cube.municipality_rows(cube, waiting, parties, recurring_after),
        outside_agreement=_cube.outside_rows(cube, waiting, all_codes_frame()),
        _lines=lines,
        _episodes=lazy,
    )


def billing_months(frame: pl.DataFrame, months: Month | str | Sequence[Month | str] | None) -> list[Month]:
    """The months named, or every month in which an episode was discharged."""
    if months is None:
        days = frame.get_column("discharge_date").drop_nulls().to_physical().to_numpy()
        if not days.size:
            raise CalculationError(
                "indata har inga utskrivna vårdtillfällen och därmed ingen faktureringsmånad; ange en "
                "(--month ÅÅÅÅ-MM)"
            )
        # The distinct days first (a histogram, not a sort of millions), then their months.
        first = int(days.min())
        distinct = np.flatnonzero(np.bincount(days - first)) + first
        found = np.unique(distinct.astype("datetime64[D]").astype("datetime64[M]"))
        return [d.item() for d in found.astype("datetime64[D]")]
    if isinstance(months, str | dt.date):
        months = [months]
    parsed = [parse_month(m) if isinstance(m, str) else m.replace(day=1) for m in months]
    return sorted(set(parsed))

"""Resolve the parameters of every month into one small frame the engine joins on."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import polars as pl

from hos_avtal._types import Month, RuleSetRef
from hos_avtal.betalningsansvar._engine import PSYKIATRI
from hos_avtal.errors import RuleSetNotApplicableError
from hos_avtal.months import format_month, month_end
from hos_avtal.rules import CONDITIONS, BetalningsansvarParameters, RuleSet, load_ruleset, select_ruleset


def resolve_months(
    months: Sequence[Month],
    ruleset: RuleSetRef | Path | RuleSet | None,
    daily_amount_sek: Decimal | None,
) -> list[tuple[RuleSet, BetalningsansvarParameters]]:
    """The rule set and parameters of each month; errors name the month or the rule set."""
    named = ruleset if isinstance(ruleset, RuleSet) or ruleset is None else load_ruleset(ruleset)
    resolved = []
    for month in months:
        if named is None:
            chosen = select_ruleset(month)
        elif named.covers(month):
            chosen = named
        else:
            raise RuleSetNotApplicableError(
                f"regelverket {named.id!r} gäller {named.period}; {format_month(month)} ligger utanför "
                "den perioden"
            )
        resolved.append((chosen, chosen.betalningsansvar(month, daily_amount_sek=daily_amount_sek)))
    return resolved


def params_frame(params: Sequence[BetalningsansvarParameters]) -> pl.DataFrame:
    """One row per month: the numbers the engine needs, as exact integers."""
    rows = []
    for p in params:
        numerator, denominator = p.threshold_fraction
        somatik, psykiatri = p.for_care_type("somatik"), p.for_care_type("psykiatri")
        rows.append(
            {
                "month": p.month,
                "month_end": month_end(p.month),
                "daily_ore": p.daily_amount_ore,
                "threshold_num": numerator,
                "threshold_den": denominator,
                "individual_after": somatik.switch_days,
                "free_days": somatik.free_days,
                # Psychiatry's own values (the same as somatik's unless the rule set says otherwise).
                f"individual_after{PSYKIATRI}": psykiatri.switch_days,
                f"free_days{PSYKIATRI}": psykiatri.free_days,
                "separate_pools": p.separate_care_type_averages,
                "accrue": p.accrue_while_admitted,
                **{f"requires_{c}": c in p.conditions for c in CONDITIONS},
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "month": pl.Date,
            "month_end": pl.Date,
            "daily_ore": pl.Int64,
            "threshold_num": pl.Int64,
            "threshold_den": pl.Int64,
            "individual_after": pl.Int64,
            "free_days": pl.Int64,
            f"individual_after{PSYKIATRI}": pl.Int64,
            f"free_days{PSYKIATRI}": pl.Int64,
            "separate_pools": pl.Boolean,
            "accrue": pl.Boolean,
            **{f"requires_{c}": pl.Boolean for c in CONDITIONS},
        },
    )

"""What a comparison of betalningsansvar needs of the episodes: each municipality-month's day
histogram, per care type and per set of unmet conditions (docs/rules.md §4).

A municipality-month's amounts depend on its covered episodes only through how many waited each
number of days. Which episodes are covered depends on the conditions the rule set requires
(notices, SIP, plan, availability), so the histogram counts episodes by the conditions they do
*not* meet as a bitmask (:data:`CONDITION_BITS`); a rule set requiring the conditions ``C``
covers exactly the rows whose mask has no bit of ``C``. Stored with a dataset, it lets a
comparison with changed parameters run without reading one episode (issue 18): one row per
(month, kommun, care type, days, mask) — a few thousand for a VGR year of 60 000 episodes.

>>> from hos_avtal.synth import synth_episodes, month_range
>>> days = EpisodeDays.of(synth_episodes(month_range("2022-03"), episodes_per_month=500, seed=1))
>>> days.frame.columns, days.months
(['month', 'kommun', 'care_type', 'days', 'failed', 'episodes'], [datetime.date(2022, 3, 1)])
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

import polars as pl

from hos_avtal._types import Ore
from hos_avtal.betalningsansvar import MonthRules, billing_months, classify_episodes, params_frame
from hos_avtal.municipalities import parties_frame
from hos_avtal.rules import CARE_TYPES, CONDITIONS, BetalningsansvarParameters

T = TypeVar("T")
_LOCK = threading.Lock()  # requests run in worker threads

CONDITION_BITS = {condition: 1 << index for index, condition in enumerate(CONDITIONS)}
"""Each condition's bit in ``failed``."""
OUTSIDE_AGREEMENT = 1 << len(CONDITIONS)
"""The bit of an episode of a municipality outside the agreement: never billed, but its month is
one of the input's months, as the engine counts them."""

DAYS_SCHEMA = {
    "month": pl.Date, "kommun": pl.String, "care_type": pl.String, "days": pl.Int64,
    "failed": pl.Int64, "episodes": pl.Int64,
}  # fmt: skip


@dataclass(frozen=True)
class EpisodeDays:
    """The day histogram of the episodes discharged in each month: ``frame`` has
    :data:`DAYS_SCHEMA`."""

    frame: pl.DataFrame
    _made: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, once per ``key`` for this histogram (what a sweep builds of it for given
        months and conditions, reused by the next slider move); at most 32 kept."""
        with _LOCK:
            if key in self._made:
                return cast(T, self._made[key])
        made = make()
        with _LOCK:
            if len(self._made) >= 32:
                self._made.pop(next(iter(self._made)))
            self._made[key] = made
        return made

    @classmethod
    def of(cls, episodes: pl.DataFrame) -> EpisodeDays:
        """The histogram of validated ``episodes``, by the billing engine's own classification
        with every condition required, so that each unmet one is known."""
        months = billing_months(episodes, None) if episodes["discharge_date"].is_not_null().any() else []
        if not months:
            return cls(pl.DataFrame(schema=DAYS_SCHEMA))
        codes = parties_frame().get_column("kommun").to_list()
        lines = classify_episodes(episodes.lazy(), params_frame([_every_condition(m) for m in months]), codes)
        failed = pl.sum_horizontal(
            pl.col(reason).cast(pl.Int64) * CONDITION_BITS[name] for name, reason in CONDITIONS.items()
        )
        outside = pl.when(pl.col("in_agreement")).then(0).otherwise(OUTSIDE_AGREEMENT)
        frame = (
            lines.group_by(
                "month", pl.col("kommun").cast(pl.String), pl.col("care_type").cast(pl.String), "days",
                (failed + outside).alias("failed"),
            )
            .agg(pl.len().cast(pl.Int64).alias("episodes"))
            .sort("month", "kommun", "care_type", "days", "failed")
            .collect()
        )  # fmt: skip
        return cls(frame.cast(DAYS_SCHEMA))  # type: ignore[arg-type]

    @property
    def months(self) -> list[dt.date]:
        """The discharge months the histogram has."""
        return self.frame.get_column("month").unique().sort().to_list()

    def cells(self, months: Sequence[MonthRules], codes: list[str]) -> pl.DataFrame:
        """The episodes each month's rule set covers, as the sweep's cells: (month, kommun,
        care_type) indexes, ``days`` and ``n``."""
        month_list = [m.parameters.month for m in months]
        months_series = pl.Series(month_list, dtype=pl.Date)
        required = pl.DataFrame(
            {"month": month_list, "required": [_required(m.parameters.conditions) for m in months]},
            schema={"month": pl.Date, "required": pl.Int64},
        )
        return (
            self.frame.join(required, on="month")
            .filter((pl.col("failed") & pl.col("required")) == 0)
            .select(*cell_indexes(months_series, codes), "days", pl.col("episodes").alias("n"))
        )


def cell_indexes(month_list: pl.Series, codes: list[str]) -> list[pl.Expr]:
    """The sweep's cell of a row: its month, kommun and care type as indexes into ``month_list``,
    ``codes`` and :data:`~hos_avtal.rules.CARE_TYPES`."""
    return [
        pl.col("month").replace_strict(month_list, range(len(month_list)), return_dtype=pl.Int64),
        pl.col("kommun").cast(pl.String).replace_strict(codes, range(len(codes)), return_dtype=pl.Int64),
        pl.col("care_type")
        .cast(pl.String)
        .replace_strict(CARE_TYPES, range(len(CARE_TYPES)), return_dtype=pl.Int64),
    ]


def _required(conditions: Sequence[str]) -> int:
    return sum(CONDITION_BITS[c] for c in conditions) | OUTSIDE_AGREEMENT


def _every_condition(month: dt.date) -> BetalningsansvarParameters:
    """Parameters that require every condition (nothing else of them counts for the histogram)."""
    return BetalningsansvarParameters(
        ruleset_id="histogram", month=month, daily_amount_ore=Ore(0), daily_amount_source="",
        average_threshold_days=Decimal(3), individual_after_days=7, free_days=0,
        separate_care_type_averages=False, accrue_while_admitted=False, recurring_liability_months=3,
        conditions=tuple(CONDITIONS),
    )  # fmt: skip

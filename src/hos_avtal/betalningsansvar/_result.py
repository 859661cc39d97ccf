"""The result of a betalningsansvar calculation: municipality rows, months, episode lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from hos_avtal._types import Month
from hos_avtal.betalningsansvar._engine import REASONS
from hos_avtal.months import month_end
from hos_avtal.rules import BetalningsansvarParameters, RuleSet


@dataclass(frozen=True)
class MonthRules:
    """Which rule set and parameters a month was computed with (for the report's explanation)."""

    ruleset: RuleSet
    parameters: BetalningsansvarParameters


@dataclass(frozen=True)
class BetalningsansvarResult:
    """Everything a betalningsansvar calculation produced.

    ``municipalities`` has one row per month and party (49 per month, zero rows included);
    money columns end in ``_ore`` and hold integer öre. ``outside_agreement`` has one row per
    month and non-party kommun with episodes. Episode lines are computed on request.
    """

    months: list[MonthRules]
    municipalities: pl.DataFrame
    outside_agreement: pl.DataFrame
    _lines: pl.LazyFrame = field(repr=False)
    _episodes: pl.LazyFrame = field(repr=False)

    def month_rules(self, month: Month) -> MonthRules:
        return next(m for m in self.months if m.parameters.month == month)

    def episode_lines(self, month: Month | None = None) -> pl.DataFrame:
        """Per-episode lines: status, days, billable days, amount (öre) and reasons.

        Billed months' discharged episodes, plus the episodes still admitted at each month's
        end (status ``pending``, or ``individual`` while accruing). ``person_id`` is not part
        of a line.
        """
        months = [m.parameters.month for m in self.months if month is None or m.parameters.month == month]
        month_frame = pl.DataFrame({"month": months}, schema={"month": pl.Date}).with_columns(
            pl.col("month").map_batches(lambda s: s.dt.month_end(), return_dtype=pl.Date).alias("month_end")
        )
        billed = self._lines.filter(pl.col("month").is_in(months)).with_columns(
            pl.concat_str(
                [pl.when(pl.col(r)).then(pl.lit(r)) for r in REASONS],
                separator=";",
                ignore_nulls=True,
            ).alias("reasons")
        )
        # Reasons explain a not-covered line; on other lines they would only confuse.
        billed = billed.with_columns(
            pl.when((pl.col("status") == "not_covered") & (pl.col("reasons") != ""))
            .then(pl.col("reasons"))
            .alias("reasons")
        )
        still = (
            self._episodes.join(month_frame.lazy(), how="cross")
            .filter(
                (pl.col("ready_date") <= pl.col("month_end"))
                & (pl.col("discharge_date").is_null() | (pl.col("discharge_date") > pl.col("month_end")))
            )
            .join(billed.select("month", "episode_id"), on=["month", "episode_id"], how="anti")
            .with_columns(
                pl.lit("pending").alias("status"),
                pl.lit(None, pl.Int64).alias("days"),
                pl.lit(None, pl.Int64).alias("billable_days"),
                pl.lit(None, pl.Int64).alias("amount_ore"),
                pl.lit(None, pl.String).alias("reasons"),
            )
        )
        columns = [
            "month", "episode_id", "kommun", "care_type", "hospital", "ready_date",
            "discharge_date", "status", "days", "billable_days", "amount_ore", "reasons",
        ]  # fmt: skip
        as_text = pl.col("kommun", "care_type", "status").cast(pl.String)
        return (
            pl.concat(
                [billed.select(columns).with_columns(as_text), still.select(columns).with_columns(as_text)],
                how="vertical_relaxed",
            )
            .sort("month", "kommun", "status", "episode_id")
            .collect()
        )


def month_end_of(month: Month) -> Month:
    return month_end(month)

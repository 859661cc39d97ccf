"""The result of a betalningsansvar calculation: municipality rows, months, episode lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from hos_avtal._types import Month
from hos_avtal.betalningsansvar._engine import CARE_TYPES, REASONS
from hos_avtal.months import month_end
from hos_avtal.rules import BetalningsansvarParameters
from hos_avtal.rules._model import RuleSet


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


def assemble(
    groups: pl.DataFrame,
    pooled: pl.DataFrame,
    pending: pl.DataFrame,
    params: pl.DataFrame,
    parties: pl.DataFrame,
    recurring_months: dict[Month, int],
) -> pl.DataFrame:
    """Join the parts into one row per (month, party), zeros where nothing happened."""
    status = pl.col("status")
    care = pl.col("care_type")

    def count(col: str, when: pl.Expr) -> pl.Expr:
        return pl.col(col).filter(when).sum()

    per_care = []
    for c in CARE_TYPES:
        per_care += [
            count("episodes", (status == "pooled") & (care == c)).alias(f"average_episodes_{c}"),
            count("days", (status == "pooled") & (care == c)).alias(f"average_days_{c}"),
            count("episodes", (status == "individual") & (care == c)).alias(f"individual_episodes_{c}"),
            count("billable_days", (status == "individual") & (care == c)).alias(
                f"individual_billable_days_{c}"
            ),
            count("amount_ore", (status == "individual") & (care == c)).alias(f"individual_amount_ore_{c}"),
            count("episodes", (status == "not_covered") & (care == c)).alias(f"not_covered_episodes_{c}"),
        ]
    sums = groups.group_by("month", "kommun").agg(
        count("episodes", status == "pooled").alias("average_episodes"),
        count("days", status == "pooled").alias("average_days"),
        count("episodes", status == "individual").alias("individual_episodes"),
        count("billable_days", status == "individual").alias("individual_billable_days"),
        count("amount_ore", status == "individual").alias("individual_amount_ore"),
        count("accruing", status == "individual").alias("accruing_episodes"),
        count("episodes", status == "not_covered").alias("not_covered_episodes"),
        *[count(r, status == "not_covered").alias(f"not_covered_{r}") for r in REASONS],
        *per_care,
    )
    grid = params.select("month", "threshold_den").join(parties, how="cross")
    rows = (
        grid.join(sums, on=["month", "kommun"], how="left")
        .join(pooled.drop("threshold_den"), on=["month", "kommun"], how="left")
        .join(pending, on=["month", "kommun"], how="left")
    )
    int_columns = [c for c, t in rows.schema.items() if t.is_integer() and c != "threshold_den"]
    rows = rows.with_columns(
        pl.col(int_columns).fill_null(0).cast(pl.Int64),
        pl.col("liable").fill_null(False),
    ).with_columns(
        (pl.col("pending_episodes") - pl.col("accruing_episodes")).alias("pending_episodes"),
        (pl.col("average_amount_ore") + pl.col("individual_amount_ore")).alias("total_amount_ore"),
    )
    return _recurring(rows, recurring_months).sort("month", "kommun")


def _recurring(rows: pl.DataFrame, recurring_months: dict[Month, int]) -> pl.DataFrame:
    """Months in a row with a liability, ending at each month; flagged at the rule set's N.

    Only consecutive calendar months count: a gap in the computed months breaks the run.
    """
    index = pl.col("month").dt.year().cast(pl.Int64) * 12 + pl.col("month").dt.month().cast(pl.Int64)
    liable = pl.col("total_amount_ore") > 0
    ordered = rows.sort("kommun", "month").with_columns(index.alias("_index"), liable.alias("_liable"))
    # A run of consecutive liable months shares (index − rank among the kommun's liable months).
    liable_rows = (
        ordered.filter(pl.col("_liable"))
        .with_columns((pl.col("_index") - pl.col("_index").rank("ordinal").over("kommun")).alias("_run"))
        .with_columns(
            pl.col("_index")
            .rank("ordinal")
            .over("kommun", "_run")
            .cast(pl.Int64)
            .alias("consecutive_liable_months")
        )
    )
    needed = pl.DataFrame(
        {"month": list(recurring_months), "_needed": list(recurring_months.values())},
        schema={"month": pl.Date, "_needed": pl.Int64},
    )
    return (
        ordered.join(
            liable_rows.select("month", "kommun", "consecutive_liable_months"),
            on=["month", "kommun"],
            how="left",
        )
        .join(needed, on="month", how="left")
        .with_columns(pl.col("consecutive_liable_months").fill_null(0))
        .with_columns((pl.col("consecutive_liable_months") >= pl.col("_needed")).alias("recurring_liability"))
        .drop("_index", "_liable", "_needed")
    )


def outside_rows(groups: pl.DataFrame, pending: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Non-party municipalities with episodes: reported, never billed."""
    discharged = (
        groups.filter(pl.col("status") == "outside_agreement")
        .group_by("month", "kommun")
        .agg(pl.col("episodes").sum(), pl.col("days").sum())
    )
    others = registry.filter(~pl.col("is_party")).select("kommun", "name", "lan")
    waiting = pending.join(others.select("kommun"), on="kommun", how="semi").filter(
        pl.col("pending_episodes") > 0
    )
    return (
        discharged.join(waiting, on=["month", "kommun"], how="full", coalesce=True)
        .join(others, on="kommun", how="inner")
        .with_columns(pl.col("episodes", "days", "pending_episodes").fill_null(0).cast(pl.Int64))
        .select("month", "kommun", "name", "lan", "episodes", "days", "pending_episodes")
        .sort("month", "kommun")
    )


def month_end_of(month: Month) -> Month:
    return month_end(month)

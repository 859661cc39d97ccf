"""The vectorised split: every (placement, month) line at once, in exact integer arithmetic.

A line's days are cut into *elementary intervals* at every boundary that matters — the line's own
first and last day and each applicable agreement's ``valid_from`` and ``valid_to`` (clipped to the
line). Inside an elementary interval the set of covering agreements cannot change, so the one that
applies (latest ``decided_date``, then latest ``valid_from``) is chosen once per interval with a
join and a sort, never per day and never in a Python loop. A line with k agreements has at most
2k + 1 intervals, so the work is linear in lines plus agreements.

The region's share over the month is a sum of rationals with a common denominator per line,
``10000 · q · D`` (q: the schablon share's denominator; 10000: hundredths of a percent; D: the
line's days). The numerators are summed in Int128 and divided once, rounding half up to öre; the
municipality takes the rest, so the two shares always sum to the cost.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from hos_avtal.money import divide_round_half_up_expr

METHOD_NONE = "none"
METHOD_MIXED = "mixed"
FLAGS = ("agreement_overdue", "agreement_missing", "fixed_capped")

PARAMS_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "ruleset": pl.String(),
    "share_num": pl.Int64(),
    "share_den": pl.Int64(),
    "overdue_days": pl.Int64(),
}
"""One row per month: the rule set and its placement parameters (the schablon share as a fraction)."""

LINE_COLUMNS = (
    "month", "placement_id", "kommun", "placed_by", "acute", "ruleset", "days", "cost_ore",
    "region_ore", "kommun_ore", "method", "flags",
)  # fmt: skip

_I128 = pl.Int128()
_BP = 10000  # a percentage is held in hundredths of a percent


def split(
    placements: pl.LazyFrame,
    costs: pl.LazyFrame,
    agreements: pl.LazyFrame,
    params: pl.DataFrame,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """One line per cost row of a month in ``params``: the region's and the municipality's share.

    ``as_of``: only agreements decided on or before this day count (``None``: all of them).
    """
    lines = (
        costs.join(params.lazy(), on="month", how="inner")
        .join(placements, on="placement_id", how="inner")
        .with_row_index("_line")
        .with_columns(pl.col("month").dt.month_end().alias("_month_end"))
        .with_columns(
            pl.max_horizontal("start_date", "month").alias("_first"),
            pl.min_horizontal(pl.col("end_date").fill_null(pl.col("_month_end")), "_month_end").alias(
                "_last"
            ),
        )
        .with_columns(((pl.col("_last") - pl.col("_first")).dt.total_days() + 1).cast(pl.Int64).alias("days"))
        # Materialised once: a join's row order is not fixed, so every branch below must see the
        # same ``_line`` numbers.
        .collect()
        .lazy()
    )
    decided = agreements if as_of is None else agreements.filter(pl.col("decided_date") <= as_of)
    decided = decided.with_row_index("_agreement").collect().lazy()
    # Every (line, agreement) pair whose validity meets the line's days, clipped to them.
    pairs = (
        lines.select("_line", "placement_id", "_first", "_last")
        .join(decided, on="placement_id", how="inner")
        .with_columns(
            pl.max_horizontal("valid_from", "_first").alias("_from"),
            pl.min_horizontal(pl.col("valid_to").fill_null(pl.col("_last")), "_last").alias("_to"),
        )
        .filter(pl.col("_from") <= pl.col("_to"))
        .select(
            "_line",
            "_from",
            "_to",
            "_agreement",
            "decided_date",
            "valid_from",
            "method",
            "region_bp",
            "fixed_party",
            "fixed_ore",
        )
    )
    one_day = pl.duration(days=1)
    bounds = (
        pl.concat(
            [
                lines.select("_line", pl.col("_first").alias("_start")),
                lines.select("_line", (pl.col("_last") + one_day).alias("_start")),
                pairs.select("_line", pl.col("_from").alias("_start")),
                pairs.select("_line", (pl.col("_to") + one_day).alias("_start")),
            ]
        )
        .unique()
        .sort("_line", "_start")
        .with_columns(pl.col("_start").shift(-1).over("_line").alias("_stop"))
        .filter(pl.col("_stop").is_not_null())
    )
    # The applicable agreement of each interval: the latest decision among those covering it.
    chosen = (
        bounds.join(pairs, on="_line", how="inner")
        .filter((pl.col("_from") <= pl.col("_start")) & (pl.col("_start") <= pl.col("_to")))
        .sort("_line", "_start", "decided_date", "valid_from", "_agreement")
        .unique(["_line", "_start"], keep="last")
        .select("_line", "_start", "method", "region_bp", "fixed_party", "fixed_ore")
    )
    line_terms = lines.select("_line", "cost_ore", "placed_by", "share_num", "share_den")
    segments = (
        bounds.join(chosen, on=["_line", "_start"], how="left")
        .join(line_terms, on="_line", how="inner")
        .with_columns(
            (pl.col("_stop") - pl.col("_start")).dt.total_days().cast(pl.Int64).alias("_d"),
            pl.col("method").fill_null(METHOD_NONE),
        )
        .with_columns(_numerator().alias("_num"))
    )
    per_line = segments.group_by("_line").agg(
        pl.col("_num").sum().alias("_num"),
        pl.col("method").n_unique().alias("_methods"),
        pl.col("method").first().alias("_method"),
        (pl.col("method") == METHOD_NONE).any().alias("_uncovered"),
        (pl.col("fixed_ore") > pl.col("cost_ore")).fill_null(False).any().alias("_capped"),
    )
    denominator = (pl.lit(_BP, _I128) * pl.col("share_den").cast(_I128) * pl.col("days").cast(_I128)).alias(
        "_den"
    )
    overdue_from = pl.col("start_date") + pl.duration(days=pl.col("overdue_days"))
    flags = pl.concat_list(
        pl.when(pl.col("_uncovered") & pl.col("acute") & (pl.col("_month_end") >= overdue_from)).then(
            pl.lit("agreement_overdue")
        ),
        pl.when(pl.col("_uncovered") & ~pl.col("acute")).then(pl.lit("agreement_missing")),
        pl.when(pl.col("_capped")).then(pl.lit("fixed_capped")),
    ).list.drop_nulls()
    return (
        lines.join(per_line, on="_line", how="inner")
        .with_columns(denominator)
        .with_columns(
            divide_round_half_up_expr(pl.col("_num"), pl.col("_den")).cast(pl.Int64).alias("region_ore")
        )
        .with_columns(
            (pl.col("cost_ore") - pl.col("region_ore")).alias("kommun_ore"),
            pl.when(pl.col("_methods") == 1)
            .then(pl.col("_method"))
            .otherwise(pl.lit(METHOD_MIXED))
            .alias("method"),
            flags.alias("flags"),
        )
        .select(LINE_COLUMNS)
        .sort("month", "placement_id")
        .collect()
    )


def _numerator() -> pl.Expr:
    """The region's part of one interval, in units of 1 / (10000 · q · D) öre (Int128).

    With c the cost, d the interval's days, p/q the schablon share and bp the percentage in
    hundredths: schablon ``p/q · c·d/D``; percent ``bp/10000 · c·d/D``; a fixed amount f, capped
    at the cost, counts ``min(f, c)·d/D`` for the party that pays it; without an agreement the
    placing party pays everything.
    """
    cost = pl.col("cost_ore").cast(_I128)
    days = pl.col("_d").cast(_I128)
    share_num, share_den = pl.col("share_num").cast(_I128), pl.col("share_den").cast(_I128)
    unit = pl.lit(_BP, _I128) * share_den  # per whole öre·day / D
    capped = pl.min_horizontal(pl.col("fixed_ore"), pl.col("cost_ore")).cast(_I128)
    method = pl.col("method")
    return (
        pl.when(method == "schablon")
        .then(share_num * _BP * cost * days)
        .when(method == "percent")
        .then(pl.col("region_bp").cast(_I128) * share_den * cost * days)
        .when((method == "fixed") & (pl.col("fixed_party") == "region"))
        .then(capped * days * unit)
        .when(method == "fixed")
        .then((cost - capped) * days * unit)
        .when(pl.col("placed_by") == "region")
        .then(cost * days * unit)
        .otherwise(pl.lit(0, _I128))
    )


def params_frame(rows: list[tuple[dt.date, str, int, int, int]]) -> pl.DataFrame:
    """``(month, ruleset id, share numerator, share denominator, overdue days)`` rows as a frame."""
    return pl.DataFrame(rows, schema=PARAMS_SCHEMA, orient="row")


def adjustments(billed: pl.DataFrame, now: pl.DataFrame) -> pl.DataFrame:
    """Lines whose shares differ between what was billed and what holds now, with signed deltas.

    Both runs cover the same cost rows, so a line is matched on (placement, month).
    """
    before = billed.select(
        "month", "placement_id",
        pl.col("region_ore").alias("billed_region_ore"),
        pl.col("kommun_ore").alias("billed_kommun_ore"),
        pl.col("method").alias("billed_method"),
    )  # fmt: skip
    return (
        now.join(before, on=["month", "placement_id"], how="inner")
        .filter(pl.col("region_ore") != pl.col("billed_region_ore"))
        .select(
            "month",
            "placement_id",
            "kommun",
            "cost_ore",
            "billed_region_ore",
            "billed_kommun_ore",
            "region_ore",
            "kommun_ore",
            (pl.col("region_ore") - pl.col("billed_region_ore")).alias("region_delta_ore"),
            (pl.col("kommun_ore") - pl.col("billed_kommun_ore")).alias("kommun_delta_ore"),
            "billed_method",
            "method",
        )
        .sort("month", "placement_id")
    )

"""The vectorised betalningsansvar engine (SPEC §4).

Three passes over the episodes, each a polars query over whole columns:

1. *classify*: every episode discharged in a billed month gets a status, its days, billable
   days and amount (individual part);
2. *aggregate*: a group-by to (month, kommun, care type, status) — a few thousand rows however
   many episodes there are — from which the pooled average and its liability are computed
   exactly in integers (``D·den > num·N`` for a threshold ``num/den``);
3. *pending*: episodes still admitted at each month's end, by a cumulative count of readiness
   minus discharges per kommun.
"""

from __future__ import annotations

import polars as pl

from hos_avtal.money import divide_round_half_up_expr
from hos_avtal.rules import CONDITIONS

CARE_TYPES = ("somatik", "psykiatri")
REASONS = tuple(CONDITIONS.values())
STATUSES = ("pooled", "individual", "not_covered", "outside_agreement")
_STATUS = pl.Enum(STATUSES)


class MonthParameters:
    """The month's parameters as expressions over an episode frame that has a ``month`` column.

    A parameter with one value in every billed month (nearly all of them) is a literal, so
    nothing is joined onto millions of rows; one that changes between months is looked up from
    the month. ``columns=True`` reads them from columns instead (frames that joined them).
    """

    def __init__(self, params: pl.DataFrame, *, columns: bool = False) -> None:
        self._exprs: dict[str, pl.Expr] = {}
        for name in params.columns:
            if name == "month":
                continue
            values = params.get_column(name)
            if columns:
                self._exprs[name] = pl.col(name)
            elif values.n_unique() == 1:
                self._exprs[name] = pl.lit(values[0], dtype=values.dtype)
            else:
                self._exprs[name] = pl.col("month").replace_strict(
                    params.get_column("month"), values, return_dtype=values.dtype
                )

    def __getitem__(self, name: str) -> pl.Expr:
        return self._exprs[name]


def _met(condition: str) -> pl.Expr:
    if condition == "sip_invited":
        return ~pl.col("sip_needed") | pl.col("sip_invited").fill_null(False)
    return pl.col(condition)


def _failures(p: MonthParameters) -> list[pl.Expr]:
    """One boolean column per reason: the condition is required this month and not met."""
    return [
        (p[f"requires_{condition}"] & ~_met(condition)).alias(reason)
        for condition, reason in CONDITIONS.items()
    ]


def _days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(pl.Int64)


def _billed_through_previous_month(p: MonthParameters) -> pl.Expr:
    """With accrual: billable days already billed by the end of the previous month."""
    through = _days_between(pl.col("month"), pl.col("ready_date")) - 1
    return (
        pl.when(p["accrue"] & (through > p["individual_after"]))
        .then((through - p["free_days"]).clip(lower_bound=0))
        .otherwise(0)
    )


def classify(episodes: pl.LazyFrame, params: pl.DataFrame, party_codes: list[str]) -> pl.LazyFrame:
    """Per-episode lines of every billed month (status, days, billable days, amount in öre).

    Episodes discharged in a billed month, plus — where the month accrues while admitted —
    individual episodes still admitted at the month's end.
    """
    p = MonthParameters(params)
    base = episodes.with_columns(pl.col("kommun").is_in(party_codes).alias("in_agreement"))
    discharged = (
        base.with_columns(pl.col("discharge_date").dt.month_start().alias("month"))
        .filter(pl.col("month").is_in(params.get_column("month").implode()))
        .with_columns(_days_between(pl.col("discharge_date"), pl.col("ready_date")).alias("days"))
    )
    lines = _statuses(discharged, p, already_billed=_billed_through_previous_month(p)).with_columns(
        pl.lit(False).alias("accruing")
    )
    accruing = params.filter(pl.col("accrue"))
    if accruing.height:
        lines = pl.concat([lines, _accruing(base, accruing)], how="vertical_relaxed")
    return lines


def _statuses(frame: pl.LazyFrame, p: MonthParameters, already_billed: pl.Expr) -> pl.LazyFrame:
    individual = pl.col("days") > p["individual_after"]
    status = (
        pl.when(~pl.col("in_agreement"))
        .then(pl.lit("outside_agreement", _STATUS))
        .when(pl.any_horizontal(*REASONS))
        .then(pl.lit("not_covered", _STATUS))
        .when(individual)
        .then(pl.lit("individual", _STATUS))
        .otherwise(pl.lit("pooled", _STATUS))
    )
    billable = (pl.col("days") - p["free_days"]).clip(lower_bound=0) - already_billed
    return (
        frame.with_columns(_failures(p))
        .with_columns(status.alias("status"))
        .with_columns(pl.when(pl.col("status") == "individual").then(billable).alias("billable_days"))
        .with_columns((pl.col("billable_days") * p["daily_ore"]).alias("amount_ore"))
    )


def _accruing(base: pl.LazyFrame, accruing_params: pl.DataFrame) -> pl.LazyFrame:
    """Covered individual episodes still admitted at the end of an accruing month."""
    month_ends = accruing_params.get_column("month_end")
    last_end, shortest = month_ends.max(), accruing_params.get_column("individual_after").min()
    candidates = base.filter(
        pl.col("in_agreement")
        & (pl.col("discharge_date").is_null() | (pl.col("discharge_date") > month_ends.min()))
        & (_days_between(pl.col("discharge_date").fill_null(last_end), pl.col("ready_date")) > shortest)
    )
    open_at_end = (
        candidates.join(accruing_params.lazy(), how="cross")
        .filter(
            (pl.col("ready_date") <= pl.col("month_end"))
            & (pl.col("discharge_date").is_null() | (pl.col("discharge_date") > pl.col("month_end")))
        )
        .with_columns(_days_between(pl.col("month_end"), pl.col("ready_date")).alias("days"))
        .filter(pl.col("days") > pl.col("individual_after"))
    )
    p = MonthParameters(accruing_params, columns=True)
    lines = _statuses(open_at_end, p, already_billed=_billed_through_previous_month(p))
    return (
        lines.filter(pl.col("status") == "individual")
        .drop(accruing_params.drop("month").columns)
        .with_columns(pl.lit(True).alias("accruing"))
    )


def aggregate(lines: pl.LazyFrame) -> pl.DataFrame:
    """Counts and sums per (month, kommun, care type, status): small, whatever the input size."""
    return (
        lines.group_by("month", "kommun", "care_type", "status")
        .agg(
            pl.len().alias("episodes"),
            pl.col("days").sum().alias("days"),
            pl.col("billable_days").sum().alias("billable_days"),
            pl.col("amount_ore").sum().alias("amount_ore"),
            pl.col("accruing").sum().alias("accruing"),
            *[pl.col(reason).sum() for reason in REASONS],
        )
        .collect()
        .with_columns(pl.col("kommun", "care_type", "status").cast(pl.String))
    )


def pooled(groups: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    """The pooled part per (month, kommun): exact liability per pool, amounts rounded once."""
    pools = (
        groups.filter(pl.col("status") == "pooled")
        .join(params, on="month")
        .with_columns(
            pl.when(pl.col("separate_pools"))
            .then(pl.col("care_type"))
            .otherwise(pl.lit("alla"))
            .alias("pool")
        )
        .group_by("month", "kommun", "pool")
        .agg(
            pl.col("episodes").sum().alias("n"),
            pl.col("days").sum().alias("d"),
            pl.col("threshold_num", "threshold_den", "daily_ore").first(),
        )
        # In units of 1/den days: D − t·N = (D·den − num·N) / den, exact.
        .with_columns(
            (pl.col("d") * pl.col("threshold_den") - pl.col("threshold_num") * pl.col("n")).alias(
                "excess_units"
            )
        )
        .with_columns((pl.col("excess_units") > 0).alias("liable"))
        .with_columns(
            pl.when(pl.col("liable"))
            .then(
                divide_round_half_up_expr(
                    pl.col("excess_units") * pl.col("daily_ore"), pl.col("threshold_den")
                )
            )
            .otherwise(0)
            .alias("amount_ore"),
            pl.when(pl.col("liable")).then(pl.col("excess_units")).otherwise(0).alias("liable_units"),
        )
    )
    by_care_type = [
        expr
        for care in CARE_TYPES
        for expr in (
            pl.col("amount_ore").filter(pl.col("pool") == care).sum().alias(f"average_amount_ore_{care}"),
        )
    ]
    return pools.group_by("month", "kommun").agg(
        pl.col("liable").any().alias("liable"),
        pl.col("liable_units").sum().alias("liable_units"),
        pl.col("threshold_den").first().alias("threshold_den"),
        pl.col("amount_ore").sum().alias("average_amount_ore"),
        *by_care_type,
    )


def pending(episodes: pl.LazyFrame, months: pl.DataFrame) -> pl.DataFrame:
    """Episodes still admitted at each month's end, per kommun (any code, party or not).

    Admitted at the end of M ⇔ ready ≤ end(M) and not discharged by end(M); since discharge
    never precedes readiness, that count is ``#ready ≤ end(M) − #discharged ≤ end(M)``.
    """

    # Group on the dates first (few distinct per kommun), then fold the dates into months.
    def count_by_month(column: str, sign: int) -> pl.LazyFrame:
        return (
            episodes.filter(pl.col(column).is_not_null())
            .group_by("kommun", column)
            .agg((pl.len().cast(pl.Int64) * sign).alias("delta"))
            .select(pl.col("kommun").cast(pl.String), pl.col(column).dt.month_start().alias("month"), "delta")
        )

    running = (
        pl.concat([count_by_month("ready_date", 1), count_by_month("discharge_date", -1)])
        .group_by("kommun", "month")
        .agg(pl.col("delta").sum())
        .sort("kommun", "month")
        .with_columns(pl.col("delta").cum_sum().over("kommun").alias("admitted"))
        .collect()
    )
    grid = months.select("month").join(running.select("kommun").unique(), how="cross")
    return (
        grid.sort("month")
        .join_asof(
            running.sort("month"),
            on="month",
            by="kommun",
            strategy="backward",
            check_sortedness=False,
        )
        .select("month", "kommun", pl.col("admitted").fill_null(0).alias("pending_episodes"))
    )

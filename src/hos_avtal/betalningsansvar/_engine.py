"""The vectorised betalningsansvar engine (docs/rules.md §4).

Per-episode lines are one polars query over whole columns; what follows them works on dense
arrays (:mod:`hos_avtal.betalningsansvar._cube`):

1. *classify* (here): every episode discharged in a billed month gets a status, its days,
   billable days and amount (individual part);
2. *tally*: a group-by to (month, kommun, care type, status) — a few thousand cells however
   many episodes there are — from which the pooled average and its liability are computed
   exactly in integers (``D·den > num·N`` for a threshold ``num/den``);
3. *pending*: episodes still admitted at each month's end, by a cumulative count of readiness
   minus discharges per kommun.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from hos_avtal.rules import CARE_TYPES as CARE_TYPES  # the axis of care types, re-exported
from hos_avtal.rules import CONDITIONS

REASONS = tuple(CONDITIONS.values())
STATUSES = ("pooled", "individual", "not_covered", "outside_agreement")
PSYKIATRI = "_psykiatri"
"""The suffix of a parameter column holding psychiatry's own value (:func:`params_frame`)."""
_STATUS = pl.Enum(STATUSES)


class MonthParameters:
    """The month's parameters as expressions over an episode frame that has a ``month`` column.

    A parameter with one value in every billed month (nearly all of them) is a literal, so
    nothing is joined onto millions of rows; one that changes between months is looked up from
    the month. ``columns=True`` reads them from columns instead (frames that joined them).
    """

    def __init__(self, params: pl.DataFrame, *, columns: bool = False) -> None:
        self._exprs: dict[str, pl.Expr] = {}
        self._psykiatri: dict[str, pl.Expr] = {}
        for name in params.columns:
            if name == "month":
                continue
            values = params.get_column(name)
            if columns:
                expr = pl.col(name)
            elif values.n_unique() == 1:
                expr = pl.lit(values[0], dtype=values.dtype)
            else:
                expr = pl.col("month").replace_strict(
                    params.get_column("month"), values, return_dtype=values.dtype
                )
            own = name.removesuffix(PSYKIATRI)
            if own == name:
                self._exprs[name] = expr
            elif not params.get_column(own).equals(values):  # a care type's own value, where it differs
                self._psykiatri[own] = expr

    def __getitem__(self, name: str) -> pl.Expr:
        """The parameter of each row's month (and care type, where the two care types differ)."""
        if name in self._psykiatri:
            return (
                pl.when(pl.col("care_type") == "psykiatri")
                .then(self._psykiatri[name])
                .otherwise(self._exprs[name])
            )
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
    months = params.get_column("month")
    first: dt.date = min(months.to_list())
    last: dt.date = max(params.get_column("month_end").to_list())
    discharged = base.filter(pl.col("discharge_date").is_between(first, last)).with_columns(
        _month_start(pl.col("discharge_date"), first, last).alias("month")
    )
    if len(months) != _month_span(first, last):  # billed months with gaps between them
        discharged = discharged.filter(pl.col("month").is_in(months.implode()))
    discharged = discharged.with_columns(
        _days_between(pl.col("discharge_date"), pl.col("ready_date")).alias("days")
    )
    lines = _statuses(discharged, p, already_billed=_billed_through_previous_month(p)).with_columns(
        pl.lit(False).alias("accruing")
    )
    accrue = params.get_column("accrue")
    if accrue.any():
        lines = pl.concat([lines, _accruing(base, params.filter(accrue))], how="vertical_relaxed")
    return lines


def _month_start(date: pl.Expr, first: dt.date, last: dt.date) -> pl.Expr:
    """The month start of a date in [first, last], looked up in a table of those days.

    A gather from a table of a few thousand days is ten times faster than calendar arithmetic
    on every row (``dt.month_start`` was the largest single step on millions of episodes).
    """
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    table = pl.Series(days.astype("datetime64[M]").astype("datetime64[D]")).cast(pl.Date)
    return pl.lit(table).gather(date.cast(pl.Int32) - (first - _EPOCH).days)


def _month_span(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


_EPOCH = dt.date(1970, 1, 1)


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
    switches = accruing_params.select(pl.min_horizontal("individual_after", f"individual_after{PSYKIATRI}"))
    last_end, shortest = month_ends.max(), switches.to_series().min()
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
    )
    p = MonthParameters(accruing_params, columns=True)
    open_at_end = open_at_end.filter(pl.col("days") > p["individual_after"])
    lines = _statuses(open_at_end, p, already_billed=_billed_through_previous_month(p))
    return (
        lines.filter(pl.col("status") == "individual")
        .drop(accruing_params.drop("month").columns)
        .with_columns(pl.lit(True).alias("accruing"))
    )

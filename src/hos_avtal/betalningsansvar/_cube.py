"""Dense sums per (month, kommun, care type, status), and the report rows built from them.

The engine's group-by leaves at most months × 290 × 2 × 4 cells, whatever the number of
episodes. Scattering them into dense numpy arrays turns the rest of the calculation — pools,
pending episodes, the recurring flag, the 49 rows per month and the outside-agreement report —
into whole-array integer arithmetic, a fixed few milliseconds instead of a dozen small polars
queries (which dominated a 1 000-episode request). Every figure stays an exact int64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from hos_avtal.betalningsansvar._engine import CARE_TYPES, REASONS, STATUSES
from hos_avtal.io import KOMMUN
from hos_avtal.months import months_in_a_row

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CODES: tuple[str, ...] = tuple(KOMMUN.categories.to_list())
"""Every kommun code in the order of the ``KOMMUN`` enum, so its physical index is an array index."""

_MEASURES = ("episodes", "days", "billable_days", "amount_ore", "accruing", *REASONS)
_POOLED, _INDIVIDUAL, _NOT_COVERED, _OUTSIDE = (
    STATUSES.index(s) for s in ("pooled", "individual", "not_covered", "outside_agreement")
)
_INDEX = {code: i for i, code in enumerate(CODES)}
_ENUMS = {"kommun": KOMMUN, "care_type": pl.Enum(CARE_TYPES), "status": pl.Enum(STATUSES)}


@dataclass(frozen=True)
class Cube:
    """``sums[measure]`` has shape (month, kommun, care type, status); months as in ``params``."""

    params: pl.DataFrame
    sums: dict[str, IntArray]

    def at(self, measure: str, status: int) -> IntArray:
        """(month, kommun, care type) for one status."""
        return self.sums[measure][..., status]


def month_ordinals(dates: pl.Series) -> IntArray:
    """Months since 1970-01 of a Date series (no nulls)."""
    return dates.to_numpy().astype("datetime64[M]").astype(np.int64)


def cell_sums(lines: pl.LazyFrame) -> pl.LazyFrame:
    """The query of counts and sums per (month, kommun, care type, status) cell."""
    return lines.group_by("month", "kommun", "care_type", "status").agg(
        pl.len().alias("episodes"), *[pl.col(m).sum() for m in _MEASURES[1:]]
    )


def tally(groups: pl.DataFrame, params: pl.DataFrame) -> Cube:
    """The collected :func:`cell_sums` scattered into dense arrays.

    The group keys become array indices here in numpy, not in the query: on a small input each
    expression of a query costs more than the data it reads.
    """
    months = month_ordinals(params.get_column("month"))
    order = np.argsort(months)
    cell = (
        order[np.searchsorted(months, month_ordinals(groups.get_column("month")), sorter=order)],
        *(groups.get_column(c).cast(dtype).to_physical().to_numpy() for c, dtype in _ENUMS.items()),
    )
    shape = (len(months), len(CODES), len(CARE_TYPES), len(STATUSES))
    sums = {}
    for measure in _MEASURES:
        dense = np.zeros(shape, dtype=np.int64)
        dense[cell] = groups.get_column(measure).to_numpy()
        sums[measure] = dense
    return Cube(params, sums)


@dataclass(frozen=True)
class _Buckets:
    """Billed months' span as (kommun, month) buckets; the last bucket is after every month."""

    first: int
    """The first billed month, in months since 1970-01."""
    wanted: IntArray
    """The billed months, in months since 1970-01."""
    span: int
    """Calendar months from the first billed month through the last."""

    @classmethod
    def of(cls, params: pl.DataFrame) -> _Buckets:
        wanted = month_ordinals(params.get_column("month"))
        first = int(wanted.min())
        return cls(first, wanted, int(wanted.max()) - first + 1)


def admission_keys(episodes: pl.LazyFrame, params: pl.DataFrame) -> pl.LazyFrame:
    """The query behind :func:`pending`: each episode's (kommun, month) bucket of readiness and
    of discharge.

    A day before the first billed month counts in every month (bucket 0), a day after the last
    in none (bucket ``span``, cut off later), like a discharge not yet known. The buckets of the
    days in between come from a table of those days: a gather, not calendar arithmetic per row.
    """
    b = _Buckets.of(params)
    start = np.datetime64(b.first, "M").astype("datetime64[D]")
    days = np.arange(start, np.datetime64(b.first + b.span, "M").astype("datetime64[D]"))
    inside = days.astype("datetime64[M]").astype(np.int64) - b.first
    table = pl.Series(np.concatenate([[0], inside, [b.span]]))
    origin = int(start.astype(np.int64)) - 1  # index 0: any day before the first billed month

    def bucket(date: str) -> pl.Expr:
        offset = (pl.col(date).cast(pl.Int32) - origin).clip(0, len(days) + 1)
        return pl.lit(table).gather(offset)

    row = pl.col("kommun").cast(KOMMUN).to_physical().cast(pl.Int64) * (b.span + 1)
    return episodes.select(
        (row + bucket("ready_date")).alias("ready"),
        (row + bucket("discharge_date").fill_null(b.span)).alias("discharge"),
    )


def pending(keys: pl.DataFrame, params: pl.DataFrame) -> IntArray:
    """Episodes still admitted at each month's end, (month, kommun), any code, from the collected
    :func:`admission_keys`.

    Admitted at the end of M ⇔ ready ≤ end(M) and not discharged by end(M); since discharge
    never precedes readiness, that count is ``#ready ≤ end(M) − #discharged ≤ end(M)``: two
    histograms over (kommun, month) and a cumulative sum along the months.
    """
    b = _Buckets.of(params)

    def admitted_by_end(column: str) -> IntArray:
        counts = np.bincount(keys.get_column(column).to_numpy(), minlength=len(CODES) * (b.span + 1))
        by_month = np.cumsum(counts.reshape(len(CODES), b.span + 1)[:, : b.span], axis=1)
        return by_month[:, b.wanted - b.first].T

    return admitted_by_end("ready") - admitted_by_end("discharge")


def _pool_amounts(n: IntArray, d: IntArray, p: dict[str, IntArray]) -> tuple[IntArray, IntArray]:
    """Per pool: liable units (1/den days over the threshold, 0 if none) and the amount in öre.

    In units of 1/den days, D − t·N = (D·den − num·N) / den, exact; rounded half up once.
    """
    excess = np.maximum(d * p["den"] - p["num"] * n, 0)
    return excess, (2 * excess * p["daily"] + p["den"]) // (2 * p["den"])


def _month_params(params: pl.DataFrame) -> dict[str, IntArray]:
    """Each month's numbers shaped (month, 1, 1) to broadcast over (month, kommun, care type)."""
    names = {"num": "threshold_num", "den": "threshold_den", "daily": "daily_ore"}
    shaped = {k: params.get_column(c).to_numpy().astype(np.int64)[:, None, None] for k, c in names.items()}
    shaped["separate"] = params.get_column("separate_pools").to_numpy()[:, None]
    return shaped


def municipality_rows(
    cube: Cube, pending_counts: IntArray, parties: pl.DataFrame, recurring_after: IntArray
) -> pl.DataFrame:
    """One row per (month, party), zeros where nothing happened, sorted by month and kommun."""
    parties = _sorted_by_kommun(parties)
    party = np.array([_INDEX[c] for c in parties.get_column("kommun")], dtype=np.int64)
    months = cube.params.get_column("month")
    month_count, party_count = len(months), len(party)

    def flat(a: npt.NDArray[np.int64 | np.bool_]) -> npt.NDArray[np.int64 | np.bool_]:
        return a[:, party].reshape(-1)

    columns: dict[str, npt.NDArray[np.int64 | np.bool_]] = {}
    by_status = {
        "average": (_POOLED, ("episodes", "days")),
        "individual": (_INDIVIDUAL, ("episodes", "billable_days", "amount_ore")),
        "not_covered": (_NOT_COVERED, ("episodes",)),
    }
    accruing = cube.at("accruing", _INDIVIDUAL).sum(axis=2)
    for name, (status, measures) in by_status.items():
        for m in measures:
            columns[f"{name}_{m}"] = flat(cube.at(m, status).sum(axis=2))
        if name == "individual":
            columns["accruing_episodes"] = flat(accruing)
    for r in REASONS:
        columns[f"not_covered_{r}"] = flat(cube.at(r, _NOT_COVERED).sum(axis=2))
    for c, care in enumerate(CARE_TYPES):
        for name, (status, measures) in by_status.items():
            for m in measures:
                columns[f"{name}_{m}_{care}"] = flat(cube.at(m, status)[..., c])

    p = _month_params(cube.params)
    n, d = cube.at("episodes", _POOLED), cube.at("days", _POOLED)
    units_care, amount_care = _pool_amounts(n, d, p)
    units_joint, amount_joint = _pool_amounts(n.sum(axis=2, keepdims=True), d.sum(axis=2, keepdims=True), p)
    units = np.where(p["separate"], units_care.sum(axis=2), units_joint[..., 0])
    amount_by_care = np.where(p["separate"][..., None], amount_care, 0)
    average_amount = np.where(p["separate"], amount_care.sum(axis=2), amount_joint[..., 0])
    columns["liable"] = flat(units > 0)
    columns["liable_units"] = flat(units)
    columns["average_amount_ore"] = flat(average_amount)
    for c, care in enumerate(CARE_TYPES):
        columns[f"average_amount_ore_{care}"] = flat(amount_by_care[..., c])

    total = average_amount + cube.at("amount_ore", _INDIVIDUAL).sum(axis=2)
    columns["pending_episodes"] = flat(pending_counts - accruing)
    columns["total_amount_ore"] = flat(total)
    consecutive = months_in_a_row(total > 0, month_ordinals(months))
    columns["consecutive_liable_months"] = flat(consecutive)
    columns["recurring_liability"] = flat(consecutive >= recurring_after[:, None])

    # Built in one constructor from whole columns: every select or hstack is a query of its own.
    every_month = np.repeat(np.arange(month_count), party_count)
    every_party = np.tile(np.arange(party_count), month_count)
    return pl.DataFrame(
        {
            "month": months[every_month],
            "threshold_den": cube.params.get_column("threshold_den").to_numpy()[every_month],
            **{name: parties.get_column(name)[every_party] for name in parties.columns},
            **{name: columns[name] for name in _ROW_ORDER},
        }
    )


def _sorted_by_kommun(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame in kommun order; the registry's frames already are, so nothing is done then."""
    codes = frame.get_column("kommun").to_numpy()
    order = np.argsort(codes, kind="stable")
    return frame if (order == np.arange(len(codes))).all() else frame[order]


_ROW_ORDER = [
    "average_episodes", "average_days", "individual_episodes", "individual_billable_days",
    "individual_amount_ore", "accruing_episodes", "not_covered_episodes",
    *[f"not_covered_{r}" for r in REASONS],
    *[
        f"{name}_{care}"
        for care in CARE_TYPES
        for name in (
            "average_episodes", "average_days", "individual_episodes", "individual_billable_days",
            "individual_amount_ore", "not_covered_episodes",
        )
    ],
    "liable", "liable_units", "average_amount_ore",
    *[f"average_amount_ore_{care}" for care in CARE_TYPES],
    "pending_episodes", "total_amount_ore", "consecutive_liable_months", "recurring_liability",
]  # fmt: skip


def outside_rows(cube: Cube, pending_counts: IntArray, registry: pl.DataFrame) -> pl.DataFrame:
    """Non-party municipalities with episodes discharged or waiting: reported, never billed."""
    others = _sorted_by_kommun(registry)
    others = others[np.flatnonzero(~others.get_column("is_party").to_numpy())]
    index = np.array([_INDEX[c] for c in others.get_column("kommun")], dtype=np.int64)
    episodes = cube.at("episodes", _OUTSIDE).sum(axis=2)[:, index]
    days = cube.at("days", _OUTSIDE).sum(axis=2)[:, index]
    waiting = pending_counts[:, index]
    month, row = np.nonzero((episodes > 0) | (waiting > 0))
    return pl.DataFrame(
        {
            "month": cube.params.get_column("month")[month],
            **{name: others.get_column(name)[row] for name in ("kommun", "name", "lan")},
            "episodes": episodes[month, row],
            "days": days[month, row],
            "pending_episodes": waiting[month, row],
        }
    )

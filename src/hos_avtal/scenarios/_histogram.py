"""A parameter sweep of betalningsansvar from per-month histograms of waiting days (docs/rules.md §4, §7).

A municipality-month's amounts depend on its covered episodes only through how many waited
each number of days (per care type). So one polars pass builds that histogram, cumulative
counts and day sums turn it into ``N(≤ s)`` and ``D(≤ s)`` for any switch day ``s``, and every
combination of parameters is then a few numpy operations over a (combinations × cells) array,
in exact integers.

>>> import datetime as dt
>>> from decimal import Decimal
>>> import polars as pl
>>> from hos_avtal.betalningsansvar import MonthRules
>>> from hos_avtal.rules import load_ruleset
>>> from hos_avtal.scenarios._histogram import sweep_betalningsansvar
>>> days = [0, 2, 3, 5, 6]  # the first worked example of docs/rules.md §4: 16 days over 5 episodes
>>> episodes = pl.DataFrame({
...     "episode_id": [f"e{i}" for i in range(5)], "person_id": [f"p{i}" for i in range(5)],
...     "kommun": ["1480"] * 5, "care_type": ["somatik"] * 5, "hospital": ["SU"] * 5,
...     "ready_date": [dt.date(2022, 3, 1)] * 5,
...     "discharge_date": [dt.date(2022, 3, 1 + d) for d in days],
...     **{c: [True] * 5 for c in ("admission_notice", "ready_notice", "outpatient_plan",
...                                "outpatient_available", "sip_invited")},
...     "sip_needed": [False] * 5,
... })
>>> ruleset = load_ruleset("vgr-2018")
>>> months = [MonthRules(ruleset, ruleset.betalningsansvar("2022-03"))]
>>> grid = [{}, {"average_threshold_days": Decimal("2.5")}, {"average_threshold_days": Decimal("3.2")}]
>>> sweep = sweep_betalningsansvar(episodes, months, grid)
>>> sweep.filter(pl.col("kommun") == "1480")["amount_ore"].to_list()  # 1, 3.5 and 0 days
[930000, 3255000, 0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from hos_avtal.betalningsansvar import MonthRules, calculate_with_parameters, classify_episodes, params_frame
from hos_avtal.errors import EpisodesNeededError
from hos_avtal.money import sek_to_ore
from hos_avtal.municipalities import parties_frame
from hos_avtal.rules import CARE_TYPES, BetalningsansvarParameters, parameter_catalog
from hos_avtal.rules import check_betalningsansvar_value as check_value
from hos_avtal.scenarios._days import EpisodeDays, cell_indexes


def sweepable() -> list[str]:
    """The betalningsansvar parameters a grid may vary: the catalog's sweepable ones."""
    return [spec.name for spec in parameter_catalog().sweepable() if spec.capability == "betalningsansvar"]


OUTPUT_SCHEMA = {
    "combination": pl.Int64,
    "month": pl.Date,
    "kommun": pl.String,
    "pooled_ore": pl.Int64,
    "individual_ore": pl.Int64,
    "amount_ore": pl.Int64,
}

TOTALS_SCHEMA = {name: dtype for name, dtype in OUTPUT_SCHEMA.items() if name != "month"}
"""The result with ``by_month=False``: summed over the months."""

# Past this bound an int64 product could wrap silently; Python ints never do.
_INT64_SAFE = 2**62

IntArray = npt.NDArray[Any]


def sweep_betalningsansvar(
    episodes: pl.DataFrame | EpisodeDays,
    months: Sequence[MonthRules],
    grid: Sequence[Mapping[str, object]],
    *,
    by_month: bool = True,
) -> pl.DataFrame:
    """Pooled, individual and total amounts of every (combination, month, party).

    ``episodes`` is a validated episode frame, or their :class:`EpisodeDays` (what a stored
    dataset keeps: the same answer without reading an episode); ``months`` the base rule set and parameters of
    each billed month; ``grid`` one mapping per combination from parameter name (a subset of
    :func:`sweepable`) to its value — ``Decimal`` for ``average_threshold_days`` and
    ``daily_amount_sek``, ``int`` for the day counts, ``bool`` for
    ``separate_care_type_averages``. ``{}`` is the base parameters, and a name a mapping leaves
    out keeps its base value.

    Combination ``c`` equals ``calculate_with_parameters`` with ``grid[c]`` replaced into every
    month's parameters: ``pooled_ore`` is its ``average_amount_ore``, ``amount_ore`` its
    ``total_amount_ore`` and ``individual_ore`` the difference, öre-exact. Columns:
    ``combination`` (index into ``grid``), ``month``, ``kommun`` (all 49 parties every month,
    zero rows included), ``pooled_ore``, ``individual_ore``, ``amount_ore``; sorted by
    combination, month, kommun.

    When any month has ``accrue_while_admitted``, an episode is billed across the months it
    stays, which a histogram of discharged episodes cannot express: the sweep then falls back to
    one ``calculate_with_parameters`` per combination — the same answer, far slower.

    ``by_month=False`` sums over the months: no ``month`` column, one row per (combination,
    party) — what a sweep's totals need, without a group-by over every month's rows.
    """
    ordered = sorted(months, key=lambda m: m.parameters.month)
    overrides = [_converted(grid, index) for index in range(len(grid))]
    if not overrides or not ordered:
        return pl.DataFrame(schema=OUTPUT_SCHEMA if by_month else TOTALS_SCHEMA)
    if isinstance(episodes, EpisodeDays):
        if any(m.parameters.accrue_while_admitted for m in ordered):
            raise EpisodesNeededError(
                "upplupet betalningsansvar under vårdtiden kräver vårdtillfällena, inte deras dagfördelning"
            )
        return _swept(episodes, ordered, overrides, by_month=by_month)
    if any(m.parameters.accrue_while_admitted for m in ordered):
        separately = _separately(episodes, ordered, overrides)
        if by_month:
            return separately
        return (
            separately.group_by("combination", "kommun")
            .agg(pl.col("pooled_ore", "individual_ore", "amount_ore").sum())
            .sort("combination", "kommun")
        )
    return _swept(partial(_episode_cells, episodes), ordered, overrides, by_month=by_month)


def _converted(grid: Sequence[Mapping[str, object]], index: int) -> dict[str, Any]:
    """``grid[index]`` as BetalningsansvarParameters field values, checked like a rule-set value."""
    combination = grid[index]
    fields: dict[str, Any] = {}
    for name, value in combination.items():
        if name not in sweepable():
            raise ValueError(
                f"grid[{index}]: {name!r} kan inte svepas; de som kan svepas: {', '.join(sweepable())}"
            )
        try:
            typed = check_value(name, value)
        except ValueError as exc:
            raise ValueError(f"grid[{index}][{name!r}]: {exc}") from None
        if name == "daily_amount_sek":
            fields["daily_amount_ore"] = sek_to_ore(typed)  # type: ignore[arg-type]
        else:
            fields[name] = typed
    return fields


def _separately(
    episodes: pl.DataFrame, months: Sequence[MonthRules], overrides: Sequence[dict[str, Any]]
) -> pl.DataFrame:
    frames = []
    for index, fields in enumerate(overrides):
        scenario = [MonthRules(m.ruleset, m.parameters.with_values(**fields)) for m in months]
        rows = calculate_with_parameters(episodes, scenario).municipalities
        frames.append(
            rows.select(
                pl.lit(index, pl.Int64).alias("combination"),
                "month",
                "kommun",
                pl.col("average_amount_ore").alias("pooled_ore"),
                (pl.col("total_amount_ore") - pl.col("average_amount_ore")).alias("individual_ore"),
                pl.col("total_amount_ore").alias("amount_ore"),
            )
        )
    return pl.concat(frames).cast(OUTPUT_SCHEMA).sort("combination", "month", "kommun")  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class _Parameters:
    """Each parameter as a (combinations × months) array; the switch day and the free days as
    (combinations × months × care types), since an agreement may set them per care type."""

    switch: IntArray
    free: IntArray
    num: IntArray
    den: IntArray
    daily: IntArray
    separate: npt.NDArray[np.bool_]


def _parameter_arrays(
    base: Sequence[BetalningsansvarParameters], overrides: Sequence[dict[str, Any]]
) -> _Parameters:
    combinations = len(overrides)

    def field(name: str, value: Any = lambda v: v) -> IntArray:
        per_month = np.array([value(getattr(p, name)) for p in base], dtype=np.int64)
        array = np.tile(per_month, (combinations, 1))
        for index, fields in enumerate(overrides):
            if name in fields:
                array[index, :] = value(fields[name])
        return array

    fractions: dict[Decimal, tuple[int, int]] = {}

    def fraction(threshold: Decimal) -> tuple[int, int]:
        # The engine's own conversion, once per distinct threshold.
        if threshold not in fractions:
            fractions[threshold] = dataclasses.replace(
                base[0], average_threshold_days=threshold
            ).threshold_fraction
        return fractions[threshold]

    def per_care_type(name: str, value: Any = lambda v: v) -> IntArray:
        """(combination, month, care type): a care type's own value, unless the grid sets one for both."""
        arrays = []
        for care_type in CARE_TYPES:
            own = [p.for_care_type(care_type) for p in base]
            array = np.tile(
                np.array([value(getattr(p, name)) for p in own], dtype=np.int64), (combinations, 1)
            )
            for index, fields in enumerate(overrides):
                if name in fields:
                    array[index, :] = value(fields[name])
            arrays.append(array)
        return np.stack(arrays, axis=2)

    # Without a pooled average every covered episode is individual: the switch day is −1.
    pooled = per_care_type("pooled_average", bool).astype(bool)
    return _Parameters(
        switch=np.where(pooled, per_care_type("individual_after_days"), -1),
        free=per_care_type("free_days"),
        num=field("average_threshold_days", lambda t: fraction(t)[0]),
        den=field("average_threshold_days", lambda t: fraction(t)[1]),
        daily=field("daily_amount_ore"),
        separate=field("separate_care_type_averages", bool).astype(bool),
    )


Cells = Callable[[Sequence[MonthRules], list[str]], pl.DataFrame]
"""The covered episodes of the billed months as (month, kommun, care_type) indexes, ``days`` and
``n`` episodes, one row per distinct combination or per episode (both are summed)."""


def _episode_cells(episodes: pl.DataFrame, months: Sequence[MonthRules], codes: list[str]) -> pl.DataFrame:
    params = params_frame([m.parameters for m in months])
    month_list = params.get_column("month")
    # The engine's own classification, so that "covered" means exactly what it means there.
    lines = classify_episodes(episodes.lazy(), params, codes)
    return (
        lines.filter(pl.col("status").is_in(["pooled", "individual"]))
        .select(*cell_indexes(month_list, codes), "days", pl.lit(1, pl.Int64).alias("n"))
        .collect()
    )


def _histogram(
    cells_of: Cells, months: Sequence[MonthRules], codes: list[str], cap: int
) -> tuple[IntArray, IntArray]:
    """Cumulative counts and day sums per cell (month × kommun × care type) and clipped day.

    ``[cell, s + 1]`` covers the days ≤ ``s`` for ``−1 ≤ s ≤ cap`` (``[cell, 0]`` is nothing, what
    a switch day of −1 pools); ``[cell, cap + 2]`` is the cell's total. Days past ``cap`` share
    one bucket since no parameter asks where they fall.
    """
    cells = (
        cells_of(months, codes)
        .group_by("month", "kommun", "care_type", pl.col("days").clip(upper_bound=cap + 1).alias("bucket"))
        .agg(pl.col("n").sum().cast(pl.Int64).alias("n"), (pl.col("days") * pl.col("n")).sum().alias("d"))
    )
    care_count = len(CARE_TYPES)
    shape = (len(months) * len(codes) * care_count, cap + 3)
    counts, day_sums = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    cell = (cells["month"].to_numpy() * len(codes) + cells["kommun"].to_numpy()) * care_count + cells[
        "care_type"
    ].to_numpy()
    bucket = cells["bucket"].to_numpy() + 1
    if bucket.size and bucket.min() < 1:
        # A negative index would silently count from the end of the row.
        raise ValueError(
            "ett vårdtillfälle är utskrivet före utskrivningsklar; validera vårdtillfällena först"
        )
    counts[cell, bucket] = cells["n"].to_numpy()
    day_sums[cell, bucket] = cells["d"].to_numpy()
    return np.cumsum(counts, axis=1), np.cumsum(day_sums, axis=1)


def _swept(
    source: Cells | EpisodeDays,
    months: Sequence[MonthRules],
    overrides: Sequence[dict[str, Any]],
    *,
    by_month: bool = True,
) -> pl.DataFrame:
    codes = sorted(parties_frame().get_column("kommun").to_list())
    p = _parameter_arrays([m.parameters for m in months], overrides)
    combinations, month_count, _care = p.switch.shape
    kommun_count, care_count = len(codes), len(CARE_TYPES)
    cap = int(np.maximum(p.switch, p.free).max())
    if isinstance(source, EpisodeDays):
        # What the months' conditions and the largest day asked for make of a stored histogram.
        key = (tuple((m.parameters.month, m.parameters.conditions) for m in months), cap)
        cum_n, cum_d = source.kept(key, lambda: _histogram(source.cells, months, codes, cap))
    else:
        cum_n, cum_d = _histogram(source, months, codes, cap)
    totals_n = cum_n[:, -1].reshape(month_count, kommun_count, care_count)
    totals_d = cum_d[:, -1].reshape(month_count, kommun_count, care_count)
    if _bound(totals_n, totals_d, p) >= _INT64_SAFE:
        cum_n, cum_d = cum_n.astype(object), cum_d.astype(object)
        totals_n, totals_d = totals_n.astype(object), totals_d.astype(object)
    cells = np.arange(month_count * kommun_count * care_count).reshape(month_count, kommun_count, care_count)

    def at(cumulative: IntArray, day: IntArray) -> IntArray:
        """(combination, month, kommun, care type): the cumulative value at each row's day (a
        (combination, month, care type) array)."""
        found: IntArray = cumulative[cells[None], day[:, :, None, :] + 1]
        return found

    def per_cell(a: IntArray) -> IntArray:
        """A (combination, month) or (combination, month, care type) array over every cell."""
        shaped = a[:, :, None, :] if a.ndim == 3 else a[:, :, None, None]
        return shaped.astype(cum_n.dtype)

    # The pooled part ignores the free days and the individual part the threshold, so each is
    # computed once per distinct combination of what it depends on (a 10×10×10 grid: 100 each).
    rows, back = _distinct(p.switch, p.num, p.den, p.daily, p.separate)
    n_pooled, d_pooled = at(cum_n, p.switch[rows]), at(cum_d, p.switch[rows])
    num, den, daily = per_cell(p.num[rows]), per_cell(p.den[rows]), per_cell(p.daily[rows])
    separate = _pool_amounts(n_pooled, d_pooled, num, den, daily).sum(axis=3)
    joint = _pool_amounts(n_pooled.sum(axis=3), d_pooled.sum(axis=3), num[..., 0], den[..., 0], daily[..., 0])
    pooled = np.where(p.separate[rows][:, :, None], separate, joint)[back]

    # Episodes past the switch day pay max(days − free, 0) each: those past max(switch, free)
    # pay days − free, those in between nothing.
    rows, back = _distinct(p.switch, p.free, p.daily)
    above = np.maximum(p.switch[rows], p.free[rows])
    count_above = totals_n[None] - at(cum_n, above)
    days_above = totals_d[None] - at(cum_d, above)
    free, daily = per_cell(p.free[rows]), per_cell(p.daily[rows])
    individual = ((days_above - free * count_above) * daily).sum(axis=3)[back]

    if not by_month:
        # A sweep's totals need no month: summing here saves a group-by over months × rows.
        pooled, individual = pooled.sum(axis=1), individual.sum(axis=1)
        return pl.DataFrame(
            {
                "combination": np.repeat(np.arange(combinations, dtype=np.int64), kommun_count),
                "kommun": pl.Series(codes, dtype=pl.String).gather(
                    np.tile(np.arange(kommun_count), combinations)
                ),
                "pooled_ore": _int64(pooled.reshape(-1), pooled.shape),
                "individual_ore": _int64(individual.reshape(-1), pooled.shape),
                "amount_ore": _int64((pooled + individual).reshape(-1), pooled.shape),
            },
            schema=TOTALS_SCHEMA,
        )
    shape = (combinations, month_count, kommun_count)
    month_values = [m.parameters.month for m in months]
    return pl.DataFrame(
        {
            "combination": np.repeat(np.arange(combinations, dtype=np.int64), month_count * kommun_count),
            "month": pl.Series(month_values, dtype=pl.Date).gather(
                np.tile(np.repeat(np.arange(month_count), kommun_count), combinations)
            ),
            "kommun": pl.Series(codes, dtype=pl.String).gather(
                np.tile(np.arange(kommun_count), combinations * month_count)
            ),
            "pooled_ore": _int64(pooled.reshape(-1), shape),
            "individual_ore": _int64(individual.reshape(-1), shape),
            "amount_ore": _int64((pooled + individual).reshape(-1), shape),
        },
        schema=OUTPUT_SCHEMA,
    )


def _distinct(*arrays: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows of the (combinations × months) arrays that differ, and each combination's one."""
    keys = np.concatenate([a.astype(np.int64).reshape(a.shape[0], -1) for a in arrays], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _pool_amounts(n: IntArray, d: IntArray, num: IntArray, den: IntArray, daily: IntArray) -> IntArray:
    """Per pool: liable iff D·den > num·N; then (D − t·N)·daily rounded half up, once."""
    excess = d * den - num * n
    # divide_round_half_up's (2n + d) // 2d, on arrays.
    amount = (2 * excess * daily + den) // (2 * den)
    return np.where(excess > 0, amount, 0)


def _bound(totals_n: IntArray, totals_d: IntArray, p: _Parameters) -> int:
    """An upper bound of every intermediate of :func:`_swept`, in Python ints."""
    pool_n, pool_d = int(totals_n.sum(axis=2).max(initial=0)), int(totals_d.sum(axis=2).max(initial=0))
    num, den = int(p.num.max()), int(p.den.max())
    daily, free = int(p.daily.max()), int(p.free.max())
    pooled = 2 * (pool_d * den + num * pool_n) * daily + den
    individual = (pool_d + free * pool_n) * daily
    return max(pooled, 2 * individual)


def _int64(values: IntArray, shape: tuple[int, ...]) -> pl.Series:
    if values.dtype == object:
        largest = max((abs(int(v)) for v in values), default=0)
        if largest >= 2**63:
            raise OverflowError(f"ett belopp på {largest} öre ryms inte i Int64 ({shape} resultat)")
    return pl.Series(values.astype(np.int64), dtype=pl.Int64)

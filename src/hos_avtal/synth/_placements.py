"""Generated placements, monthly costs and cost agreements that look like a VGR year.

Placements are spread over the 49 municipalities by population. Most are familjehem
(30 000–60 000 kr a month), the rest HVB (80 000–150 000 kr); about a quarter are acute. Most
have a schablon or percent agreement from their start, some a fixed amount (a few above the
cost, so the cap shows), some a second, later version, some none at all; acute placements are
often decided after 30 days and a few agreements are decided months late and reach back to the
start, so that ``--adjust-from`` has something to find.

Everything is drawn with numpy from one seed, so a seed gives the same files on any machine.

>>> from hos_avtal.synth._placements import synth_placements
>>> from hos_avtal.synth import month_range
>>> placements, costs, agreements = synth_placements(month_range("2024-01..2024-12"), placements=50, seed=1)
>>> placements.height, costs["month"].min(), agreements["method"].n_unique()
(50, '2024-01', 3)
"""

from __future__ import annotations

import numpy as np
import polars as pl

from hos_avtal._types import Month
from hos_avtal.money import format_sek_expr
from hos_avtal.months import month_end
from hos_avtal.municipalities import parties
from hos_avtal.synth._episodes import _POPULATION

_PERCENTS = np.array(["25", "33.33", "40", "50", "20.5", "60"])


def synth_placements(
    months: list[Month], *, placements: int = 200, seed: int = 2022
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``(placements, costs, agreements)`` frames with the docs/rules.md §5 columns, valid input.

    Money and percentages are decimal strings, months ``YYYY-MM`` text, as in the files; the
    frames can be written to CSV or Parquet as they are.
    """
    if not months:
        raise ValueError("give at least one month")
    rng = np.random.default_rng(seed)
    n = placements
    first, last = months[0], month_end(months[-1])
    ps = parties()
    weights = np.array([_POPULATION[m.code] for m in ps], dtype=float)
    codes = np.array([m.code for m in ps])[rng.choice(len(ps), size=n, p=weights / weights.sum())]

    span = (last - first).days + 1
    start_offset = rng.integers(-365, span, size=n)  # many placements began before the period
    starts = np.datetime64(first) + start_offset.astype("timedelta64[D]")
    duration = (rng.lognormal(mean=5.0, sigma=0.8, size=n)).astype(np.int64) + 14  # median ~5 months
    ends = starts + duration.astype("timedelta64[D]")
    ongoing = ends > np.datetime64(last)
    # A placement must overlap the period to have costs in it.
    ends = np.where(ends < np.datetime64(first), np.datetime64(first) + rng.integers(0, 60, size=n), ends)
    acute = rng.random(n) < 0.25
    placed_by = np.where(rng.random(n) < 0.3, "region", "kommun")
    ids = np.array([f"PL{seed % 1000:03d}-{i:05d}" for i in range(n)])
    placement_frame = pl.DataFrame(
        {
            "placement_id": ids,
            "kommun": codes,
            "placed_by": placed_by,
            "start_date": starts.astype("datetime64[D]"),
            "end_date": ends.astype("datetime64[D]"),
            "acute": acute,
        }
    ).with_columns(
        pl.col("start_date", "end_date").cast(pl.Date),
    )
    placement_frame = placement_frame.with_columns(
        pl.when(pl.Series(ongoing)).then(None).otherwise(pl.col("end_date")).alias("end_date")
    )

    # Monthly cost: a level per placement (familjehem or HVB), pro rata for part months, some noise.
    hvb = rng.random(n) < 0.4
    level = np.where(hvb, rng.integers(80_000, 150_001, size=n), rng.integers(30_000, 60_001, size=n))
    month_frame = pl.DataFrame({"month": months}, schema={"month": pl.Date})
    costs = (
        placement_frame.with_columns(pl.Series("_level", level), pl.Series("_index", np.arange(n)))
        .join(month_frame, how="cross")
        .with_columns(pl.col("month").dt.month_end().alias("_end"))
        .filter(
            (pl.col("_end") >= pl.col("start_date"))
            & (pl.col("end_date").is_null() | (pl.col("month") <= pl.col("end_date")))
        )
        .with_columns(
            (
                (
                    pl.min_horizontal(pl.col("end_date").fill_null(pl.col("_end")), "_end")
                    - pl.max_horizontal("start_date", "month")
                ).dt.total_days()
                + 1
            ).alias("_days"),
            pl.col("_end").dt.day().alias("_month_days"),
        )
        .sort("_index", "month")
    )
    noise = rng.normal(1.0, 0.04, size=costs.height).clip(0.85, 1.15)
    ore = (
        costs["_level"].to_numpy() * 100 * noise * costs["_days"].to_numpy() / costs["_month_days"].to_numpy()
    ).astype(np.int64)
    cost_frame = costs.select(
        "placement_id",
        pl.col("month").dt.strftime("%Y-%m"),
        _sek(pl.Series("cost", ore)).alias("cost_sek"),
    )
    agreements = _agreements(rng, placement_frame.with_columns(pl.lit(first).alias("_period_start")), level)
    return placement_frame, cost_frame, agreements


def _sek(ore: pl.Series) -> pl.Series:
    """Öre as the files' decimal strings (``"45123.07"``)."""
    return ore.to_frame().select(format_sek_expr(pl.col(ore.name))).to_series().rename(ore.name)


def _agreements(rng: np.random.Generator, placements: pl.DataFrame, level: np.ndarray) -> pl.DataFrame:
    n = placements.height
    starts = placements["start_date"].to_numpy().astype("datetime64[D]")
    acute = placements["acute"].to_numpy()
    has = rng.random(n) >= 0.1  # one in ten has no agreement at all
    method = rng.choice(["schablon", "percent", "fixed"], size=n, p=[0.55, 0.3, 0.15])
    # Decided: before the start for a planned placement, 5–60 days after for an acute one, and
    # for some, months late (the retroactive decisions that produce adjustments).
    delay = np.where(acute, rng.integers(5, 61, size=n), -rng.integers(0, 21, size=n))
    late = rng.random(n) < 0.12
    delay = np.where(late, rng.integers(60, 200, size=n), delay)
    decided = starts + delay.astype("timedelta64[D]")
    fixed_party = np.where(rng.random(n) < 0.6, "region", "kommun")
    fixed = (level * rng.uniform(0.2, 1.2, size=n)).astype(np.int64) * 100  # some above the cost
    percent = rng.choice(_PERCENTS, size=n)

    # One in seven agreements is renegotiated: the first version ends, a second, decided later,
    # takes over with another split.
    renegotiated = has & (rng.random(n) < 0.15)
    # (Inside the generated period, so that the month of the switch shows a mixed split.)
    period_start = np.datetime64(placements["_period_start"][0], "D")
    switch = np.maximum(starts, period_start) + rng.integers(15, 150, size=n).astype("timedelta64[D]")
    second_decided = np.maximum(decided, switch - rng.integers(0, 30, size=n).astype("timedelta64[D]")) + (
        rng.integers(1, 20, size=n).astype("timedelta64[D]")
    )
    first = _agreement_frame(
        placements["placement_id"].to_numpy(),
        starts,
        np.where(renegotiated, switch - 1, np.datetime64("NaT")),
        method,
        percent,
        fixed_party,
        fixed,
        decided,
    ).filter(pl.Series(has))
    second_method = rng.choice(["schablon", "percent"], size=n, p=[0.4, 0.6])
    second = _agreement_frame(
        placements["placement_id"].to_numpy(),
        switch,
        np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        second_method,
        rng.choice(_PERCENTS, size=n),
        fixed_party,
        fixed,
        second_decided,
    ).filter(pl.Series(renegotiated))
    return pl.concat([first, second]).sort("placement_id", "valid_from")


def _agreement_frame(
    ids: np.ndarray,
    valid_from: np.ndarray,
    valid_to: np.ndarray,
    method: np.ndarray,
    percent: np.ndarray,
    fixed_party: np.ndarray,
    fixed_ore: np.ndarray,
    decided: np.ndarray,
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "placement_id": ids,
            "valid_from": valid_from.astype("datetime64[D]"),
            "valid_to": valid_to.astype("datetime64[D]"),
            "method": method,
            "region_percent": percent,
            "fixed_party": fixed_party,
            "fixed_sek_per_month": _sek(pl.Series("fixed", fixed_ore)),
            "decided_date": decided.astype("datetime64[D]"),
        }
    ).with_columns(pl.col("valid_from", "valid_to", "decided_date").cast(pl.Date))
    is_percent, is_fixed = pl.col("method") == "percent", pl.col("method") == "fixed"
    return frame.with_columns(
        pl.when(is_percent).then(pl.col("region_percent")).alias("region_percent"),
        pl.when(is_fixed).then(pl.col("fixed_party")).alias("fixed_party"),
        pl.when(is_fixed).then(pl.col("fixed_sek_per_month")).alias("fixed_sek_per_month"),
    )

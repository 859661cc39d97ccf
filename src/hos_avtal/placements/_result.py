"""The result of a placement cost split: lines, municipality totals and, on request, adjustments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from hos_avtal._types import Month
from hos_avtal.rules import PlacementParameters


@dataclass(frozen=True)
class PlacementResult:
    """Everything a placement calculation produced; money columns end in ``_ore`` (integer öre).

    ``lines``: one row per placement and month with a cost (``cost_ore = region_ore + kommun_ore``
    on every row), the method applied and the flags. ``municipalities``: all 49 parties, totals
    over the computed months. ``adjustments`` (only with ``adjust_from``): the lines whose shares
    changed since what was billed as of ``adjust_from``, with signed deltas.
    """

    months: list[PlacementParameters]
    as_of: dt.date | None
    lines: pl.DataFrame
    municipalities: pl.DataFrame
    adjust_from: dt.date | None = None
    adjustments: pl.DataFrame | None = None

    @property
    def ruleset_ids(self) -> list[str]:
        """The rule sets used, in order of first use (one in practice: vgr-2023)."""
        return list(dict.fromkeys(p.ruleset_id for p in self.months))

    def month_list(self) -> list[Month]:
        return [p.month for p in self.months]

    def totals(self) -> dict[str, int]:
        """Cost, region share and municipality share over every line, in öre."""
        sums = self.lines.select(pl.col("cost_ore", "region_ore", "kommun_ore").sum()).row(0, named=True)
        return {k: int(v) for k, v in sums.items()}

    def adjustment_totals(self) -> dict[str, int]:
        """Signed sums of the adjustment deltas, in öre (zeros without adjustments)."""
        if self.adjustments is None:
            return {"region_delta_ore": 0, "kommun_delta_ore": 0}
        sums = self.adjustments.select(pl.col("region_delta_ore", "kommun_delta_ore").sum()).row(
            0, named=True
        )
        return {k: int(v) for k, v in sums.items()}


def municipality_totals(lines: pl.DataFrame, parties: pl.DataFrame) -> pl.DataFrame:
    """All 49 parties, sorted by code, with cost and shares summed over the lines (zeros included)."""
    sums = lines.group_by("kommun").agg(
        pl.col("cost_ore", "region_ore", "kommun_ore").sum(),
        pl.col("placement_id").n_unique().cast(pl.Int64).alias("placements"),
    )
    return (
        parties.select("kommun", "name", "kommunalforbund")
        .join(sums, on="kommun", how="left")
        .with_columns(
            pl.col("cost_ore", "region_ore", "kommun_ore", "placements").fill_null(0).cast(pl.Int64)
        )
        .sort("kommun")
    )

"""The placement output contract: one JSON-ready object, and flat frames for CSV.

Money is a decimal string with two decimals (``"33333.33"``), as in every hos_avtal contract;
deltas are signed (``"-1234.56"``).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from hos_avtal.money import format_sek, format_sek_expr
from hos_avtal.months import format_month
from hos_avtal.placements._result import PlacementResult

_LINE_FIELDS = ("placement_id", "kommun", "month", "cost_sek", "region_sek", "kommun_sek", "method", "flags")
_ADJUSTMENT_FIELDS = (
    "placement_id", "kommun", "month", "cost_sek", "billed_region_sek", "billed_kommun_sek", "region_sek",
    "kommun_sek", "region_delta_sek", "kommun_delta_sek", "billed_method", "method",
)  # fmt: skip


def _money_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``*_ore`` columns become ``*_sek`` decimal strings; ``month`` becomes ``YYYY-MM``."""
    money = [c for c in frame.columns if c.endswith("_ore")]
    months = [pl.col("month").dt.strftime("%Y-%m")] if "month" in frame.columns else []
    return frame.with_columns(
        *months,
        *[format_sek_expr(pl.col(c)).alias(c.removesuffix("_ore") + "_sek") for c in money],
    ).drop(money)


def line_frame(result: PlacementResult) -> pl.DataFrame:
    """Lines with money as decimal strings and flags as a list (for JSON)."""
    return _money_as_text(result.lines)


def contract(result: PlacementResult) -> dict[str, Any]:
    """The placement contract: lines, all 49 municipalities, totals (+ adjustments on request)."""
    lines = line_frame(result).select(_LINE_FIELDS).to_dicts()
    municipalities = (
        _money_as_text(result.municipalities)
        .select("kommun", "name", "cost_sek", "region_sek", "kommun_sek", "placements")
        .to_dicts()
    )
    totals = result.totals()
    obj: dict[str, Any] = {
        "ruleset": ", ".join(result.ruleset_ids),
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "months": [format_month(m) for m in result.month_list()],
        "lines": lines,
        "municipalities": municipalities,
        "totals": {
            "cost_sek": format_sek(totals["cost_ore"]),
            "region_sek": format_sek(totals["region_ore"]),
            "kommun_sek": format_sek(totals["kommun_ore"]),
        },
    }
    if result.adjustments is not None:
        assert result.adjust_from is not None
        sums = result.adjustment_totals()
        obj["adjust_from"] = result.adjust_from.isoformat()
        obj["adjustments"] = _money_as_text(result.adjustments).select(_ADJUSTMENT_FIELDS).to_dicts()
        obj["adjustment_totals"] = {
            "lines": result.adjustments.height,
            "region_delta_sek": format_sek(sums["region_delta_ore"]),
            "kommun_delta_sek": format_sek(sums["kommun_delta_ore"]),
        }
    return obj


def csv_frame(result: PlacementResult) -> pl.DataFrame:
    """One flat row per placement and month (flags joined by ``;``); with ``adjust_from``, the
    adjustment lines instead, since those are what an invoicing system books."""
    if result.adjustments is not None:
        return _money_as_text(result.adjustments).select(_ADJUSTMENT_FIELDS)
    return line_frame(result).with_columns(pl.col("flags").list.join(";")).select(
        "month", "placement_id", "kommun", "placed_by", "acute", "ruleset", "days", "cost_sek", "region_sek",
        "kommun_sek", "method", "flags",
    )  # fmt: skip

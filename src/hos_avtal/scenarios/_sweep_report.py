"""A sweep as JSON (the CLI's ``--format json`` and the API's response) and as CSV."""

from __future__ import annotations

from typing import Any

import polars as pl

from hos_avtal.io import safe_csv_text
from hos_avtal.money import format_sek, format_sek_expr
from hos_avtal.months import format_month
from hos_avtal.scenarios._report import format_permille
from hos_avtal.scenarios._sweep import Sweep


def sweep_json(result: Sweep) -> dict[str, Any]:
    """Base, axes, every combination's total and difference, and every municipality's amounts.

    ``municipalities[*].amounts_sek`` lists the amount of each combination in ``combinations``
    order, so a client can draw a per-municipality curve without repeating the parameter values.
    """
    names = [a.name for a in result.axes]
    wide = result.wide()
    combination_columns = [f"c{i}" for i in range(result.combinations.height)]
    return {
        "base": {
            "ruleset": result.ruleset.id,
            "total_sek": format_sek(result.base_total_ore),
            "values": result.base_values,
        },
        "capabilities": list(result.capabilities),
        "months": [format_month(m) for m in result.months],
        "parameters": [{"name": a.name, "capability": a.capability, "values": a.labels} for a in result.axes],
        "combinations": [
            {
                "combination": row["combination"],
                "values": {name: row[name] for name in names},
                "total_sek": format_sek(row["total_ore"]),
                "difference_sek": format_sek(row["diff_ore"]),
                "difference_pct": format_permille(row["diff_permille"]),
            }
            for row in result.combinations.iter_rows(named=True)
        ],
        "municipalities": [
            {
                "kommun": row["kommun"],
                "name": row["name"],
                "kommunalforbund": row["kommunalforbund"],
                "base_sek": format_sek(row["base_ore"]),
                "amounts_sek": [format_sek(row[c]) for c in combination_columns],
            }
            for row in wide.iter_rows(named=True)
        ],
    }


def sweep_frame(result: Sweep) -> pl.DataFrame:
    """One row per combination: the values, the total, the difference, then one column per municipality."""
    per_kommun = (
        result.municipalities.join(result.base.select("kommun", "name"), on="kommun")
        .with_columns(pl.concat_str("kommun", pl.lit(" "), "name").alias("column"))
        .pivot(on="column", index="combination", values="amount_ore", sort_columns=True)
    )
    money = [c for c in per_kommun.columns if c != "combination"]
    return (
        result.combinations.join(per_kommun, on="combination")
        .sort("combination")
        .select(
            "combination",
            *[a.name for a in result.axes],
            format_sek_expr(pl.col("total_ore")).alias("total_sek"),
            format_sek_expr(pl.col("diff_ore")).alias("difference_sek"),
            pl.col("diff_permille")
            .map_elements(format_permille, return_dtype=pl.String)
            .alias("difference_pct"),
            *[format_sek_expr(pl.col(c)).alias(c) for c in money],
        )
    )


def sweep_csv(result: Sweep) -> str:
    """The CLI's and the API's CSV, formula cells neutralised (:func:`hos_avtal.io.safe_csv_text`)."""
    return safe_csv_text(sweep_frame(result))

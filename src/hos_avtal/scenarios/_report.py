"""A comparison as JSON (the CLI's ``--format json`` and the API's response) and as CSV.

Money is a decimal string with two decimals, the difference in percent a decimal string with one
decimal (``null`` where the base is zero), months ``YYYY-MM``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from hos_avtal.io import safe_csv_text
from hos_avtal.money import format_sek, format_sek_expr
from hos_avtal.months import format_month
from hos_avtal.rules import RawValue
from hos_avtal.scenarios._compare import Comparison, Variant


def format_permille(permille: int | None) -> str | None:
    """Tenths of a percent as a percent with one decimal: ``-125`` → ``"-12.5"``.

    >>> format_permille(-125), format_permille(7), format_permille(None)
    ('-12.5', '0.7', None)
    """
    if permille is None:
        return None
    sign = "-" if permille < 0 else ""
    whole, tenth = divmod(abs(permille), 10)
    return f"{sign}{whole}.{tenth}"


def json_value(value: RawValue) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def variant_json(variant: Variant) -> dict[str, Any]:
    scenario = variant.scenario
    described: dict[str, Any] = {
        "name": variant.label,
        "ruleset": variant.ruleset.id if variant.ruleset is not None else None,
    }
    if scenario is not None:
        described |= {
            "description": scenario.description,
            "base": scenario.base if scenario.origin == "request" else scenario.base.rsplit("/", 1)[-1],
            "changes": {
                capability: {name: json_value(value) for name, value in changes.items()}
                for capability, changes in scenario.overrides.items()
            },
        }
    if variant.daily_amount_sek is not None:
        described["daily_amount_sek"] = format_sek(int(variant.daily_amount_sek * 100))
    return described


def _amounts(row: Mapping[str, Any], comparison: Comparison) -> dict[str, Any]:
    return {
        "base_sek": format_sek(row["base_ore"]),
        "scenarios": [
            {
                "name": variant.label,
                "amount_sek": format_sek(row[f"s{i}_ore"]),
                "difference_sek": format_sek(row[f"s{i}_diff_ore"]),
                "difference_pct": format_permille(row[f"s{i}_diff_permille"]),
            }
            for i, variant in enumerate(comparison.variants[1:], start=1)
        ],
    }


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison contract: base, scenarios, totals, kommunalförbund subtotals, municipalities."""
    by_capability = {
        capability: {
            row["kommun"]: row for row in comparison.municipalities(capability).iter_rows(named=True)
        }
        for capability in comparison.capabilities
    }
    by_association = {
        capability: {
            row["kommunalforbund"]: row
            for row in comparison.kommunalforbund(capability).iter_rows(named=True)
        }
        for capability in comparison.capabilities
    }
    return {
        "base": variant_json(comparison.variants[0]),
        "scenarios": [variant_json(v) for v in comparison.scenarios],
        "capabilities": list(comparison.capabilities),
        "months": [format_month(m) for m in comparison.months],
        "total": _amounts(comparison.total(), comparison)
        | {
            "by_capability": {
                capability: _amounts(comparison.total(capability), comparison)
                for capability in comparison.capabilities
            }
        },
        "kommunalforbund": [
            {"kommunalforbund": row["kommunalforbund"], "municipalities": row["municipalities"]}
            | _amounts(row, comparison)
            | {
                "by_capability": {
                    capability: _amounts(rows[row["kommunalforbund"]], comparison)
                    for capability, rows in by_association.items()
                }
            }
            for row in comparison.kommunalforbund().iter_rows(named=True)
        ],
        "municipalities": [
            {"kommun": row["kommun"], "name": row["name"], "kommunalforbund": row["kommunalforbund"]}
            | _amounts(row, comparison)
            | {
                "by_capability": {
                    capability: _amounts(rows[row["kommun"]], comparison)
                    for capability, rows in by_capability.items()
                }
            }
            for row in comparison.municipalities().iter_rows(named=True)
        ],
    }


def comparison_frame(comparison: Comparison) -> pl.DataFrame:
    """One flat table: every municipality, then the kommunalförbund subtotals, then the total.

    ``level`` says which a row is. Columns per scenario are named by the scenario's slug.
    """
    municipalities = comparison.municipalities().with_columns(pl.lit("kommun").alias("level"))
    associations = comparison.kommunalforbund().with_columns(
        pl.lit("kommunalforbund").alias("level"),
        pl.lit(None, pl.String).alias("kommun"),
        pl.col("kommunalforbund").alias("name"),
    )
    total = pl.DataFrame([comparison.total()]).with_columns(
        pl.lit("total").alias("level"),
        pl.lit(None, pl.String).alias("kommun"),
        pl.lit("Totalt").alias("name"),
        pl.lit(None, pl.String).alias("kommunalforbund"),
    )
    keys = ["level", "kommun", "name", "kommunalforbund"]
    rows = pl.concat(
        [
            frame.select(*keys, pl.exclude(*keys, "municipalities"))
            for frame in (municipalities, associations, total)
        ],
        how="vertical_relaxed",
    )
    renamed: list[pl.Expr] = [*map(pl.col, keys), format_sek_expr(pl.col("base_ore")).alias("base_sek")]
    for i, variant in enumerate(comparison.variants[1:], start=1):
        slug = variant.scenario.slug if variant.scenario else f"s{i}"
        renamed += [
            format_sek_expr(pl.col(f"s{i}_ore")).alias(f"{slug}_sek"),
            format_sek_expr(pl.col(f"s{i}_diff_ore")).alias(f"{slug}_diff_sek"),
            pl.col(f"s{i}_diff_permille")
            .map_elements(format_permille, return_dtype=pl.String)
            .alias(f"{slug}_diff_pct"),
        ]
    return rows.select(renamed)


def comparison_csv(comparison: Comparison) -> str:
    """The CLI's and the API's CSV, formula cells neutralised (:func:`hos_avtal.io.safe_csv_text`)."""
    return safe_csv_text(comparison_frame(comparison))

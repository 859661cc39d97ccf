"""The output contract (docs/rules.md §4): JSON-ready objects and flat CSV rows."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from hos_avtal.betalningsansvar._engine import CARE_TYPES, REASONS
from hos_avtal.betalningsansvar._result import BetalningsansvarResult, MonthRules
from hos_avtal.money import format_sek, format_sek_expr
from hos_avtal.months import format_month
from hos_avtal.rules import parameter_catalog

_COUNTS = (
    "average_episodes", "average_days", "individual_episodes", "individual_billable_days",
    "not_covered_episodes", "pending_episodes",
)  # fmt: skip
_MONEY = ("average_amount_ore", "individual_amount_ore", "total_amount_ore")


def average(days: int, episodes: int) -> float:
    """The displayed average, rounded half up to 2 decimals (0.0 for no episodes).

    Only for display: liability is decided on the exact ``days / episodes``.
    """
    return _average_of_hundredths(0 if episodes == 0 else (2 * 100 * days + episodes) // (2 * episodes))


def _average_of_hundredths(hundredths: int) -> float:
    return float(Decimal(hundredths) / 100)


def _hundredths_expr(days: pl.Expr, episodes: pl.Expr) -> pl.Expr:
    """The vectorised twin of :func:`average`'s rounding, as integer hundredths."""
    return pl.when(episodes == 0).then(0).otherwise((2 * 100 * days + episodes) // (2 * episodes))


def liable_days(units: int, denominator: int) -> str:
    """Exact liable days ``D − t·N`` as a decimal string (``"1.00"``, ``"0.50"``)."""
    value = Decimal(units) / Decimal(denominator)
    places = max(2, len(str(denominator)) - 1)
    return str(value.quantize(Decimal(1).scaleb(-places)))


def parameters_object(rules: MonthRules) -> dict[str, Any]:
    """The month's parameters as the contract shows them: every betalningsansvar parameter of the
    catalog the engine reads (the fastställt belopp has fields of its own), in the catalog's order."""
    p = rules.parameters
    shown: dict[str, Any] = {}
    for spec in parameter_catalog().of("betalningsansvar"):
        if spec.name == "daily_amount_sek" or not hasattr(p, spec.name):
            continue
        value = getattr(p, spec.name)
        if isinstance(value, Decimal):
            value = str(value)
        shown[spec.name] = list(value) if isinstance(value, tuple) else value
    if p.care_type_values:  # a care type's own values, where the agreement sets them apart
        by_care_type: dict[str, dict[str, Any]] = {}
        for care_type, name, value in p.care_type_values:
            by_care_type.setdefault(care_type, {})[name] = value
        shown["by_care_type"] = by_care_type
    return shown


def _municipality_object(row: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kommun": row["kommun"],
        "name": row["name"],
        "kommunalforbund": row["kommunalforbund"],
        "average_episodes": row["average_episodes"],
        "average_days": row["average_days"],
        "average": average(row["average_days"], row["average_episodes"]),
        "liable": row["liable"],
        "liable_days": liable_days(row["liable_units"], row["threshold_den"]),
        "average_amount_sek": format_sek(row["average_amount_ore"]),
        "individual_episodes": row["individual_episodes"],
        "individual_billable_days": row["individual_billable_days"],
        "individual_amount_sek": format_sek(row["individual_amount_ore"]),
        "total_amount_sek": format_sek(row["total_amount_ore"]),
        "zero_invoice": row["total_amount_ore"] == 0,
        "not_covered_episodes": row["not_covered_episodes"],
        "not_covered_reasons": {r: row[f"not_covered_{r}"] for r in REASONS if row[f"not_covered_{r}"]},
        "pending_episodes": row["pending_episodes"],
        "consecutive_liable_months": row["consecutive_liable_months"],
        "recurring_liability": row["recurring_liability"],
        "by_care_type": {
            c: {
                "average_episodes": row[f"average_episodes_{c}"],
                "average_days": row[f"average_days_{c}"],
                "average": average(row[f"average_days_{c}"], row[f"average_episodes_{c}"]),
                "individual_episodes": row[f"individual_episodes_{c}"],
                "individual_billable_days": row[f"individual_billable_days_{c}"],
                "individual_amount_sek": format_sek(row[f"individual_amount_ore_{c}"]),
                "not_covered_episodes": row[f"not_covered_episodes_{c}"],
            }
            for c in CARE_TYPES
        },
    }
    return obj


def month_object(
    result: BetalningsansvarResult,
    rules: MonthRules,
    *,
    episodes: bool = False,
    rows: list[dict[str, Any]] | None = None,
    outside: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The docs/rules.md §4 output object for one month (``rows``/``outside``: the month's rows, if known)."""
    month = rules.parameters.month
    if rows is None:
        rows = result.municipalities.filter(pl.col("month") == month).to_dicts()
    if outside is None:
        outside = result.outside_agreement.filter(pl.col("month") == month).to_dicts()
    obj: dict[str, Any] = {
        **_month_head(rules),
        "municipalities": [_municipality_object(r) for r in rows],
        "totals": _totals(rows),
        "outside_agreement": {
            "episodes": sum(o["episodes"] for o in outside),
            "days": sum(o["days"] for o in outside),
            "pending_episodes": sum(o["pending_episodes"] for o in outside),
            "by_kommun": [{k: v for k, v in o.items() if k != "month"} for o in outside],
        },
    }
    if episodes:
        obj["episodes"] = episode_objects(result.episode_lines(month))
    return obj


def _month_head(rules: MonthRules) -> dict[str, Any]:
    """The month object's fields before the municipalities."""
    return {
        "ruleset": rules.ruleset.id,
        "ruleset_name": rules.ruleset.name,
        "month": format_month(rules.parameters.month),
        "daily_amount_sek": format_sek(rules.parameters.daily_amount_ore),
        "daily_amount_source": rules.parameters.daily_amount_source,
        "daily_amount_origin": rules.parameters.daily_amount_origin,
        "parameters": parameters_object(rules),
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sums = {c: sum(int(r[c]) for r in rows) for c in ("liable", "recurring_liability", *_COUNTS, *_MONEY)}
    return _totals_object(len(rows), sum(r["total_amount_ore"] == 0 for r in rows), sums)


def _totals_object(municipalities: int, zero_invoices: int, sums: Mapping[str, int]) -> dict[str, Any]:
    return {
        "municipalities": municipalities,
        "liable_municipalities": sums["liable"],
        "zero_invoices": zero_invoices,
        "recurring_liability_municipalities": sums["recurring_liability"],
        **{c: sums[c] for c in _COUNTS},
        "average_amount_sek": format_sek(sums["average_amount_ore"]),
        "individual_amount_sek": format_sek(sums["individual_amount_ore"]),
        "total_amount_sek": format_sek(sums["total_amount_ore"]),
    }


def contract(result: BetalningsansvarResult, *, episodes: bool = False) -> list[dict[str, Any]]:
    """One docs/rules.md §4 object per computed month, in month order."""
    rows: dict[Any, list[dict[str, Any]]] = {}
    for row in result.municipalities.to_dicts():  # one conversion for every month
        rows.setdefault(row["month"], []).append(row)
    outside: dict[Any, list[dict[str, Any]]] = {}
    for row in result.outside_agreement.to_dicts():
        outside.setdefault(row["month"], []).append(row)
    return [
        month_object(
            result,
            rules,
            episodes=episodes,
            rows=rows[rules.parameters.month],
            outside=outside.get(rules.parameters.month, []),
        )
        for rules in result.months
    ]


def episode_frame(lines: pl.DataFrame) -> pl.DataFrame:
    """Episode lines with money as decimal strings, ready for CSV or JSON."""
    return lines.with_columns(
        pl.col("month").dt.strftime("%Y-%m"),
        format_sek_expr(pl.col("amount_ore")).alias("amount_sek"),
    ).drop("amount_ore")


def episode_objects(lines: pl.DataFrame) -> list[dict[str, Any]]:
    frame = episode_frame(lines).with_columns(pl.col("ready_date", "discharge_date").dt.to_string("%Y-%m-%d"))
    objects = frame.to_dicts()
    for obj in objects:
        obj["reasons"] = obj["reasons"].split(";") if obj["reasons"] else []
    return objects


def csv_frame(result: BetalningsansvarResult) -> pl.DataFrame:
    """One flat row per month and municipality, money as decimal strings (for CSV/Excel)."""
    rules = {m.parameters.month: m for m in result.months}
    frame = result.municipalities
    money = [c for c in frame.columns if "_amount_ore" in c]
    flat = frame.with_columns(
        pl.col("month").dt.strftime("%Y-%m"),
        pl.col("month")
        .replace_strict({m: r.ruleset.id for m, r in rules.items()}, return_dtype=pl.String)
        .alias("ruleset"),
        pl.col("month")
        .replace_strict(
            {m: format_sek(r.parameters.daily_amount_ore) for m, r in rules.items()},
            return_dtype=pl.String,
        )
        .alias("daily_amount_sek"),
        (
            (2 * 100 * pl.col("average_days") + pl.col("average_episodes"))
            // (2 * pl.col("average_episodes")).clip(lower_bound=1)
        ).alias("_hundredths"),
        *[format_sek_expr(pl.col(c)).alias(c.replace("_ore", "_sek")) for c in money],
    ).with_columns(
        pl.when(pl.col("average_episodes") > 0)
        .then(
            pl.concat_str(
                (pl.col("_hundredths") // 100).cast(pl.String),
                pl.lit("."),
                (pl.col("_hundredths") % 100).cast(pl.String).str.zfill(2),
            )
        )
        .otherwise(pl.lit("0.00"))
        .alias("average")
    )
    leading = ["month", "ruleset", "daily_amount_sek", "kommun", "name", "kommunalforbund",
               "average_episodes", "average_days", "average", "liable", "average_amount_sek",
               "individual_episodes", "individual_billable_days", "individual_amount_sek",
               "total_amount_sek", "not_covered_episodes", "pending_episodes",
               "consecutive_liable_months", "recurring_liability"]  # fmt: skip
    rest = [c for c in flat.columns if c not in leading and not c.endswith("_ore") and not c.startswith("_")
            and c not in ("threshold_den", "liable_units", "accruing_episodes")]  # fmt: skip
    return flat.select(*leading, *rest)

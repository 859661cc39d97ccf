"""The home-care output contract: one JSON-ready object per month, and flat invoice lines for CSV.

Money is always a decimal string with two decimals (``"1116.00"``); hours are minutes / 60 as
a decimal string with two decimals, rounded half up, for people only (amounts use the minutes).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl

from hos_avtal._types import Month
from hos_avtal.home_care._result import HomeCareResult
from hos_avtal.money import divide_round_half_up, format_sek, format_sek_expr
from hos_avtal.months import format_month
from hos_avtal.municipalities import lookup


def hours(minutes: int) -> str:
    """``"1.50"`` for 90 minutes; rounded half up to hundredths of an hour.

    >>> hours(90), hours(45), hours(50)
    ('1.50', '0.75', '0.83')
    """
    return format_sek(divide_round_half_up(minutes * 100, 60))


def hours_expr(minutes: pl.Expr) -> pl.Expr:
    """Vectorised :func:`hours` (the same integer arithmetic as money)."""
    return format_sek_expr((2 * minutes * 100 + 60) // 120)


def _name(code: str) -> str:
    return lookup(code).name


def _group(frame: pl.DataFrame) -> dict[Month, list[dict[str, Any]]]:
    groups: dict[Month, list[dict[str, Any]]] = defaultdict(list)
    for row in frame.to_dicts():
        groups[row["month"]].append(row)
    return groups


def contract(result: HomeCareResult) -> list[dict[str, Any]]:
    """One object per computed month, in month order (the JSON contract of ``home-care``)."""
    lines, tariffs = _group(result.lines), _group(result.tariffs)
    municipalities, payments = _group(result.municipalities), _group(result.payments)
    outside = _group(result.outside_agreement)
    return [
        month_object(
            month,
            lines=lines.get(month, []),
            tariffs=tariffs.get(month, []),
            municipalities=municipalities.get(month, []),
            payments=payments.get(month, []),
            outside=outside.get(month, []),
        )
        for month in result.months
    ]


def month_object(
    month: Month,
    *,
    lines: list[dict[str, Any]],
    tariffs: list[dict[str, Any]],
    municipalities: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    outside: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "month": format_month(month),
        "tariffs": [
            {
                "host": t["host"],
                "host_name": _name(t["host"]),
                "year": t["year"],
                "service": t["service"],
                "sek_per_hour": format_sek(t["tariff_ore"]),
                "source": t["source"],
            }
            for t in tariffs
        ],
        "invoice_lines": [
            {
                "host": line["host"],
                "host_name": _name(line["host"]),
                "home": line["home"],
                "home_name": _name(line["home"]),
                "service": line["service"],
                "visits": line["visits"],
                "minutes": line["minutes"],
                "hours": hours(line["minutes"]),
                "sek_per_hour": format_sek(line["tariff_ore"]),
                "amount_sek": format_sek(line["amount_ore"]),
            }
            for line in lines
        ],
        "municipalities": [
            {
                "kommun": m["kommun"],
                "name": m["name"],
                "invoiced_sek": format_sek(m["invoiced_ore"]),
                "owed_sek": format_sek(m["owed_ore"]),
                "net_sek": format_sek(m["net_ore"]),
            }
            for m in municipalities
        ],
        "payments": [
            {
                "payer": p["payer"],
                "payer_name": _name(p["payer"]),
                "payee": p["payee"],
                "payee_name": _name(p["payee"]),
                "amount_sek": format_sek(p["amount_ore"]),
            }
            for p in payments
        ],
        "totals": {
            "amount_sek": format_sek(sum(line["amount_ore"] for line in lines)),
            "visits": sum(line["visits"] for line in lines),
            "minutes": sum(line["minutes"] for line in lines),
            "lines": len(lines),
            "payments": len(payments),
        },
        "outside_agreement": {
            "visits": sum(o["visits"] for o in outside),
            "minutes": sum(o["minutes"] for o in outside),
            "by_kommun": [{k: v for k, v in o.items() if k != "month"} for o in outside],
        },
    }


def csv_frame(result: HomeCareResult) -> pl.DataFrame:
    """The invoice lines, one flat row each, money and hours as decimal strings (for CSV/Excel)."""
    names = result.municipalities.select(pl.col("kommun"), pl.col("name")).unique()
    host_names = names.rename({"kommun": "host", "name": "host_name"})
    home_names = names.rename({"kommun": "home", "name": "home_name"})
    sources = result.tariffs.select("month", "host", "service", pl.col("source").alias("tariff_source"))
    return (
        result.lines.join(host_names, on="host", how="left")
        .join(home_names, on="home", how="left")
        .join(sources, on=["month", "host", "service"], how="left")
        .sort("month", "host", "home", "service")
        .select(
            pl.col("month").dt.strftime("%Y-%m"),
            "host",
            "host_name",
            "home",
            "home_name",
            "service",
            "visits",
            "minutes",
            hours_expr(pl.col("minutes")).alias("hours"),
            format_sek_expr(pl.col("tariff_ore")).alias("sek_per_hour"),
            format_sek_expr(pl.col("amount_ore")).alias("amount_sek"),
            "tariff_source",
        )
    )

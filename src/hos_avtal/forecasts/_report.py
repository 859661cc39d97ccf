"""Läget i dag as the contract gives it (JSON), as a CSV of the waiting list, and as exact text.

The JSON is one object: ``date``, ``month``, ``ruleset``, ``daily_amount_sek`` (with its source
and origin), ``municipalities`` (all 49, or the one asked for: ``kommun``, ``name``,
``discharged_episodes``, ``average_so_far``, ``amount_so_far_sek``, ``waiting_episodes``,
``amount_if_discharged_today_sek``, ``pool_margin_days``, ``status`` green or red as SAMSA shows
it), ``waiting`` (``episode_id``, ``kommun``, ``care_type``, ``ready_date``, ``days_waited``,
``status``, ``individual_from``, ``marginal_cost_sek``, ``reasons``; the most expensive day
first, then the longest wait) and ``outside_agreement`` (waiting patients of municipalities
outside the agreement, per code: reported, never billed).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from hos_avtal.betalningsansvar import average
from hos_avtal.forecasts._prognos import Prognos
from hos_avtal.money import format_sek
from hos_avtal.months import format_month
from hos_avtal.municipalities import lookup


def contract(result: Prognos, kommun: str | None = None) -> dict[str, Any]:
    """The JSON object of ``result`` (one municipality's part with ``kommun``)."""
    p = result.rules.parameters
    whole = {
        "date": result.date.isoformat(),
        "month": format_month(result.month),
        "ruleset": result.rules.ruleset.id,
        "daily_amount_sek": format_sek(p.daily_amount_ore),
        "daily_amount_source": p.daily_amount_source,
        "daily_amount_origin": p.daily_amount_origin,
        "municipalities": [_municipality(r) for r in result.municipalities.iter_rows(named=True)],
        "waiting": [_patient(r) for r in result.waiting.iter_rows(named=True)],
        "outside_agreement": result.outside_agreement.to_dicts(),
    }
    return part(whole, kommun)


def part(whole: dict[str, Any], kommun: str | None) -> dict[str, Any]:
    """The part of a contract ``kommun`` may see: its own row and its own waiting patients, and
    nothing of patients outside the agreement (``None``: all of it)."""
    if kommun is None:
        return whole
    return {
        **whole,
        "municipalities": [m for m in whole["municipalities"] if m["kommun"] == kommun],
        "waiting": [w for w in whole["waiting"] if w["kommun"] == kommun],
        "outside_agreement": [],
    }


def _municipality(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "kommun": row["kommun"],
        "name": lookup(row["kommun"]).name,
        "discharged_episodes": row["discharged_episodes"],
        "average_so_far": average(row["average_days_so_far"], row["average_episodes_so_far"]),
        "amount_so_far_sek": format_sek(row["amount_so_far_ore"]),
        "waiting_episodes": row["waiting_episodes"],
        "amount_if_discharged_today_sek": format_sek(row["amount_if_discharged_today_ore"]),
        "pool_margin_days": row["pool_margin_days"],
        # As SAMSA's report: red once the month's average so far is over the threshold.
        "status": "red" if row["liable_so_far"] else "green",
    }


def _patient(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "episode_id": row["episode_id"],
        "kommun": row["kommun"],
        "care_type": row["care_type"],
        "ready_date": row["ready_date"].isoformat(),
        "days_waited": row["days_waited"],
        "status": row["status"],
        "individual_from": row["individual_from"] and row["individual_from"].isoformat(),
        "marginal_cost_sek": format_sek(row["marginal_cost_ore"]),
        "reasons": row["reasons"],
    }


_CSV_COLUMNS = (
    "kommun", "episode_id", "care_type", "ready_date", "days_waited", "status", "individual_from",
    "marginal_cost_sek",
)  # fmt: skip


def waiting_csv_frame(data: dict[str, Any]) -> pl.DataFrame:
    """The waiting list of a contract (:func:`contract`, or a stored snapshot's part) as a CSV's
    rows: one per patient, the day first, money as ``"9300.00"``, reasons joined by ``;``."""
    waiting = data["waiting"]
    columns: dict[str, list[Any]] = {"date": [data["date"]] * len(waiting)}
    columns |= {name: [w[name] for w in waiting] for name in _CSV_COLUMNS}
    columns["reasons"] = [";".join(w["reasons"]) for w in waiting]
    schema = {name: pl.Int64() if name == "days_waited" else pl.String() for name in columns}
    return pl.DataFrame(columns, schema=schema)

"""A plain-Python reference of Läget i dag (docs/rules.md §9), built from the betalningsansvar reference
by the definitions themselves, one patient at a time:

* amount so far: the month's reference amount of the episodes discharged in M on or before D;
* amount if discharged today: the same with every waiting patient discharged on D;
* marginal cost of a waiting patient: the amount if discharged today with that patient alone
  waiting one day longer (ready a day earlier: one more day, counted in M), minus the amount;
* pool margin: ``floor(threshold·N − D)`` of the "discharged today" pool(s), the smallest of a
  municipality's pools with separate averages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Set as AbstractSet
from fractions import Fraction
from typing import Any

from hos_avtal.rules import BetalningsansvarParameters
from reference import reference_betalningsansvar


def _waiting(episode: dict[str, Any], date: dt.date) -> bool:
    discharge = episode["discharge_date"]
    return episode["ready_date"] <= date and (discharge is None or discharge > date)


def reference_prognos(
    episodes: list[dict[str, Any]],
    date: dt.date,
    params: BetalningsansvarParameters,
    party_codes: AbstractSet[str],
) -> dict[str, Any]:
    params = dataclasses.replace(params, accrue_while_admitted=False)
    month = date.replace(day=1)
    so_far = [e for e in episodes if e["discharge_date"] is not None and month <= e["discharge_date"] <= date]
    waiting = [{**e, "discharge_date": date} for e in episodes if _waiting(e, date)]
    today = so_far + waiting

    def totals(chosen: list[dict[str, Any]]) -> dict[str, int]:
        result = reference_betalningsansvar(chosen, month, params, party_codes)
        return {code: row["total_amount_ore"] for code, row in result.municipalities.items()}

    amounts_so_far, amounts_today = totals(so_far), totals(today)
    lines = reference_betalningsansvar(today, month, params, party_codes).lines
    marginal: dict[str, int] = {}
    for patient in waiting:
        status = lines[patient["episode_id"]]["status"]
        if status in ("pooled", "individual"):
            longer = [
                {**e, "ready_date": e["ready_date"] - dt.timedelta(days=1)}
                if e["episode_id"] == patient["episode_id"]
                else e
                for e in today
            ]
            marginal[patient["episode_id"]] = (
                totals(longer)[patient["kommun"]] - amounts_today[patient["kommun"]]
            )
        elif status == "not_covered":
            marginal[patient["episode_id"]] = 0
    threshold = Fraction(params.average_threshold_days)
    pools: dict[tuple[str, str], list[int]] = {}
    for e in today:
        line = lines[e["episode_id"]]
        if line["status"] == "pooled":
            pool = e["care_type"] if params.separate_care_type_averages else "alla"
            counts = pools.setdefault((e["kommun"], pool), [0, 0])
            counts[0] += 1
            counts[1] += line["days"]
    margins = {
        code: [math.floor(threshold * n - d) for (k, _), (n, d) in pools.items() if k == code]
        for code in party_codes
    }
    return {
        "amount_so_far": amounts_so_far,
        "amount_today": amounts_today,
        "marginal": marginal,
        "margin": {code: min(values) if values else 0 for code, values in margins.items()},
        "statuses": {e["episode_id"]: lines[e["episode_id"]]["status"] for e in waiting},
    }

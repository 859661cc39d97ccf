"""The worked examples of docs/rules.md §4, one test per row, through the public API and the JSON contract.

March 2022 under the VGR agreement (vgr-2018): fastställt belopp 9 300 kr per day, average
threshold 3.0 days, individual calculation after 7 days, paid from day 4. Every episode is a
Göteborg (1480) patient with all conditions met unless the test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from hos_avtal.betalningsansvar import calculate_betalningsansvar, contract

GOTEBORG = "1480"
MARCH_1 = dt.date(2022, 3, 1)


def episode(
    days: int | None = None,
    *,
    ready: dt.date = MARCH_1,
    discharged: dt.date | None = None,
    admission_notice: bool = True,
) -> dict[str, Any]:
    """A discharge-ready Göteborg patient, discharged ``days`` after ready (or on a date)."""
    if discharged is None and days is not None:
        discharged = ready + dt.timedelta(days=days)
    return {
        "kommun": GOTEBORG,
        "care_type": "somatik",
        "ready_date": ready,
        "discharge_date": discharged,
        "admission_notice": admission_notice,
        "ready_notice": True,
        "sip_needed": False,
        "sip_invited": None,
        "outpatient_plan": True,
        "outpatient_available": True,
    }


def bill(*episodes: dict[str, Any], months: str | list[str] = "2022-03") -> list[dict[str, Any]]:
    """Run the months and return the JSON contract, one object per month, with episode lines."""
    rows = [{"episode_id": f"e{i}", "person_id": f"p{i}", **e} for i, e in enumerate(episodes, 1)]
    frame = pl.DataFrame(rows, schema_overrides={"sip_invited": pl.Boolean})
    result = calculate_betalningsansvar(frame, months)
    return contract(result, episodes=True)


def goteborg(month: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in month["municipalities"] if m["kommun"] == GOTEBORG)


def assert_march_2022_at_9300_kr(month: dict[str, Any]) -> None:
    assert (month["ruleset"], month["month"]) == ("vgr-2018", "2022-03")
    assert month["daily_amount_sek"] == "9300.00"


def assert_no_other_municipality_pays(month: dict[str, Any]) -> None:
    assert len(month["municipalities"]) == 49
    others = [m for m in month["municipalities"] if m["kommun"] != GOTEBORG]
    assert all(m["total_amount_sek"] == "0.00" for m in others)
    assert month["totals"]["total_amount_sek"] == goteborg(month)["total_amount_sek"]


def test_five_episodes_of_0_2_3_5_6_days_average_3_20_days_so_goteborg_pays_one_day_9300_kr():
    [march] = bill(*(episode(d) for d in (0, 2, 3, 5, 6)))
    row = goteborg(march)

    assert_march_2022_at_9300_kr(march)
    assert (row["average_episodes"], row["average_days"], row["average"]) == (5, 16, 3.2)
    assert row["liable"] is True
    assert row["liable_days"] == "1.00"
    assert row["average_amount_sek"] == "9300.00"
    assert row["individual_amount_sek"] == "0.00"
    assert row["total_amount_sek"] == "9300.00"
    assert [e["status"] for e in march["episodes"]] == ["pooled"] * 5
    assert_no_other_municipality_pays(march)


def test_two_episodes_of_exactly_3_days_average_3_00_which_does_not_exceed_3_0_so_nothing_is_billed():
    [march] = bill(episode(3), episode(3))
    row = goteborg(march)

    assert_march_2022_at_9300_kr(march)
    assert (row["average_episodes"], row["average_days"], row["average"]) == (2, 6, 3.0)
    assert row["liable"] is False
    assert row["total_amount_sek"] == "0.00"
    assert row["zero_invoice"] is True
    assert_no_other_municipality_pays(march)


def test_an_episode_of_exactly_7_days_stays_in_the_average_of_2_33_days_so_nothing_is_billed():
    [march] = bill(episode(7), episode(0), episode(0))
    row = goteborg(march)

    assert_march_2022_at_9300_kr(march)
    assert (row["average_episodes"], row["average_days"], row["average"]) == (3, 7, 2.33)
    assert row["individual_episodes"] == 0
    assert row["liable"] is False
    assert row["total_amount_sek"] == "0.00"
    seven_days = next(e for e in march["episodes"] if e["days"] == 7)
    assert seven_days["status"] == "pooled"
    assert_no_other_municipality_pays(march)


def test_an_episode_of_10_days_is_billed_individually_for_7_days_65100_kr_and_left_out_of_the_average():
    [march] = bill(episode(10))
    row = goteborg(march)

    assert_march_2022_at_9300_kr(march)
    assert (row["individual_episodes"], row["individual_billable_days"]) == (1, 7)
    assert row["individual_amount_sek"] == "65100.00"
    assert (row["average_episodes"], row["average_days"]) == (0, 0)
    assert row["average_amount_sek"] == "0.00"
    assert row["total_amount_sek"] == "65100.00"
    [line] = march["episodes"]
    assert (line["status"], line["days"], line["billable_days"]) == ("individual", 10, 7)
    assert line["amount_sek"] == "65100.00"
    assert_no_other_municipality_pays(march)


def test_an_episode_of_12_days_without_inskrivningsmeddelande_is_not_covered_and_costs_nothing():
    [march] = bill(episode(12, admission_notice=False))
    row = goteborg(march)

    assert_march_2022_at_9300_kr(march)
    assert row["not_covered_episodes"] == 1
    assert row["not_covered_reasons"] == {"no_admission_notice": 1}
    assert (row["average_episodes"], row["individual_episodes"]) == (0, 0)
    assert row["total_amount_sek"] == "0.00"
    [line] = march["episodes"]
    assert (line["status"], line["days"]) == ("not_covered", 12)
    assert line["reasons"] == ["no_admission_notice"]
    assert_no_other_municipality_pays(march)


def test_ready_30_march_and_discharged_2_april_is_pending_in_march_and_counts_3_days_in_april():
    march, april = bill(
        episode(ready=dt.date(2022, 3, 30), discharged=dt.date(2022, 4, 2)),
        months=["2022-03", "2022-04"],
    )

    assert_march_2022_at_9300_kr(march)
    in_march = goteborg(march)
    assert in_march["pending_episodes"] == 1
    assert (in_march["average_episodes"], in_march["total_amount_sek"]) == (0, "0.00")
    [march_line] = march["episodes"]
    assert (march_line["status"], march_line["days"]) == ("pending", None)

    assert april["month"] == "2022-04"
    in_april = goteborg(april)
    assert (in_april["average_episodes"], in_april["average_days"]) == (1, 3)
    assert in_april["pending_episodes"] == 0
    assert in_april["total_amount_sek"] == "0.00"
    [april_line] = april["episodes"]
    assert (april_line["status"], april_line["days"]) == ("pooled", 3)


def test_the_statute_reports_no_average() -> None:
    """Lag (2017:612) without an agreement: every day after 3 is paid per individual, and there
    is no pooled average; a 2-day stay is covered with 0 billable days, not a pool of 2.00."""
    import json as _json

    from helpers import episode, frame
    from hos_avtal.betalningsansvar import calculate_betalningsansvar, contract

    episodes = frame(episode("short", 2), episode("long", 5), episode("also-short", 3))
    result = calculate_betalningsansvar(episodes, "2022-03", ruleset="lag-2017-612")
    month = _json.loads(_json.dumps(contract(result)[0]))
    gbg = next(m for m in month["municipalities"] if m["kommun"] == "1480")
    assert month["parameters"]["pooled_average"] is False
    assert next(m for m in month["municipalities"] if m["kommun"] == "1480")["average"] == 0.0
    assert (gbg["average_episodes"], gbg["liable"], gbg["individual_episodes"]) == (0, False, 3)
    assert gbg["individual_billable_days"] == 2  # days 4 and 5 of the long stay
    assert gbg["total_amount_sek"] == "18600.00"
    lines = {line["episode_id"]: line for line in result.episode_lines().to_dicts()}
    assert (lines["short"]["status"], lines["short"]["billable_days"]) == ("individual", 0)

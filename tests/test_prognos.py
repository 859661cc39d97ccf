"""Läget i dag (docs/rules.md §9): the month so far and the waiting list, held to the plain reference
(tests/reference_prognos.py) on random episodes and parameters, and a worked example a
discharge coordinator can check by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import episode, frame
from hos_avtal.betalningsansvar import MonthRules
from hos_avtal.forecasts import prognos, prognos_with_parameters
from reference_prognos import reference_prognos
from test_betalningsansvar_properties import (
    PARTY_CODES,
    RULESET,
    episode_sets,
    episodes_frame,
    examples,
    parameters,
    run_engine,
)

DAYS = [dt.date(2022, 3, d) for d in (1, 9, 15, 30, 31)]


def _run(episodes: list[dict[str, Any]], date: dt.date, params: Any) -> Any:
    return prognos_with_parameters(episodes_frame(episodes), date, MonthRules(RULESET, params))


@given(episodes=episode_sets(max_size=40), date=st.sampled_from(DAYS), data=st.data())
@examples(120)
def test_prognos_matches_the_reference_for_every_municipality_and_patient(
    episodes: list[dict[str, Any]], date: dt.date, data: st.DataObject
) -> None:
    params = data.draw(parameters(date.replace(day=1)))
    got = _run(episodes, date, params)
    expected = reference_prognos(episodes, date, params, PARTY_CODES)
    rows = {r["kommun"]: r for r in got.municipalities.iter_rows(named=True)}
    assert {k: r["amount_so_far_ore"] for k, r in rows.items()} == expected["amount_so_far"]
    assert {k: r["amount_if_discharged_today_ore"] for k, r in rows.items()} == expected["amount_today"]
    assert {r["episode_id"]: r["marginal_cost_ore"] for r in got.waiting.iter_rows(named=True)} == expected[
        "marginal"
    ]
    assert {r["episode_id"]: r["status"] for r in got.waiting.iter_rows(named=True)} == {
        k: v for k, v in expected["statuses"].items() if v != "outside_agreement"
    }
    if any(p.pooled_average for p in (params.for_care_type("somatik"), params.for_care_type("psykiatri"))):
        assert {k: r["pool_margin_days"] for k, r in rows.items()} == expected["margin"]
    # Sorted as a coordinator reads it: the most expensive day first, then the longest wait.
    keys = [(-r["marginal_cost_ore"], -r["days_waited"]) for r in got.waiting.iter_rows(named=True)]
    assert keys == sorted(keys)


@given(episodes=episode_sets(max_size=40), data=st.data())
@examples(80)
def test_on_the_months_last_day_with_no_one_waiting_the_prognos_is_the_bill(
    episodes: list[dict[str, Any]], data: st.DataObject
) -> None:
    last = dt.date(2022, 3, 31)
    done = [e for e in episodes if e["discharge_date"] is not None and e["discharge_date"] <= last]
    params = dataclasses.replace(data.draw(parameters(dt.date(2022, 3, 1))), accrue_while_admitted=False)
    got = _run(done, last, params)
    assert got.waiting.height == 0
    billed = run_engine(done, [params]).municipalities.filter(pl.col("month") == dt.date(2022, 3, 1))
    assert (
        got.municipalities.select("kommun", "amount_so_far_ore").rows()
        == billed.select("kommun", "total_amount_ore").rows()
    )


def test_a_worked_day_in_gothenburg() -> None:
    """2022-03-20, vgr-2018 (threshold 3.0, individual after 7 days, billed from day 4, 9 300 kr).

    Discharged so far: 2 + 6 days (a pool of N = 2, D = 8: 2 days over, 18 600 kr; red).
    Waiting: w7 ready 03-13 (7 days: pooled, individual from 03-21, tomorrow), w2 ready 03-18
    (2 days), w20 ready 02-28 (20 days: individual), nc ready 03-15 without a SIP invitation."""
    episodes = frame(
        episode("d2", 2, ready=dt.date(2022, 3, 2)),
        episode("d6", 6, ready=dt.date(2022, 3, 5)),
        episode("w7", None, ready=dt.date(2022, 3, 13)),
        episode("w2", None, ready=dt.date(2022, 3, 18)),
        episode("w20", None, ready=dt.date(2022, 2, 28)),
        episode("nc", None, ready=dt.date(2022, 3, 15), sip_needed=True, sip_invited=False),
    )
    today = prognos(episodes, dt.date(2022, 3, 20))
    gbg = today.municipalities.filter(pl.col("kommun") == "1480").row(0, named=True)
    assert (gbg["discharged_episodes"], gbg["average_episodes_so_far"], gbg["average_days_so_far"]) == (
        2,
        2,
        8,
    )
    assert (gbg["liable_so_far"], gbg["amount_so_far_ore"], gbg["waiting_episodes"]) == (True, 1_860_000, 3)
    # Discharged today: a pool of 2, 6, 7, 2 days (N = 4, D = 17: 5 over, 46 500 kr) and w20's
    # 17 billable days (158 100 kr); the pool absorbs floor(12 − 17) = −5 days.
    assert gbg["amount_if_discharged_today_ore"] == 4_650_000 + 15_810_000
    assert gbg["pool_margin_days"] == -5
    waiting = {r["episode_id"]: r for r in today.waiting.iter_rows(named=True)}
    # w7 tomorrow: leaves the pool (N = 3, D = 10: 1 over, 9 300 kr, 37 200 less) and is billed
    # from day 4 for 5 days (46 500 kr): 9 300 kr more.
    assert (waiting["w7"]["status"], waiting["w7"]["individual_from"]) == ("pooled", dt.date(2022, 3, 21))
    assert waiting["w7"]["marginal_cost_ore"] == 930_000
    assert waiting["w2"]["marginal_cost_ore"] == 930_000  # one more pooled day, the pool is liable
    assert (waiting["w20"]["status"], waiting["w20"]["marginal_cost_ore"]) == ("individual", 930_000)
    assert (waiting["nc"]["status"], waiting["nc"]["marginal_cost_ore"]) == ("not_covered", 0)
    assert waiting["nc"]["reasons"] == ["sip_not_invited"]
    assert [r["episode_id"] for r in today.waiting.iter_rows(named=True)] == ["w20", "w7", "w2", "nc"]


def test_the_statute_has_no_pool_margin() -> None:
    episodes = frame(episode("w", None, ready=dt.date(2022, 3, 10)))
    today = prognos(episodes, dt.date(2022, 3, 20), ruleset="lag-2017-612", daily_amount_sek=9300)
    gbg = today.municipalities.filter(pl.col("kommun") == "1480").row(0, named=True)
    assert gbg["pool_margin_days"] is None
    (patient,) = today.waiting.iter_rows(named=True)
    assert (patient["status"], patient["individual_from"], patient["marginal_cost_ore"]) == (
        "individual", dt.date(2022, 3, 10), 930_000,
    )  # fmt: skip


# ------------------------------------------------------------------------------------ the CLI


def test_the_cli_gives_the_json_contract_for_one_municipality(capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from test_cli import run

    episodes = frame(
        episode("d6", 6, ready=dt.date(2022, 3, 5)),
        episode("w7", None, ready=dt.date(2022, 3, 13)),
        episode("b", None, kommun="1490", ready=dt.date(2022, 3, 13)),
        episode("oo", None, kommun="0180", ready=dt.date(2022, 3, 13)),
    )
    episodes.write_csv(tmp_path / "episodes.csv")
    code, out, err = run(
        capsys,
        monkeypatch,
        "prognos",
        str(tmp_path / "episodes.csv"),
        "--date",
        "2022-03-20",
        "--format",
        "json",
    )
    assert code == 0, err
    everyone = json.loads(out)
    assert (everyone["date"], everyone["month"], everyone["ruleset"], everyone["daily_amount_sek"]) == (
        "2022-03-20", "2022-03", "vgr-2018", "9300.00",
    )  # fmt: skip
    assert len(everyone["municipalities"]) == 49
    assert everyone["outside_agreement"] == [{"kommun": "0180", "waiting_episodes": 1}]
    gbg = next(m for m in everyone["municipalities"] if m["kommun"] == "1480")
    assert gbg == {
        "kommun": "1480", "name": "Göteborg", "discharged_episodes": 1, "average_so_far": 6.0,
        "amount_so_far_sek": "27900.00", "waiting_episodes": 1, "amount_if_discharged_today_sek": "65100.00",
        "pool_margin_days": -7, "status": "red",
    }  # fmt: skip
    code, out, _ = run(
        capsys, monkeypatch, "prognos", str(tmp_path / "episodes.csv"), "--date", "2022-03-20",
        "--kommun", "1480", "--format", "json",
    )  # fmt: skip
    own = json.loads(out)
    assert [m["kommun"] for m in own["municipalities"]] == ["1480"]
    assert [p["episode_id"] for p in own["waiting"]] == ["w7"]
    assert own["waiting"][0] == {
        "episode_id": "w7", "kommun": "1480", "care_type": "somatik", "ready_date": "2022-03-13",
        "days_waited": 7, "status": "pooled", "individual_from": "2022-03-21",
        # Tomorrow: 5 billable days (46 500) and a pool of one 6-day stay (27 900) against 65 100.
        "marginal_cost_sek": "9300.00", "reasons": [],
    }  # fmt: skip
    code, out, _ = run(capsys, monkeypatch, "prognos", str(tmp_path / "episodes.csv"), "--date", "2022-03-20")
    assert code == 0
    assert "Läget i dag 2022-03-20" in out
    assert "Väntar: 1480 Göteborg" in out
    code, out, _ = run(
        capsys,
        monkeypatch,
        "prognos",
        str(tmp_path / "episodes.csv"),
        "--date",
        "2022-03-20",
        "--format",
        "csv",
    )
    assert out.splitlines()[0] == (
        "date,kommun,episode_id,care_type,ready_date,days_waited,status,individual_from,marginal_cost_sek,reasons"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "2024-13-01"), "ÅÅÅÅ-MM-DD"),
        (("--date", "20240301"), "ÅÅÅÅ-MM-DD"),
        (("--date", "2099-01-01"), "efter i dag"),
        (("--date", "2022-03-20", "--kommun", "9999"), "inte någon av avtalets 49 kommuner"),
        (("--date", "2022-03-20", "--kommun", "19121212-1212"), "inte någon av avtalets 49 kommuner"),
        (("--date", "2024-03-20"), "fastställt belopp"),
    ],
)
def test_a_bad_prognos_call_is_a_message(
    capsys, monkeypatch, tmp_path, args: tuple[str, ...], message: str
) -> None:  # type: ignore[no-untyped-def]
    from test_cli import run

    frame(episode("w", None, ready=dt.date(2022, 3, 13))).write_csv(tmp_path / "e.csv")
    code, _, err = run(capsys, monkeypatch, "prognos", str(tmp_path / "e.csv"), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert "19121212" not in err

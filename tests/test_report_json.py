"""The JSON contract built column by column is the text ``json.dumps`` writes for the dicts.

The CLI writes ``contract_json``; the API and library callers get ``contract``'s dicts. Both
must say the same thing to the character, on random episode sets and parameters (thresholds
with öre-level amounts, separate averages, several months, out-of-county episodes) and on
cells a registry could one day hold (quotes, control characters, a null).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given

from helpers import episode, frame, run_cli
from hos_avtal.betalningsansvar import (
    BetalningsansvarResult,
    average,
    calculate_betalningsansvar,
    contract,
    contract_json,
)
from test_betalningsansvar_properties import episode_sets, examples, month_parameters, run_engine


def dumped(result: BetalningsansvarResult, *, episodes: bool = False) -> list[str]:
    return [json.dumps(obj, ensure_ascii=False) for obj in contract(result, episodes=episodes)]


@examples(100)
@given(episodes=episode_sets(), params=month_parameters())
def test_the_text_is_json_dumps_of_the_contract(episodes, params):
    result = run_engine(episodes, params)
    assert contract_json(result) == dumped(result)


@examples(20)
@given(episodes=episode_sets(max_size=15), params=month_parameters())
def test_the_text_with_episode_lines_is_json_dumps_of_the_contract(episodes, params):
    result = run_engine(episodes, params)
    assert contract_json(result, episodes=True) == dumped(result, episodes=True)


def a_result() -> BetalningsansvarResult:
    episodes = [
        episode(f"e{i}", i % 12, kommun=k) for i, k in enumerate(["1480", "1401", "0180", "1490"] * 5)
    ]
    return calculate_betalningsansvar(frame(*episodes), "2022-03", daily_amount_sek="9300.55")


def test_names_that_need_escaping_are_escaped_as_json_dumps_does() -> None:
    result = a_result()
    odd = ['Göteborg "Stad"', "back\\slash", "tab\there", "line\nbreak", "nul\x00", "\u2028sep", "😀"]
    names = pl.Series([odd[i % len(odd)] for i in range(result.municipalities.height)])
    municipalities = result.municipalities.with_columns(name=names)
    outside = result.outside_agreement.with_columns(lan=pl.lit('Stockholms "län"\x1f'))
    changed = dataclasses.replace(result, municipalities=municipalities, outside_agreement=outside)
    assert contract_json(changed) == dumped(changed)


def test_a_null_cell_takes_the_dict_path_and_gives_the_same_text() -> None:
    result = a_result()
    municipalities = result.municipalities.with_columns(
        kommunalforbund=pl.when(pl.col("kommun") == "1480").then(None).otherwise(pl.col("kommunalforbund"))
    )
    changed = dataclasses.replace(result, municipalities=municipalities)
    assert '"kommunalforbund": null' in contract_json(changed)[0]
    assert contract_json(changed) == dumped(changed)


def test_a_month_without_out_of_county_episodes() -> None:
    result = calculate_betalningsansvar(frame(episode("e1", 9)), "2022-03", daily_amount_sek="9300")
    assert result.outside_agreement.height == 0
    assert contract_json(result) == dumped(result)


def test_averages_are_the_floats_json_dumps_writes() -> None:
    result = a_result()
    for days, episodes in [(0, 0), (1, 3), (2, 3), (5, 2), (10**9 + 5, 7), (123456789, 1000)]:
        municipalities = result.municipalities.with_columns(
            average_days=pl.lit(days, pl.Int64), average_episodes=pl.lit(episodes, pl.Int64)
        )
        changed = dataclasses.replace(result, municipalities=municipalities)
        text = contract_json(changed)[0]
        assert f'"average": {json.dumps(average(days, episodes))}' in text
        assert text == dumped(changed)[0]


def test_the_cli_writes_the_contract_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "e.parquet"
    readies = [dt.date(2022, 2, 10), dt.date(2022, 3, 1), dt.date(2022, 3, 20)]
    kommuner = ["1480", "1401", "0180"]
    frame(
        *[episode(f"e{i}", i % 11, kommun=kommuner[i % 3], ready=readies[i % 3 - 1]) for i in range(20)]
    ).write_parquet(path)
    result = calculate_betalningsansvar(path, daily_amount_sek="9300")
    assert len(result.months) > 1
    args = ("betalningsansvar", str(path), "--format", "json", "--daily-amount", "9300")
    assert run_cli(capsys, monkeypatch, *args) == (
        0,
        json.dumps(contract(result), ensure_ascii=False) + "\n",
        "",
    )
    code, out, _ = run_cli(capsys, monkeypatch, *args, "--month", "2022-03")
    march = calculate_betalningsansvar(path, "2022-03", daily_amount_sek="9300")
    assert (code, out) == (0, json.dumps(contract(march)[0], ensure_ascii=False) + "\n")

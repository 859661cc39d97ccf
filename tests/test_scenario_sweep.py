"""Parameter sweeps: the grid syntax, agreement with one comparison per combination, the CLI."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from helpers import run_cli
from hos_avtal.errors import ScenarioError
from hos_avtal.io import validate_placement_inputs, validate_tariffs
from hos_avtal.months import month_range
from hos_avtal.municipalities import parties
from hos_avtal.scenarios import (
    ScenarioData,
    compare,
    parse_axis,
    scenario_from_mapping,
    sweep,
    sweep_csv,
    sweep_json,
    sweep_xlsx,
)
from hos_avtal.synth import synth_episodes, synth_placements, synth_visits


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("average_threshold_days=2.0:3.0:0.5", ["2.0", "2.5", "3.0"]),
        ("average_threshold_days=2.5,3,3.25", ["2.5", "3.0", "3.25"]),
        ("betalningsansvar.individual_after_days=5:10:1", ["5", "6", "7", "8", "9", "10"]),
        ("free_days=3:3:1", ["3"]),
        ("daily_amount_sek=9000:9600:300", ["9000", "9300", "9600"]),
        ("separate_care_type_averages=false,true", ["false", "true"]),
        ("schablon_region_share=1/3,0.33:0.35:0.01", None),
        ("schablon_region_share=0.30:0.40:0.05", ["0.30", "0.35", "0.40"]),
        ("hemtjanst_sek_per_hour=400,441", ["400", "441"]),
    ],
)
def test_the_grid_syntax_includes_stop_and_keeps_exact_values(text: str, labels: list[str] | None) -> None:
    if labels is None:
        with pytest.raises(ScenarioError):
            parse_axis(text)
        return
    assert parse_axis(text).labels == labels


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("threshold=2:3:1", "kan inte svepas"),
        ("conditions=a,b", "kan inte svepas"),
        ("average_threshold_days", "NAMN=START:SLUT:STEG"),
        ("average_threshold_days=3:2:1", "SLUT inte mindre än START"),
        ("average_threshold_days=2:3:0", "STEG måste vara större än noll"),
        ("average_threshold_days=0:2000:1", "högst 1000"),
        ("average_threshold_days=-1:1:1", "måste vara från 0 till 365"),
        ("individual_after_days=5:6:0.5", "ogiltigt värde"),
        ("separate_care_type_averages=kanske", "ogiltigt värde"),
    ],
)
def test_a_bad_grid_is_a_message_naming_the_parameter(text: str, reason: str) -> None:
    with pytest.raises(ScenarioError, match=reason):
        parse_axis(text)


def test_too_many_combinations_are_refused_before_any_work() -> None:
    axes = [parse_axis("average_threshold_days=0:99.9:0.1"), parse_axis("free_days=0:20:1")]
    with pytest.raises(ScenarioError, match="21000 kombinationer; högst 10000"):
        sweep(ScenarioData(), axes, base="vgr-2018")


def test_every_combination_equals_a_comparison_with_those_values_on_all_three_capabilities() -> None:
    # No 2024 hemtjänst recommendation: every host has its own. 20 hosts also decided their own
    # hemsjukvård tariff; the other 29 take VästKom's, which the sweep replaces.
    own = pl.DataFrame(
        [{"kommun": m.code, "year": 2024, "service": "hemtjanst", "sek_per_hour": "450"} for m in parties()]
        + [
            {"kommun": m.code, "year": 2024, "service": "hemsjukvard", "sek_per_hour": "800"}
            for m in parties()[:20]
        ]
    )
    data = ScenarioData(
        episodes=synth_episodes(month_range("2024-01..2024-02"), episodes_per_month=700, seed=12),
        placements=validate_placement_inputs(
            *synth_placements(month_range("2024-01..2024-02"), placements=30, seed=12)
        ),
        visits=synth_visits(month_range("2024-01..2024-02"), visits_per_month=200, seed=12),
        tariffs=validate_tariffs(own),
    )
    axes = [
        parse_axis("average_threshold_days=2.5,3.5"),
        parse_axis("individual_after_days=5,7"),
        parse_axis("schablon_region_share=1/3,0.3"),
        parse_axis("hemsjukvard_sek_per_hour=900"),
    ]
    result = sweep(data, axes, base="vgr-2023", daily_amount_sek=Decimal(9300))
    assert result.combinations.height == 8
    for values in itertools.product(*(a.values for a in axes)):
        changes: dict[str, dict[str, object]] = {}
        for axis, value in zip(axes, values, strict=True):
            changes.setdefault(axis.capability, {})[axis.name] = value
        variant = scenario_from_mapping({"name": "v", "base": "vgr-2023", **changes})
        expected = compare(data, [variant], daily_amount_sek=Decimal(9300))
        row = result.combinations.filter(
            pl.all_horizontal(
                pl.col(a.name) == label
                for a, label in zip(axes, (_l(a, v) for a, v in zip(axes, values, strict=True)), strict=True)
            )
        ).row(0, named=True)
        assert row["total_ore"] == expected.total()["s1_ore"]
        assert result.base_total_ore == expected.total()["base_ore"]
        per_kommun = result.municipalities.filter(pl.col("combination") == row["combination"]).sort("kommun")
        assert per_kommun["amount_ore"].to_list() == expected.municipalities()["s1_ore"].to_list()


def _l(axis: object, value: object) -> str:
    from hos_avtal.scenarios import label

    return label(value, axis.name)  # type: ignore[arg-type, attr-defined]


def test_a_swept_daily_amount_needs_no_shipped_amount() -> None:
    data = ScenarioData(episodes=synth_episodes(month_range("2024-03"), episodes_per_month=500, seed=1))
    result = sweep(data, [parse_axis("daily_amount_sek=9000,10000")], base="vgr-2023")
    low, high = result.combinations["total_ore"].to_list()
    assert low * 10 == high * 9  # every amount is days × the daily amount, so it scales exactly


def test_json_csv_and_excel_carry_every_combination_and_municipality() -> None:
    data = ScenarioData(episodes=synth_episodes(month_range("2022-03"), episodes_per_month=600, seed=3))
    axes = [parse_axis("average_threshold_days=2.5:3.5:0.5"), parse_axis("free_days=2,3")]
    result = sweep(data, axes, base="vgr-2018")
    contract = sweep_json(result)
    assert contract["base"]["values"] == {"average_threshold_days": "3.0", "free_days": "3"}
    assert [p["values"] for p in contract["parameters"]] == [["2.5", "3.0", "3.5"], ["2", "3"]]
    assert len(contract["combinations"]) == 6
    base_cell = next(
        c
        for c in contract["combinations"]
        if c["values"] == {"average_threshold_days": "3.0", "free_days": "3"}
    )
    assert base_cell["total_sek"] == contract["base"]["total_sek"]
    assert base_cell["difference_pct"] == "0.0"
    assert len(contract["municipalities"]) == 49
    assert all(len(m["amounts_sek"]) == 6 for m in contract["municipalities"])
    csv = pl.read_csv(io.StringIO(sweep_csv(result)))
    assert csv.height == 6
    assert "1480 Göteborg" in csv.columns
    with zipfile.ZipFile(io.BytesIO(sweep_xlsx(result))) as book:
        assert "xl/worksheets/sheet3.xml" in book.namelist()  # Kombinationer, Per kommun, Matris


def test_the_cli_sweep_with_a_heatmap(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    episodes = tmp_path / "e.csv"
    synth_episodes(month_range("2022-02..2022-03"), episodes_per_month=500, seed=4).write_csv(episodes)
    code, out, err = run_cli(
        capsys, monkeypatch, "scenario", "sweep", "--base", "vgr-2018", "-e", str(episodes),
        "-p", "average_threshold_days=2:4:0.5", "-p", "individual_after_days=5:9:2",
        "--heatmap", str(tmp_path / "h.svg"), "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    assert len(json.loads(out)["combinations"]) == 15
    svg = (tmp_path / "h.svg").read_text("utf-8")
    assert "Genomsnittsgräns (kalenderdagar)" in svg
    code, out, _ = run_cli(
        capsys, monkeypatch, "scenario", "sweep", "--base", "vgr-2018", "-e", str(episodes),
        "-p", "free_days=2:4:1",
    )  # fmt: skip
    assert code == 0
    assert "Parametersvep 2022-02..2022-03, bas vgr-2018" in out


def test_the_cli_refuses_a_heatmap_of_one_parameter(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(
        capsys, monkeypatch, "scenario", "sweep", "--base", "vgr-2018", "-e", "x.csv",
        "-p", "free_days=2:4:1", "--heatmap", str(tmp_path / "h.png"),
    )  # fmt: skip
    assert code == 2
    assert "en värmekarta kräver exakt två --param" in err

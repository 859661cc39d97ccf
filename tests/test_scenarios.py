"""What-if scenarios as a negotiator uses them: files, overlays and comparisons (docs/rules.md §7)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from helpers import episode, frame
from hos_avtal.betalningsansvar import MonthRules, calculate_betalningsansvar, calculate_with_parameters
from hos_avtal.errors import ScenarioError
from hos_avtal.io import validate_episodes
from hos_avtal.months import month_range
from hos_avtal.rules import load_ruleset
from hos_avtal.scenarios import (
    ScenarioData,
    compare,
    comparison_csv,
    comparison_json,
    comparison_xlsx,
    format_permille,
    load_scenario,
    scenario_from_mapping,
)
from hos_avtal.synth import synth_episodes, synth_placements, synth_visits

REPO = Path(__file__).resolve().parents[1]
MARCH = dt.date(2022, 3, 1)


def gothenburg_march() -> ScenarioData:
    """Göteborg's March 2022 average is 3.2 days (16 days over 5 episodes); Härryda has 10 days."""
    episodes = frame(
        *[episode(f"gbg{i}", d) for i, d in enumerate([0, 2, 3, 5, 6])],
        episode("harryda-long", 10, kommun="1401"),
    )
    return ScenarioData(episodes=validate_episodes(episodes))


def scenario(**betalningsansvar: object) -> dict[str, object]:
    return {"name": "Prov", "base": "vgr-2018", "betalningsansvar": betalningsansvar}


# --- Scenario files -----------------------------------------------------------------------------


def test_every_shipped_scenario_file_is_valid_and_its_base_loads() -> None:
    files = sorted((REPO / "scenarios").glob("*.toml"))
    assert len(files) >= 8
    for path in files:
        loaded = load_scenario(path)
        assert loaded.ruleset().id.startswith(load_ruleset(loaded.base).id)


def test_the_2027_template_changes_nothing_yet(tmp_path: Path) -> None:
    data = ScenarioData(episodes=synth_episodes(month_range("2024-05"), episodes_per_month=600, seed=4))
    template = load_scenario(REPO / "scenarios" / "mall-2027.toml")
    total = compare(data, [template], daily_amount_sek=Decimal(9300)).total()
    assert total["s1_diff_ore"] == 0


@pytest.mark.parametrize(
    ("content", "key", "reason"),
    [
        ('name = "x"\nbase = "vgr-2023"\n[betalningsansvar]\nthreshold = 2.5\n', "betalningsansvar.threshold",
         "okänd parameter"),
        ('name = "x"\nbase = "vgr-2023"\n[betalningsansvar]\nindividual_after_days = "fem"\n',
         "betalningsansvar.individual_after_days", "ogiltigt värde"),
        ('name = "x"\nbase = "vgr-2023"\n[betalningsansvar]\naverage_threshold_days = -1\n',
         "betalningsansvar.average_threshold_days", "måste vara från 0 till 365"),
        ('name = "x"\nbase = "vgr-2023"\n[betalningsansvar]\naverage_threshold_days = 3000\n',
         "betalningsansvar.average_threshold_days", "måste vara från 0 till 365"),
        ('name = "x"\nbase = "vgr-2023"\n[placements]\nschablon_region_share = "3/2"\n',
         "placements.schablon_region_share", "mellan 0 och 1"),
        ('name = "x"\nbase = "vgr-2023"\n[home_care]\nhemtjanst_sek_per_hour = 0\n',
         "home_care.hemtjanst_sek_per_hour", "rimliga intervallet"),
        ('name = "x"\nbase = "vgr-2099"\n', "base", "regelverksfilen"),
        ('base = "vgr-2023"\n', "name", "behöver ett namn"),
        ('name = "x"\nbase = "vgr-2023"\nthreshold = 2\n', "threshold", "okänd nyckel"),
        ('name = "x"\nbase = "vgr-2023"\n[taxi]\nfare = 2\n', "taxi", "okänd nyckel"),
    ],
)  # fmt: skip
def test_a_broken_scenario_file_names_file_key_and_reason(
    tmp_path: Path, content: str, key: str, reason: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"nyckel {key!r}" in message
    assert reason in message


def test_a_scenario_base_file_is_found_next_to_the_scenario(tmp_path: Path) -> None:
    ruleset = (REPO / "scenarios" / "rulesets" / "vgr-2027-utkast.toml").read_text("utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.toml").write_text(ruleset, "utf-8")
    path = tmp_path / "s.toml"
    path.write_text('name = "Eget"\nbase = "rules/mine.toml"\n[betalningsansvar]\nfree_days = 2\n', "utf-8")
    rules = load_scenario(path).ruleset()
    assert rules.id == "vgr-2027-utkast+eget"
    assert rules.betalningsansvar("2027-02", daily_amount_sek=Decimal(9900)).free_days == 2


def test_a_request_may_only_name_shipped_rule_sets() -> None:
    with pytest.raises(ScenarioError, match="okänt regelverk '/etc/passwd'"):
        scenario_from_mapping({"name": "x", "base": "/etc/passwd"})


def test_the_overlay_changes_only_what_the_scenario_names_and_cites_the_scenario() -> None:
    lower = scenario_from_mapping(scenario(average_threshold_days="2.5"))
    rules = lower.ruleset()
    params = rules.betalningsansvar("2022-03")
    base = load_ruleset("vgr-2018").betalningsansvar("2022-03")
    assert params.average_threshold_days == Decimal("2.5")
    assert (
        dataclasses.replace(
            params, average_threshold_days=base.average_threshold_days, ruleset_id=base.ruleset_id
        )
        == base
    )
    source = rules.require("betalningsansvar", "average_threshold_days", MARCH).source
    assert "scenario 'Prov'" in source


# --- Comparisons --------------------------------------------------------------------------------


def test_a_threshold_of_3_5_frees_gothenburg_and_keeps_the_individual_part() -> None:
    higher = scenario_from_mapping(scenario(average_threshold_days="3.5"))
    result = compare(gothenburg_march(), [higher]).municipalities()
    gbg = result.filter(pl.col("kommun") == "1480").row(0, named=True)
    harryda = result.filter(pl.col("kommun") == "1401").row(0, named=True)
    assert gbg["base_ore"] == 9_300_00  # (3.2 − 3.0) × 5 episodes = 1 day × 9 300 kr
    assert gbg["s1_ore"] == 0
    assert gbg["s1_diff_permille"] == -1000
    assert harryda["base_ore"] == harryda["s1_ore"] == 7 * 9_300_00


def test_an_equal_average_is_not_liable_at_the_threshold_exactly() -> None:
    at = scenario_from_mapping(scenario(average_threshold_days="3.2"))
    below = scenario_from_mapping({**scenario(average_threshold_days="3.19"), "name": "3,19"})
    result = compare(gothenburg_march(), [at, below]).municipalities().filter(pl.col("kommun") == "1480")
    assert result.row(0, named=True)["s1_ore"] == 0
    assert result.row(0, named=True)["s2_ore"] == 465_00  # 0.01 × 5 × 9 300 kr


def test_each_variant_equals_the_engine_run_with_the_scenario_parameters() -> None:
    episodes = synth_episodes(month_range("2022-01..2022-03"), episodes_per_month=900, seed=8)
    changes = {"individual_after_days": 5, "free_days": 2, "average_threshold_days": Decimal("2.7")}
    comparison = compare(ScenarioData(episodes=episodes), [scenario_from_mapping(scenario(**changes))])
    base_rules = load_ruleset("vgr-2018")
    months = [
        MonthRules(base_rules, dataclasses.replace(base_rules.betalningsansvar(m), **changes))  # type: ignore[arg-type]
        for m in month_range("2022-01..2022-03")
    ]
    direct = calculate_with_parameters(validate_episodes(episodes), months).municipalities
    expected = direct.group_by("kommun").agg(pl.col("total_amount_ore").sum()).sort("kommun")
    got = comparison.municipalities().select("kommun", pl.col("s1_ore").alias("total_amount_ore"))
    assert got.equals(expected.select("kommun", "total_amount_ore"))
    base = calculate_betalningsansvar(episodes, ruleset="vgr-2018").municipalities
    assert comparison.total()["base_ore"] == base["total_amount_ore"].sum()


def test_subtotals_and_total_add_up_and_every_party_is_listed() -> None:
    data = ScenarioData(episodes=synth_episodes(month_range("2022-06"), episodes_per_month=1500, seed=2))
    comparison = compare(data, [scenario_from_mapping(scenario(individual_after_days=5))])
    municipalities, associations = comparison.municipalities(), comparison.kommunalforbund()
    assert municipalities.height == 49
    assert associations["municipalities"].sum() == 49
    total = comparison.total()
    for column in ("base_ore", "s1_ore", "s1_diff_ore"):
        assert municipalities[column].sum() == associations[column].sum() == total[column]


def test_all_three_capabilities_are_compared_on_what_the_municipality_pays() -> None:
    placements = synth_placements(month_range("2024-01..2024-03"), placements=40, seed=3)
    from hos_avtal.io import validate_placement_inputs, validate_tariffs
    from hos_avtal.municipalities import parties

    # VästKom recommended no 2024 hemtjänst tariff: every host has decided its own, which a
    # scenario leaves alone; the scenario's hemsjukvård tariff replaces VästKom's 828 kr.
    own = pl.DataFrame(
        [{"kommun": m.code, "year": 2024, "service": "hemtjanst", "sek_per_hour": "450"} for m in parties()]
    )
    data = ScenarioData(
        episodes=synth_episodes(month_range("2024-02"), episodes_per_month=500, seed=3),
        placements=validate_placement_inputs(*placements),
        visits=synth_visits(month_range("2024-02"), visits_per_month=300, seed=3),
        tariffs=validate_tariffs(own),
    )
    changed = scenario_from_mapping(
        {
            "name": "Allt",
            "base": "vgr-2023",
            "betalningsansvar": {"average_threshold_days": "2.0", "daily_amount_sek": "9500"},
            "placements": {"schablon_region_share": "0"},
            "home_care": {"hemtjanst_sek_per_hour": "500", "hemsjukvard_sek_per_hour": "900"},
        }
    )
    comparison = compare(data, [changed], daily_amount_sek=Decimal(9300))
    assert comparison.capabilities == ("betalningsansvar", "placements", "home_care")
    for capability in comparison.capabilities:
        assert (comparison.total(capability)["s1_diff_ore"] or 0) > 0, capability
    assert (
        sum(comparison.total(c)["s1_ore"] or 0 for c in comparison.capabilities)
        == comparison.total()["s1_ore"]
    )
    # The scenario's own daily amount wins over --daily-amount; the base keeps the given one.
    assert comparison.variants[1].daily_amount_sek is None
    assert comparison.variants[0].daily_amount_sek == Decimal(9300)


def test_the_statute_scenario_takes_placements_from_the_comparison_base() -> None:
    placements = synth_placements(month_range("2024-01"), placements=20, seed=5)
    from hos_avtal.io import validate_placement_inputs

    data = ScenarioData(placements=validate_placement_inputs(*placements))
    statute = load_scenario(REPO / "scenarios" / "lagens-standard.toml")
    total = compare(data, [statute], base="vgr-2023").total()
    assert total["s1_ore"] == total["base_ore"]


def test_two_scenarios_with_one_name_are_refused() -> None:
    one = scenario_from_mapping(scenario(free_days=1))
    with pytest.raises(ScenarioError, match="två scenarier heter 'Prov'"):
        compare(gothenburg_march(), [one, one])


def test_percent_is_exact_and_rounded_half_up_once() -> None:
    assert [format_permille(p) for p in (-1000, 5, 0, None)] == ["-100.0", "0.5", "0.0", None]
    import numpy as np

    from hos_avtal.scenarios._compare import permille

    got = permille(np.array([1, -1, 1, 5]), np.array([2000, 2000, 3, 0]))
    assert got == [1, -1, 333, None]  # 0.05 % → 0.1 %, −0.05 % → −0.1 %, 33.33 % → 33.3 %, no base


def test_json_csv_and_excel_say_the_same_totals() -> None:
    comparison = compare(gothenburg_march(), [scenario_from_mapping(scenario(average_threshold_days="3.5"))])
    contract = comparison_json(comparison)
    assert contract["total"]["base_sek"] == "74400.00"  # Göteborg 9 300 + Härryda 7 × 9 300
    assert contract["total"]["scenarios"][0] == {
        "name": "Prov", "amount_sek": "65100.00", "difference_sek": "-9300.00", "difference_pct": "-12.5",
    }  # fmt: skip
    assert contract["scenarios"][0]["changes"] == {"betalningsansvar": {"average_threshold_days": "3.5"}}
    assert len(contract["municipalities"]) == 49
    assert len(contract["kommunalforbund"]) == 4
    csv = pl.read_csv(io.StringIO(comparison_csv(comparison)), schema_overrides={"kommun": pl.String})
    assert csv.filter(pl.col("level") == "total").row(0, named=True)["prov_diff_sek"] == -9300.0
    assert csv.filter(pl.col("level") == "kommun").height == 49
    with zipfile.ZipFile(io.BytesIO(comparison_xlsx(comparison))) as book:
        names = book.namelist()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "xl/worksheets/sheet2.xml" in names  # Jämförelse and Parametrar
    for text in ("Göteborg", "Summa Göteborgsregionen", "Totalt, 49 kommuner", "average_threshold_days"):
        assert text in strings


def test_the_trend_is_the_county_wide_pooled_average_against_the_threshold() -> None:
    comparison = compare(gothenburg_march(), [])
    trend = comparison.trend()
    assert trend.row(0, named=True) == {
        "month": MARCH, "series": "Alla 49 kommuner", "average_days": 3.2, "threshold_days": 3.0,
    }  # fmt: skip
    assert comparison.trend(kommun="1401")["average_days"].to_list() == [None]
    with pytest.raises(ScenarioError, match="inte någon av de 49"):
        comparison.trend(kommun="0180")

"""Placement cost split (docs/rules.md §5): its example, each method, pro rata, later decisions,
as-of, adjustments, flags, the command line, and bad input in every column of the three files."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from helpers import run_cli
from hos_avtal.errors import InputError, MissingParameterError, PlacementInputError
from hos_avtal.io._placements import (
    read_agreements,
    read_costs,
    read_placement_inputs,
    read_placements,
)
from hos_avtal.placements import PlacementResult, calculate_placements

P_HEADER = "placement_id,kommun,placed_by,start_date,end_date,acute"
C_HEADER = "placement_id,month,cost_sek"
A_HEADER = (
    "placement_id,valid_from,valid_to,method,region_percent,fixed_party,fixed_sek_per_month,decided_date"
)

P1 = "P1,1480,kommun,2024-01-01,,false"
SCHABLON = "P1,2024-01-01,,schablon,,,,2024-01-05"


def write(path: Path, header: str, *lines: str) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def files(
    tmp_path: Path, placements: list[str], costs: list[str], agreements: list[str]
) -> tuple[Path, Path, Path]:
    return (
        write(tmp_path / "placements.csv", P_HEADER, *placements),
        write(tmp_path / "costs.csv", C_HEADER, *costs),
        write(tmp_path / "agreements.csv", A_HEADER, *agreements),
    )


def compute(
    tmp_path: Path, placements: list[str], costs: list[str], agreements: list[str], **options: Any
) -> PlacementResult:
    return calculate_placements(*files(tmp_path, placements, costs, agreements), **options)


def line(result: PlacementResult, placement_id: str = "P1", month: str = "2024-03") -> dict[str, Any]:
    day = dt.date.fromisoformat(month + "-01")
    rows = result.lines.filter(pl.col("placement_id") == placement_id, pl.col("month") == day)
    assert rows.height == 1
    return rows.row(0, named=True)


def shares(result: PlacementResult, placement_id: str = "P1", month: str = "2024-03") -> tuple[int, int]:
    row = line(result, placement_id, month)
    return row["region_ore"], row["kommun_ore"]


# ---------------------------------------------------------------------------------------------
# Methods


class TestMethods:
    def test_spec_example_schablon_exact_thirds(self, tmp_path: Path) -> None:
        result = compute(tmp_path, [P1], ["P1,2024-03,100000.00"], [SCHABLON])
        row = line(result)
        assert (row["cost_ore"], row["region_ore"], row["kommun_ore"]) == (10_000_000, 3_333_333, 6_666_667)
        assert (row["method"], row["flags"]) == ("schablon", [])

    def test_schablon_share_is_a_rule_set_parameter(self, tmp_path: Path) -> None:
        text = resources.files("hos_avtal.rules").joinpath("data", "vgr-2023.toml").read_text("utf-8")
        scenario = tmp_path / "scenario.toml"
        scenario.write_text(text.replace('value = "1/3"', 'value = "0.33"'), encoding="utf-8")
        result = compute(tmp_path, [P1], ["P1,2024-03,100000.00"], [SCHABLON], ruleset=scenario)
        assert shares(result) == (3_300_000, 6_700_000)

    def test_percent_with_two_decimals(self, tmp_path: Path) -> None:
        agreement = "P1,2024-01-01,,percent,33.35,,,2024-01-05"
        result = compute(tmp_path, [P1], ["P1,2024-03,1000.01"], [agreement])
        # 33.35 % of 1000.01 = 333.503335 → 333.50
        assert shares(result) == (33_350, 66_651)
        assert line(result)["method"] == "percent"

    def test_percent_rounds_half_up_once(self, tmp_path: Path) -> None:
        agreement = "P1,2024-01-01,,percent,50,,,2024-01-05"
        assert shares(compute(tmp_path, [P1], ["P1,2024-03,0.01"], [agreement])) == (1, 0)

    def test_fixed_for_the_region(self, tmp_path: Path) -> None:
        agreement = "P1,2024-01-01,,fixed,,region,25000,2024-01-05"
        assert shares(compute(tmp_path, [P1], ["P1,2024-03,80000"], [agreement])) == (2_500_000, 5_500_000)

    def test_fixed_for_the_kommun(self, tmp_path: Path) -> None:
        agreement = "P1,2024-01-01,,fixed,,kommun,25000,2024-01-05"
        assert shares(compute(tmp_path, [P1], ["P1,2024-03,80000"], [agreement])) == (5_500_000, 2_500_000)

    def test_fixed_above_the_cost_is_capped_and_flagged(self, tmp_path: Path) -> None:
        agreement = "P1,2024-01-01,,fixed,,region,90000,2024-01-05"
        result = compute(tmp_path, [P1], ["P1,2024-03,80000"], [agreement])
        assert shares(result) == (8_000_000, 0)
        assert line(result)["flags"] == ["fixed_capped"]

    def test_zero_cost(self, tmp_path: Path) -> None:
        assert shares(compute(tmp_path, [P1], ["P1,2024-03,0"], [SCHABLON])) == (0, 0)


# ---------------------------------------------------------------------------------------------
# Time: pro rata, later decisions, as-of, adjustments


class TestTime:
    def test_month_partly_covered_is_split_pro_rata_by_days(self, tmp_path: Path) -> None:
        # March 2024 has 31 days: 10 days schablon, 21 days without agreement (placed by kommun).
        agreement = "P1,2024-01-01,2024-03-10,schablon,,,,2024-01-05"
        result = compute(tmp_path, [P1], ["P1,2024-03,31000"], [agreement])
        assert shares(result) == (333_333, 2_766_667)  # 1/3 · 10 000.00 = 3 333.33
        assert (line(result)["method"], line(result)["flags"]) == ("mixed", ["agreement_missing"])

    def test_placement_ending_mid_month_uses_its_own_days(self, tmp_path: Path) -> None:
        placement = "P1,1480,kommun,2024-01-01,2024-03-15,false"
        agreements = [
            "P1,2024-01-01,2024-03-05,percent,100,,,2024-01-05",
            "P1,2024-03-06,,percent,0,,,2024-01-05",
        ]
        result = compute(tmp_path, [placement], ["P1,2024-03,15000"], agreements)
        assert shares(result) == (500_000, 1_000_000)  # 5 of 15 days at 100 %

    def test_placement_starting_mid_month(self, tmp_path: Path) -> None:
        placement = "P1,1480,region,2024-03-22,,false"  # 10 days in March, none covered
        agreement = "P1,2024-03-27,,percent,0,,,2024-03-25"  # 5 of them at 0 %
        result = compute(tmp_path, [placement], ["P1,2024-03,10000"], [agreement])
        assert shares(result) == (500_000, 500_000)

    def test_later_decision_replaces_the_earlier_for_its_days(self, tmp_path: Path) -> None:
        agreements = [SCHABLON, "P1,2024-03-17,,percent,100,,,2024-04-02"]  # 15 of 31 days at 100 %
        result = compute(tmp_path, [P1], ["P1,2024-03,31000"], agreements)
        assert shares(result) == (1_500_000 + 533_333, 31_00_000 - 1_500_000 - 533_333)
        assert line(result)["method"] == "mixed"

    def test_same_decision_date_later_valid_from_wins(self, tmp_path: Path) -> None:
        agreements = [
            "P1,2024-01-01,2024-02-29,percent,0,,,2024-01-05",
            "P1,2024-03-01,,percent,100,,,2024-01-05",
        ]
        assert shares(compute(tmp_path, [P1], ["P1,2024-03,100"], agreements)) == (10_000, 0)

    def test_as_of_uses_only_agreements_decided_by_then(self, tmp_path: Path) -> None:
        agreements = [SCHABLON, "P1,2024-01-01,,percent,50,,,2024-04-10"]
        paths = files(tmp_path, [P1], ["P1,2024-03,90000"], agreements)
        assert shares(calculate_placements(*paths, as_of="2024-04-09")) == (3_000_000, 6_000_000)
        assert shares(calculate_placements(*paths, as_of="2024-04-10")) == (4_500_000, 4_500_000)
        assert shares(calculate_placements(*paths)) == (4_500_000, 4_500_000)

    def test_as_of_before_any_decision_leaves_the_cost_with_the_placing_party(self, tmp_path: Path) -> None:
        result = compute(tmp_path, [P1], ["P1,2024-03,100"], [SCHABLON], as_of=dt.date(2024, 1, 4))
        assert shares(result) == (0, 10_000)

    def test_adjustment_for_a_retroactive_decision(self, tmp_path: Path) -> None:
        """An acute placement by the region, decided late with schablon back to its start."""
        placement = "P1,1480,region,2024-01-15,,true"
        agreement = "P1,2024-01-15,,schablon,,,,2024-03-20"
        costs = ["P1,2024-01,51000", "P1,2024-02,60000", "P1,2024-03,60000"]
        paths = files(tmp_path, [placement], costs, [agreement])
        billed = calculate_placements(*paths, as_of="2024-03-01")
        assert shares(billed, month="2024-01") == (5_100_000, 0)
        assert line(billed, month="2024-01")["flags"] == []  # inside its first 30 days
        assert line(billed, month="2024-02")["flags"] == ["agreement_overdue"]
        result = calculate_placements(*paths, adjust_from="2024-03-01")
        assert result.adjustments is not None
        deltas = result.adjustments.select("month", "region_delta_ore", "kommun_delta_ore").rows()
        assert deltas == [
            (dt.date(2024, 1, 1), -3_400_000, 3_400_000),
            (dt.date(2024, 2, 1), -4_000_000, 4_000_000),
            (dt.date(2024, 3, 1), -4_000_000, 4_000_000),
        ]
        assert result.adjustment_totals() == {"region_delta_ore": -11_400_000, "kommun_delta_ore": 11_400_000}

    def test_no_adjustment_when_nothing_changed(self, tmp_path: Path) -> None:
        result = compute(tmp_path, [P1], ["P1,2024-03,100"], [SCHABLON], adjust_from=dt.date(2024, 2, 1))
        assert result.adjustments is not None
        assert result.adjustments.height == 0


class TestFlags:
    @pytest.mark.parametrize(
        ("start", "month", "flags"),
        [
            ("2024-03-02", "2024-03", []),  # month end 03-31 < 03-02 + 30 days = 04-01
            ("2024-03-01", "2024-03", ["agreement_overdue"]),  # 03-31 = 03-01 + 30 days
            ("2024-01-01", "2024-03", ["agreement_overdue"]),
        ],
    )
    def test_acute_without_agreement(self, tmp_path: Path, start: str, month: str, flags: list[str]) -> None:
        placement = f"P1,1480,kommun,{start},,true"
        result = compute(tmp_path, [placement], [f"P1,{month},100"], [])
        assert line(result, month=month)["flags"] == flags
        assert (line(result, month=month)["method"], shares(result, month=month)) == ("none", (0, 10_000))

    def test_non_acute_without_agreement_is_missing(self, tmp_path: Path) -> None:
        placement = "P1,1480,region,2024-03-30,,false"
        result = compute(tmp_path, [placement], ["P1,2024-03,100"], [])
        assert (line(result)["flags"], shares(result)) == (["agreement_missing"], (10_000, 0))

    def test_covered_acute_placement_has_no_flag(self, tmp_path: Path) -> None:
        placement = "P1,1480,kommun,2024-01-01,,true"
        assert line(compute(tmp_path, [placement], ["P1,2024-03,100"], [SCHABLON]))["flags"] == []


class TestMonthsAndTotals:
    def test_month_option_and_municipality_totals(self, tmp_path: Path) -> None:
        placements = [P1, "P2,1401,region,2024-01-01,,false"]
        costs = ["P1,2024-02,300", "P1,2024-03,300", "P2,2024-03,100"]
        agreements = [SCHABLON, "P2,2024-01-01,,percent,10,,,2024-01-05"]
        result = compute(tmp_path, placements, costs, agreements, months="2024-03")
        assert result.lines.height == 2
        munis = result.municipalities
        assert munis.height == 49
        assert munis["kommun"].to_list() == sorted(munis["kommun"].to_list())
        gbg = munis.filter(pl.col("kommun") == "1480").row(0, named=True)
        assert (gbg["cost_ore"], gbg["region_ore"], gbg["kommun_ore"], gbg["placements"]) == (
            30000,
            10000,
            20000,
            1,
        )
        assert result.totals() == {"cost_ore": 40000, "region_ore": 11000, "kommun_ore": 29000}

    def test_before_2023_needs_a_rule_set_with_placement_terms(self, tmp_path: Path) -> None:
        placement = "P1,1480,kommun,2022-01-01,,false"
        paths = files(tmp_path, [placement], ["P1,2022-03,100"], [])
        with pytest.raises(MissingParameterError):
            calculate_placements(*paths, ruleset="vgr-2018")

    def test_frames_in_memory(self) -> None:
        placements = pl.DataFrame(
            {
                "placement_id": ["P1"],
                "kommun": ["1480"],
                "placed_by": ["kommun"],
                "start_date": [dt.date(2024, 1, 1)],
                "end_date": [None],
                "acute": [False],
            }
        )
        costs = pl.DataFrame({"placement_id": ["P1"], "month": [dt.date(2024, 3, 1)], "cost_sek": [100000]})
        agreements = pl.DataFrame(
            {
                "placement_id": ["P1"],
                "valid_from": [dt.date(2024, 1, 1)],
                "valid_to": [None],
                "method": ["percent"],
                "region_percent": [12.5],
                "decided_date": [dt.date(2024, 1, 1)],
            }
        )
        assert shares(calculate_placements(placements, costs, agreements)) == (1_250_000, 8_750_000)

    def test_parquet_input(self, tmp_path: Path) -> None:
        csvs = files(tmp_path, [P1], ["P1,2024-03,100000.00"], [SCHABLON])
        parquet = []
        for path in csvs:
            target = path.with_suffix(".parquet")
            pl.read_csv(path, infer_schema=False).write_parquet(target)
            parquet.append(target)
        assert shares(calculate_placements(parquet[0], parquet[1], parquet[2])) == (3_333_333, 6_666_667)


# ---------------------------------------------------------------------------------------------
# Bad input: every column of every file, and across files


def problems(error: pytest.ExceptionInfo[InputError]) -> list[tuple[str, int | None, str | None]]:
    found: list[tuple[str, int | None, str | None]] = []
    errors = error.value.errors if isinstance(error.value, PlacementInputError) else [error.value]
    for e in errors:
        found += [(Path(e.source).name, p.row, p.column) for p in e.problems]
    return found


GOOD_COST = "P1,2024-03,100"


@pytest.mark.parametrize(
    ("placement", "column"),
    [
        (",1480,kommun,2024-01-01,,false", "placement_id"),
        ("199001011239,1480,kommun,2024-01-01,,false", "placement_id"),
        ("P1,,kommun,2024-01-01,,false", "kommun"),
        ("P1,180,kommun,2024-01-01,,false", "kommun"),
        ("P1,0180,kommun,2024-01-01,,false", "kommun"),  # a valid code, but not a party
        ("P1,1480,vgr,2024-01-01,,false", "placed_by"),
        ("P1,1480,,2024-01-01,,false", "placed_by"),
        ("P1,1480,kommun,2024-01-32,,false", "start_date"),
        ("P1,1480,kommun,,,false", "start_date"),
        ("P1,1480,kommun,2024-01-01,31/12/2024,false", "end_date"),
        ("P1,1480,kommun,2024-04-01,2024-03-31,false", "end_date"),
        ("P1,1480,kommun,2024-01-01,,kanske", "acute"),
        ("P1,1480,kommun,2024-01-01,,", "acute"),
    ],
)
def test_bad_placement_cell(tmp_path: Path, placement: str, column: str) -> None:
    path = write(tmp_path / "placements.csv", P_HEADER, placement)
    with pytest.raises(InputError) as error:
        read_placements(path)
    assert ("placements.csv", 2, column) in problems(error)


@pytest.mark.parametrize(
    ("cost", "column"),
    [
        (",2024-03,100", "placement_id"),
        ("P1,2024-3,100", "month"),
        ("P1,,100", "month"),
        ("P1,2024-13,100", "month"),
        ("P1,2024-03,tio", "cost_sek"),
        ("P1,2024-03,100.001", "cost_sek"),
        ("P1,2024-03,-5", "cost_sek"),
        ("P1,2024-03,", "cost_sek"),
    ],
)
def test_bad_cost_cell(tmp_path: Path, cost: str, column: str) -> None:
    path = write(tmp_path / "costs.csv", C_HEADER, cost)
    with pytest.raises(InputError) as error:
        read_costs(path)
    assert ("costs.csv", 2, column) in problems(error)


@pytest.mark.parametrize(
    ("agreement", "column"),
    [
        (",2024-01-01,,schablon,,,,2024-01-05", "placement_id"),
        ("P1,,,schablon,,,,2024-01-05", "valid_from"),
        ("P1,2024-02-30,,schablon,,,,2024-01-05", "valid_from"),
        ("P1,2024-01-01,2024-xx-01,schablon,,,,2024-01-05", "valid_to"),
        ("P1,2024-02-01,2024-01-31,schablon,,,,2024-01-05", "valid_to"),
        ("P1,2024-01-01,,kronor,,,,2024-01-05", "method"),
        ("P1,2024-01-01,,,,,,2024-01-05", "method"),
        ("P1,2024-01-01,,percent,,,,2024-01-05", "region_percent"),
        ("P1,2024-01-01,,percent,100.5,,,2024-01-05", "region_percent"),
        ("P1,2024-01-01,,percent,33.333,,,2024-01-05", "region_percent"),
        ("P1,2024-01-01,,percent,-3,,,2024-01-05", "region_percent"),
        ("P1,2024-01-01,,schablon,33,,,2024-01-05", "region_percent"),
        ("P1,2024-01-01,,fixed,,,1000,2024-01-05", "fixed_party"),
        ("P1,2024-01-01,,fixed,,vgr,1000,2024-01-05", "fixed_party"),
        ("P1,2024-01-01,,percent,50,region,,2024-01-05", "fixed_party"),
        ("P1,2024-01-01,,fixed,,region,,2024-01-05", "fixed_sek_per_month"),
        ("P1,2024-01-01,,fixed,,region,mycket,2024-01-05", "fixed_sek_per_month"),
        ("P1,2024-01-01,,fixed,,region,-1,2024-01-05", "fixed_sek_per_month"),
        ("P1,2024-01-01,,schablon,,,1000,2024-01-05", "fixed_sek_per_month"),
        ("P1,2024-01-01,,schablon,,,,", "decided_date"),
        ("P1,2024-01-01,,schablon,,,,igår", "decided_date"),
    ],
)
def test_bad_agreement_cell(tmp_path: Path, agreement: str, column: str) -> None:
    path = write(tmp_path / "agreements.csv", A_HEADER, agreement)
    with pytest.raises(InputError) as error:
        read_agreements(path)
    assert ("agreements.csv", 2, column) in problems(error)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "costs.csv", "placement_id,month", "P1,2024-03")
    with pytest.raises(InputError) as error:
        read_costs(path)
    assert problems(error) == [("costs.csv", 1, "cost_sek")]


def test_problems_across_files_all_reported_at_once(tmp_path: Path) -> None:
    placements = [P1, P1.replace("false", "true"), "P2,1401,kommun,2024-03-15,2024-05-31,false"]
    costs = [
        GOOD_COST,
        "P1,2024-03,200",  # the same placement and month twice
        "P9,2024-03,100",  # no such placement
        "P2,2024-02,100",  # before the placement started
        "P2,2024-06,100",  # after it ended
    ]
    agreements = [
        SCHABLON,
        "P1,2024-02-01,2024-04-30,percent,40,,,2024-01-05",  # overlaps row 2, decided the same day
        "P1,2024-05-01,,percent,40,,,2024-01-06",  # overlaps too, but decided later: fine
        "P8,2024-01-01,,schablon,,,,2024-01-05",
    ]
    with pytest.raises(PlacementInputError) as error:
        read_placement_inputs(*files(tmp_path, placements, costs, agreements))
    assert problems(error) == [
        ("placements.csv", 3, "placement_id"),
        ("costs.csv", 3, "month"),
        ("costs.csv", 4, "placement_id"),
        ("costs.csv", 5, "month"),
        ("costs.csv", 6, "month"),
        ("agreements.csv", 2, "valid_from"),
        ("agreements.csv", 3, "valid_from"),
        ("agreements.csv", 5, "placement_id"),
    ]
    message = str(error.value)
    assert (
        "costs.csv, rad 5, kolumn 'month': ligger utanför placeringens period (2024-03-15 – 2024-05-31)"
        in message
    )
    assert "agreements.csv, rad 2, kolumn 'valid_from': överlappar överenskommelsen på rad 3" in message


def test_personnummer_is_never_echoed(tmp_path: Path) -> None:
    path = write(tmp_path / "placements.csv", P_HEADER, "19121212-1212,1480,kommun,2024-01-01,,false")
    with pytest.raises(InputError) as error:
        read_placements(path)
    assert "1212" not in str(error.value).replace("placements.csv", "")


def test_missing_file_reported_with_the_others(tmp_path: Path) -> None:
    p, c, _ = files(tmp_path, [P1], ["P1,2024-3,100"], [])
    with pytest.raises(PlacementInputError) as error:
        read_placement_inputs(p, c, tmp_path / "nope.csv")
    assert problems(error) == [("costs.csv", 2, "month"), ("nope.csv", None, None)]


# ---------------------------------------------------------------------------------------------
# Command line


run = run_cli


@pytest.fixture
def example(tmp_path: Path) -> list[str]:
    placements = [P1, "P2,1401,region,2024-02-15,2024-04-10,true"]
    costs = ["P1,2024-02,100000", "P1,2024-03,100000.00", "P2,2024-03,62000", "P2,2024-04,20000"]
    agreements = [SCHABLON, "P2,2024-03-01,,fixed,,kommun,70000,2024-04-15"]
    p, c, a = files(tmp_path, placements, costs, agreements)
    return ["placements", "--placements", str(p), "--costs", str(c), "--agreements", str(a)]


def test_cli_json_contract(capsys, monkeypatch, example: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, monkeypatch, *example, "--month", "2024-03", "--format", "json")
    assert code == 0, err
    obj = json.loads(out)
    assert (obj["ruleset"], obj["as_of"], obj["months"]) == ("vgr-2023", None, ["2024-03"])
    assert obj["lines"][0] == {
        "placement_id": "P1", "kommun": "1480", "month": "2024-03", "cost_sek": "100000.00",
        "region_sek": "33333.33", "kommun_sek": "66666.67", "method": "schablon", "flags": [],
    }  # fmt: skip
    assert obj["lines"][1]["flags"] == ["fixed_capped"]
    assert len(obj["municipalities"]) == 49
    harryda = next(m for m in obj["municipalities"] if m["kommun"] == "1401")
    assert harryda == {
        "kommun": "1401", "name": "Härryda", "cost_sek": "62000.00", "region_sek": "0.00",
        "kommun_sek": "62000.00", "placements": 1,
    }  # fmt: skip
    assert obj["totals"] == {"cost_sek": "162000.00", "region_sek": "33333.33", "kommun_sek": "128666.67"}
    assert "adjustments" not in obj


def test_cli_json_with_adjustments(capsys, monkeypatch, example: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, monkeypatch, *example, "--adjust-from", "2024-04-01", "--format", "json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["months"] == ["2024-02", "2024-03", "2024-04"]
    assert obj["adjust_from"] == "2024-04-01"
    assert [(a["month"], a["region_delta_sek"], a["kommun_delta_sek"]) for a in obj["adjustments"]] == [
        ("2024-03", "-62000.00", "62000.00"),
        ("2024-04", "-20000.00", "20000.00"),
    ]
    assert obj["adjustments"][0]["billed_method"] == "none"
    assert obj["adjustment_totals"] == {
        "lines": 2,
        "region_delta_sek": "-82000.00",
        "kommun_delta_sek": "82000.00",
    }


def test_cli_as_of(capsys, monkeypatch, example: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        capsys, monkeypatch, *example, "--as-of", "2024-04-01", "--month", "2024-04", "--format", "json"
    )
    obj = json.loads(out)
    assert code == 0
    assert obj["as_of"] == "2024-04-01"
    assert (obj["lines"][0]["region_sek"], obj["lines"][0]["flags"]) == ("20000.00", ["agreement_overdue"])


def test_cli_csv(capsys, monkeypatch, example: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, *example, "--format", "csv")
    rows = pl.read_csv(out.encode(), infer_schema=False)
    assert code == 0
    assert rows.height == 4
    assert rows.row(0, named=True)["region_sek"] == "33333.33"
    assert (
        rows.filter(pl.col("placement_id") == "P2", pl.col("month") == "2024-03")["flags"].item()
        == "fixed_capped"
    )


def test_cli_csv_adjustments(capsys, monkeypatch, example: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, *example, "--format", "csv", "--adjust-from", "2024-04-01")
    rows = pl.read_csv(out.encode(), infer_schema=False)
    assert code == 0
    assert rows["region_delta_sek"].to_list() == ["-62000.00", "-20000.00"]


def test_cli_table(capsys, monkeypatch, example: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, *example, "--adjust-from", "2024-04-01")
    assert code == 0
    assert "33\u00a0333,33" in out
    assert "1480 Göteborg" in out
    assert "vgr-2023" in out
    assert "Justering i efterhand sedan 2024-04-01" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2024-13"), "är ingen månad"),
        (("--as-of", "igår"), "är inget datum"),
        (("--adjust-from", "2024-02-30"), "är inget datum"),
        (("--ruleset", "nope"), "regelverket finns inte"),
    ],
)
def test_cli_bad_options(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, example: list[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, monkeypatch, *example, *args)
    assert code == 2
    assert message in err


def test_cli_bad_input_is_a_message_not_a_traceback(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p, c, a = files(tmp_path, [P1], ["P9,2024-03,100"], [SCHABLON.replace("schablon", "halva")])
    code, out, err = run(
        capsys, monkeypatch, "placements", "--placements", str(p), "--costs", str(c), "--agreements", str(a)
    )
    assert (code, out) == (2, "")
    assert "costs.csv, rad 2, kolumn 'placement_id': ingen placering med detta placement_id" in err
    assert "agreements.csv, rad 2, kolumn 'method': är inte något av schablon, percent, fixed" in err
    assert "Traceback" not in err


def test_synthetic_year_is_valid_input_and_exercises_every_case() -> None:
    from hos_avtal.synth import month_range
    from hos_avtal.synth._placements import synth_placements

    placements, costs, agreements = synth_placements(month_range("2024-01..2024-12"), placements=200)
    result = calculate_placements(placements, costs, agreements, adjust_from=dt.date(2024, 6, 30))
    lines = result.lines
    assert (lines["region_ore"] + lines["kommun_ore"] == lines["cost_ore"]).all()
    assert set(lines["method"]) == {"schablon", "percent", "fixed", "none", "mixed"}
    flags = set(lines["flags"].explode().drop_nulls())
    assert flags == {"agreement_overdue", "agreement_missing", "fixed_capped"}
    assert result.adjustments is not None
    assert result.adjustments.height > 0
    kronor = costs["cost_sek"].str.split(".").list.first().cast(pl.Int64)
    assert (kronor >= 0).all()  # part months can be small, never negative
    assert (kronor <= 172_500).all()  # the HVB ceiling of 150 000 kr with at most 15 % noise

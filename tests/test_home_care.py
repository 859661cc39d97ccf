"""Hemtjänst and hemsjukvård in another municipality (docs/rules.md §6): examples, tariffs, netting,
CLI, bad input."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from helpers import run_cli
from hos_avtal.errors import CalculationError, InputError, MissingParameterError
from hos_avtal.home_care import HomeCareResult, calculate_home_care, contract, csv_frame
from hos_avtal.home_care._netting import settle
from hos_avtal.io import read_tariffs, read_visits, validate_visits

VISIT_HEADER = "visit_id,person_id,home_kommun,host_kommun,date,service,minutes"
TARIFF_HEADER = "kommun,year,service,sek_per_hour"
GOTEBORG, MOLNDAL, STROMSTAD, TANUM, STOCKHOLM = "1480", "1481", "1486", "1435", "0180"
JULY = dt.date(2022, 7, 1)
_VISIT_NUMBERS = itertools.count(1)


def visit(
    minutes: int,
    *,
    home: str = GOTEBORG,
    host: str = STROMSTAD,
    day: dt.date = dt.date(2022, 7, 4),
    service: str = "hemtjanst",
    visit_id: str | None = None,
) -> dict[str, Any]:
    return {
        "visit_id": visit_id or f"v{next(_VISIT_NUMBERS)}",
        "person_id": "p1",
        "home_kommun": home,
        "host_kommun": host,
        "date": day,
        "service": service,
        "minutes": minutes,
    }


def visits(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(
        list(rows),
        schema={
            "visit_id": pl.String,
            "person_id": pl.String,
            "home_kommun": pl.String,
            "host_kommun": pl.String,
            "date": pl.Date,
            "service": pl.String,
            "minutes": pl.Int64,
        },
    )


def tariffs(*rows: tuple[str, int, str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["kommun", "year", "service", "sek_per_hour"], orient="row")


def amounts(result: HomeCareResult) -> list[tuple[str, str, str, int, int]]:
    return result.lines.select("host", "home", "service", "minutes", "amount_ore").rows()


def write(path: Path, header: str, *lines: str) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The examples of docs/rules.md §6, and rounding


class TestSpecExamples:
    def test_90_minutes_of_hemsjukvard_in_2022_is_1116_kr(self) -> None:
        result = calculate_home_care(visits(visit(90, service="hemsjukvard")))
        assert amounts(result) == [(STROMSTAD, GOTEBORG, "hemsjukvard", 90, 111600)]
        assert contract(result)[0]["invoice_lines"][0]["amount_sek"] == "1116.00"

    def test_45_minutes_of_hemtjanst_in_2022_is_330_75_kr(self) -> None:
        result = calculate_home_care(visits(visit(45)))
        line = contract(result)[0]["invoice_lines"][0]
        assert (line["amount_sek"], line["hours"], line["sek_per_hour"]) == ("330.75", "0.75", "441.00")

    def test_2024_hemsjukvard_uses_828_kr(self) -> None:
        result = calculate_home_care(visits(visit(90, service="hemsjukvard", day=dt.date(2024, 3, 5))))
        assert result.lines["amount_ore"].to_list() == [124200]

    def test_a_month_uses_the_tariff_of_its_own_year(self) -> None:
        rows = [visit(60, day=dt.date(2019, 12, 31)), visit(60, day=dt.date(2022, 1, 1))]
        result = calculate_home_care(visits(*rows))
        assert result.lines.select("month", "tariff_ore").rows() == [
            (dt.date(2019, 12, 1), 41200),
            (dt.date(2022, 1, 1), 44100),
        ]

    def test_visits_of_a_line_are_summed_before_rounding_once(self) -> None:
        # 455.50 kr/h is 759.1666… öre a minute: three 1-minute visits are 2277.5 → 2278 öre,
        # where rounding each visit would give 3 × 759 = 2277.
        own = tariffs((STROMSTAD, 2022, "hemtjanst", "455.50"))
        result = calculate_home_care(visits(visit(1), visit(1), visit(1)), tariffs=own)
        assert result.lines.select("visits", "minutes", "amount_ore").rows() == [(3, 3, 2278)]

    def test_lines_are_per_host_home_and_service(self) -> None:
        rows = [
            visit(30),
            visit(30, service="hemsjukvard"),
            visit(30, home=MOLNDAL),
            visit(30, host=TANUM),
            visit(30, day=dt.date(2022, 8, 1)),
        ]
        result = calculate_home_care(visits(*rows))
        assert result.lines.height == 5
        assert result.months == [JULY, dt.date(2022, 8, 1)]


# ---------------------------------------------------------------------------------------------
# Tariffs: whose, in which order, and what happens without one


RULESET_TOML = """
id = "scenario-home-care"
name = "Scenario: higher home-care tariffs"
kind = "recommendation"
source = "a test"

[home_care.hemtjanst_sek_per_hour]
description = "test"
unit = "kr per timme"
values = [{ from = 2022-01-01, to = 2023-12-31, value = "600", source = "scenario value" }]
"""


class TestTariffs:
    def test_the_hosts_own_tariff_overrides_vastkom(self) -> None:
        own = tariffs((STROMSTAD, 2022, "hemtjanst", "480"), (GOTEBORG, 2022, "hemtjanst", "999"))
        result = calculate_home_care(visits(visit(60)), tariffs=own)
        assert result.lines["tariff_ore"].to_list() == [48000]  # the host's, not the home's
        assert result.tariffs["source"].to_list() == ["the municipality's own tariff (tariffs, row 1)"]

    def test_order_own_then_ruleset_then_vastkom(self, tmp_path: Path) -> None:
        ruleset = tmp_path / "scenario.toml"
        ruleset.write_text(RULESET_TOML, encoding="utf-8")
        rows = [visit(60), visit(60, host=TANUM), visit(60, service="hemsjukvard")]
        own = tariffs((TANUM, 2022, "hemtjanst", "500"))
        result = calculate_home_care(visits(*rows), tariffs=own, ruleset=ruleset)
        used = result.tariffs.select("host", "service", "tariff_ore").rows()
        assert used == [
            (TANUM, "hemtjanst", 50000),  # own
            (STROMSTAD, "hemsjukvard", 74400),  # the scenario has no hemsjukvård: VästKom
            (STROMSTAD, "hemtjanst", 60000),  # the scenario
        ]
        sources = dict(zip(result.tariffs["tariff_ore"], result.tariffs["source"], strict=True))
        assert sources[60000] == "rule set scenario-home-care: scenario value"
        assert sources[74400] == "VästKoms styrelse, rekommendation för 2022"

    def test_a_ruleset_tariff_fills_a_year_vastkom_left_empty(self, tmp_path: Path) -> None:
        ruleset = tmp_path / "scenario.toml"
        ruleset.write_text(RULESET_TOML, encoding="utf-8")
        result = calculate_home_care(visits(visit(60, day=dt.date(2023, 5, 2))), ruleset=ruleset)
        assert result.lines["amount_ore"].to_list() == [60000]

    def test_missing_tariffs_are_one_error_naming_every_host_year_and_service(self) -> None:
        rows = [
            visit(60, day=dt.date(2023, 5, 2)),
            visit(60, host=TANUM, day=dt.date(2023, 5, 2)),
            visit(60, host=TANUM, day=dt.date(2024, 5, 2)),
            visit(60, host=TANUM, day=dt.date(2024, 5, 2), service="hemsjukvard"),  # 828: fine
        ]
        with pytest.raises(MissingParameterError) as error:
            calculate_home_care(visits(*rows))
        message = str(error.value)
        assert "2023 hemtjanst: 1435 Tanum, 1486 Strömstad" in message
        assert "2024 hemtjanst: 1435 Tanum" in message
        assert "hemsjukvard" not in message
        assert "--tariffs FILE" in message

    def test_a_tariff_is_needed_only_for_the_months_computed(self) -> None:
        rows = [visit(60), visit(60, day=dt.date(2023, 5, 2))]
        result = calculate_home_care(visits(*rows), "2022-07")
        assert result.months == [JULY]
        assert result.lines.height == 1

    def test_tariff_file_is_read_with_its_source_row(self, tmp_path: Path) -> None:
        path = write(tmp_path / "t.csv", TARIFF_HEADER.replace(",", ";"), "1486;2023;hemtjanst;455,50")
        own = read_tariffs(path)
        assert own.row(0) == (
            STROMSTAD,
            2023,
            "hemtjanst",
            45550,
            f"the municipality's own tariff ({path}, row 2)",
        )


# ---------------------------------------------------------------------------------------------
# Outside the agreement, empty months


class TestOutsideAndEmpty:
    def test_a_home_outside_the_49_is_reported_and_never_invoiced_or_netted(self) -> None:
        # 2023 hemtjänst has no tariff: an outside visit must not need one.
        rows = [visit(45, home=STOCKHOLM), visit(30, home=STOCKHOLM, day=dt.date(2022, 7, 9)), visit(15)]
        rows.append(visit(20, home="1384", day=dt.date(2022, 7, 10)))  # Kungsbacka: not a party
        result = calculate_home_care(visits(*rows))
        assert amounts(result) == [(STROMSTAD, GOTEBORG, "hemtjanst", 15, 11025)]
        assert result.outside_agreement.select("kommun", "visits", "minutes").rows() == [
            ("0180", 2, 75),
            ("1384", 1, 20),
        ]
        month = contract(result)[0]
        assert month["outside_agreement"]["visits"] == 3
        assert month["outside_agreement"]["minutes"] == 95
        assert "0180" not in {m["kommun"] for m in month["municipalities"]}

    def test_an_outside_visit_needs_no_tariff(self) -> None:
        result = calculate_home_care(visits(visit(45, home=STOCKHOLM, day=dt.date(2023, 1, 3))))
        assert result.lines.height == 0
        assert result.outside_agreement["visits"].to_list() == [1]

    def test_a_named_month_without_visits_is_an_answer_too(self) -> None:
        result = calculate_home_care(visits(visit(45)), "2022-09")
        month = contract(result)[0]
        assert len(month["municipalities"]) == 49
        assert month["payments"] == []
        assert month["totals"] == {"amount_sek": "0.00", "visits": 0, "minutes": 0, "lines": 0, "payments": 0}

    def test_no_visits_and_no_month_asks_for_a_month(self) -> None:
        with pytest.raises(CalculationError, match="--month"):
            calculate_home_care(visits())


# ---------------------------------------------------------------------------------------------
# Netting


class TestNetting:
    def test_an_example_worked_by_hand(self) -> None:
        # At 600 kr/h a minute is ten kronor. Strömstad invoices Göteborg 3 000, Tanum invoices
        # Göteborg 2 000, Göteborg invoices Mölndal 1 000. Net: Göteborg −4 000, Mölndal −1 000,
        # Strömstad +3 000, Tanum +2 000. Göteborg (largest debtor) pays Strömstad (largest
        # creditor) 3 000, then Göteborg and Mölndal owe 1 000 each (Göteborg first by code) and
        # both pay Tanum.
        own = tariffs(
            *[(k, 2022, "hemtjanst", "600") for k in (STROMSTAD, TANUM, GOTEBORG)],
        )
        rows = [visit(300), visit(200, host=TANUM), visit(100, host=GOTEBORG, home=MOLNDAL)]
        result = calculate_home_care(visits(*rows), tariffs=own)
        month = contract(result)[0]
        net = {m["kommun"]: m["net_sek"] for m in month["municipalities"] if m["net_sek"] != "0.00"}
        assert net == {GOTEBORG: "-4000.00", MOLNDAL: "-1000.00", STROMSTAD: "3000.00", TANUM: "2000.00"}
        assert [(p["payer"], p["payee"], p["amount_sek"]) for p in month["payments"]] == [
            (GOTEBORG, STROMSTAD, "3000.00"),
            (GOTEBORG, TANUM, "1000.00"),
            (MOLNDAL, TANUM, "1000.00"),
        ]
        assert month["totals"]["payments"] == 3

    def test_mutual_invoices_net_to_one_payment(self) -> None:
        result = calculate_home_care(
            visits(visit(90, service="hemsjukvard"), visit(45, host=GOTEBORG, home=STROMSTAD))
        )
        assert result.payments.select("payer", "payee", "amount_ore").rows() == [
            (GOTEBORG, STROMSTAD, 111600 - 33075)
        ]

    def test_settle_refuses_positions_that_do_not_balance(self) -> None:
        with pytest.raises(ValueError, match="summera till noll"):
            settle({"1480": -5, "1486": 4})

    def test_settle_of_nothing_is_no_payment(self) -> None:
        assert settle({"1480": 0}) == []


# ---------------------------------------------------------------------------------------------
# Command line


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run ``hos-avtal ARGS`` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, monkeypatch, *args)

    return run


@pytest.fixture
def visit_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "visits.csv",
        VISIT_HEADER,
        "v1,p1,1480,1486,2022-07-04,hemsjukvard,90",
        "v2,p2,1486,1480,2022-07-05,hemtjanst,45",
        "v3,p3,0180,1486,2022-07-06,hemtjanst,30",
        "v4,p4,1481,1435,2022-08-01,hemtjanst,60",
    )


class TestCommandLine:
    def test_json_for_one_month_is_one_object(self, cli: Cli, visit_file: Path) -> None:
        code, out, err = cli("home-care", str(visit_file), "--month", "2022-07", "-f", "json")
        assert code == 0, err
        month = json.loads(out)
        assert month["month"] == "2022-07"
        assert set(month) == {
            "month", "tariffs", "invoice_lines", "municipalities", "payments", "totals", "outside_agreement",
        }  # fmt: skip
        assert [line["amount_sek"] for line in month["invoice_lines"]] == ["330.75", "1116.00"]
        assert month["invoice_lines"][1] == {
            "host": "1486", "host_name": "Strömstad", "home": "1480", "home_name": "Göteborg",
            "service": "hemsjukvard", "visits": 1, "minutes": 90, "hours": "1.50",
            "sek_per_hour": "744.00", "amount_sek": "1116.00",
        }  # fmt: skip
        assert [m["kommun"] for m in month["municipalities"]] == sorted(
            m["kommun"] for m in month["municipalities"]
        )
        assert len(month["municipalities"]) == 49
        assert month["payments"] == [
            {"payer": "1480", "payer_name": "Göteborg", "payee": "1486", "payee_name": "Strömstad",
             "amount_sek": "785.25"},
        ]  # fmt: skip
        assert month["totals"] == {
            "amount_sek": "1446.75",
            "visits": 2,
            "minutes": 135,
            "lines": 2,
            "payments": 1,
        }
        assert month["outside_agreement"]["by_kommun"] == [
            {"kommun": "0180", "name": "Stockholm", "lan": "Stockholms län", "visits": 1, "minutes": 30}
        ]
        assert {t["source"] for t in month["tariffs"]} == {"VästKoms styrelse, rekommendation för 2022"}

    def test_json_without_a_month_is_a_list_in_month_order(self, cli: Cli, visit_file: Path) -> None:
        code, out, _ = cli("home-care", str(visit_file), "--format", "json")
        assert code == 0
        assert [m["month"] for m in json.loads(out)] == ["2022-07", "2022-08"]

    def test_csv_is_the_invoice_lines(self, cli: Cli, visit_file: Path) -> None:
        code, out, _ = cli("home-care", str(visit_file), "--format", "csv")
        assert code == 0
        lines = out.splitlines()
        assert lines[0] == (
            "month,host,host_name,home,home_name,service,visits,minutes,hours,sek_per_hour,amount_sek,"
            "tariff_source"
        )
        assert lines[2].startswith(
            "2022-07,1486,Strömstad,1480,Göteborg,hemsjukvard,1,90,1.50,744.00,1116.00,"
        )
        assert len(lines) == 4

    def test_table_for_people(self, cli: Cli, visit_file: Path) -> None:
        code, out, _ = cli("home-care", str(visit_file))
        assert code == 0
        assert "1\u00a0116,00" in out
        assert "Betalningar 2022-07" in out
        assert "785,25" in out
        assert "Utanför avtalet" in out

    def test_tariff_file_on_the_command_line(self, cli: Cli, visit_file: Path, tmp_path: Path) -> None:
        tariff_file = write(tmp_path / "t.csv", TARIFF_HEADER, "1486,2022,hemsjukvard,800")
        code, out, err = cli(
            "home-care",
            str(visit_file),
            "-m",
            "2022-07",
            "--tariffs",
            str(tariff_file),
            "-f",
            "json",
        )
        assert code == 0, err
        assert json.loads(out)["invoice_lines"][1]["amount_sek"] == "1200.00"

    def test_missing_tariff_is_a_message_and_exit_2(self, cli: Cli, tmp_path: Path) -> None:
        path = write(tmp_path / "v.csv", VISIT_HEADER, "v1,p1,1480,1486,2023-07-04,hemtjanst,90")
        code, out, err = cli("home-care", str(path))
        assert (code, out) == (2, "")
        assert "2023 hemtjanst: 1486 Strömstad" in err
        assert "Traceback" not in err

    def test_bad_input_is_a_message_and_exit_2(self, cli: Cli, tmp_path: Path) -> None:
        path = write(tmp_path / "v.csv", VISIT_HEADER, "v1,p1,1480,1480,2022-07-04,hemtjanst,90")
        code, out, err = cli("home-care", str(path))
        assert (code, out) == (2, "")
        assert "rad 2, kolumn 'host_kommun': är lika med home_kommun" in err

    def test_bad_month_option(self, cli: Cli, visit_file: Path) -> None:
        code, _, err = cli("home-care", str(visit_file), "--month", "2022-13")
        assert code == 2
        assert "ÅÅÅÅ-MM" in err


# ---------------------------------------------------------------------------------------------
# Reading files: accepted dialects and every bad column


GOOD_VISIT = "v1,p1,1480,1486,2022-07-04,hemsjukvard,90"
VISIT_FIELDS = VISIT_HEADER.split(",")


def with_cell(line: str, column: str, value: str) -> str:
    cells = line.split(",")
    cells[VISIT_FIELDS.index(column)] = value
    return ",".join(cells)


def problems(error: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.reason) for p in error.value.problems]


class TestReadingVisits:
    def test_semicolons_bom_and_parquet(self, tmp_path: Path) -> None:
        path = tmp_path / "v.csv"
        path.write_bytes(b"\xef\xbb\xbf" + f"{VISIT_HEADER}\n{GOOD_VISIT}\n".replace(",", ";").encode())
        frame = read_visits(path)
        assert frame.row(0) == ("v1", "p1", "1480", "1486", dt.date(2022, 7, 4), "hemsjukvard", 90)
        parquet = tmp_path / "v.parquet"
        frame.write_parquet(parquet)
        assert read_visits(parquet).equals(frame)
        assert calculate_home_care(parquet).lines["amount_ore"].to_list() == [111600]

    def test_services_spelled_in_swedish_are_accepted(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "v.csv",
            VISIT_HEADER,
            "v1,p1,1480,1486,2022-07-04, Hemsjukvård ,90",
            "v2,p1,1480,1486,2022-07-04,HEMTJÄNST,45",
        )
        assert read_visits(path)["service"].to_list() == ["hemsjukvard", "hemtjanst"]
        tariff_path = write(tmp_path / "t.csv", TARIFF_HEADER, "1486,2023,hemtjänst,455")
        assert read_tariffs(tariff_path)["service"].to_list() == ["hemtjanst"]

    @pytest.mark.parametrize(
        ("column", "value", "reason"),
        [
            ("visit_id", "", "tom; ett värde krävs"),
            ("visit_id", "19121212-1212", "innehåller ett personnummer"),
            ("person_id", "", "tom; ett värde krävs"),
            ("person_id", "191212121212", "innehåller ett personnummer"),
            ("home_kommun", "180", "är ingen kommunkod"),
            ("home_kommun", "", "tom; ett värde krävs"),
            ("home_kommun", "1486", "är lika med home_kommun"),  # reported on host_kommun below
            ("host_kommun", "9999", "är ingen kommunkod"),
            ("host_kommun", "0180", "är en kommunkod men inte någon av de 49 parterna"),
            ("host_kommun", "1384", "är en kommunkod men inte någon av de 49 parterna"),
            ("host_kommun", "", "tom; ett värde krävs"),
            ("date", "2022-02-30", "är inget datum"),
            ("date", "4/7/2022", "är inget datum"),
            ("date", "", "tom; ett värde krävs"),
            ("service", "hemvård", "är inte något av hemtjanst, hemsjukvard"),
            ("service", "", "tom; ett värde krävs"),
            ("minutes", "1.5", "är inget heltal"),
            ("minutes", "ninety", "är inget heltal"),
            ("minutes", "0", "måste vara mer än 0"),
            ("minutes", "-30", "måste vara mer än 0"),
            ("minutes", "1441", "är mer än 1440"),
            ("minutes", "", "tom; ett värde krävs"),
        ],
    )
    def test_every_bad_cell_names_file_row_and_column(
        self, tmp_path: Path, column: str, value: str, reason: str
    ) -> None:
        path = write(
            tmp_path / "v.csv",
            VISIT_HEADER,
            GOOD_VISIT,
            with_cell(GOOD_VISIT.replace("v1", "v2"), column, value),
        )
        with pytest.raises(InputError) as error:
            read_visits(path)
        expected_column = "host_kommun" if reason == "är lika med home_kommun" else column
        assert [(row, col) for row, col, _ in problems(error)] == [(3, expected_column)]
        assert reason in problems(error)[0][2]
        assert len(value) < 4 or value not in str(error.value)  # a message never quotes a cell
        assert str(path) in str(error.value)
        if "personnummer" in reason:
            assert value not in str(error.value)

    def test_duplicate_visit_id_names_the_first_row(self, tmp_path: Path) -> None:
        path = write(tmp_path / "v.csv", VISIT_HEADER, GOOD_VISIT, GOOD_VISIT)
        with pytest.raises(InputError) as error:
            read_visits(path)
        assert problems(error) == [(3, "visit_id", "visit_id finns redan; först angiven på rad 2")]

    def test_missing_column(self, tmp_path: Path) -> None:
        path = write(tmp_path / "v.csv", VISIT_HEADER.replace(",minutes", ""), GOOD_VISIT.rsplit(",", 1)[0])
        with pytest.raises(InputError) as error:
            read_visits(path)
        assert problems(error) == [(1, "minutes", "obligatorisk kolumn saknas i rubrikraden")]

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "v.csv",
            VISIT_HEADER,
            "v1,p1,1480,1480,2022-07-04,hemtjanst,0",
            "v2,p2,180,1486,2022-13-01,x,9",
        )
        with pytest.raises(InputError) as error:
            read_visits(path)
        assert [(row, col) for row, col, _ in problems(error)] == [
            (2, "host_kommun"), (2, "minutes"), (3, "home_kommun"), (3, "date"), (3, "service"),
        ]  # fmt: skip

    def test_a_frame_is_validated_like_a_file(self) -> None:
        bad = visits(visit(0))
        with pytest.raises(InputError, match="rad 1, kolumn 'minutes': måste vara mer än 0"):
            validate_visits(bad)
        with pytest.raises(InputError):
            calculate_home_care(bad)

    def test_a_float_minutes_column_in_parquet_is_refused(self, tmp_path: Path) -> None:
        frame = visits(visit(90)).with_columns(pl.col("minutes").cast(pl.Float64))
        path = tmp_path / "v.parquet"
        frame.write_parquet(path)
        with pytest.raises(
            InputError, match="kolumn 'minutes': har typen Float64 i filen; väntat: ett heltal"
        ):
            read_visits(path)


GOOD_TARIFF = "1486,2023,hemtjanst,455.50"
TARIFF_FIELDS = TARIFF_HEADER.split(",")


class TestReadingTariffs:
    @pytest.mark.parametrize(
        ("column", "value", "reason"),
        [
            ("kommun", "180", "är ingen kommunkod"),
            ("kommun", "0180", "är en kommunkod men inte någon av de 49 parterna"),
            ("kommun", "", "tom; ett värde krävs"),
            ("year", "2023.0", "är inget heltal"),
            ("year", "23", "är inget år"),
            ("year", "", "tom; ett värde krävs"),
            ("service", "hemvard", "är inte något av hemtjanst, hemsjukvard"),
            ("service", "", "tom; ett värde krävs"),
            ("sek_per_hour", "455.505", "är tvetydigt"),
            ("sek_per_hour", "fyrahundra", "är inget belopp i kronor"),
            ("sek_per_hour", "0", "utanför det rimliga intervallet för en taxa"),
            ("sek_per_hour", "-441", "utanför det rimliga intervallet för en taxa"),
            ("sek_per_hour", "99.99", "utanför det rimliga intervallet för en taxa"),
            ("sek_per_hour", "10000.01", "utanför det rimliga intervallet för en taxa"),
            ("sek_per_hour", "", "tom; ett värde krävs"),
        ],
    )
    def test_every_bad_cell_names_file_row_and_column(
        self, tmp_path: Path, column: str, value: str, reason: str
    ) -> None:
        cells = GOOD_TARIFF.replace("2023", "2024").split(",")
        cells[TARIFF_FIELDS.index(column)] = value
        path = write(tmp_path / "t.csv", TARIFF_HEADER, GOOD_TARIFF, ",".join(cells))
        with pytest.raises(InputError) as error:
            read_tariffs(path)
        assert [(row, col) for row, col, _ in problems(error)] == [(3, column)]
        assert reason in problems(error)[0][2]
        assert len(value) < 4 or value not in str(error.value)  # a message never quotes a cell

    def test_duplicate_kommun_year_and_service(self, tmp_path: Path) -> None:
        path = write(tmp_path / "t.csv", TARIFF_HEADER, GOOD_TARIFF, "1486,2023,hemsjukvard,700", GOOD_TARIFF)
        with pytest.raises(InputError) as error:
            read_tariffs(path)
        assert problems(error) == [
            (4, "service", "kommun, year och service finns redan; först angiven på rad 2")
        ]

    def test_missing_column(self, tmp_path: Path) -> None:
        path = write(tmp_path / "t.csv", "kommun,year,service", "1486,2023,hemtjanst")
        with pytest.raises(InputError) as error:
            read_tariffs(path)
        assert problems(error) == [(1, "sek_per_hour", "obligatorisk kolumn saknas i rubrikraden")]

    def test_no_such_file(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="filen finns inte"):
            read_tariffs(tmp_path / "nope.csv")

    def test_a_bad_tariff_frame_is_refused_by_calculate(self) -> None:
        with pytest.raises(InputError, match="sek_per_hour"):
            calculate_home_care(visits(visit(60)), tariffs=tariffs((STROMSTAD, 2022, "hemtjanst", "0")))


def test_csv_frame_matches_the_lines() -> None:
    result = calculate_home_care(visits(visit(90, service="hemsjukvard"), visit(45, home=MOLNDAL)))
    frame = csv_frame(result)
    assert frame.select("home", "hours", "amount_sek").rows() == [
        ("1480", "1.50", "1116.00"),
        ("1481", "0.75", "330.75"),
    ]

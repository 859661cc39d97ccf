"""The command line as invoicing scripts and clerks use it: output contract, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from helpers import episode, frame, run_cli

REPO = Path(__file__).resolve().parents[1]


run = run_cli


@pytest.fixture
def march(tmp_path: Path) -> Path:
    """The worked examples of docs/rules.md §4 for March 2022, in one file."""
    path = tmp_path / "march.csv"
    frame(
        *[episode(f"gbg{i}", d) for i, d in enumerate([0, 2, 3, 5, 6])],  # Göteborg: average 3.20
        episode("harryda-long", 10, kommun="1401"),  # individual: 7 billable days
        episode("dalsed-no-notice", 12, kommun="1438", admission_notice=False),
        episode("stockholm", 9, kommun="0180"),  # outside the agreement
        episode("april", 3, kommun="1402", ready=__import__("datetime").date(2022, 3, 30)),
        episode("waiting", None, kommun="1402"),
    ).write_csv(path)
    return path


def municipality(month: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in month["municipalities"] if m["kommun"] == code)


def test_json_for_one_month_is_the_spec_contract(capsys, monkeypatch, march: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        capsys, monkeypatch, "betalningsansvar", str(march), "--month", "2022-03", "--format", "json"
    )
    assert code == 0, err
    month = json.loads(out)
    assert (month["ruleset"], month["month"], month["daily_amount_sek"]) == ("vgr-2018", "2022-03", "9300.00")
    assert [m["kommun"] for m in month["municipalities"]] == sorted(
        m["kommun"] for m in month["municipalities"]
    )
    assert len(month["municipalities"]) == 49
    gbg = municipality(month, "1480")
    assert (gbg["average_episodes"], gbg["average_days"], gbg["average"]) == (5, 16, 3.2)
    assert (gbg["average_amount_sek"], gbg["total_amount_sek"]) == ("9300.00", "9300.00")
    harryda = municipality(month, "1401")
    assert (harryda["individual_episodes"], harryda["individual_billable_days"]) == (1, 7)
    assert harryda["individual_amount_sek"] == "65100.00"
    dalsed = municipality(month, "1438")
    assert (dalsed["not_covered_episodes"], dalsed["not_covered_reasons"]) == (1, {"no_admission_notice": 1})
    assert dalsed["total_amount_sek"] == "0.00"
    assert dalsed["zero_invoice"]
    partille = municipality(month, "1402")
    assert (partille["pending_episodes"], partille["average_episodes"]) == (2, 0)
    assert month["totals"]["total_amount_sek"] == "74400.00"
    assert month["outside_agreement"]["by_kommun"][0]["kommun"] == "0180"


def test_without_month_every_discharge_month_in_order(capsys, monkeypatch, march: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, "betalningsansvar", str(march), "--format", "json")
    months = json.loads(out)
    assert code == 0
    assert [m["month"] for m in months] == ["2022-03", "2022-04"]
    assert municipality(months[1], "1402")["average_days"] == 3


def test_csv_has_one_row_per_municipality_and_month(capsys, monkeypatch, march: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, "betalningsansvar", str(march), "--format", "csv")
    rows = pl.read_csv(out.encode(), infer_schema=False)
    assert code == 0
    assert rows.height == 98
    assert (
        rows.filter(pl.col("kommun") == "1480", pl.col("month") == "2022-03")["total_amount_sek"].item()
        == "9300.00"
    )


def test_table_for_people(capsys, monkeypatch, march: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, "betalningsansvar", str(march), "--month", "2022-03")
    assert code == 0
    assert "1480 Göteborg" in out
    assert "9\u00a0300,00" in out
    assert "vgr-2018" in out
    assert "Utanför avtalet" in out


def test_episode_lines_file(capsys, monkeypatch, march: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out_file = tmp_path / "lines.csv"
    args = (
        "betalningsansvar",
        str(march),
        "--month",
        "2022-03",
        "--format",
        "json",
        "--episodes-out",
        str(out_file),
    )
    code, _, _ = run(capsys, monkeypatch, *args)
    lines = pl.read_csv(out_file, infer_schema=False)
    assert code == 0
    statuses = dict(zip(lines["episode_id"], lines["status"], strict=True))
    assert statuses == {
        "gbg0": "pooled", "gbg1": "pooled", "gbg2": "pooled", "gbg3": "pooled", "gbg4": "pooled",
        "harryda-long": "individual", "dalsed-no-notice": "not_covered", "stockholm": "outside_agreement",
        "april": "pending", "waiting": "pending",
    }  # fmt: skip
    assert "person_id" not in lines.columns
    assert lines.filter(pl.col("episode_id") == "dalsed-no-notice")["reasons"].item() == "no_admission_notice"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2022-13"), "är ingen månad"),
        (("--month", "2024-03"), "känner inte till något fastställt belopp"),
        (("--month", "2020-03"), "hos_avtal känner inte till något VGR-avtal som gäller för 2020-03"),
        (("--month", "2022-03", "--ruleset", "vgr-2023"), "'vgr-2023' gäller 2023-01-01 – 2026-12-31"),
        (("--month", "2022-03", "--ruleset", "nope"), "regelverket finns inte"),
        (("--daily-amount", "nio tusen"), "inget belopp i kronor"),
        # A thousands separator or a decimal point? Either reading could be meant: refused.
        (("--month", "2022-03", "--daily-amount", "9,300"), "tvetydigt"),
        (("--month", "2022-03", "--daily-amount", "9.300"), "tvetydigt"),
        (("--month", "2022-03", "--daily-amount", "9,30"), "utanför det rimliga intervallet"),
        (("--month", "2022-03", "--daily-amount", "1e10000000"), "inget belopp i kronor"),
    ],
)
def test_user_mistakes_give_a_message_and_a_non_zero_exit(
    capsys, monkeypatch, march: Path, args, message
) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, monkeypatch, "betalningsansvar", str(march), *args)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert out == ""


def test_daily_amount_for_a_year_without_a_verified_amount(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    path = tmp_path / "e.parquet"
    frame(*[episode(f"e{i}", d, ready=dt.date(2024, 3, 1)) for i, d in enumerate([4, 4])]).write_parquet(path)
    args = (
        "betalningsansvar",
        str(path),
        "--month",
        "2024-03",
        "--daily-amount",
        "10000",
        "--format",
        "json",
    )
    code, out, err = run(capsys, monkeypatch, *args)
    assert code == 0, err
    month = json.loads(out)
    assert (month["ruleset"], month["daily_amount_sek"]) == ("vgr-2023", "10000.00")
    assert municipality(month, "1480")["total_amount_sek"] == "20000.00"


def test_bad_file_lists_every_bad_row_and_writes_nothing(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    frame(episode("e1", 3, kommun="180"), episode("e1", 3)).write_csv(bad)
    out_file = tmp_path / "lines.csv"
    code, out, err = run(capsys, monkeypatch, "betalningsansvar", str(bad), "--episodes-out", str(out_file))
    assert code == 2
    assert out == ""
    assert "rad 2, kolumn 'kommun'" in err
    assert "rad 3, kolumn 'episode_id'" in err
    assert not out_file.exists()


def test_synth_is_reproducible(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (a, b):
        assert (
            run(
                capsys, monkeypatch, "synth", "--out", str(path), "--episodes-per-month", "300", "--seed", "7"
            )[0]
            == 0
        )
    assert a.read_bytes() == b.read_bytes()


def test_rulesets_show_lists_every_parameter_with_its_source(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, monkeypatch, "rulesets", "show", "vgr-2023")
    assert code == 0
    for name in (
        "average_threshold_days",
        "individual_after_days",
        "free_days",
        "daily_amount_sek",
        "HSLF-FS 2018:67",
    ):
        assert name in out


def test_the_installed_console_script_exits_cleanly_on_bad_input(tmp_path: Path) -> None:
    """The real process: a user's mistake is a message and exit code 2, never a traceback."""
    script = Path(sys.executable).with_name("hos-avtal")
    result = subprocess.run(
        [str(script), "betalningsansvar", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "filen finns inte" in result.stderr
    assert "Traceback" not in result.stderr


def test_synth_writes_inputs_every_calculation_accepts(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One synth run gives episodes, placements and visits that the three commands compute."""
    args = (
        "synth", "--months", "2022-06..2022-07", "--out", str(tmp_path / "e.parquet"),
        "--placements-out", str(tmp_path / "pl"), "--visits-out", str(tmp_path / "visits" / "v.csv"),
        "--episodes-per-month", "300", "--placements", "20", "--visits-per-month", "200",
    )  # fmt: skip
    code, _, err = run(capsys, monkeypatch, *args)
    assert code == 0, err
    for name in ("placements.csv", "costs.csv", "agreements.csv"):
        assert (tmp_path / "pl" / name).is_file()
    code, out, err = run(
        capsys, monkeypatch, "betalningsansvar", str(tmp_path / "e.parquet"), "--format", "json"
    )
    assert code == 0, err
    assert [m["month"] for m in json.loads(out)] == ["2022-06", "2022-07"]
    code, out, err = run(
        capsys, monkeypatch, "home-care", str(tmp_path / "visits" / "v.csv"), "--format", "json"
    )
    assert code == 0, err
    assert [m["month"] for m in json.loads(out)] == ["2022-06", "2022-07"]


def test_synth_needs_an_output(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, monkeypatch, "synth")
    assert code == 2
    assert "ange minst en utdatafil" in err

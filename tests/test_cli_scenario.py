"""``hos-avtal scenario`` as a negotiator runs it: compare and check, every format, clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest

from helpers import episode, frame, run_cli
from hos_avtal.months import month_range
from hos_avtal.synth import synth_episodes

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture
def march(tmp_path: Path) -> Path:
    """Göteborg averages 3.2 days in March 2022; Härryda has one 10-day stay."""
    path = tmp_path / "march.csv"
    frame(
        *[episode(f"gbg{i}", d) for i, d in enumerate([0, 2, 3, 5, 6])],
        episode("harryda-long", 10, kommun="1401"),
    ).write_csv(path)
    return path


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "hogre.toml"
    path.write_text(
        'name = "Gräns 3,5"\nbase = "vgr-2018"\n[betalningsansvar]\naverage_threshold_days = "3.5"\n', "utf-8"
    )
    return path


def test_json_names_base_scenario_and_the_difference(
    capsys, monkeypatch, march: Path, scenario_file: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        "scenario",
        "compare",
        "-s",
        str(scenario_file),
        "--episodes",
        str(march),
        "-f",
        "json",
    )
    assert code == 0, err
    contract = json.loads(out)
    assert contract["base"]["ruleset"] == "vgr-2018"
    assert contract["months"] == ["2022-03"]
    gbg = next(m for m in contract["municipalities"] if m["kommun"] == "1480")
    assert gbg["base_sek"] == "9300.00"
    assert gbg["scenarios"][0]["amount_sek"] == "0.00"
    assert gbg["scenarios"][0]["difference_pct"] == "-100.0"


def test_the_table_groups_by_kommunalforbund_with_subtotals(
    capsys, monkeypatch, march: Path, scenario_file: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(
        capsys, monkeypatch, "scenario", "compare", "-s", str(scenario_file), "-e", str(march)
    )
    assert code == 0
    for text in (
        "1480 Göteborg",
        "Summa Göteborgsregionen",
        "Totalt, 49 kommuner",
        "-100,0 %",
        "9\u00a0300,00",
    ):
        assert text in out


def test_csv_and_excel_files(capsys, monkeypatch, march: Path, scenario_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["scenario", "compare", "-s", str(scenario_file), "-e", str(march)]
    code, out, _ = run_cli(capsys, monkeypatch, *args, "-f", "csv")
    assert code == 0
    rows = pl.read_csv(io.StringIO(out), schema_overrides={"kommun": pl.String})
    assert rows.columns[:5] == ["level", "kommun", "name", "kommunalforbund", "base_sek"]
    assert rows.filter(pl.col("level") == "kommun").height == 49
    code, _, err = run_cli(capsys, monkeypatch, *args, "-f", "xlsx", "--out", str(tmp_path / "j.xlsx"))
    assert code == 0, err
    assert (tmp_path / "j.xlsx").read_bytes()[:2] == b"PK"


def test_excel_without_out_is_refused_before_any_work(capsys, monkeypatch, scenario_file: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(
        capsys,
        monkeypatch,
        "scenario",
        "compare",
        "-s",
        str(scenario_file),
        "-e",
        "missing.csv",
        "-f",
        "xlsx",
    )
    assert code == 2
    assert "--out" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_a_table_with_out_is_refused_before_any_work(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, march: Path, scenario_file: Path, tmp_path: Path, command: str
) -> None:
    """The table is for the terminal: asked for a file as well, the command says so instead of
    printing the table and leaving the file unwritten."""
    out = tmp_path / "report.txt"
    args = (
        ["-s", str(scenario_file)]
        if command == "compare"
        else ["--base", "vgr-2018", "--param", "free_days=2:4:1"]
    )
    code, stdout, err = run_cli(
        capsys,
        monkeypatch,
        "scenario",
        command,
        *args,
        "-e",
        str(march),
        "--format",
        "table",
        "--out",
        str(out),
    )
    assert code == 2
    assert "--format table prints to the terminal" in err
    assert stdout == ""
    assert not out.exists()


def test_a_broken_scenario_file_is_a_message_not_a_traceback(
    capsys, monkeypatch, march: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "fel.toml"
    broken.write_text('name = "Fel"\nbase = "vgr-2018"\n[betalningsansvar]\nindividual_after = 5\n', "utf-8")
    code, out, err = run_cli(capsys, monkeypatch, "scenario", "compare", "-s", str(broken), "-e", str(march))
    assert code == 2
    assert out == ""
    assert f"scenario {broken}, nyckel 'betalningsansvar.individual_after': okänd parameter" in err
    assert "Traceback" not in err


def test_a_month_outside_the_scenarios_base_names_the_rule_set(capsys, monkeypatch, march: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(
        capsys,
        monkeypatch,
        "scenario",
        "compare",
        "-s",
        str(SCENARIOS / "troskel-2-5.toml"),
        "-e",
        str(march),
    )
    assert code == 2
    assert "'vgr-2023' gäller 2023-01-01 – 2026-12-31; 2022-03 ligger utanför den perioden" in err


def test_shipped_scenarios_on_a_year_with_the_daily_amount_given(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    episodes = tmp_path / "e.parquet"
    synth_episodes(month_range("2024-01..2024-03"), episodes_per_month=800, seed=6).write_parquet(episodes)
    files = [f for name in ("troskel-2-5", "individuell-efter-5-dagar", "lagens-standard") for f in
             ("-s", str(SCENARIOS / f"{name}.toml"))]  # fmt: skip
    code, out, err = run_cli(
        capsys, monkeypatch, "scenario", "compare", *files, "-e", str(episodes),
        "--months", "2024-02..2024-03", "--daily-amount", "9300", "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    contract = json.loads(out)
    assert contract["months"] == ["2024-02", "2024-03"]
    differences = [s["difference_sek"] for s in contract["total"]["scenarios"]]
    assert all(not d.startswith("-") and d != "0.00" for d in differences)  # all three cost more


def test_check_lists_what_each_file_changes(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(
        capsys, monkeypatch, "scenario", "check", *map(str, sorted(SCENARIOS.glob("*.toml")))
    )
    assert code == 0
    assert "betalningsansvar.separate_care_type_averages = true" in out
    assert 'placements.schablon_region_share = "0.33"' in out
    assert "(changes nothing: the base itself)" in out


def test_a_stored_runs_inputs_compare_to_what_the_run_stored(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``--run`` takes a run's kept inputs, its month and its fastställt belopp: the base is the run."""
    from hos_avtal.storage import load_run, open_database
    from hos_avtal.synth import synth_placements

    months = month_range("2024-03")
    episodes, placements = tmp_path / "episodes.csv", tmp_path / "pl"
    synth_episodes(months, episodes_per_month=200, seed=9).write_csv(episodes)
    placements.mkdir()
    tables = synth_placements(months, placements=30, seed=9)
    for name, table in zip(("placements", "costs", "agreements"), tables, strict=True):
        table.write_csv(placements / f"{name}.csv")
    db = str(tmp_path / "runs.sqlite")
    code, _out, err = run_cli(
        capsys, monkeypatch, "run", "--month", "2024-03", "--episodes", str(episodes),
        "--placements", str(placements / "placements.csv"), "--costs", str(placements / "costs.csv"),
        "--agreements", str(placements / "agreements.csv"), "--daily-amount", "9875", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run_cli(
        capsys, monkeypatch, "scenario", "compare", "--run", "1", "--db", db,
        "-s", str(SCENARIOS / "schablon-33-67.toml"), "-f", "json",
    )  # fmt: skip
    assert code == 0, err
    contract = json.loads(out)
    assert contract["months"] == ["2024-03"]
    assert contract["capabilities"] == ["betalningsansvar", "placements"]
    database = open_database(db)
    run = load_run(database, 1)
    database.close()
    stored = sum(run.betalningsansvar.get_column("total_amount_ore")) + sum(
        run.placement_municipalities.get_column("kommun_ore")  # type: ignore[union-attr]
    )
    assert contract["total"]["base_sek"] == f"{stored // 100}.{stored % 100:02d}"
    placed = contract["total"]["by_capability"]["placements"]["scenarios"][0]
    assert placed["difference_sek"] != "0.00"
    lower = str(SCENARIOS / "troskel-2-5.toml")
    code, _out, err = run_cli(
        capsys, monkeypatch, "scenario", "compare", "-s", lower, "--run", "1", "--db", db, "-e", str(episodes)
    )
    assert code != 0
    assert "inte båda" in err
    code, _out, err = run_cli(
        capsys, monkeypatch, "scenario", "compare", "-s", lower, "--run", "7", "--db", db
    )
    assert code != 0
    assert "7" in err
    assert "Traceback" not in err

"""What a review by an attacker and an auditor found after the first hardening, one test each:
other spellings of a personnummer, timestamps with a time zone, Swedish Excel's ``;``, a run
deleted or a seal's starting point raised behind the guards, hostile ids and paths on the
command line, names that echo, months that have not begun, waits while still admitted, and
JSON numbers that are not numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from helpers import HEADER, run_cli, write_csv
from hos_avtal.errors import CalculationError, InputError, ScenarioError, StorageError
from hos_avtal.io import read_episodes, read_visits
from hos_avtal.runs import execute_run
from hos_avtal.storage import Database, finalize, list_runs, open_database
from hos_avtal.storage._models import audit_log, billing_run, run_input, settings
from test_api import EPISODES, MONTH, VISITS, Api, anyio_backend, api  # noqa: F401
from test_storage import database_url  # noqa: F401

GOOD = "e1,p1,1480,somatik,SU,2022-03-01,2022-03-04,true,true,false,,true,true"


def row(**changes: str) -> str:
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells.values())


@pytest.fixture
def database(database_url: str) -> Any:  # noqa: F811
    db = open_database(database_url)
    yield db
    db.close()


# ------------------------------------------------------------ personnummer in other clothes

DISGUISED = [
    "１９１２１２１２-１２１２", "\u0661\u0669\u0661\u0662\u0661\u0662\u0661\u0662-\u0661\u0662\u0661\u0662",
    "1912\u200b1212-1212", "19121212\u00ad1212", "19121212 - 1212", "19121212/1212", "19121212.1212",
    "19121212_1212", "1912-12-12-1212", "19 12 12 12 1212", "19121212\uff0d1212", "191212\u200f12-1212",
]  # fmt: skip


@pytest.mark.parametrize("disguise", DISGUISED)
def test_a_disguised_personnummer_is_found_in_every_text_column(tmp_path: Path, disguise: str) -> None:
    for column in ("episode_id", "person_id", "hospital"):
        path = tmp_path / "e.csv"
        path.write_text(f"{HEADER}\n{row(**{column: disguise})}\n", "utf-8")
        with pytest.raises(InputError, match=f"kolumn '{column}': innehåller ett") as error:
            read_episodes(path)
        assert disguise not in str(error.value)


@pytest.mark.parametrize("pseudonym", ["P2203-012345", "E2203000-000000", "2022-03-01 1234x", "SÄS – Borås"])
def test_pseudonymous_ids_and_names_are_not_taken_for_one(tmp_path: Path, pseudonym: str) -> None:
    path = tmp_path / "e.csv"
    path.write_text(f"{HEADER}\n{row(episode_id=pseudonym.replace(' – ', '-'))}\n", "utf-8")
    assert read_episodes(path)["episode_id"].to_list() == [pseudonym.replace(" – ", "-")]


def test_a_disguised_personnummer_in_a_run_is_pseudonymised(database: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", row(person_id=DISGUISED[0], episode_id=DISGUISED[8]))
    execute_run(database, "2022-03", path)
    with database.read() as connection:
        ids = list(connection.execute(sa.text("SELECT episode_id FROM episode_line")).scalars())
    assert len(ids) == 1
    assert ids[0].startswith("pn-")


# --------------------------------------------------------------------- dates with a zone


def test_a_timestamp_with_a_time_zone_is_its_own_local_date(tmp_path: Path) -> None:
    local = pl.lit(dt.datetime(2022, 4, 1, 0, 0)).dt.replace_time_zone("Europe/Stockholm")
    frame = pl.read_csv(write_csv(tmp_path / "e.csv", GOOD), infer_schema=False).with_columns(
        local.alias("discharge_date")
    )
    frame.write_parquet(tmp_path / "e.parquet")
    assert read_episodes(tmp_path / "e.parquet")["discharge_date"].to_list() == [dt.date(2022, 4, 1)]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("episode_id", pl.Series([["e1"]], dtype=pl.List(pl.String))),
        ("hospital", pl.Series([b"\xff\xfe"], dtype=pl.Binary)),
        ("ready_date", pl.Series([dt.timedelta(days=3)])),
    ],
)
def test_a_parquet_column_of_a_type_no_cell_can_be_is_named(
    tmp_path: Path, column: str, values: pl.Series
) -> None:
    frame = pl.read_csv(write_csv(tmp_path / "e.csv", GOOD), infer_schema=False).with_columns(
        values.alias(column)
    )
    frame.write_parquet(tmp_path / "e.parquet")
    with pytest.raises(InputError, match=f"kolumn '{column}': har typen"):
        read_episodes(tmp_path / "e.parquet")


def test_a_whole_number_beyond_64_bits_is_a_bad_cell(tmp_path: Path) -> None:
    visits = pl.DataFrame(VISITS[:1]).with_columns(pl.Series("minutes", [2**63 + 5], dtype=pl.UInt64))
    visits.write_parquet(tmp_path / "v.parquet")
    with pytest.raises(InputError, match="kolumn 'minutes': är inget heltal"):
        read_visits(tmp_path / "v.parquet")


# ---------------------------------------------------------------- the auditor's evidence


def _final(database: Database, tmp_path: Path, month: str, *rows: str) -> int:
    run_id = execute_run(database, month, write_csv(tmp_path / f"{month}.csv", *rows)).summary.id
    finalize(database, run_id, "clerk")
    return run_id


@pytest.mark.alters_runs
def test_run_verify_finds_a_deleted_final_run_and_checks_printed_seals(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _final(database, tmp_path, "2022-03", GOOD)
    second = _final(database, tmp_path, "2022-03", GOOD, row(episode_id="e2"))
    third = _final(database, tmp_path, "2022-03", GOOD, row(episode_id="e3"))
    seals = {}
    with database.read() as connection:
        for run_id, seal in connection.execute(sa.select(billing_run.c.id, billing_run.c.seal)):
            seals[run_id] = seal
    code, out, _err = run_cli(
        capsys, monkeypatch, "run", "verify", "--seal", seals[third], "--db", database.url
    )
    assert code == 0, out
    # Behind the guards, version 2 goes. What is left still matches its seals; the gap and the
    # version that corrects the missing one show it, and so does its printed seal.
    with database.write() as connection:
        if database.dialect == "sqlite":
            for name in list(
                connection.execute(sa.text("SELECT name FROM sqlite_master WHERE type='trigger'")).scalars()
            ):
                connection.execute(sa.text(f"DROP TRIGGER {name}"))
        else:
            connection.execute(sa.text("ALTER TABLE billing_run DISABLE TRIGGER USER"))
            guarded = ("run_input", "run_digest", "betalningsansvar_row", "episode_line", "correction_line")
            for table in (*guarded, "accepted_value"):
                connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        connection.execute(
            sa.update(billing_run).where(billing_run.c.id == third).values(corrects_run_id=None)
        )
        connection.execute(sa.delete(billing_run).where(billing_run.c.id == second))
    code, out, _err = run_cli(capsys, monkeypatch, "run", "verify", "--db", database.url)
    assert code == 1
    assert "2022-03: final versions 1, 3; a final run is missing" in out
    code, out, _err = run_cli(
        capsys, monkeypatch, "run", "verify", "--seal", seals[second], "--db", database.url
    )
    assert code == 1
    assert "SAKNAS" in out
    assert first  # version 1 is still intact
    code, out, _err = run_cli(capsys, monkeypatch, "run", "verify", str(first), "--db", database.url)
    assert code == 0, out


def test_the_start_of_sealing_cannot_be_moved(database: Database) -> None:
    for statement in (
        sa.update(settings).where(settings.c.key == "sealed_from_run_id").values(value="1000000"),
        sa.delete(settings).where(settings.c.key == "sealed_from_run_id"),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="never changed"), database.write() as connection:
            connection.execute(statement)


# ------------------------------------------------------------- the command line's edges


@pytest.mark.parametrize(
    "args",
    [
        ("run", "show", "99999999999999999999999"),
        ("run", "export", "2147483648", "--out", "x"),
        ("run", "finalize", "0"),
        ("run", "verify", "99999999999999999999999"),
        ("run", "diff", "1", "99999999999999999999999"),
        ("keys", "revoke", "99999999999999999999999"),
        ("synth", "--seed", "-1"),
        ("synth", "--episodes-per-month", "99999999999999999999"),
    ],
)
def test_a_huge_id_or_count_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    extra = () if args[0] == "synth" else ("--db", str(tmp_path / "r.sqlite"))
    code, _out, err = run_cli(capsys, monkeypatch, *args, *extra)
    assert code == 2, err
    assert "Traceback" not in err


def test_an_export_to_a_file_or_under_one_is_a_message(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = _final(database, tmp_path, "2022-03", GOOD)
    a_file = write_csv(tmp_path / "a.csv", GOOD)
    for out in (a_file, a_file / "sub", Path("/dev/null")):
        code, _out, err = run_cli(
            capsys, monkeypatch, "run", "export", str(run_id), "--out", str(out), "--db", database.url
        )
        assert code == 2, err
        assert "Traceback" not in err
        assert "mapp" in err


def test_a_kommun_code_that_could_be_a_personnummer_is_not_repeated(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = _final(database, tmp_path, "2022-03", GOOD)
    code, _out, err = run_cli(
        capsys, monkeypatch, "run", "export", str(run_id), "--kommun", "19121212-1212",
        "--out", str(tmp_path / "x"), "--db", database.url,
    )  # fmt: skip
    assert code == 2
    assert "19121212" not in err


def test_a_file_name_with_a_personnummer_is_not_kept(database: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "19121212-1212 patient.csv", GOOD)
    execute_run(database, "2022-03", path)
    with database.read() as connection:
        assert list(connection.execute(sa.select(run_input.c.name)).scalars()) == ["episodes.csv"]


# ------------------------------------------------------------------------- plausibility


def test_a_month_that_has_not_begun_is_not_billed(database: Database, tmp_path: Path) -> None:
    with pytest.raises(CalculationError, match="har inte börjat"):
        execute_run(
            database,
            "2999-03",
            write_csv(tmp_path / "e.csv", GOOD),
            ruleset="lag-2017-612",
            daily_amount_sek="9300",
        )


def test_a_patient_still_admitted_for_years_needs_acknowledging(database: Database, tmp_path: Path) -> None:
    waiting = row(episode_id="e9", ready_date="2002-03-01", discharge_date="")
    path = write_csv(tmp_path / "e.csv", GOOD, waiting)
    with pytest.raises(InputError, match="rad 3, kolumn 'discharge_date': är mer än 365 dagar"):
        execute_run(database, "2022-03", path)
    summary = execute_run(database, "2022-03", path, accept=["long_wait"]).summary
    assert summary.accepted == ("long_wait",)


def test_a_fixed_amount_above_any_placement_cost_is_refused(tmp_path: Path) -> None:
    from hos_avtal.io import read_placement_inputs

    (tmp_path / "p.csv").write_text(
        "placement_id,kommun,placed_by,start_date,end_date,acute\nP1,1480,kommun,2024-01-01,,false\n"
    )
    (tmp_path / "c.csv").write_text("placement_id,month,cost_sek\nP1,2024-03,100000\n")
    (tmp_path / "a.csv").write_text(
        "placement_id,valid_from,valid_to,method,region_percent,fixed_party,fixed_sek_per_month,decided_date\n"
        "P1,2024-01-01,,fixed,,region,99999999999.00,2024-01-05\n"
    )
    with pytest.raises(InputError, match="fixed_sek_per_month"):
        read_placement_inputs(tmp_path / "p.csv", tmp_path / "c.csv", tmp_path / "a.csv")


@pytest.mark.parametrize(("name", "day"), [("as_of", "1900-01-01"), ("adjust_from", "0001-01-01")])
def test_an_implausible_as_of_or_adjustment_day_is_refused(tmp_path: Path, name: str, day: str) -> None:
    from hos_avtal.placements import calculate_placements
    from hos_avtal.synth import month_range, synth_placements

    placements, costs, agreements = synth_placements(month_range("2024-03"), placements=5, seed=1)
    with pytest.raises(InputError, match=name):
        calculate_placements(
            placements, costs, agreements, months="2024-03", ruleset="vgr-2023", **{name: day}
        )


def test_a_scenario_name_with_a_control_character_is_refused() -> None:
    from hos_avtal.scenarios import scenario_from_mapping

    for name in ("x\x00y", "x\u202ey"):
        with pytest.raises(ScenarioError, match="styrtecken eller osynligt"):
            scenario_from_mapping({"name": name, "base": "vgr-2023"})


def test_who_made_a_run_is_a_label_too(database: Database, tmp_path: Path) -> None:
    for who in ("a\x00b", "19121212-1212"):
        with pytest.raises(InputError, match="created_by"):
            execute_run(database, "2022-03", write_csv(tmp_path / "e.csv", GOOD), created_by=who)


def test_a_short_pseudonym_key_is_refused(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOS_AVTAL_PSEUDONYM_KEY", "x")
    with pytest.raises(StorageError, match="minst 32"):
        execute_run(database, "2022-03", write_csv(tmp_path / "e.csv", row(person_id="19121212-1212")))


@pytest.mark.parametrize("text", ["SU\u0085x", "SU\u2028x", "SU\u202ex", "SU\u200bx", "SU\ufeffx"])
def test_an_invisible_or_line_breaking_character_in_text_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "e.csv"
    path.write_text(f"{HEADER}\n{row(hospital=text)}\n", "utf-8")
    with pytest.raises(
        InputError, match="kolumn 'hospital': innehåller ett styrtecken eller osynligt tecken"
    ):
        read_episodes(path)


def test_a_header_cannot_hide_a_second_column_behind_a_zero_width_space(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD + ",1481", header=HEADER + ",kommun\u200b")
    with pytest.raises(InputError, match="står två gånger i rubrikraden"):
        read_episodes(path)


# ---------------------------------------------------------------------------- the API


@pytest.mark.anyio
async def test_json_numbers_and_codes_are_what_they_say(api: Api) -> None:  # noqa: F811
    for change in ({"minutes": True}, {"minutes": "60"}, {"minutes": 60.0}):
        body: dict[str, Any] = {"visits": [{**VISITS[0], **change}, *VISITS[1:5]]}
        response = await api.client.post("/v1/home-care/calculate", json=body, headers=api.auth("billing"))
        assert response.status_code == 422, (change, response.text)
    body = {"month": MONTH, "episodes": EPISODES[:5], "daily_amount_sek": "９３００.００"}
    response = await api.client.post("/v1/betalningsansvar/calculate", json=body, headers=api.auth("billing"))
    assert response.status_code == 422
    sweep = {
        "base": "vgr-2018",
        "episodes": EPISODES[:5],
        "parameters": [{"name": "free_days", "values": ["３"]}],
    }
    assert (
        await api.client.post("/v1/scenarios/sweep", json=sweep, headers=api.auth("analyst"))
    ).status_code == 422


@pytest.mark.anyio
async def test_a_made_up_key_that_could_be_personal_is_not_repeated(api: Api) -> None:  # noqa: F811
    secret = "19121212-1212"
    grid = {"base": "vgr-2018", "episodes": EPISODES[:5]}
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("/v1/betalningsansvar/calculate", {"month": MONTH, "episodes": EPISODES[:5], secret: 1}),
        ("/v1/betalningsansvar/calculate", {"month": MONTH, "episodes": [{**EPISODES[0], secret: 1}]}),
        ("/v1/scenarios/sweep", {**grid, "parameters": [{"name": secret, "values": [1]}]}),
        ("/v1/scenarios/sweep", {**grid, "parameters": [{"name": "free_days", "values": ["9,300"]}]}),
    ]
    for path, body in bodies:
        response = await api.client.post(
            path, content=json.dumps(body), headers={**api.auth("admin"), "content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert "19121212" not in response.text
        assert "9,300" not in response.text


@pytest.mark.anyio
async def test_the_audit_log_keeps_no_id_a_refused_request_sent(api: Api) -> None:  # noqa: F811
    for method, path in (
        ("DELETE", "/v1/scenarios/datasets/2001011234"),
        ("POST", "/v1/billing-runs/2001011234/finalize"),
    ):
        response = await api.client.request(method, path, headers=api.auth("admin"))
        assert response.status_code == 404
    with api.app.state.database.read() as connection:
        rows = connection.execute(sa.select(audit_log.c.path, audit_log.c.resource_id)).all()
    assert rows
    assert all(resource is None and "2001011234" not in path for path, resource in rows)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_with_more_rows_than_a_run_takes_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    """A clerk's mistaken export of everything is refused by its size, not allowed to take the
    machine's memory: a Parquet file by its metadata, a CSV by counting lines as they stream."""
    rows = [GOOD.replace("e1", f"e{i}").replace("p1", f"p{i}") for i in range(1, 151)]
    path = write_csv(tmp_path / "e.csv", *rows)
    if suffix == ".parquet":
        pl.read_csv(path, infer_schema=False).write_parquet(tmp_path / "e.parquet")
        path = tmp_path / "e.parquet"
    monkeypatch.setenv("HOS_AVTAL_MAX_INPUT_ROWS", "100")
    db = str(tmp_path / "runs.sqlite")
    code, _out, err = run_cli(
        capsys, monkeypatch, "run", "--month", "2022-03", "--episodes", str(path), "--db", db
    )
    assert code == 2
    assert "fler än 100 rader" in err
    assert "HOS_AVTAL_MAX_INPUT_ROWS" in err
    stored = open_database(db)
    try:
        assert list_runs(stored) == []  # nothing written
    finally:
        stored.close()
    monkeypatch.setenv("HOS_AVTAL_MAX_INPUT_ROWS", "150")
    assert len(read_episodes(path)) == 150  # exactly at the limit: read

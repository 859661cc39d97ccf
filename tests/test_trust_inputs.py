"""What a finance department and an information-security officer must be able to rely on, one test
per defect found when the product was tried as a new user and as an attacker would: an
implausible number is never billed, money is read one way, a hostile number costs nothing, a NUL
or a personnummer never reaches the database, and files are read as a spreadsheet user means them.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from helpers import HEADER, episode, frame, run_cli, write_csv
from hos_avtal.errors import InputError
from hos_avtal.io import read_episodes
from hos_avtal.runs import execute_run
from hos_avtal.storage import Database, load_run, open_database
from hos_avtal.storage._models import billing_run, settings
from test_api import EPISODES, MONTH, Api, anyio_backend, api  # noqa: F401
from test_storage import database_url  # noqa: F401

GOOD = "e1,p1,1480,somatik,SU,2022-03-01,2022-03-04,true,true,false,,true,true"


def episode_row(**changes: str) -> str:
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells.values())


def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, monkeypatch, *args)
    assert "Traceback" not in err
    return code, out, err


# ------------------------------------------------------- 1. a mistyped year bills nothing


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"ready_date": "1900-03-01", "discharge_date": "2022-03-06"}, "ready_date", "är före 2000-01-01"),
        ({"ready_date": "0001-01-01", "discharge_date": "2022-03-06"}, "ready_date", "är före 2000-01-01"),
        ({"ready_date": "2022-03-01", "discharge_date": "2202-03-06"}, "discharge_date", "är efter i dag"),
        (
            {"ready_date": "2021-02-01", "discharge_date": "2022-03-06"},
            "discharge_date",
            "är mer än 365 dagar",
        ),
    ],
)
def test_an_implausible_date_is_an_input_error_never_an_amount(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    cells: dict[str, str], column: str, reason: str,
) -> None:  # fmt: skip
    path = write_csv(tmp_path / "e.csv", GOOD.replace("e1", "e0"), episode_row(**cells))
    code, out, err = cli(capsys, monkeypatch, "betalningsansvar", str(path), "--month", "2022-03")
    assert (code, out) == (2, "")
    assert f"rad 3, kolumn '{column}': {reason}" in err


def test_a_long_wait_is_billed_once_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "e.csv", episode_row(ready_date="2021-02-01", discharge_date="2022-03-06"))
    args = ("betalningsansvar", str(path), "--month", "2022-03", "--format", "json")
    code, _out, err = cli(capsys, monkeypatch, *args)
    assert code == 2
    assert "--accept long-wait" in err
    code, out, err = cli(capsys, monkeypatch, *args, "--accept", "long-wait")
    assert code == 0, err
    goteborg = next(m for m in json.loads(out)["municipalities"] if m["kommun"] == "1480")
    assert goteborg["individual_billable_days"] == 398 - 3


def test_a_run_records_what_was_acknowledged_and_its_fakturaunderlag_shows_it(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long wait discharged in February is not this run's to acknowledge: June's bills only June.
    path = write_csv(
        tmp_path / "e.csv",
        episode_row(ready_date="2021-01-01", discharge_date="2022-02-10").replace("e1", "feb"),
        episode_row(ready_date="2021-05-01", discharge_date="2022-06-10").replace("e1", "long"),
        episode_row(ready_date="2022-06-01", discharge_date="2022-06-03").replace("e1", "short"),
    )
    run = ("run", "--month", "2022-06", "--episodes", str(path), "--db", database_url)
    code, _out, err = cli(capsys, monkeypatch, *run)
    assert code == 2
    assert "rad 3, kolumn 'discharge_date': är mer än 365 dagar" in err
    assert "row 2" not in err
    code, out, err = cli(capsys, monkeypatch, *run, "--accept", "long-wait")
    assert code == 0, err
    db = open_database(database_url)
    try:
        stored = load_run(db, 1)
    finally:
        db.close()
    assert stored.summary.accepted == ("long_wait",)
    assert stored.accepted_values is not None
    assert stored.accepted_values.rows() == [("long_wait", "1480", "long", 405)]
    code, out, _err = cli(capsys, monkeypatch, "run", "show", "1", "--db", database_url)
    assert "Kvitterat: long_wait" in out
    code, _out, _err = cli(
        capsys,
        monkeypatch,
        "run",
        "export",
        "1",
        "--kommun",
        "1480",
        "--out",
        str(tmp_path / "x"),
        "--db",
        database_url,
    )
    csv = pl.read_csv(next((tmp_path / "x").glob("fakturaunderlag-*-1480-*.csv")), infer_schema=False)
    assert csv.filter(pl.col("section") == "accepted").select("line_key", "category", "value").rows() == [
        ("long", "long_wait", "405")
    ]
    assert dict(csv.filter(pl.col("section") == "header").select("line_key", "value").rows())["accepted"] == (
        "long_wait"
    )


@pytest.mark.anyio
async def test_the_api_refuses_year_one_and_stores_nothing(api: Api) -> None:  # noqa: F811
    typo = [{**EPISODES[0], "ready_date": "0001-01-01"}, *EPISODES[1:]]
    for path, body in (
        ("/v1/betalningsansvar/calculate", {"month": MONTH, "episodes": typo}),
        ("/v1/billing-runs", {"month": MONTH, "episodes": typo}),
    ):
        response = await api.client.post(path, json=body, headers=api.auth("billing"))
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"][0]["row"] == 1
        assert problem["errors"][0]["column"] == "ready_date"
        assert "0001" not in json.dumps(problem["errors"])
    with api.app.state.database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(billing_run)).scalar() == 0
    # Acknowledged, a long wait is billed and recorded.
    long_wait = {**EPISODES[0], "ready_date": "2021-03-01"}
    body = {"month": MONTH, "episodes": [long_wait, *EPISODES[1:]]}
    assert (
        await api.client.post("/v1/billing-runs", json=body, headers=api.auth("billing"))
    ).status_code == 422
    created = await api.client.post(
        "/v1/billing-runs", json={**body, "accept": ["long_wait"]}, headers=api.auth("billing")
    )
    assert created.status_code == 201, created.text
    assert created.json()["accepted"] == ["long_wait"]
    assert len(created.json()["seal"]) == 64


# ---------------------------------------------------------- 2. money is read one way


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("9,300", "tvetydigt"),
        ("9.300", "tvetydigt"),
        ("9.30", "rimliga intervallet"),
        ("9 30", "inget belopp"),
    ],
)
def test_a_daily_amount_that_could_mean_two_things_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    typed: str,
    reason: str,
) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD)
    for args in (
        ("betalningsansvar", str(path), "--month", "2022-03", "--daily-amount", typed),
        (
            "run",
            "--month",
            "2022-03",
            "--episodes",
            str(path),
            "--daily-amount",
            typed,
            "--db",
            str(tmp_path / "r.db"),
        ),
    ):
        code, out, err = cli(capsys, monkeypatch, *args)
        assert (code, out) == (2, ""), err
        assert reason in err


@pytest.mark.parametrize("typed", ["9300", "9 300", "9300,00", "9300.00", "9 300,00"])
def test_every_documented_spelling_of_an_amount_is_the_same_amount(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD)
    code, out, err = cli(
        capsys, monkeypatch, "betalningsansvar", str(path), "--month", "2022-03", "--daily-amount", typed,
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["daily_amount_sek"] == "9300.00"


# ------------------------------------------------------ 3. a hostile number costs nothing


HOSTILE = ["1e10000000", "Infinity", "-Infinity", "sNaN", "NaN", "1e-1000000", "9" * 5000]


@pytest.mark.anyio
@pytest.mark.parametrize("value", HOSTILE)
async def test_a_hostile_sweep_value_is_a_422_at_once(api: Api, value: str) -> None:  # noqa: F811
    bodies = [
        {"name": "individual_after_days", "values": [value[:40]]},
        {"name": "average_threshold_days", "values": [value[:40]]},
        {"name": "average_threshold_days", "start": value[:40], "stop": "4", "step": "1"},
        {"name": "average_threshold_days", "start": "1", "stop": value[:40], "step": "1"},
        {"name": "average_threshold_days", "start": "1", "stop": "4", "step": value[:40]},
    ]
    for parameter in bodies:
        body = {"base": "vgr-2018", "episodes": EPISODES[:30], "parameters": [parameter]}
        started = time.perf_counter()
        response = await api.client.post("/v1/scenarios/sweep", json=body, headers=api.auth("analyst"))
        assert response.status_code == 422, (parameter, response.text)
        assert time.perf_counter() - started < 30  # a guard against a hang, not a performance goal
    # A scenario's parameter table, and a JSON number beyond a float.
    for value_json in ('"1e10000000"', "1e400", '"sNaN"', "-1e400", "9" * 4400):
        text = (
            '{"base": "vgr-2018", "episodes": ' + json.dumps(EPISODES[:30]) + ', "scenarios": [{"name": "x", '
            '"betalningsansvar": {"average_threshold_days": ' + value_json + "}}]}"
        )
        response = await api.client.post(
            "/v1/scenarios/compare",
            content=text,
            headers={**api.auth("analyst"), "content-type": "application/json"},
        )
        assert response.status_code in (400, 422), (value_json, response.text)
    # A share is an exact fraction: "1e10000000" is one, whose integer would take seconds to build.
    for share in ('"1e10000000"', '"1/0"', '"9999999999999/3"'):
        text = (
            '{"base": "vgr-2023", "episodes": ' + json.dumps(EPISODES[:30]) + ', "months": ["2023-06"], '
            '"daily_amount_sek": "9300.00", "scenarios": [{"name": "x", "placements": '
            '{"schablon_region_share": ' + share + "}}]}"
        )
        started = time.perf_counter()
        response = await api.client.post(
            "/v1/scenarios/compare",
            content=text,
            headers={**api.auth("analyst"), "content-type": "application/json"},
        )
        assert response.status_code == 422, (share, response.text)
        assert time.perf_counter() - started < 30


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e10000000", "sNaN", "1:Infinity:1", "1:5:sNaN"])
def test_a_hostile_parameter_on_the_command_line_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD)
    for name in ("average_threshold_days", "individual_after_days"):
        code, out, err = cli(
            capsys,
            monkeypatch,
            "scenario",
            "sweep",
            "--base",
            "vgr-2018",
            "-e",
            str(path),
            "-p",
            f"{name}={value}",
        )
        assert code == 2, (name, out, err)


# --------------------------------------------------------------------- 6. NUL and control


def test_a_nul_in_a_cell_is_an_input_error_naming_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "e.csv", episode_row(hospital="S\x00U"), episode_row(episode_id="e\x002"))
    code, _out, err = cli(capsys, monkeypatch, "betalningsansvar", str(path), "--month", "2022-03")
    assert code == 2
    assert "rad 2, kolumn 'hospital': innehåller ett styrtecken eller osynligt tecken" in err
    assert "rad 3, kolumn 'episode_id': innehåller ett styrtecken eller osynligt tecken" in err


def test_a_nul_never_reaches_the_database(database: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", episode_row(hospital="S\x00U"))
    with pytest.raises(InputError, match="styrtecken eller osynligt tecken"):
        execute_run(database, "2022-03", path)
    with database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(billing_run)).scalar() == 0


@pytest.mark.anyio
async def test_a_nul_over_the_api_is_a_422_and_stores_nothing(api: Api) -> None:  # noqa: F811
    body = {"month": MONTH, "episodes": [{**EPISODES[0], "hospital": "S\u0000U"}, *EPISODES[1:]]}
    response = await api.client.post("/v1/billing-runs", json=body, headers=api.auth("billing"))
    assert response.status_code == 422, response.text
    upload = {"episodes": ("e.csv", pl.DataFrame(EPISODES).write_csv().encode(), "text/csv")}
    named = await api.client.post(
        "/v1/scenarios/datasets", files=upload, data={"name": "Mars\x00"}, headers=api.auth("analyst")
    )
    assert named.status_code == 422, named.text
    with api.app.state.database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(billing_run)).scalar() == 0


def test_a_failed_statement_never_logs_its_parameters(database: Database) -> None:
    assert database.engine.hide_parameters


# ---------------------------------------------------------- 7. personnummer in any shape

SHAPES = [
    "19121212-1212", "19121212 1212", "19121212\u20131212", "PNR19121212-1212", "pnr: 121212-1212",
    "121212+1212", "1912121212 12"[:0] + "191212121212",
]  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("column", ["episode_id", "person_id", "hospital"])
def test_a_personnummer_in_any_shape_and_column_is_refused_and_never_echoed(
    tmp_path: Path, shape: str, column: str
) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD, episode_row(**{column: shape}).replace("e1", "e2", 1))
    with pytest.raises(InputError, match=f"rad 3, kolumn '{column}': innehåller ett personnummer") as error:
        read_episodes(path)
    assert shape not in str(error.value)
    assert "1212" not in str(error.value).replace(str(path), "")


def _texts(db: Database) -> list[str]:
    from hos_avtal.storage._models import metadata

    found = []
    with db.read() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String | sa.Text) and column.name not in ("seal", "sha256"):
                    found += [str(v) for v in connection.execute(sa.select(column)).scalars() if v]
    return found


@pytest.mark.parametrize("shape", SHAPES)
def test_a_run_keeps_no_personnummer_in_any_shape(database: Database, tmp_path: Path, shape: str) -> None:
    rows = [episode("e1", 4, ready=dt.date(2022, 3, 1)), episode("e2", 10, ready=dt.date(2022, 3, 1))]
    rows[1]["episode_id"], rows[0]["person_id"] = shape, shape
    path = tmp_path / "e.csv"
    frame(*rows).write_csv(path)
    execute_run(database, "2022-03", path)
    texts = " ".join(_texts(database))
    assert "1212" not in texts.replace("-12-", "")
    # Pseudonymised, the person's hospital column would still be refused.
    rows[0]["hospital"] = shape
    frame(*rows).write_csv(path)
    with pytest.raises(InputError, match="kolumn 'hospital': innehåller ett personnummer"):
        execute_run(database, "2022-03", path)


def test_the_pseudonym_key_is_never_kept_beside_the_data_unless_opted_in(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hos_avtal.errors import StorageError

    rows = [episode("e1", 4, ready=dt.date(2022, 3, 1))]
    rows[0]["person_id"] = "19121212-1212"
    path = tmp_path / "e.csv"
    frame(*rows).write_csv(path)

    def keys() -> list[str]:
        with database.read() as connection:
            return list(connection.execute(sa.select(settings.c.key)).scalars())

    execute_run(database, "2022-03", path)  # the key comes from the environment (a secret store)
    assert "pseudonym_key" not in keys()
    monkeypatch.delenv("HOS_AVTAL_PSEUDONYM_KEY")
    rows[0]["episode_id"] = "e2"
    frame(*rows).write_csv(path)
    with pytest.raises(StorageError, match="ingen pseudonymnyckel är konfigurerad"):
        execute_run(database, "2022-03", path)
    assert "pseudonym_key" not in keys()
    monkeypatch.setenv("HOS_AVTAL_PSEUDONYM_KEY_IN_DATABASE", "1")
    execute_run(database, "2022-03", path)
    assert "pseudonym_key" in keys()
    # Pseudonymous input needs no key at all.
    monkeypatch.delenv("HOS_AVTAL_PSEUDONYM_KEY_IN_DATABASE")
    rows[0]["person_id"], rows[0]["episode_id"] = "p-1", "e3"
    frame(*rows).write_csv(path)
    execute_run(database, "2022-03", path)


@pytest.fixture
def database(database_url: str) -> Any:  # noqa: F811
    db = open_database(database_url)
    yield db
    db.close()


@pytest.mark.anyio
async def test_problems_never_echo_what_was_sent(api: Api) -> None:  # noqa: F811
    secret = "19121212-1212"
    cases: list[dict[str, Any]] = [
        {**EPISODES[0], "kommun": secret[:10]},
        {**EPISODES[0], "care_type": secret[:10]},
        {**EPISODES[0], "ready_date": secret},
        {**EPISODES[0], "episode_id": secret},
        {**EPISODES[0], "admission_notice": secret},
    ]
    for row in cases:
        body = {"month": MONTH, "episodes": [row, *EPISODES[1:]]}
        response = await api.client.post(
            "/v1/betalningsansvar/calculate", json=body, headers=api.auth("billing")
        )
        assert response.status_code == 422, response.text
        assert "1912121" not in response.text
        assert "121212" not in response.text


# --------------------------------------------------------- 9. files as spreadsheets make them


def test_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD + ",1480", header=HEADER + ",Kommun")
    with pytest.raises(
        InputError, match=r"rad 1, kolumn 'kommun': står två gånger i rubrikraden \(kolumn 3 och 14\)"
    ):
        read_episodes(path)


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", GOOD, GOOD.replace("e1", "e2") + ",extra", GOOD.replace("e1", "e3"))
    with pytest.raises(InputError, match="rad 3: har 14 fält men rubrikraden har 13"):
        read_episodes(path)


def test_excels_empty_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    empty = ";" * 12
    path = write_csv(
        tmp_path / "e.csv",
        GOOD.replace(",", ";"),
        empty,
        GOOD.replace(",", ";").replace("e1", "e2").replace("1480", "180"),
        empty,
        empty + ";;",  # Excel's trailing fields beyond the sheet's columns, all empty
        separator=";",
    )
    with pytest.raises(InputError) as error:
        read_episodes(path)
    assert [(p.row, p.column) for p in error.value.problems] == [(4, "kommun")]
    fixed = path.read_text().replace(";180;", ";1480;")
    path.write_text(fixed)
    assert read_episodes(path)["episode_id"].to_list() == ["e1", "e2"]


@pytest.mark.parametrize(
    ("target", "reason"), [("folder", "är en mapp, inte en fil"), ("/dev/null", "är inte en vanlig fil")]
)
def test_a_folder_or_a_device_is_named_for_what_it_is(tmp_path: Path, target: str, reason: str) -> None:
    path = tmp_path if target == "folder" else Path(target)
    with pytest.raises(InputError, match=reason):
        read_episodes(path)
    with pytest.raises(InputError, match="filen finns inte"):
        read_episodes(tmp_path / "missing.csv")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ready_date", "2022-06-01T00:00:00"),
        ("ready_date", "2022-06-01T00:00:00Z"),
        ("ready_date", 1654041600),
        ("admission_notice", "true"),
        ("admission_notice", 1),
        ("admission_notice", "ja"),
        ("sip_invited", 0),
    ],
)
async def test_the_api_takes_only_iso_dates_and_json_booleans(api: Api, field: str, value: object) -> None:  # noqa: F811
    row = {**EPISODES[0], field: value}
    for path in ("/v1/betalningsansvar/calculate", "/v1/billing-runs"):
        body = {"month": MONTH, "episodes": [row, *EPISODES[1:]]}
        response = await api.client.post(path, json=body, headers=api.auth("billing"))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["column"] == field


@pytest.mark.parametrize(
    "value", ["9" * 5000, "1e400", "nan", "inf", '"1e10000000"', '"sNaN"', '"0.' + "0" * 40 + '1"']
)
def test_a_hostile_number_in_a_scenario_or_rule_set_file_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    episodes = write_csv(tmp_path / "e.csv", GOOD)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'name = "x"\nbase = "vgr-2018"\n[betalningsansvar]\naverage_threshold_days = {value}\n'
    )
    code, _out, err = cli(
        capsys, monkeypatch, "scenario", "compare", "-s", str(scenario), "-e", str(episodes)
    )
    assert code == 2, err
    ruleset = tmp_path / "r.toml"
    original = (Path(__file__).parents[1] / "src/hos_avtal/rules/data/vgr-2018.toml").read_text("utf-8")
    ruleset.write_text(original.replace('value = "3.0"', f"value = {value}", 1), "utf-8")
    code, _out, err = cli(capsys, monkeypatch, "betalningsansvar", str(episodes), "--ruleset", str(ruleset))
    assert code == 2, err


@pytest.mark.anyio
async def test_an_uploaded_run_acknowledges_a_long_wait_in_a_form_field(api: Api) -> None:  # noqa: F811
    rows = [{**EPISODES[0], "ready_date": "2021-03-01"}, *EPISODES[1:]]
    upload = {"episodes": ("e.csv", pl.DataFrame(rows).write_csv().encode(), "text/csv")}
    refused = await api.client.post(
        "/v1/billing-runs", files=upload, data={"month": MONTH}, headers=api.auth("billing")
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["column"] == "discharge_date"
    unknown = await api.client.post(
        "/v1/billing-runs",
        files=upload,
        data={"month": MONTH, "accept": "everything"},
        headers=api.auth("billing"),
    )
    assert unknown.status_code == 422
    created = await api.client.post(
        "/v1/billing-runs",
        files=upload,
        data={"month": MONTH, "accept": "long_wait"},
        headers=api.auth("billing"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["accepted"] == ["long_wait"]
    basis = await api.client.get(
        f"/v1/billing-runs/{created.json()['id']}/municipalities/{EPISODES[0]['kommun']}",
        headers=api.auth("billing"),
    )
    assert basis.status_code == 200, basis.text
    assert [a["line_key"] for a in basis.json()["accepted"]] == [EPISODES[0]["episode_id"]]


@pytest.mark.parametrize("amount", ["9" * 100_000 + ".00", "sNaN", "1e10000000", "abc", "9.30"])
def test_a_hostile_daily_amount_stops_a_run_before_any_input_is_read(
    database: Database, tmp_path: Path, amount: str
) -> None:
    from hos_avtal.betalningsansvar import calculate_betalningsansvar
    from hos_avtal.errors import MissingParameterError

    path = write_csv(tmp_path / "e.csv", GOOD)
    with pytest.raises(MissingParameterError, match="det angivna fastställda beloppet"):
        execute_run(database, "2022-03", path, daily_amount_sek=amount)
    with pytest.raises(MissingParameterError, match="det angivna fastställda beloppet"):
        calculate_betalningsansvar(path, "2022-03", daily_amount_sek=amount)
    with database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(billing_run)).scalar() == 0


def test_a_what_if_needs_no_acknowledgement_of_a_long_wait(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario is never billed (docs/rules.md §7): a long wait is compared as it is."""
    path = write_csv(tmp_path / "e.csv", episode_row(ready_date="2021-02-01", discharge_date="2022-03-06"))
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'name = "Byte efter 5"\nbase = "vgr-2018"\n[betalningsansvar]\nindividual_after_days = 5\n'
    )
    code, out, err = cli(
        capsys, monkeypatch, "scenario", "compare", "-s", str(scenario), "-e", str(path), "--format", "json"
    )
    assert code == 0, err
    goteborg = next(m for m in json.loads(out)["municipalities"] if m["kommun"] == "1480")
    assert goteborg["base_sek"] == f"{(398 - 3) * 9300}.00"


@pytest.mark.anyio
async def test_a_what_if_over_http_needs_no_acknowledgement_of_a_long_wait(api: Api) -> None:  # noqa: F811
    long_wait = {**EPISODES[0], "ready_date": "2021-03-01"}
    body = {"base": "vgr-2018", "episodes": [long_wait, *EPISODES[1:]], "scenarios": [], "months": [MONTH]}
    compared = await api.client.post("/v1/scenarios/compare", json=body, headers=api.auth("analyst"))
    assert compared.status_code == 200, compared.text

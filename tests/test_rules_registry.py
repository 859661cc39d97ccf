"""Rules maintained in the deployment: a 2027 agreement derived and registered, the year's
fastställt belopp and the municipalities' tariffs entered once, and used by every calculation.

Written as the region's billing administrator works in December: derive the new agreement from
the old one, register it and the new amount, and bill January with no flag on the call.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

import test_storage
from helpers import episode, frame
from hos_avtal import months
from hos_avtal.errors import RuleSetError
from hos_avtal.municipalities import parties
from hos_avtal.rules import Registry, load_ruleset, select_ruleset, using_registry
from hos_avtal.storage import (
    Actor,
    daily_amount_history,
    load_registry,
    open_database,
    register_daily_amount,
    register_ruleset,
)
from reference import reference_betalningsansvar
from test_cli import run

database_url = test_storage.database_url  # SQLite and PostgreSQL

JANUARY_2027 = dt.date(2027, 1, 1)
AMOUNT_2027 = "9650"
SOURCE_2027 = "HoS-avtal 2027–2030 Del C §5 (utkast)"


@pytest.fixture
def after_new_year(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is 2027-02-10: January 2027 has happened and can be billed."""
    monkeypatch.setattr(months, "today", lambda: dt.date(2027, 2, 10))


def january_episodes(path: Path) -> Path:
    """Göteborg: one episode of 6 days (pooled under vgr-2023, individual when the switch is day 5),
    two of 2 days; Borås: one of 9 days (individual either way)."""
    rows = frame(
        episode("e1", 6, ready=dt.date(2027, 1, 3)),
        episode("e2", 2, ready=dt.date(2027, 1, 5)),
        episode("e3", 2, ready=dt.date(2027, 1, 10)),
        episode("e4", 9, kommun="1490", ready=dt.date(2027, 1, 12)),
    )
    rows.write_csv(path)
    return path


def bill_january(capsys, monkeypatch, tmp_path: Path, *options: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """``hos-avtal betalningsansvar`` on :func:`january_episodes` for 2027-01."""
    episodes = january_episodes(tmp_path / "episodes.csv")
    return run(capsys, monkeypatch, "betalningsansvar", str(episodes), "--month", "2027-01", *options)  # type: ignore[no-any-return]


def derive_2027(capsys, monkeypatch, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    out = folder / "vgr-2027.toml"
    code, printed, err = run(
        capsys, monkeypatch, "rulesets", "new", "vgr-2027", "--from", "vgr-2023",
        "--valid-from", "2027-01-01", "--set", "betalningsansvar.individual_after_days=5",
        "--source", SOURCE_2027, "--name", "HoS-avtal VGR 2027", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "1 ändrat värde" in printed
    return out


# ---------------------------------------------------------------------- the December routine


def test_a_derived_2027_agreement_and_amount_bill_january_with_no_flag(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, tmp_path: Path, after_new_year: None
) -> None:
    db = ("--db", database_url)
    ruleset_file = derive_2027(capsys, monkeypatch, tmp_path)
    code, out, err = run(capsys, monkeypatch, "rulesets", "add", str(ruleset_file), *db)
    assert code == 0, err
    assert "vgr-2027: registrerat" in out
    code, out, err = run(
        capsys, monkeypatch, "amounts", "set", "2027", AMOUNT_2027, "--source", "HSLF-FS 2026:50", *db
    )
    assert code == 0, err

    episodes = january_episodes(tmp_path / "episodes.csv")
    code, out, err = run(
        capsys, monkeypatch, "betalningsansvar", str(episodes), "--month", "2027-01", "--format", "json", *db
    )
    assert code == 0, err
    result = json.loads(out)
    assert (result["ruleset"], result["daily_amount_sek"]) == ("vgr-2027", "9650.00")
    assert result["daily_amount_origin"] == "registered"
    assert "HSLF-FS 2026:50" in result["daily_amount_source"]
    assert result["parameters"]["individual_after_days"] == 5

    # Held to the reference with the same parameters.
    with using_registry(load_registry(open_database(database_url))):
        params = select_ruleset("2027-01").betalningsansvar("2027-01")
    rows = pl.read_csv(episodes, try_parse_dates=True, schema_overrides={"kommun": pl.String}).to_dicts()
    expected = reference_betalningsansvar(rows, JANUARY_2027, params, {m.code for m in parties()})
    got = {m["kommun"]: m for m in result["municipalities"]}
    for code_, row in expected.municipalities.items():
        assert Decimal(got[code_]["total_amount_sek"]) * 100 == row["total_amount_ore"], code_
    # 6 days > 5: Göteborg's e1 is individual from day 4 (3 billable days); its pool of two
    # 2-day episodes is not liable; Borås's 9 days give 6 billable days.
    assert got["1480"]["total_amount_sek"] == "28950.00"
    assert got["1490"]["total_amount_sek"] == "57900.00"


def test_without_the_registry_january_2027_asks_for_the_agreement(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, after_new_year: None
) -> None:
    code, _, err = bill_january(capsys, monkeypatch, tmp_path, "--db", str(tmp_path / "no.sqlite"))
    assert code == 2
    assert "hos_avtal känner inte till något VGR-avtal som gäller för 2027-01" in err
    assert "rulesets add" in err
    assert not (tmp_path / "no.sqlite").exists(), "a calculation never creates a database"


def test_a_missing_amount_says_how_to_register_it(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, tmp_path: Path, after_new_year: None
) -> None:
    db = ("--db", database_url)
    run(capsys, monkeypatch, "rulesets", "add", str(derive_2027(capsys, monkeypatch, tmp_path)), *db)
    code, _, err = bill_january(capsys, monkeypatch, tmp_path, *db)
    assert code == 2
    assert "hos-avtal amounts set 2027 SEK --source TEXT" in err


def test_the_folder_of_rule_sets_is_known_to_every_command(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, after_new_year: None
) -> None:
    folder = tmp_path / "rulesets"
    folder.mkdir()
    derive_2027(capsys, monkeypatch, folder)
    monkeypatch.setenv("HOS_AVTAL_RULESETS_DIR", str(folder))
    options = ("--daily-amount", AMOUNT_2027, "--format", "json", "--db", str(tmp_path / "none.sqlite"))
    code, out, err = bill_january(capsys, monkeypatch, tmp_path, *options)
    assert code == 0, err
    assert json.loads(out)["ruleset"] == "vgr-2027"
    assert json.loads(out)["daily_amount_origin"] == "given"
    code, out, _ = run(
        capsys, monkeypatch, "rulesets", "list", "--format", "json", "--db", str(tmp_path / "x.sqlite")
    )
    assert {"id": "vgr-2027", "origin": "folder"}.items() <= next(
        r for r in json.loads(out) if r["id"] == "vgr-2027"
    ).items()


def test_a_broken_file_in_the_folder_is_named(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.toml").write_text('id = "x"\nname = 1\n')
    monkeypatch.setenv("HOS_AVTAL_RULESETS_DIR", str(tmp_path))
    code, _, err = run(capsys, monkeypatch, "rulesets", "list", "--db", str(tmp_path / "x.sqlite"))
    assert code == 2
    assert "broken.toml" in err


# ------------------------------------------------------------------------------- registration


def test_the_same_content_twice_is_one_rule_set(
    database_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    text = derive_2027(capsys, monkeypatch, tmp_path).read_text()
    db = open_database(database_url)
    try:
        first, created = register_ruleset(db, text, "a.toml", Actor("anna"))
        # Comments and spacing are not content.
        again, created_again = register_ruleset(
            db, "# kommentar\n" + text.replace(" = ", "="), "b.toml", Actor("bo")
        )
        assert (created, created_again) == (True, False)
        assert first.content_sha256 == again.content_sha256
        with db.read() as connection:
            rows = connection.execute(sa.text("SELECT actor, path, resource_id FROM audit_log")).all()
        assert [tuple(r) for r in rows] == [("anna", "rulesets add", "vgr-2027")]
    finally:
        db.close()


def test_other_content_under_an_id_a_final_run_used_is_refused(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, tmp_path: Path, after_new_year: None
) -> None:
    db = ("--db", database_url)
    ruleset_file = derive_2027(capsys, monkeypatch, tmp_path)
    run(capsys, monkeypatch, "rulesets", "add", str(ruleset_file), *db)
    run(capsys, monkeypatch, "amounts", "set", "2027", AMOUNT_2027, "--source", "HSLF-FS 2026:50", *db)
    # Before any final run, a corrected draft of the agreement may replace the first.
    changed = ruleset_file.read_text().replace("value = 5,", "value = 6,")
    (tmp_path / "v2.toml").write_text(changed)
    code, _, err = run(capsys, monkeypatch, "rulesets", "add", str(tmp_path / "v2.toml"), *db)
    assert code == 0, err
    episodes = january_episodes(tmp_path / "episodes.csv")
    code, _, err = run(capsys, monkeypatch, "run", "--month", "2027-01", "--episodes", str(episodes), *db)
    assert code == 0, err
    code, _, err = run(capsys, monkeypatch, "run", "finalize", "1", *db)
    assert code == 0, err
    (tmp_path / "v3.toml").write_text(changed.replace("value = 6,", "value = 4,"))
    code, _, err = run(capsys, monkeypatch, "rulesets", "add", str(tmp_path / "v3.toml"), *db)
    assert code == 2
    assert "en fastställd körning har använt det" in err
    assert "nytt id" in err


def test_overlapping_automatic_agreements_and_shipped_ids_are_refused(  # type: ignore[no-untyped-def]
    database_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    text = derive_2027(capsys, monkeypatch, tmp_path).read_text()
    db = open_database(database_url)
    try:
        register_ruleset(db, text, "a.toml", Actor("anna"))
        with pytest.raises(RuleSetError, match="överlappar det automatiska regelverket 'vgr-2027'"):
            register_ruleset(db, text.replace('"vgr-2027"', '"vgr-2027b"'), "b.toml", Actor("anna"))
        starts_2026 = text.replace("valid_from = 2027-01-01", "valid_from = 2026-07-01")
        with pytest.raises(RuleSetError, match="överlappar det automatiska regelverket 'vgr-2023'"):
            register_ruleset(db, starts_2026.replace('"vgr-2027"', '"vgr-2026h2"'), "c.toml", Actor("anna"))
        with pytest.raises(RuleSetError, match="medföljande regelverk"):
            register_ruleset(db, text.replace('"vgr-2027"', '"vgr-2023"'), "d.toml", Actor("anna"))
        # Not automatic: a negotiator's alternative may cover the same months.
        alternative = text.replace('"vgr-2027"', '"vgr-2027-alt"').replace(
            "auto_select = true", "auto_select = false"
        )
        assert register_ruleset(db, alternative, "e.toml", Actor("anna"))[1] is True
    finally:
        db.close()


def test_the_registry_is_append_only(database_url: str) -> None:
    db = open_database(database_url)
    try:
        register_daily_amount(db, 2027, 965000, "HSLF-FS 2026:50", Actor("anna"))
        register_daily_amount(db, 2027, 966000, "HSLF-FS 2026:51 (rättelse)", Actor("anna"))
        assert load_registry(db).daily_amounts[2027].amount_ore == 966000
        assert [a.amount_ore for a in daily_amount_history(db)] == [965000, 966000]
        for statement in (
            "UPDATE registered_daily_amount SET amount_ore = 1",
            "DELETE FROM registered_daily_amount",
        ):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.write() as connection:
                connection.execute(sa.text(statement))
    finally:
        db.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2027", "9,300"), "tvetydigt"),
        (("2027", "9.30"), "rimlig"),
        (("1899", "9300"), "1900"),
        (("2035", "9300"), "året måste vara från"),
        (("2027", "9300", "--source", "Beslut 19121212-1212"), "personnummer"),
        (("2027", "9300", "--source", "a\x00b"), "styrtecken"),
        (("2027", "9300", "--source", "  "), "ange var värdet kommer ifrån"),
    ],
)
def test_a_bad_amount_is_a_message_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    db = tmp_path / "runs.sqlite"
    source = () if "--source" in args else ("--source", "HSLF-FS 2026:50")
    code, _, err = run(capsys, monkeypatch, "amounts", "set", *args, *source, "--db", str(db))
    assert code == 2
    assert message in err.lower() or message in err
    assert "19121212" not in err
    if db.exists():
        with open_database(db) as opened:
            assert load_registry(opened).daily_amounts == {}


def test_a_registered_amount_replaces_the_shipped_one_only_for_new_runs(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, tmp_path: Path
) -> None:
    """A final run keeps the amount it used; the next run of its month is a new version."""
    db = ("--db", database_url)
    rows = frame(episode("e1", 12, ready=dt.date(2022, 3, 1)))
    rows.write_csv(tmp_path / "episodes.csv")
    args = ("run", "--month", "2022-03", "--episodes", str(tmp_path / "episodes.csv"), *db)
    code, out, _ = run(capsys, monkeypatch, *args)
    assert code == 0
    assert "9\u00a0300,00 kr per vårddygn (medföljer: Socialstyrelsens föreskrift för 2022" in out
    assert run(capsys, monkeypatch, "run", "finalize", "1", *db)[0] == 0
    code, _, err = run(capsys, monkeypatch, "amounts", "set", "2022", "9400", "--source", "rättelse", *db)
    assert code == 0, err
    code, out, err = run(capsys, monkeypatch, *args)
    assert code == 0, err
    assert "9\u00a0400,00 kr per vårddygn (registrerat: rättelse (registered by" in out
    code, out, _ = run(capsys, monkeypatch, "run", "show", "1", "--format", "json", *db)
    first = json.loads(out)
    code, out, _ = run(capsys, monkeypatch, "run", "show", "2", "--format", "json", *db)
    second = json.loads(out)
    assert (first["run"]["daily_amount_ore"], second["run"]["daily_amount_ore"]) == (930000, 940000)
    assert (second["run"]["version"], second["run"]["corrects_run_id"]) == (2, 1)
    # 12 days, 9 billable: 9 × 100 kr more.
    assert sum(c["delta_ore"] for c in second["corrections"]) == 900_00


# ------------------------------------------------------------------------------------ tariffs


def test_registered_tariffs_serve_home_care_and_a_missing_one_names_the_host(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, tmp_path: Path
) -> None:
    db = ("--db", database_url)
    visits = pl.DataFrame(
        {
            "visit_id": ["v1", "v2"],
            "person_id": ["p1", "p2"],
            "home_kommun": ["1480", "1480"],
            "host_kommun": ["1490", "1401"],
            "date": [dt.date(2023, 5, 3), dt.date(2023, 5, 4)],
            "service": ["hemtjanst", "hemtjanst"],
            "minutes": [60, 30],
        }
    )
    visits.write_csv(tmp_path / "visits.csv")
    code, _, err = run(capsys, monkeypatch, "home-care", str(tmp_path / "visits.csv"), *db)
    assert code == 2
    assert "2023 hemtjanst: 1401 Härryda, 1490 Borås" in err
    assert "tariffs set" in err
    code, out, err = run(
        capsys, monkeypatch, "tariffs", "set", "1490", "2023", "--hemtjanst", "700",
        "--decided", "2022-11-20", "--source", "Borås KF 2022-11-20 §123", *db,
    )  # fmt: skip
    assert code == 0, err
    assert "1490 Borås 2023 hemtjänst: 700.00 kr per timme registrerat" in out
    code, _, err = run(capsys, monkeypatch, "home-care", str(tmp_path / "visits.csv"), *db)
    assert code == 2
    assert "2023 hemtjanst: 1401 Härryda\n" in err
    run(
        capsys, monkeypatch, "tariffs", "set", "1401", "2023", "--hemtjanst", "650",
        "--decided", "2022-12-01", "--source", "Härryda KF 2022-12-01 §9", *db,
    )  # fmt: skip
    code, out, err = run(
        capsys, monkeypatch, "home-care", str(tmp_path / "visits.csv"), "--format", "json", *db
    )
    assert code == 0, err
    (month,) = json.loads(out)
    lines = {line["host"]: line for line in month["invoice_lines"]}
    assert (lines["1490"]["amount_sek"], lines["1401"]["amount_sek"]) == ("700.00", "325.00")
    sources = {t["host"]: t["source"] for t in month["tariffs"]}
    assert "Borås KF 2022-11-20 §123" in sources["1490"]
    assert "decided 2022-11-20" in sources["1490"]
    # A tariff file still has the last word for the hosts it names.
    (tmp_path / "tariffs.csv").write_text("kommun,year,service,sek_per_hour\n1490,2023,hemtjanst,720\n")
    code, out, err = run(
        capsys, monkeypatch, "home-care", str(tmp_path / "visits.csv"),
        "--tariffs", str(tmp_path / "tariffs.csv"), "--format", "json", *db,
    )  # fmt: skip
    assert code == 0, err
    lines = {line["host"]: line for line in json.loads(out)[0]["invoice_lines"]}
    assert (lines["1490"]["amount_sek"], lines["1401"]["amount_sek"]) == ("720.00", "325.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("9999", "2023", "--hemtjanst", "700"), "inte någon av avtalets 49 kommuner"),
        (("19121212-1212", "2023", "--hemtjanst", "700"), "inte någon av avtalets 49 kommuner"),
        (("1490", "2023"), "ange minst en taxa"),
        (("1490", "2023", "--hemtjanst", "7"), "rimlig"),
        (("1490", "2023", "--hemtjanst", "700", "--decided", "2099-01-01"), "efter i dag"),
        (("1490", "2023", "--hemtjanst", "700", "--decided", "20221120"), "ÅÅÅÅ-MM-DD"),
    ],
)
def test_a_bad_tariff_is_a_message(
    capsys, monkeypatch, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:  # type: ignore[no-untyped-def]
    decided = () if "--decided" in args else ("--decided", "2022-11-20")
    code, _, err = run(
        capsys,
        monkeypatch,
        "tariffs",
        "set",
        *args,
        *decided,
        "--source",
        "KF",
        "--db",
        str(tmp_path / "r.sqlite"),
    )
    assert code == 2
    assert message in err
    assert "19121212" not in err


# ------------------------------------------------------------------------- derive and compare


def test_a_derived_file_is_complete_valid_and_cites_its_sources(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = derive_2027(capsys, monkeypatch, tmp_path)
    derived = load_ruleset(path)
    base = load_ruleset("vgr-2023")
    assert (derived.id, derived.valid_from, derived.valid_to, derived.auto_select) == (
        "vgr-2027",
        JANUARY_2027,
        None,
        True,
    )
    for capability in ("betalningsansvar", "placements"):
        assert set(getattr(derived, f"{capability}_parameters")) == set(
            getattr(base, f"{capability}_parameters")
        )
    for name, parameter in derived.betalningsansvar_parameters.items():
        (value,) = parameter.values
        assert value.valid_from == JANUARY_2027
        if name == "individual_after_days":
            assert (value.value, value.source) == (5, SOURCE_2027)
        else:
            assert value.source.startswith("Som i vgr-2023: ")
    # The file is never overwritten.
    code, _, err = run(
        capsys,
        monkeypatch,
        "rulesets",
        "new",
        "x",
        "--from",
        "vgr-2023",
        "--valid-from",
        "2027-01-01",
        "--out",
        str(path),
    )
    assert code == 2
    assert "exists already" in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("betalningsansvar.individual_after_days=-1", "individual_after_days"),
        ("betalningsansvar.average_threshold_days=1e10000000", "average_threshold_days"),
        ("betalningsansvar.no_such=1", "okänd parameter"),
        ("nowhere.free_days=1", "okänt område"),
        ("free_days", "OMRÅDE.PARAMETER=VÄRDE"),
        ("placements.schablon_region_share=2", "mellan 0 och 1"),
    ],
)
def test_a_bad_change_names_the_parameter(
    capsys, monkeypatch, tmp_path: Path, change: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        capsys, monkeypatch, "rulesets", "new", "x", "--from", "vgr-2023", "--valid-from", "2027-01-01",
        "--set", change, "--source", "S", "--out", str(tmp_path / "x.toml"),
    )  # fmt: skip
    assert code == 2
    assert message in err
    assert not (tmp_path / "x.toml").exists()


def test_diff_lists_every_differing_parameter_with_both_sources(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = derive_2027(capsys, monkeypatch, tmp_path)
    code, out, err = run(capsys, monkeypatch, "rulesets", "diff", "vgr-2023", str(path), "--format", "json")
    assert code == 0, err
    (difference,) = json.loads(out)["differences"]
    assert (difference["name"], difference["a"], difference["b"], difference["b_source"]) == (
        "individual_after_days", "7", "5", SOURCE_2027,
    )  # fmt: skip
    assert "längre än 7 kalenderdagar" in difference["a_source"]
    code, out, _ = run(capsys, monkeypatch, "rulesets", "diff", "vgr-2023", "vgr-2023")
    assert "har samma parametervärden" in out


def test_a_registry_context_ends_with_its_block() -> None:
    registry = Registry()
    with using_registry(registry):
        assert select_ruleset("2024-01").id == "vgr-2023"
    with pytest.raises(Exception, match="2027-01"):
        select_ruleset("2027-01")


def test_the_folder_is_checked_like_a_registration(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "rulesets"
    folder.mkdir()
    text = derive_2027(capsys, monkeypatch, folder).read_text()
    (folder / "second.toml").write_text(text.replace('"vgr-2027"', '"vgr-2027b"'))
    monkeypatch.setenv("HOS_AVTAL_RULESETS_DIR", str(folder))
    code, _, err = run(capsys, monkeypatch, "rulesets", "list", "--db", str(tmp_path / "x.sqlite"))
    assert code == 2
    assert "rulesets/vgr-2027.toml" in err  # the later of the two files (in name order)
    assert "överlappar det automatiska regelverket 'vgr-2027b'" in err


def test_a_month_two_automatic_agreements_cover_is_refused_not_guessed(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, after_new_year: None
) -> None:
    """A folder configured after a registration can overlap it: the month then names both."""
    db = ("--db", str(tmp_path / "runs.sqlite"))
    ruleset_file = derive_2027(capsys, monkeypatch, tmp_path)
    assert run(capsys, monkeypatch, "rulesets", "add", str(ruleset_file), *db)[0] == 0
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "other.toml").write_text(ruleset_file.read_text().replace('"vgr-2027"', '"vgr-2027-other"'))
    monkeypatch.setenv("HOS_AVTAL_RULESETS_DIR", str(folder))
    code, _, err = bill_january(capsys, monkeypatch, tmp_path, "--daily-amount", "9650", *db)
    assert code == 2
    assert "2 automatiska regelverk gäller för 2027-01 (vgr-2027, vgr-2027-other)" in err


def test_a_folder_rule_set_a_final_run_used_cannot_be_replaced_by_a_registration(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, after_new_year: None
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    ruleset_file = derive_2027(capsys, monkeypatch, folder)
    monkeypatch.setenv("HOS_AVTAL_RULESETS_DIR", str(folder))
    db = ("--db", str(tmp_path / "runs.sqlite"))
    episodes = january_episodes(tmp_path / "episodes.csv")
    run_args = ("run", "--month", "2027-01", "--episodes", str(episodes), "--daily-amount", AMOUNT_2027, *db)
    assert run(capsys, monkeypatch, *run_args)[0] == 0
    assert run(capsys, monkeypatch, "run", "finalize", "1", *db)[0] == 0
    (tmp_path / "changed.toml").write_text(ruleset_file.read_text().replace("value = 5,", "value = 4,"))
    code, _, err = run(capsys, monkeypatch, "rulesets", "add", str(tmp_path / "changed.toml"), *db)
    assert code == 2
    assert "en fastställd körning har använt det" in err

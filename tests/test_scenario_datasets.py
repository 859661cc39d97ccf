"""Scenario datasets and the inputs a billing run keeps (migration 0004), on SQLite and
PostgreSQL: a run's inputs come back as it read them, pseudonymised; a dataset made from a run
gives, under the run's own rule set, exactly the amounts the run stored for every capability;
an old run (inputs not kept) still gives its episodes; 0003 databases are upgraded (and back)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from hos_avtal.errors import InputError
from hos_avtal.municipalities import parties
from hos_avtal.runs import execute_run
from hos_avtal.scenarios import Comparison, compare, scenario_from_mapping
from hos_avtal.scenarios._datasets import (
    DatasetSummary,
    dataset_sha256,
    dataset_summary,
    list_datasets,
    load_dataset,
    run_tables,
    save_dataset,
    save_run_dataset,
)
from hos_avtal.storage import Database, frame_bytes, load_run, load_run_inputs, open_database, schema_revision
from hos_avtal.storage._database import HEAD_REVISION
from hos_avtal.storage._models import metadata, run_input
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits
from test_storage import database, database_url, personnummer  # noqa: F401

MONTH = "2024-03"
AMOUNT = Decimal("9875")
# VästKom recommended no hemtjänst tariff for 2024: each host municipality decided its own.
HEMTJANST_2024 = pl.DataFrame(
    {"kommun": [m.code for m in parties()], "year": 2024, "service": "hemtjanst", "sek_per_hour": "655"}
)
PERSONNUMMER = personnummer("19121212", "121")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A month of every input, as CSV files; the first episode's person is a personnummer."""
    folder = tmp_path_factory.mktemp("inputs")
    months = month_range(MONTH)
    episodes = synth_episodes(months, episodes_per_month=300, seed=11).with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(PERSONNUMMER))
        .otherwise(pl.col("person_id"))
        .alias("person_id")
    )
    placements, costs, agreements = synth_placements(months, placements=40, seed=11)
    frames = {
        "episodes": episodes,
        "placements": placements,
        "costs": costs,
        "agreements": agreements,
        "visits": synth_visits(months, visits_per_month=120, seed=11),
        "tariffs": HEMTJANST_2024,
    }
    for kind, frame in frames.items():
        frame.write_csv(folder / f"{kind}.csv")
    return {kind: folder / f"{kind}.csv" for kind in frames}


def _run(db: Database, files: dict[str, Path]) -> int:
    # 2024 ships no fastställt belopp: the run is given one, and its dataset keeps it.
    outcome = execute_run(db, MONTH, **files, daily_amount_sek=AMOUNT, created_by="test")  # type: ignore[arg-type]
    return outcome.summary.id


def _base_of(db: Database, summary: DatasetSummary, ruleset: str) -> Comparison:
    """The dataset under ``ruleset`` alone, at its months and its run's fastställt belopp."""
    assert summary.daily_amount_ore == AMOUNT * 100
    assert summary.daily_amount_ore is not None
    amount = Decimal(summary.daily_amount_ore) / 100
    data = load_dataset(db, summary.id)
    return compare(data, [], base=ruleset, months=summary.months, daily_amount_sek=amount)


def _text(frames: dict[str, pl.DataFrame]) -> str:
    return "\n".join(f.write_csv() for f in frames.values())


def test_a_run_keeps_its_inputs_as_read_without_a_personnummer(
    database: Database,  # noqa: F811
    files: dict[str, Path],
) -> None:
    run_id = _run(database, files)
    kept = load_run_inputs(database, run_id)
    assert kept is not None
    assert set(kept) == {"episodes", "placements", "costs", "agreements", "visits", "tariffs"}
    for kind, path in files.items():
        assert kept[kind].height == pl.read_csv(path).height, kind  # type: ignore[index]
    assert PERSONNUMMER not in _text(kept)  # type: ignore[arg-type]
    assert PERSONNUMMER.replace("-", "") not in _text(kept)  # type: ignore[arg-type]


def test_a_run_dataset_reproduces_every_amount_the_run_stored(
    database: Database,  # noqa: F811
    files: dict[str, Path],
) -> None:
    run_id = _run(database, files)
    summary = save_run_dataset(database, run_id, None, "analyst")
    assert summary.capabilities == ("betalningsansvar", "placements", "home_care")
    assert summary.months == [pl.Series([MONTH + "-01"]).str.to_date().item()]
    assert summary.inputs["placements"] == pl.read_csv(files["placements"]).height
    run = load_run(database, run_id)
    comparison = _base_of(database, summary, run.summary.ruleset_id)
    stored = {
        "betalningsansvar": dict(run.betalningsansvar.select("kommun", "total_amount_ore").iter_rows()),
        "placements": dict(run.placement_municipalities.select("kommun", "kommun_ore").iter_rows()),  # type: ignore[union-attr]
        "home_care": dict(run.home_care_municipalities.select("kommun", "owed_ore").iter_rows()),  # type: ignore[union-attr]
    }
    for capability, amounts in stored.items():
        compared = dict(comparison.municipalities(capability).select("kommun", "base_ore").iter_rows())
        assert {k: v for k, v in compared.items() if v} == {k: v for k, v in amounts.items() if v}, capability
        assert sum(amounts.values()) > 0, capability  # the check is not vacuous


def test_a_schablon_scenario_moves_only_the_placements(
    database: Database,  # noqa: F811
    files: dict[str, Path],
) -> None:
    summary = save_run_dataset(database, _run(database, files), "Mars", "analyst")
    thirds = scenario_from_mapping(
        {"name": "33/67", "base": "vgr-2023", "placements": {"schablon_region_share": "0.33"}}
    )
    data = load_dataset(database, summary.id)
    comparison = compare(data, [thirds], months=summary.months, daily_amount_sek=AMOUNT)
    assert (comparison.total("placements")["s1_diff_ore"] or 0) > 0  # the municipality pays 67 % not 2/3
    assert comparison.total("betalningsansvar")["s1_diff_ore"] == 0
    assert comparison.total("home_care")["s1_diff_ore"] == 0


def test_a_run_stored_before_inputs_were_kept_gives_its_episodes(
    database: Database,  # noqa: F811
    files: dict[str, Path],
) -> None:
    run_id = _run(database, files)
    # As revision 0003 left it: no stored inputs, and (before 0005) no seal.
    from hos_avtal.storage._models import billing_run, run_digest, settings

    with database.write() as connection:
        connection.execute(sa.update(run_input).values(data_parquet=None))
        connection.execute(sa.update(billing_run).values(seal=None))
        connection.execute(sa.delete(run_digest))
        # The first run id that must be sealed is guarded; an administrator's way past it.
        if database.dialect == "sqlite":
            connection.execute(sa.text("DROP TRIGGER settings_sealed_from_no_update"))
        else:
            connection.execute(sa.text("DROP TRIGGER settings_sealed_from_guard ON settings"))
        connection.execute(
            sa.update(settings).where(settings.c.key == "sealed_from_run_id").values(value=str(run_id + 1))
        )
    assert load_run_inputs(database, run_id) is None
    assert set(run_tables(database, run_id)) == {"episodes"}
    summary = save_run_dataset(database, run_id, None, "analyst")
    assert summary.capabilities == ("betalningsansvar",)
    run = load_run(database, run_id)
    comparison = _base_of(database, summary, run.summary.ruleset_id)
    compared = comparison.municipalities("betalningsansvar").get_column("base_ore").to_list()
    assert compared == run.betalningsansvar.sort("kommun").get_column("total_amount_ore").to_list()


def test_bad_uploads_name_the_input_and_store_nothing(
    database: Database,  # noqa: F811
    files: dict[str, Path],
) -> None:
    placements = pl.read_csv(files["placements"], infer_schema=False)
    with pytest.raises(InputError, match="placeringar kräver placements, costs och agreements"):
        save_dataset(database, "x", {"placements": placements}, "analyst")
    visits = pl.read_csv(files["visits"], infer_schema=False)
    broken = visits.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("-5")).otherwise("minutes").alias("minutes")
    )
    with pytest.raises(InputError) as caught:
        save_dataset(database, "x", {"visits": broken}, "analyst")
    problem = caught.value.problems[0]
    assert caught.value.source == "visits"
    assert (problem.row, problem.column) == (5, "minutes")
    assert list_datasets(database) == []


def test_uploaded_ids_are_pseudonymised(database: Database, files: dict[str, Path]) -> None:  # noqa: F811
    episodes = pl.read_csv(files["episodes"], infer_schema=False)
    summary = save_dataset(database, "Uppladdat", {"episodes": episodes}, "analyst")
    assert summary.inputs == {"episodes": episodes.height}
    assert summary.capabilities == ("betalningsansvar",)
    data = load_dataset(database, summary.id)
    assert data.episodes is not None
    stored = data.episodes.write_csv()
    assert PERSONNUMMER not in stored
    assert not set(data.episodes.get_column("person_id")) & set(episodes.get_column("person_id"))


# ------------------------------------------------------------------------------- migration 0004


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    """Alembic on the app's own engine (SQLite with foreign keys on, as the app runs it)."""
    from alembic import command
    from alembic.config import Config

    from hos_avtal.storage import _database

    config = Config()
    config.set_main_option("script_location", str(_database._MIGRATIONS))
    with db.write() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_0004_moves_the_episodes_of_0003_datasets_and_back(database_url: str) -> None:  # noqa: F811
    episodes = synth_episodes(month_range(MONTH), episodes_per_month=50, seed=2)
    blob = frame_bytes(episodes)
    old = open_database(database_url, upgrade=False)
    _migrate(old, "0003")
    with old.write() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO scenario_dataset (name, created_at, created_by, source, months, episodes,"
                " sha256, episodes_parquet) VALUES ('Gammalt', :at, 'x', 'upload', :month, :n, :sha, :blob)"
            ),
            {"at": "2026-01-01 00:00:00+00:00", "month": MONTH, "n": episodes.height,
             "sha": hashlib.sha256(blob).hexdigest(), "blob": blob},
        )  # fmt: skip
    db = open_database(database_url)
    try:
        assert schema_revision(db) == HEAD_REVISION
        (summary,) = list_datasets(db)
        assert summary.inputs == {"episodes": episodes.height}
        assert summary.sha256 == dataset_sha256({"episodes": blob})
        data = load_dataset(db, summary.id)
        assert data.episodes is not None
        assert data.episodes.height == episodes.height
    finally:
        db.close()
    _migrate(old, "0003", down=True)
    with old.read() as connection:
        back = connection.execute(sa.text("SELECT episodes_parquet, sha256 FROM scenario_dataset")).one()
    assert bytes(back[0]) == blob
    assert back[1] == hashlib.sha256(blob).hexdigest()
    old.close()
    again = open_database(database_url)
    assert dataset_summary(again, summary.id).inputs == {"episodes": episodes.height}
    again.close()


def test_the_migrations_build_exactly_the_models(database_url: str) -> None:  # noqa: F811
    """Migrations are written by hand: the schema they build must be the one the code declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = open_database(database_url)
    try:
        with db.read() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        db.close()
    assert differences == []

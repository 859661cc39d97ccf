"""Storage of billing runs, on SQLite and on PostgreSQL: schema on first use, idempotency under a
race, one final run per version, one transaction per run, immutable final runs, no personnummer.

The PostgreSQL half runs when ``HOS_AVTAL_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it); each
test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from helpers import verify_every_run
from hos_avtal.errors import FinalRunError, RunNotFoundError, StorageError
from hos_avtal.privacy import contains_personnummer
from hos_avtal.runs import execute_run
from hos_avtal.storage import (
    Database,
    delete_draft,
    finalize,
    list_runs,
    load_run,
    open_database,
    schema_revision,
)
from hos_avtal.storage._database import HEAD_REVISION
from hos_avtal.storage._models import metadata
from hos_avtal.synth import month_range, synth_episodes, synth_visits

POSTGRES_ENV = "HOS_AVTAL_TEST_POSTGRES_URL"
MONTH = "2022-06"


# ------------------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of the test's own.

    When the test is done, every run it stored must still match its seal (unless the test alters
    runs on purpose, marked ``alters_runs``).
    """
    check = request.node.get_closest_marker("alters_runs") is None
    if request.param == "sqlite":
        path = tmp_path / "runs.sqlite"
        yield str(path)
        if check and path.exists():
            verify_every_run(str(path))
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        yield url
        if check:
            verify_every_run(url)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Episodes and visits of June 2022 (a year with a daily amount and tariffs), as files."""
    folder = tmp_path_factory.mktemp("inputs")
    months = month_range(MONTH)
    episodes = synth_episodes(months, episodes_per_month=400, seed=7)
    episodes.write_csv(folder / "episodes.csv")
    changed = episodes.with_columns(
        pl.when(pl.int_range(pl.len()) % 50 == 0)
        .then(pl.col("discharge_date") + pl.duration(days=2))
        .otherwise(pl.col("discharge_date"))
        .alias("discharge_date")
    )
    changed.write_csv(folder / "episodes-changed.csv")
    synth_visits(months, visits_per_month=150, seed=7).write_csv(folder / "visits.csv")
    return {
        "episodes": folder / "episodes.csv",
        "changed": folder / "episodes-changed.csv",
        "visits": folder / "visits.csv",
    }


def count_rows(db: Database) -> dict[str, int]:
    with db.read() as connection:
        return {
            t.name: int(connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
            if t.name != "settings"
        }


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once (released together by a barrier); results or raised exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def personnummer(birth: str, serial: str) -> str:
    """A personnummer ``YYYYMMDD-NNNC`` with a valid check digit (Luhn over the last ten digits)."""
    digits = birth[2:] + serial
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{birth}-{serial}{(10 - total % 10) % 10}"


# ---------------------------------------------------------------------------------------- tests


def test_first_use_creates_the_schema_and_reopening_keeps_it(database_url: str) -> None:
    db = open_database(database_url)
    assert schema_revision(db) == HEAD_REVISION
    with db.read() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    assert list_runs(db) == []
    db.close()
    again = open_database(database_url)
    assert schema_revision(again) == HEAD_REVISION
    again.close()


def test_a_missing_folder_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="mappen finns inte"):
        open_database(tmp_path / "no" / "such" / "runs.sqlite")


def test_identical_inputs_return_the_stored_run(database: Database, inputs: dict[str, Path]) -> None:
    first = execute_run(database, MONTH, inputs["episodes"], visits=inputs["visits"])
    second = execute_run(database, MONTH, inputs["episodes"], visits=inputs["visits"])
    assert first.created
    assert not second.created
    assert second.summary == first.summary
    assert count_rows(database)["billing_run"] == 1
    other = execute_run(database, MONTH, inputs["episodes"])  # fewer inputs: a different run
    assert other.created
    assert other.summary.id != first.summary.id


def test_stored_frames_round_trip(database: Database, inputs: dict[str, Path]) -> None:
    from hos_avtal.betalningsansvar import calculate_betalningsansvar
    from hos_avtal.home_care import calculate_home_care

    outcome = execute_run(database, MONTH, inputs["episodes"], visits=inputs["visits"])
    stored = load_run(database, outcome.summary.id)
    ba = calculate_betalningsansvar(inputs["episodes"], MONTH)
    expected = ba.municipalities.drop("consecutive_liable_months", "recurring_liability")
    assert stored.betalningsansvar.drop("consecutive_liable_months", "recurring_liability").equals(expected)
    lines = ba.episode_lines().sort("month", "kommun", "status", "episode_id")
    assert stored.episode_lines.equals(lines)
    care = calculate_home_care(inputs["visits"], MONTH)
    assert stored.home_care_lines is not None
    assert stored.home_care_payments is not None
    assert stored.home_care_lines.equals(care.lines.sort("month", "host", "home", "service"))
    assert stored.home_care_payments.equals(care.payments.sort("month", "payer", "payee"))
    assert stored.placement_lines is None
    assert stored.corrections.height == 0
    assert [i.kind for i in stored.inputs] == ["episodes", "visits"]
    assert stored.summary.daily_amount_ore == 930000
    assert stored.summary.ruleset_id == "vgr-2018"


def test_two_identical_runs_racing_store_one(
    database_url: str, inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the early look-up every racer computes and reaches the insert: only the database's
    # unique constraint can stop the second run.
    monkeypatch.setattr("hos_avtal.storage.find_run", lambda *args: None)
    databases = [open_database(database_url) for _ in range(4)]
    try:
        results = in_threads(*[lambda db=db: execute_run(db, MONTH, inputs["episodes"]) for db in databases])
        assert not [r for r in results if isinstance(r, Exception)], results
        assert len({r.summary.id for r in results}) == 1
        assert sum(r.created for r in results) == 1
        assert count_rows(databases[0])["billing_run"] == 1
    finally:
        for db in databases:
            db.close()


def test_the_identity_is_a_database_constraint(database: Database, inputs: dict[str, Path]) -> None:
    from hos_avtal.storage._models import billing_run

    run = execute_run(database, MONTH, inputs["episodes"]).summary
    with database.read() as connection:
        row = connection.execute(sa.select(billing_run).where(billing_run.c.id == run.id)).mappings().one()
    copy = {k: v for k, v in row.items() if k != "id"}
    with pytest.raises(sa.exc.IntegrityError), database.write() as connection:
        connection.execute(sa.insert(billing_run).values(**copy))


def test_finalize_twice_is_harmless_and_an_unknown_run_is_named(
    database: Database, inputs: dict[str, Path]
) -> None:
    run = execute_run(database, MONTH, inputs["episodes"]).summary
    summary, changed = finalize(database, run.id, "clerk")
    assert changed
    assert summary.state == "final"
    assert summary.finalized_by == "clerk"
    again, changed_again = finalize(database, run.id, "someone else")
    assert not changed_again
    assert again == summary
    with pytest.raises(RunNotFoundError, match="ingen körning med id 999"):
        finalize(database, 999, "clerk")


def test_two_finalizations_racing_make_one_final_version(database_url: str, inputs: dict[str, Path]) -> None:
    setup = open_database(database_url)
    a = execute_run(setup, MONTH, inputs["episodes"]).summary
    b = execute_run(setup, MONTH, inputs["changed"]).summary
    assert (a.version, b.version) == (1, 1)
    databases = [open_database(database_url) for _ in range(2)]
    try:
        results = in_threads(
            lambda: finalize(databases[0], a.id, "one"), lambda: finalize(databases[1], b.id, "two")
        )
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1
        assert len(losers) == 1
        assert isinstance(losers[0], FinalRunError)
        assert "redan fastställd" in str(losers[0])
        assert len(list_runs(setup, state="final")) == 1
    finally:
        for db in [setup, *databases]:
            db.close()


def test_a_draft_made_before_another_became_final_cannot_become_final(
    database: Database, inputs: dict[str, Path]
) -> None:
    a = execute_run(database, MONTH, inputs["episodes"]).summary
    b = execute_run(database, MONTH, inputs["changed"]).summary
    finalize(database, a.id, "clerk")
    with pytest.raises(FinalRunError, match="Kör månaden igen för att få version 2"):
        finalize(database, b.id, "clerk")
    assert load_run(database, b.id).summary.state == "draft"


def test_a_crash_mid_save_leaves_nothing_and_a_rerun_succeeds(
    database: Database, inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hos_avtal.storage import _repository

    real = _repository.insert_frame
    calls = {"n": 0}

    def crash_on_second(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed half-way")
        real(*args)

    monkeypatch.setattr(_repository, "insert_frame", crash_on_second)
    with pytest.raises(RuntimeError, match="killed half-way"):
        execute_run(database, MONTH, inputs["episodes"], visits=inputs["visits"])
    assert calls["n"] == 2  # the run row and the first frame were written, then the crash
    assert set(count_rows(database).values()) == {0}
    monkeypatch.setattr(_repository, "insert_frame", real)
    outcome = execute_run(database, MONTH, inputs["episodes"], visits=inputs["visits"])
    assert outcome.created
    assert count_rows(database)["billing_run"] == 1


def test_final_runs_cannot_be_changed_or_deleted(database: Database, inputs: dict[str, Path]) -> None:
    run = execute_run(database, MONTH, inputs["episodes"]).summary
    draft = execute_run(database, MONTH, inputs["changed"]).summary
    finalize(database, run.id, "clerk")
    with pytest.raises(FinalRunError, match="ändras eller raderas aldrig"):
        delete_draft(database, run.id)
    delete_draft(database, draft.id)  # a draft may go, with everything it stored
    assert [r.id for r in list_runs(database)] == [run.id]
    # Even bypassing the API, the database refuses (triggers from migration 0001).
    from hos_avtal.storage._models import billing_run

    for statement in (
        sa.update(billing_run).where(billing_run.c.id == run.id).values(state="draft"),
        sa.delete(billing_run).where(billing_run.c.id == run.id),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="final billing run is never"), database.write() as c:
            c.execute(statement)
    assert load_run(database, run.id).summary.state == "final"


def test_no_personnummer_is_ever_stored(
    database: Database, inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOS_AVTAL_PSEUDONYM_KEY", "9f" * 32)
    episodes = pl.read_csv(inputs["episodes"], infer_schema=False)
    numbers = [
        personnummer(f"19{40 + i % 50:02d}0{1 + i % 9}1{i % 9}", f"{i % 1000:03d}")
        for i in range(episodes.height)
    ]
    assert all(pl.select(contains_personnummer(pl.lit(n))).item() for n in numbers[:20])
    # Episode ids in three spellings (with -, without, 10 digits), person ids all personnummer.
    spelled = [
        n if i % 3 == 0 else n.replace("-", "") if i % 3 == 1 else n[2:] for i, n in enumerate(numbers)
    ]
    episodes = episodes.with_columns(episode_id=pl.Series(spelled), person_id=pl.Series(numbers))
    path = tmp_path / "personal.csv"
    episodes.write_csv(path)
    visits = pl.read_csv(inputs["visits"], infer_schema=False)
    visits = visits.with_columns(person_id=pl.Series(numbers[: visits.height]))
    visits.write_csv(tmp_path / "visits.csv")

    outcome = execute_run(database, MONTH, path, visits=tmp_path / "visits.csv")
    stored = load_run(database, outcome.summary.id)
    assert stored.episode_lines["episode_id"].str.contains(r"^pn-[a-p]{24}$").all()
    assert stored.episode_lines.height >= episodes.height

    found = 0
    with database.read() as connection:
        for table in metadata.sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
            for column in texts:
                values = connection.execute(sa.select(column).where(column.is_not(None))).scalars().all()
                if not values:
                    continue
                if column.name in ("ruleset_hash", "inputs_hash", "sha256", "value", "seal"):
                    continue  # hex digests and the random key: digit runs by chance, nothing personal
                series = pl.Series("v", values, dtype=pl.String)
                # Not even embedded in a longer text (a message, a joined key, a pseudonym).
                found += int(pl.select(contains_personnummer(pl.lit(series))).to_series().sum())
    assert found == 0
    # The same personnummer gets the same pseudonym whatever its spelling, and on the next run.
    again = execute_run(database, MONTH, path, visits=tmp_path / "visits.csv")
    assert again.summary.id == outcome.summary.id


# ------------------------------------------------------------------------- separate processes


def _run_in_process(url: str, episodes: str) -> tuple[int, bool]:
    """A whole ``run`` in a process of its own, as two clerks (or two cron jobs) would start it."""
    db = open_database(url)
    try:
        outcome = execute_run(db, MONTH, episodes)
        return outcome.summary.id, outcome.created
    finally:
        db.close()


def _run_and_hang(url: str, episodes: str, ready: Any) -> None:
    """Start a run, then hang inside the transaction after the run row and one frame are written."""
    import time

    from hos_avtal.storage import _repository

    real = _repository.insert_frame
    calls = {"n": 0}

    def slow(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            ready.set()
            time.sleep(60)
        real(*args)

    _repository.insert_frame = slow  # type: ignore[assignment]
    _run_in_process(url, episodes)


def test_two_processes_racing_store_one_run(database_url: str, inputs: dict[str, Path]) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    open_database(database_url).close()  # the schema exists before the race, as after any first use
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_run_in_process, [database_url] * 2, [str(inputs["episodes"])] * 2))
    assert len({run_id for run_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]


def test_a_process_killed_mid_save_leaves_nothing(database_url: str, inputs: dict[str, Path]) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    child = context.Process(target=_run_and_hang, args=(database_url, str(inputs["episodes"]), ready))
    child.start()
    try:
        assert ready.wait(60), "the child never reached the save"
    finally:
        child.kill()  # SIGKILL: no cleanup, no rollback by Python; the database must undo it
        child.join(30)
    db = open_database(database_url)
    try:
        assert set(count_rows(db).values()) == {0}
        assert execute_run(db, MONTH, inputs["episodes"]).created
    finally:
        db.close()


def test_the_known_head_revision_is_alembics_head() -> None:
    """Opening an up-to-date database skips Alembic by comparing with HEAD_REVISION: a new
    migration must update it, or databases would never be upgraded."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hos_avtal.storage import _database

    config = Config()
    config.set_main_option("script_location", str(_database._MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == _database.HEAD_REVISION

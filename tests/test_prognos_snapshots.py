"""Läget i dag's daily flow: each morning's episodes stored as the day's snapshot, served later as
computed then; one snapshot per day, the newer replacing the older; ids pseudonymised."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from helpers import episode, frame, write_csv
from hos_avtal.errors import InputError, SnapshotNotFoundError, StorageError
from hos_avtal.forecasts import (
    contract,
    delete_snapshot,
    list_snapshots,
    load_snapshot,
    prognos,
    save_snapshot,
    snapshot_episodes,
)
from hos_avtal.privacy import contains_personnummer
from hos_avtal.storage import Database, open_database, prognos_snapshot
from test_storage import database_url, personnummer  # noqa: F401  (the database fixture)

DAY = dt.date(2022, 3, 20)
EPISODES = frame(
    episode("d6", 6, ready=dt.date(2022, 3, 5)),
    episode("w7", None, ready=dt.date(2022, 3, 13)),
    episode("b", None, kommun="1490", ready=dt.date(2022, 3, 13)),
    episode("oo", None, kommun="0180", ready=dt.date(2022, 3, 13)),
)


@pytest.fixture
def db(database_url: str) -> Database:  # noqa: F811
    return open_database(database_url)


def test_a_stored_snapshot_is_served_as_computed(db: Database) -> None:
    stored = save_snapshot(db, EPISODES, DAY, created_by="test")
    assert (stored.date, stored.episodes, stored.waiting, stored.replaced) == (DAY, 4, 2, False)
    snapshot = load_snapshot(db, DAY)
    assert snapshot.result == contract(prognos(EPISODES, DAY))
    assert snapshot.summary == load_snapshot(db).summary  # the only day is the latest
    own = snapshot.part("1490")
    assert [m["kommun"] for m in own["municipalities"]] == ["1490"]
    assert [w["episode_id"] for w in own["waiting"]] == ["b"]
    assert own["outside_agreement"] == []  # out-of-county patients are nobody's municipality's


def test_a_newer_snapshot_of_the_day_replaces_the_older(db: Database) -> None:
    first = save_snapshot(db, EPISODES, DAY, created_by="morning")
    corrected = EPISODES.filter(pl.col("episode_id") != "w7")
    second = save_snapshot(db, corrected, DAY, created_by="corrected")
    assert second.replaced
    assert second.id != first.id
    assert [s.created_by for s in list_snapshots(db)] == ["corrected"]
    assert load_snapshot(db, DAY).result == contract(prognos(corrected, DAY))


def test_the_latest_is_the_latest_day_not_the_latest_stored(db: Database) -> None:
    save_snapshot(db, EPISODES, DAY, created_by="test")
    save_snapshot(db, EPISODES, DAY - dt.timedelta(days=1), created_by="backfill")
    assert load_snapshot(db).summary.date == DAY
    assert [s.date for s in list_snapshots(db)] == [DAY, DAY - dt.timedelta(days=1)]


def test_a_day_without_a_snapshot_is_not_found(db: Database) -> None:
    with pytest.raises(SnapshotNotFoundError, match="ingen sparad prognos finns"):
        load_snapshot(db)
    save_snapshot(db, EPISODES, DAY, created_by="test")
    with pytest.raises(SnapshotNotFoundError, match="2022-03-19"):
        load_snapshot(db, dt.date(2022, 3, 19))
    delete_snapshot(db, DAY)
    with pytest.raises(SnapshotNotFoundError):
        delete_snapshot(db, DAY)
    assert list_snapshots(db) == []


def test_bad_input_stores_nothing(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "today.csv", "e1,p1,9999,somatik,SU,2022-03-01,,ja,ja,nej,,ja,ja")
    with pytest.raises(InputError) as caught:
        save_snapshot(db, path, DAY, created_by="test")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "kommun")]  # the file's row
    assert str(path) in caught.value.source
    with pytest.raises(InputError, match="efter i dag"):
        save_snapshot(db, EPISODES, dt.date.today() + dt.timedelta(days=1), created_by="test")
    assert list_snapshots(db) == []


def test_a_snapshot_keeps_no_personnummer(db: Database) -> None:
    number = personnummer("19121212", "121")
    today = frame(episode(number, None, ready=dt.date(2022, 3, 13)) | {"person_id": number})
    stored = save_snapshot(db, today, DAY, created_by="test")
    kept = snapshot_episodes(db, DAY)
    assert kept.get_column("episode_id").str.starts_with("pn-").all()
    assert kept.get_column("person_id").str.starts_with("pn-").all()
    with db.read() as connection:
        row = connection.execute(sa.select(prognos_snapshot)).one()._mapping
    texts = [str(v) for v in row.values()] + [kept.write_csv()]
    assert not any(pl.select(contains_personnummer(pl.lit(t))).item() for t in texts)
    assert load_snapshot(db).result["waiting"][0]["episode_id"] == kept.item(0, "episode_id")
    assert stored.waiting == 1


def test_a_personnummer_without_a_key_is_refused(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOS_AVTAL_PSEUDONYM_KEY")
    number = personnummer("19121212", "121")
    with pytest.raises(StorageError, match="HOS_AVTAL_PSEUDONYM_KEY"):
        save_snapshot(db, frame(episode(number, None)), DAY, created_by="test")
    assert list_snapshots(db) == []


def test_two_snapshots_of_one_day_stored_at_once_leave_one(db: Database) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def store(n: int) -> None:
        try:
            barrier.wait()
            save_snapshot(db, EPISODES.head(1 + n % 4), DAY, created_by=f"writer-{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (only,) = list_snapshots(db)
    assert load_snapshot(db, DAY).summary == only
    assert only.episodes == 1 + int(only.created_by.removeprefix("writer-")) % 4  # one writer's, whole


def test_the_cli_stores_the_day_for_the_api_to_serve(capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from test_cli import run

    number = personnummer("19121212", "121")
    today = pl.concat([EPISODES, frame(episode(number, None, ready=dt.date(2022, 3, 18)))])
    today.write_csv(tmp_path / "today.csv")
    url = str(tmp_path / "runs.sqlite")
    args = ("prognos", str(tmp_path / "today.csv"), "--date", "2022-03-20", "--db", url, "--store")
    code, out, err = run(capsys, monkeypatch, *args, "--format", "json", "--kommun", "1480")
    assert code == 0, err
    assert "Lagrad som dagens läge 2022-03-20" in err
    shown = json.loads(out)
    assert [m["kommun"] for m in shown["municipalities"]] == ["1480"]
    assert number not in out
    assert number not in err
    db = open_database(url)
    stored = load_snapshot(db, DAY)
    assert shown["snapshot"] == stored.summary.record()
    assert {k: v for k, v in shown.items() if k != "snapshot"} == stored.part("1480")
    code, _, err = run(capsys, monkeypatch, *args)  # the table, and the day's snapshot replaced
    assert code == 0, err
    assert "den ersätter dagens tidigare" in err
    assert len(list_snapshots(db)) == 1
    db.close()

"""The schema is managed on purpose: ``hos-avtal db upgrade | current | check``, and ``serve``
refuses a database whose schema is not its own instead of migrating it (issue 18)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from helpers import run_cli
from hos_avtal.errors import SchemaError
from hos_avtal.months import month_range
from hos_avtal.storage import (
    ENV_URL,
    HEAD_REVISION,
    open_database,
    schema_revision,
    schema_state,
    upgrade_schema,
)
from hos_avtal.synth import synth_episodes
from test_scenario_datasets import _migrate
from test_storage import database_url  # noqa: F401  (the database fixture)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The apps ``serve`` would have run (uvicorn.run replaced: nothing listens)."""
    import uvicorn

    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_options: apps.append(app))
    return apps


def test_serve_refuses_an_empty_database_and_creates_nothing(
    database_url: str,  # noqa: F811
    served: list[Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _out, err = run_cli(capsys, monkeypatch, "serve", "--db", database_url)
    assert code == 2
    assert "inget schema" in err
    assert "hos-avtal db upgrade" in err
    assert "Traceback" not in err
    assert served == []
    db = open_database(database_url, upgrade=False)
    try:
        assert schema_revision(db) is None  # serve migrated nothing
    finally:
        db.close()


def test_an_older_schema_is_named_refused_by_serve_and_brought_current_by_db_upgrade(
    database_url: str,  # noqa: F811
    served: list[Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = open_database(database_url, upgrade=False)
    _migrate(old, "0005")
    old.close()

    code, out, _err = run_cli(capsys, monkeypatch, "db", "current", "--db", database_url)
    assert (code, out.split()[:4]) == (0, ["databasen:", "0005", "den", "här"])
    assert HEAD_REVISION in out
    code, _out, err = run_cli(capsys, monkeypatch, "db", "check", "--db", database_url)
    assert code == 2
    assert "0005" in err
    assert HEAD_REVISION in err
    assert "hos-avtal db upgrade" in err
    code, _out, err = run_cli(capsys, monkeypatch, "serve", "--db", database_url)
    assert code == 2
    assert "hos-avtal db upgrade" in err
    assert served == []

    code, out, _err = run_cli(capsys, monkeypatch, "db", "upgrade", "--db", database_url)
    assert (code, out.strip()) == (0, f"schemat uppgraderat: 0005 -> {HEAD_REVISION}")
    code, out, _err = run_cli(capsys, monkeypatch, "db", "upgrade", "--db", database_url)
    assert (code, out.strip()) == (0, f"schemat är redan aktuellt: {HEAD_REVISION}")
    assert run_cli(capsys, monkeypatch, "db", "check", "--db", database_url)[0] == 0
    before = os.environ.get(ENV_URL)
    code, _out, err = run_cli(capsys, monkeypatch, "serve", "--db", database_url)
    assert code == 0, err
    assert served == ["hos_avtal.api:create_served_app"]
    assert os.environ.get(ENV_URL) == before  # serve gave the workers the URL, and took it back


def test_a_schema_newer_than_this_version_is_refused_never_downgraded(
    database_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = open_database(database_url)
    with db.write() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    assert schema_state(db).status == "ahead"
    with pytest.raises(SchemaError, match="nyare än den här versionen"):
        upgrade_schema(db)
    db.close()
    for command in (("db", "upgrade"), ("db", "check"), ("run", "list")):
        code, _out, err = run_cli(capsys, monkeypatch, *command, "--db", database_url)
        assert code == 2, command
        assert "0099" in err
        assert "Traceback" not in err
    db = open_database(database_url, upgrade=False)
    try:
        assert schema_revision(db) == "0099"
    finally:
        db.close()


def test_two_upgrades_at_once_migrate_once_and_both_succeed(database_url: str) -> None:  # noqa: F811
    results: list[Any] = []

    def upgrade() -> None:
        db = open_database(database_url, upgrade=False)
        try:
            results.append(upgrade_schema(db))
        except Exception as exc:  # the assertion below names it
            results.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=upgrade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(after.revision for _before, after in results) == [HEAD_REVISION, HEAD_REVISION]


def test_db_backup_copies_a_sqlite_database_in_use_and_the_copy_verifies(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = str(tmp_path / "runs.sqlite")
    episodes = tmp_path / "episodes.csv"
    synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=4).write_csv(episodes)
    assert (
        run_cli(capsys, monkeypatch, "run", "--month", "2022-03", "--episodes", str(episodes), "--db", db)[0]
        == 0
    )
    in_use = open_database(db)  # a server holding it open (WAL) while the copy is made
    try:
        code, out, err = run_cli(
            capsys, monkeypatch, "db", "backup", str(tmp_path / "copy.sqlite"), "--db", db
        )
    finally:
        in_use.close()
    assert code == 0, err
    assert out.startswith("säkerhetskopia skriven")
    assert (tmp_path / "copy.sqlite").stat().st_mode & 0o077 == 0  # the owner's alone
    code, out, err = run_cli(capsys, monkeypatch, "run", "verify", "--db", str(tmp_path / "copy.sqlite"))
    assert code == 0, err
    again = run_cli(capsys, monkeypatch, "db", "backup", str(tmp_path / "copy.sqlite"), "--db", db)
    assert again[0] == 2
    assert "finns redan" in again[2]


@pytest.mark.parametrize("command", [("db", "check"), ("db", "current"), ("db", "upgrade"), ("serve",)])
def test_an_unreachable_database_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    code, _out, err = run_cli(
        capsys, monkeypatch, *command, "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"
    )
    assert code == 2
    assert "kan inte öppnas" in err
    assert "Traceback" not in err

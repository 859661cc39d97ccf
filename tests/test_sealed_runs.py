"""A final run is sealed: the database refuses to change any of its rows, and a row changed behind
those guards (a dropped trigger, a restored backup) is caught by the seal and never served.

On SQLite and PostgreSQL. Each table that holds a run's rows is tried with raw SQL, as an
administrator with a database client would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import polars as pl
import pytest
import sqlalchemy as sa

from helpers import run_cli
from hos_avtal.api import create_app, create_key
from hos_avtal.errors import RunIntegrityError
from hos_avtal.runs import execute_run
from hos_avtal.storage import Database, finalize, load_run, load_run_municipality, open_database, verify_run
from hos_avtal.storage._models import FRAME_TABLES, billing_run, run_digest, run_input
from hos_avtal.synth import month_range, synth_episodes, synth_visits
from test_exports import pdf_text
from test_storage import database_url  # noqa: F401  (the database fixture)

MONTH = "2022-06"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sealed")
    synth_episodes(month_range(MONTH), episodes_per_month=300, seed=11).write_csv(folder / "episodes.csv")
    synth_visits(month_range(MONTH), visits_per_month=80, seed=11).write_csv(folder / "visits.csv")
    return {"episodes": folder / "episodes.csv", "visits": folder / "visits.csv"}


@pytest.fixture
def final_run(database_url: str, files: dict[str, Path]) -> Iterator[tuple[Database, int]]:  # noqa: F811
    db = open_database(database_url)
    outcome = execute_run(db, MONTH, files["episodes"], visits=files["visits"])
    finalize(db, outcome.summary.id, "clerk")
    try:
        yield db, outcome.summary.id
    finally:
        db.close()


def _tables_with_rows(db: Database, run_id: int) -> list[sa.Table]:
    tables = [run_input, run_digest, *FRAME_TABLES.values()]
    with db.read() as connection:
        return [
            t
            for t in tables
            if connection.execute(sa.select(sa.func.count()).where(t.c.run_id == run_id)).scalar_one()
        ]


def test_a_run_is_sealed_when_stored_and_its_seal_holds(final_run: tuple[Database, int]) -> None:
    db, run_id = final_run
    run = load_run(db, run_id)
    assert run.summary.seal is not None
    assert len(run.summary.seal) == 64
    assert verify_run(db, run_id) is True
    # Finalizing sealed the finalization too: the seal differs from the draft's.
    with db.read() as connection:
        digests = connection.execute(sa.select(sa.func.count()).where(run_digest.c.run_id == run_id)).scalar()
    assert digests is not None
    assert digests > 49  # every party, the out-of-county codes in the lines, and the inputs


@pytest.mark.alters_runs
def test_the_database_refuses_to_change_any_row_of_a_final_run(final_run: tuple[Database, int]) -> None:
    db, run_id = final_run
    tables = _tables_with_rows(db, run_id)
    assert {t.name for t in tables} >= {
        "run_input", "run_digest", "betalningsansvar_row", "episode_line", "home_care_line",
        "home_care_municipality", "home_care_payment",
    }  # fmt: skip
    for table in tables:
        column = next(c for c in table.columns if c.name not in ("run_id",) and not c.primary_key)
        statements = [
            sa.update(table).where(table.c.run_id == run_id).values({column.name: column}),
            sa.delete(table).where(table.c.run_id == run_id),
        ]
        for statement in statements:
            with pytest.raises(sa.exc.DBAPIError, match="final billing run is never"), db.write() as c:
                c.execute(statement)
    # Nor can rows be added to it.
    row = {"run_id": run_id, "kind": "long_wait", "kommun": "1480", "line_key": "x", "value": 1}
    with pytest.raises(sa.exc.DBAPIError, match="final billing run is never"), db.write() as c:
        c.execute(sa.insert(FRAME_TABLES["accepted_values"]).values(row))
    assert verify_run(db, run_id) is True


@pytest.mark.alters_runs
def test_postgresql_refuses_to_truncate_a_run_table(final_run: tuple[Database, int]) -> None:
    db, _run_id = final_run
    if db.dialect != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's: it skips row triggers")
    for table in ("episode_line", "billing_run", "correction_line"):
        with pytest.raises(sa.exc.DBAPIError, match="never truncated"), db.write() as c:
            c.execute(sa.text(f"TRUNCATE {table} CASCADE"))


def _drop_guards(db: Database) -> None:
    """What only an administrator can do: take the triggers away."""
    with db.write() as c:
        if db.dialect == "sqlite":
            names = c.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            for name in list(names):
                c.execute(sa.text(f"DROP TRIGGER {name}"))
        else:
            c.execute(sa.text("DROP TRIGGER final_run_guard ON billing_run"))
            c.execute(sa.text("DROP TRIGGER episode_line_final_guard ON episode_line"))
            c.execute(sa.text("DROP TRIGGER betalningsansvar_row_final_guard ON betalningsansvar_row"))
            c.execute(sa.text("DROP TRIGGER run_input_final_guard ON run_input"))


ALTERATIONS = {
    "an amount": lambda run_id: (
        sa.update(FRAME_TABLES["betalningsansvar"])
        .where(
            FRAME_TABLES["betalningsansvar"].c.run_id == run_id,
            FRAME_TABLES["betalningsansvar"].c.kommun == "1480",
        )
        .values(total_amount_ore=FRAME_TABLES["betalningsansvar"].c.total_amount_ore + 100)
    ),
    "an episode line": lambda run_id: sa.delete(FRAME_TABLES["episode_lines"]).where(
        FRAME_TABLES["episode_lines"].c.run_id == run_id,
        FRAME_TABLES["episode_lines"].c.episode_id
        == sa.select(sa.func.min(FRAME_TABLES["episode_lines"].c.episode_id))
        .where(FRAME_TABLES["episode_lines"].c.run_id == run_id)
        .scalar_subquery(),
    ),
    "who finalized it": lambda run_id: (
        sa.update(billing_run).where(billing_run.c.id == run_id).values(finalized_by="someone else")
    ),
    "the seal": lambda run_id: sa.update(billing_run).where(billing_run.c.id == run_id).values(seal=None),
    "a duplicated line": lambda run_id: sa.insert(FRAME_TABLES["episode_lines"]).from_select(
        [c.name for c in FRAME_TABLES["episode_lines"].columns],
        sa.select(*FRAME_TABLES["episode_lines"].columns)
        .where(FRAME_TABLES["episode_lines"].c.run_id == run_id)
        .limit(1),
    ),
    "an input as kept": lambda run_id: (
        sa.update(run_input)
        .where(run_input.c.run_id == run_id, run_input.c.kind == "episodes")
        .values(data_parquet=sa.func.substr(run_input.c.data_parquet, 1, 100))
    ),
}


@pytest.mark.alters_runs
@pytest.mark.parametrize("what", list(ALTERATIONS))
def test_a_run_altered_behind_the_guards_is_refused_everywhere(
    final_run: tuple[Database, int],
    what: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, run_id = final_run
    _drop_guards(db)
    with db.write() as c:
        c.execute(ALTERATIONS[what](run_id))
    with pytest.raises(RunIntegrityError, match=f"körning {run_id} stämmer inte med sitt sigill"):
        load_run(db, run_id)
    with pytest.raises(RunIntegrityError):
        verify_run(db, run_id)
    # Göteborg's own invoice basis is checked with its digest and the seal; a dataset made from
    # the run's inputs with the inputs' digest.
    if what not in ("an episode line", "an input as kept", "a duplicated line"):
        with pytest.raises(RunIntegrityError):
            load_run_municipality(db, run_id, "1480")
    if what in ("an input as kept", "the seal", "who finalized it"):
        from hos_avtal.scenarios import save_run_dataset

        with pytest.raises(RunIntegrityError):
            save_run_dataset(db, run_id, None, "analyst")

    # The auditor's command, and every command that reads the run, exit 1 with the reason.
    url = db.url
    for args in (
        ("run", "verify", "--db", url),
        ("run", "verify", str(run_id), "--db", url),
        ("run", "show", str(run_id), "--db", url),
        ("run", "export", str(run_id), "--out", str(tmp_path / "out"), "--db", url),
    ):
        code, out, err = run_cli(capsys, monkeypatch, *args)
        assert code == 1, (args, out, err)
        assert "stämmer inte med sitt sigill" in out + err
        assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.alters_runs
@pytest.mark.anyio
async def test_the_api_never_serves_an_altered_run(final_run: tuple[Database, int]) -> None:
    db, run_id = final_run
    app = create_app(db.url)
    _key, token = create_key(app.state.database, "billing")
    _drop_guards(db)
    with db.write() as c:
        c.execute(ALTERATIONS["an amount"](run_id))
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for path in (f"/v1/billing-runs/{run_id}", f"/v1/billing-runs/{run_id}/municipalities/1480"):
            response = await client.get(path, headers=auth)
            assert response.status_code == 500, response.text
            problem = response.json()
            assert problem["type"].endswith("/run-integrity")
            assert "stämmer inte med sitt sigill" in problem["detail"]
    app.state.database.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_run_verify_passes_on_intact_runs_and_names_each(
    final_run: tuple[Database, int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, run_id = final_run
    code, out, _err = run_cli(capsys, monkeypatch, "run", "verify", "--db", db.url)
    assert code == 0
    seal = load_run(db, run_id).summary.seal
    assert f"körning {run_id} (2022-06 version 1, fastställd): oförändrad, sigill {seal}" in out


def test_the_seal_is_printed_on_every_fakturaunderlag(
    final_run: tuple[Database, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, run_id = final_run
    seal = load_run(db, run_id).summary.seal
    assert seal is not None
    code, _out, err = run_cli(
        capsys,
        monkeypatch,
        "run",
        "export",
        str(run_id),
        "--kommun",
        "1480",
        "--out",
        str(tmp_path),
        "--db",
        db.url,
    )
    assert code == 0, err
    csv = next(tmp_path.glob("fakturaunderlag-*-1480-*.csv"))
    header = pl.read_csv(csv, infer_schema=False).filter(pl.col("section") == "header")
    assert dict(header.select("line_key", "value").rows())["seal"] == seal
    pdf = pdf_text(next(tmp_path.glob("fakturaunderlag-*-1480-*.pdf")).read_bytes())
    assert pdf.count(f"Sigill (SHA-256 över körningens rader): {seal}") >= 2  # on every page
    code, out, _err = run_cli(
        capsys, monkeypatch, "run", "show", str(run_id), "--format", "json", "--db", db.url
    )
    assert json.loads(out)["run"]["seal"] == seal


def test_a_draft_altered_before_finalization_cannot_be_finalized(
    database_url: str,  # noqa: F811
    files: dict[str, Path],
) -> None:
    db = open_database(database_url)
    try:
        run_id = execute_run(db, MONTH, files["episodes"]).summary.id
        with db.write() as c:  # a draft has no guard: it may only be deleted, never changed
            c.execute(ALTERATIONS["an amount"](run_id))
        with pytest.raises(RunIntegrityError):
            finalize(db, run_id, "clerk")
        assert load_run_municipality(db, run_id, "1401").summary.state == "draft"
        with db.write() as c:
            c.execute(sa.delete(billing_run).where(billing_run.c.id == run_id))  # the draft goes
    finally:
        db.close()


def test_0005_guards_old_runs_hashes_old_idempotency_keys_and_goes_back(
    database_url: str,  # noqa: F811
    files: dict[str, Path],
) -> None:
    import datetime as dt
    import hashlib

    from hos_avtal.storage import api_key, idempotency_key, list_runs, schema_revision
    from hos_avtal.storage._database import HEAD_REVISION
    from test_scenario_datasets import _migrate

    db = open_database(database_url)
    run_id = execute_run(db, MONTH, files["episodes"]).summary.id
    finalize(db, run_id, "clerk")
    key, _token = create_key(db, "billing")
    _migrate(db, "0004", down=True)  # as a database stored before seals existed
    assert schema_revision(db) == "0004"
    with db.write() as c:
        c.execute(
            sa.insert(idempotency_key).values(
                key_id=key.id, idempotency_key="retry-19121212-1212", method="POST",
                path="/v1/billing-runs", body_sha256="0" * 64, status=201, location=None, response="{}",
                created_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
    db.close()

    db = open_database(database_url)  # upgraded on opening
    try:
        assert schema_revision(db) == HEAD_REVISION
        with db.read() as c:
            stored = list(c.execute(sa.select(idempotency_key.c.idempotency_key)).scalars())
            assert c.execute(sa.select(sa.func.count()).select_from(api_key)).scalar() == 1
        assert stored == [hashlib.sha256(b"retry-19121212-1212").hexdigest()]
        # The old run cannot be checked (it has no seal) but is guarded like every final run.
        assert verify_run(db, run_id) is False
        assert load_run(db, run_id).summary.seal is None
        lines = FRAME_TABLES["episode_lines"]
        with pytest.raises(sa.exc.DBAPIError, match="final billing run is never"), db.write() as c:
            c.execute(sa.delete(lines).where(lines.c.run_id == run_id))
        # A run stored from now on is sealed.
        later = execute_run(db, "2022-07", files["episodes"]).summary
        assert later.seal is not None
        assert [r.id for r in list_runs(db)] == [run_id, later.id]
        with db.write() as c:
            c.execute(sa.delete(billing_run).where(billing_run.c.id == later.id))  # a draft may go
        _migrate(db, "0004", down=True)
        assert schema_revision(db) == "0004"
        _migrate(db, "head")
        assert verify_run(db, run_id) is False
    finally:
        db.close()

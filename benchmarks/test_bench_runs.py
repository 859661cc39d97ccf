"""pytest-benchmark: one billing run of a VGR-scale month, computed and stored.

June 2024, synthetic: ≈5 000 episodes (Parquet), 200 placements with costs and agreements, 2 000
home-care visits and own tariffs (CSV) — what ``hos-avtal run --month 2024-06 …`` does, minus
start-up and printing: hash and read every input, pseudonymise, validate, compute all three
calculations, derive corrections and recurring liability, and write every result row and
episode line in one transaction into a fresh database (a fresh SQLite file, or a fresh
PostgreSQL schema when ``HOS_AVTAL_TEST_POSTGRES_URL`` is set). Opening (and migrating) the
database is outside the timing.

Run::

    HOS_AVTAL_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python -m pytest benchmarks/test_bench_runs.py --benchmark-only
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

MONTH = "2024-06"


@pytest.fixture(scope="module")
def month_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hos_avtal.municipalities import parties
    from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits

    folder = tmp_path_factory.mktemp("run-month")
    months = month_range(MONTH)
    synth_episodes(months, episodes_per_month=5000).write_parquet(folder / "episodes.parquet")
    placements, costs, agreements = synth_placements(months, placements=200)
    placements.write_csv(folder / "placements.csv")
    costs.write_csv(folder / "costs.csv")
    agreements.write_csv(folder / "agreements.csv")
    synth_visits(months, visits_per_month=2000).write_csv(folder / "visits.csv")
    rows = [(m.code, 2024, s, "560.00") for m in parties() for s in ("hemtjanst", "hemsjukvard")]
    pl.DataFrame(rows, schema=["kommun", "year", "service", "sek_per_hour"], orient="row").write_csv(
        folder / "tariffs.csv"
    )
    return {p.stem: p for p in folder.iterdir()}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A callable giving the URL of a new, empty database for each benchmark round."""
    if request.param == "sqlite":
        yield lambda: str(tmp_path / f"{uuid.uuid4().hex}.sqlite")
        return
    base = os.environ.get("HOS_AVTAL_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("HOS_AVTAL_TEST_POSTGRES_URL is not set: PostgreSQL benchmark skipped")
    admin = sa.create_engine(base)
    schemas: list[str] = []

    def make() -> str:
        schema = f"b_{uuid.uuid4().hex[:16]}"
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        schemas.append(schema)
        return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"

    yield make
    with admin.begin() as connection:
        for schema in schemas:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_run_month(benchmark: Any, month_files: dict[str, Path], fresh_url: Any) -> None:
    from hos_avtal.runs import execute_run
    from hos_avtal.storage import open_database

    f = month_files
    opened: list[Any] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        db = open_database(fresh_url())
        opened.append(db)
        return (db,), {}

    def run(db: Any) -> Any:
        return execute_run(
            db, MONTH, f["episodes"], f["placements"], f["costs"], f["agreements"], f["visits"],
            f["tariffs"], daily_amount_sek="9300",
        )  # fmt: skip

    outcome = benchmark.pedantic(run, setup=setup, rounds=5, iterations=1)
    assert outcome.created
    for db in opened:
        db.close()

"""Scenario datasets: episode data stored in the run database, so a negotiator can pick one again.

A dataset is an uploaded episode file or the episode lines of a stored billing run. It is stored
as Parquet after validation, with every id pseudonymised: an id that looks like a personnummer is
replaced by the keyed hash billing runs use, and ``person_id`` always (a comparison never needs
it, and a pseudonym keeps "the same person" without keeping who).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from hos_avtal._types import Month
from hos_avtal.errors import HosAvtalError
from hos_avtal.io._episodes import EPISODE_COLUMNS, EPISODE_SCHEMA
from hos_avtal.io._episodes import _validate as validate_episode_table
from hos_avtal.io._table import Table, read_table
from hos_avtal.months import format_month, parse_month
from hos_avtal.rules import CONDITIONS
from hos_avtal.runs._pseudonym import database_key, keyed_id, pseudonymise
from hos_avtal.scenarios._data import ScenarioData
from hos_avtal.storage import Database, load_run
from hos_avtal.storage._models import scenario_dataset


class DatasetNotFoundError(HosAvtalError):
    """No scenario dataset has the given id."""


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """A stored dataset without its data. ``source`` is ``upload`` or ``billing-run:<id>``;
    ``ruleset_id`` is the run's rule set (the natural base), ``None`` for an upload."""

    id: int
    name: str
    created_at: dt.datetime
    created_by: str
    source: str
    ruleset_id: str | None
    months: list[Month]
    episodes: int
    sha256: str


def read_episode_upload(db: Database, path: str | Path, source: str = "episodes") -> pl.DataFrame:
    """An uploaded episode file (CSV or Parquet), pseudonymised before it is validated, so the
    validator (which refuses a personnummer) sees only pseudonyms and nothing personal is kept."""
    table = read_table(path, EPISODE_COLUMNS)
    frame, _replaced = pseudonymise(table.frame, ("episode_id", "person_id"), database_key(db))
    return validate_episode_table(Table(frame, source, table.first_row))


def save_dataset(
    db: Database,
    name: str,
    data: ScenarioData,
    created_by: str,
    *,
    source: str = "upload",
    ruleset_id: str | None = None,
    months: list[Month] | None = None,
) -> DatasetSummary:
    """Store the episodes of ``data`` (validated) as a dataset; ``months`` default to the months
    with a discharge (the months a comparison bills)."""
    if data.episodes is None:
        raise HosAvtalError("a scenario dataset needs episodes")
    key = database_key(db)
    episodes, _replaced = pseudonymise(data.episodes, ("episode_id",), key)
    episodes = episodes.with_columns(
        pl.col("person_id").map_elements(lambda v: keyed_id(v, key, b"person:"), return_dtype=pl.String)
    )
    blob = _parquet(episodes)
    chosen = sorted(set(months)) if months is not None else _discharge_months(episodes)
    values = {
        "name": name.strip() or "Namnlöst dataset",
        "created_at": dt.datetime.now(dt.UTC),
        "created_by": created_by,
        "source": source,
        "ruleset_id": ruleset_id,
        "months": ",".join(format_month(m) for m in chosen),
        "episodes": episodes.height,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "episodes_parquet": blob,
    }
    with db.write() as connection:
        new_id = connection.execute(
            sa.insert(scenario_dataset).values(**values).returning(scenario_dataset.c.id)
        ).scalar_one()
    return dataset_summary(db, int(new_id))


def save_run_dataset(db: Database, run_id: int, name: str | None, created_by: str) -> DatasetSummary:
    """A stored billing run's episodes as a dataset of that run's month and rule set."""
    run = load_run(db, run_id)
    label = name or f"Körning {run.summary.id} ({run.summary.month:%Y-%m}, version {run.summary.version})"
    return save_dataset(
        db,
        label,
        dataset_from_run(db, run_id),
        created_by,
        source=f"billing-run:{run_id}",
        ruleset_id=run.summary.ruleset_id,
        months=[run.summary.month],
    )


def dataset_from_run(db: Database, run_id: int) -> ScenarioData:
    """The episodes of a stored run, rebuilt from its episode lines.

    A line keeps only what the result needs, so the conditions come back from the reasons of a
    not-covered line; every other condition held (a SIP was not needed: the engine then does not
    ask whether one was invited). Pending lines stay, without or with their later discharge date,
    so the run's pending counts come out the same.
    """
    lines = load_run(db, run_id).episode_lines
    reasons = pl.col("reasons").fill_null("").str.split(";")
    failed = {column: reasons.list.contains(reason) for column, reason in CONDITIONS.items()}
    frame = lines.select(
        "episode_id",
        pl.col("episode_id").alias("person_id"),
        pl.col("kommun").cast(pl.String),
        pl.col("care_type").cast(pl.String),
        pl.col("hospital"),
        "ready_date",
        "discharge_date",
        (~failed["admission_notice"]).alias("admission_notice"),
        (~failed["ready_notice"]).alias("ready_notice"),
        failed["sip_invited"].alias("sip_needed"),
        pl.when(failed["sip_invited"]).then(pl.lit(False)).alias("sip_invited"),
        (~failed["outpatient_plan"]).alias("outpatient_plan"),
        (~failed["outpatient_available"]).alias("outpatient_available"),
    ).unique("episode_id", keep="first", maintain_order=True)
    return ScenarioData(episodes=validate_episode_table(Table(frame, f"billing run {run_id}", first_row=1)))


def list_datasets(db: Database) -> list[DatasetSummary]:
    """Every stored dataset, newest first."""
    with db.read() as connection:
        rows = connection.execute(_summary_query().order_by(scenario_dataset.c.id.desc())).all()
    return [_summary(row) for row in rows]


def dataset_summary(db: Database, dataset_id: int) -> DatasetSummary:
    with db.read() as connection:
        row = connection.execute(_summary_query().where(scenario_dataset.c.id == dataset_id)).first()
    if row is None:
        raise DatasetNotFoundError(f"no scenario dataset has id {dataset_id}")
    return _summary(row)


def load_dataset(db: Database, dataset_id: int) -> ScenarioData:
    """The dataset's episodes, typed as the validators type them."""
    with db.read() as connection:
        blob = connection.execute(
            sa.select(scenario_dataset.c.episodes_parquet).where(scenario_dataset.c.id == dataset_id)
        ).scalar()
    if blob is None:
        raise DatasetNotFoundError(f"no scenario dataset has id {dataset_id}")
    frame = pl.read_parquet(io.BytesIO(blob))
    return ScenarioData(episodes=frame.with_columns(pl.col(n).cast(t) for n, t in EPISODE_SCHEMA.items()))


def _summary_query() -> sa.Select[tuple[object, ...]]:
    return sa.select(*(c for c in scenario_dataset.columns if c.name != "episodes_parquet"))


def _summary(row: sa.Row[tuple[object, ...]]) -> DatasetSummary:
    m = row._mapping
    created_at: dt.datetime = m["created_at"]
    if created_at.tzinfo is None:  # SQLite keeps no zone; every time stored is UTC
        created_at = created_at.replace(tzinfo=dt.UTC)
    months = str(m["months"])
    return DatasetSummary(
        id=int(m["id"]),
        name=str(m["name"]),
        created_at=created_at,
        created_by=str(m["created_by"]),
        source=str(m["source"]),
        ruleset_id=None if m["ruleset_id"] is None else str(m["ruleset_id"]),
        months=[parse_month(t) for t in months.split(",")] if months else [],
        episodes=int(m["episodes"]),
        sha256=str(m["sha256"]),
    )


def _parquet(episodes: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    episodes.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String)).write_parquet(buffer)
    return buffer.getvalue()


def _discharge_months(episodes: pl.DataFrame) -> list[Month]:
    dates = episodes.get_column("discharge_date").drop_nulls()
    if dates.is_empty():
        dates = episodes.get_column("ready_date")
    return sorted({d.replace(day=1) for d in dates.dt.truncate("1mo").unique().to_list()})

"""Scenario datasets: the inputs a negotiator tries scenarios on, stored in the run database so
they can be picked again.

A dataset is uploaded files (episodes, placements with costs and agreements, visits with tariffs;
any of the three capabilities) or the inputs of a stored billing run. Each input is kept as read,
as Parquet, after it passed the same validation as a billing run's, with every id pseudonymised:
an id that looks like a personnummer is replaced by the keyed hash billing runs use, and
``person_id`` always (a comparison never needs it, and a pseudonym keeps "the same person"
without keeping who).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from hos_avtal._types import Month
from hos_avtal.errors import DatasetNotFoundError, InputError, Problem
from hos_avtal.io import (
    INPUT_COLUMNS,
    INPUT_KINDS,
    InputKind,
    Table,
    check_inputs_together,
    read_table,
    validate_episode_table,
    validate_placement_tables,
)
from hos_avtal.io import validate_tariff_table as _validate_tariffs
from hos_avtal.io import validate_visit_table as _validate_visits
from hos_avtal.months import format_month, parse_month
from hos_avtal.privacy import check_label
from hos_avtal.rules import ACKNOWLEDGEMENTS, CONDITIONS
from hos_avtal.runs import configured_key, pseudonymise, pseudonymise_person_ids
from hos_avtal.scenarios._data import ScenarioData, capabilities_of
from hos_avtal.scenarios._days import EpisodeDays
from hos_avtal.storage import (
    Database,
    frame_bytes,
    frame_from_bytes,
    load_run,
    load_run_inputs,
    load_summary,
    scenario_dataset,
    scenario_dataset_days,
    scenario_dataset_input,
)

_DAYS = scenario_dataset_days

_IDS: dict[InputKind, tuple[str, ...]] = {
    "episodes": ("episode_id",),
    "placements": ("placement_id",),
    "costs": ("placement_id",),
    "agreements": ("placement_id",),
    "visits": ("visit_id",),
    "tariffs": (),
}

Tables = Mapping[InputKind, Table | pl.DataFrame]
"""Input kind → the input as read (before validation): a file's :class:`Table` (which knows its
source and first row, for messages) or a frame."""


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """A stored dataset without its data. ``source`` is ``upload`` or ``billing-run:<id>``;
    ``ruleset_id`` is the run's rule set (the natural base), ``None`` for an upload;
    ``inputs`` the rows of each input it holds, ``episodes`` those of its episodes (0: none)."""

    id: int
    name: str
    created_at: dt.datetime
    created_by: str
    source: str
    ruleset_id: str | None
    months: list[Month]
    episodes: int
    sha256: str
    inputs: dict[InputKind, int] = field(default_factory=dict)
    daily_amount_ore: int | None = None
    """The fastställt belopp its billing run used (a comparison's default); ``None`` for uploads."""

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The capabilities a comparison on this dataset covers, in the fixed order."""
        return capabilities_of(self.inputs)


def read_upload(
    paths: Mapping[InputKind, str | Path], names: Mapping[InputKind, str]
) -> dict[InputKind, Table]:
    """Uploaded files (CSV or Parquet) by kind, as read; each problem names the input as
    ``names[kind]`` (the form field and file name, not a temporary path)."""
    tables: dict[InputKind, Table] = {}
    for kind, path in paths.items():
        try:
            table = read_table(path, INPUT_COLUMNS[kind])
        except InputError as exc:
            raise InputError(names[kind], exc.problems) from None
        tables[kind] = dataclasses.replace(table, source=names[kind])
    return tables


def save_dataset(
    db: Database,
    name: str,
    tables: Tables,
    created_by: str,
    *,
    source: str = "upload",
    ruleset_id: str | None = None,
    months: list[Month] | None = None,
    daily_amount_ore: int | None = None,
) -> DatasetSummary:
    """Pseudonymise, validate and store ``tables`` as a dataset. ``months`` default to the
    months the inputs bill: discharges, placement costs and visits. Bad input is an
    :class:`~hos_avtal.errors.InputError` naming input, row and column; nothing is stored."""
    # Without a configured key, a random one that is never stored: pseudonyms stay stable within
    # the dataset (all a comparison needs) and nothing that could undo them is kept.
    key = configured_key(db) or secrets.token_bytes(32)
    kept = {kind: _pseudonymised(kind, _table(kind, t), key) for kind, t in tables.items()}
    data = scenario_data(kept)
    blobs = {kind: frame_bytes(table.frame) for kind, table in kept.items()}
    chosen = sorted(set(months)) if months is not None else _input_months(data)
    values = {
        "name": check_label(name, "name") or "Namnlöst dataset",
        "created_at": dt.datetime.now(dt.UTC),
        "created_by": created_by,
        "source": source,
        "ruleset_id": ruleset_id,
        "months": ",".join(format_month(m) for m in chosen),
        "episodes": kept["episodes"].frame.height if "episodes" in kept else 0,
        "sha256": dataset_sha256(blobs),
        "daily_amount_ore": daily_amount_ore,
    }
    with db.write() as connection:
        new_id = connection.execute(
            sa.insert(scenario_dataset).values(**values).returning(scenario_dataset.c.id)
        ).scalar_one()
        connection.execute(
            sa.insert(scenario_dataset_input),
            [
                {"dataset_id": new_id, "kind": kind, "rows": kept[kind].frame.height, "data_parquet": blob}
                for kind, blob in blobs.items()
            ],
        )
        if data.episodes is not None:
            # Once, here: what every comparison on this dataset reads instead of the episodes.
            _store_days(connection, int(new_id), EpisodeDays.of(data.episodes))
    return dataset_summary(db, int(new_id))


def _store_days(connection: sa.Connection, dataset_id: int, days: EpisodeDays) -> None:
    blob = frame_bytes(days.frame)
    connection.execute(
        sa.insert(_DAYS).values(dataset_id=dataset_id, rows=days.frame.height, data_parquet=blob)
    )


_KEPT: OrderedDict[tuple[str, int, str], EpisodeDays] = OrderedDict()
"""The day histograms read lately, by database, dataset and the dataset's SHA-256: a dataset is
never changed, so what its digest names is never stale (in any worker)."""
_KEPT_ROWS = 5_000_000
_KEPT_LOCK = threading.Lock()  # requests run in worker threads


def comparison_data(db: Database, dataset: int | DatasetSummary) -> ScenarioData:
    """What a comparison needs of the dataset: its placements and visits, and of its episodes
    only their day histogram (made when it was stored, or now for a dataset stored before there
    was one), with a way to read the episodes for the rules that need them. Given the dataset's
    summary, a histogram read lately is taken from memory (a slider move reads no blob)."""
    if isinstance(dataset, int):
        return _comparison_data(db, dataset)
    dataset_id, key = dataset.id, (db.url, dataset.id, dataset.sha256)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
    if kept is not None and set(dataset.inputs) == {"episodes"}:
        return ScenarioData(episode_days=kept, read_episodes=lambda: _episodes(db, dataset_id))
    data = _comparison_data(db, dataset_id)
    if data.episode_days is not None:
        with _KEPT_LOCK:
            _KEPT[key] = data.episode_days
            while sum(d.frame.height for d in _KEPT.values()) > _KEPT_ROWS and len(_KEPT) > 1:
                _KEPT.popitem(last=False)
    return data


def _comparison_data(db: Database, dataset_id: int) -> ScenarioData:
    inputs = scenario_dataset_input.c
    with db.read() as connection:
        # Every input but the episodes, whose blob is the large one and is not needed here.
        blob = sa.case((inputs.kind == "episodes", None), else_=inputs.data_parquet)
        rows = connection.execute(sa.select(inputs.kind, blob).where(inputs.dataset_id == dataset_id)).all()
        days_blob = connection.execute(
            sa.select(_DAYS.c.data_parquet).where(_DAYS.c.dataset_id == dataset_id)
        ).scalar()
    if not rows:
        raise DatasetNotFoundError(f"inget dataset med id {dataset_id}")
    tables = {
        kind: Table(frame_from_bytes(blob), f"dataset {dataset_id}: {kind}", 1) for kind, blob in rows if blob
    }
    data = scenario_data(tables) if tables else ScenarioData()
    if "episodes" not in {kind for kind, _blob in rows}:
        return data
    if days_blob is None:
        days = EpisodeDays.of(_episodes(db, dataset_id))
        try:
            with db.write() as connection:
                _store_days(connection, dataset_id, days)
        except sa.exc.IntegrityError:
            pass  # another request made it at the same moment: the same histogram
    else:
        days = EpisodeDays(frame_from_bytes(days_blob))
    return dataclasses.replace(data, episode_days=days, read_episodes=lambda: _episodes(db, dataset_id))


def _episodes(db: Database, dataset_id: int) -> pl.DataFrame:
    with db.read() as connection:
        blob = connection.execute(
            sa.select(scenario_dataset_input.c.data_parquet).where(
                scenario_dataset_input.c.dataset_id == dataset_id, scenario_dataset_input.c.kind == "episodes"
            )
        ).scalar_one()
    table = Table(frame_from_bytes(blob), f"dataset {dataset_id}: episodes", 1)
    episodes = scenario_data({"episodes": table}).episodes
    assert episodes is not None
    return episodes


def scenario_data(tables: Tables) -> ScenarioData:
    """Validate ``tables`` as a billing run validates its inputs; each problem names the input
    (a frame's by its kind), the row and the column."""
    kinds = set(tables)
    if not kinds:
        raise InputError("dataset", [_problem("inga indata: ange episodes, placements eller visits")])
    unknown = kinds - set(INPUT_KINDS)
    if unknown:
        raise InputError("dataset", [_problem(f"okänd typ av indata {sorted(unknown)[0]!r}")])
    check_inputs_together(kinds)

    def table(kind: InputKind) -> Table:
        return _table(kind, tables[kind])

    return ScenarioData(
        # A what-if is never billed: a long wait needs no acknowledgement here.
        episodes=validate_episode_table(table("episodes"), ACKNOWLEDGEMENTS) if "episodes" in kinds else None,
        placements=(
            validate_placement_tables((table("placements"), table("costs"), table("agreements")))
            if "placements" in kinds
            else None
        ),
        visits=_validate_visits(table("visits")) if "visits" in kinds else None,
        tariffs=_validate_tariffs(table("tariffs")) if "tariffs" in kinds else None,
    )


def dataset_sha256(blobs: Mapping[InputKind, bytes]) -> str:
    """Over each input's kind and the SHA-256 of its Parquet, by kind (as migration 0004)."""
    digest = hashlib.sha256()
    for kind in sorted(blobs):
        digest.update(kind.encode() + b"\0" + hashlib.sha256(blobs[kind]).digest())
    return digest.hexdigest()


def save_run_dataset(db: Database, run_id: int, name: str | None, created_by: str) -> DatasetSummary:
    """A stored billing run's inputs as a dataset of that run's month and rule set."""
    run = load_summary(db, run_id)
    label = name or f"Körning {run.id} ({run.month:%Y-%m}, version {run.version})"
    return save_dataset(
        db,
        label,
        run_tables(db, run_id),
        created_by,
        source=f"billing-run:{run_id}",
        ruleset_id=run.ruleset_id,
        months=[run.month],
        daily_amount_ore=run.daily_amount_ore,
    )


@dataclass(frozen=True)
class RunData:
    """A stored run's inputs to try scenarios on, with the month it billed and the fastställt
    belopp it used (the defaults that make a comparison's base the run itself)."""

    data: ScenarioData
    month: Month
    daily_amount_sek: Decimal | None


def run_data(db: Database, run_id: int) -> RunData:
    """The inputs of stored run ``run_id``, validated (see :func:`run_tables`)."""
    summary = load_summary(db, run_id)
    amount = summary.daily_amount_ore
    return RunData(
        scenario_data(run_tables(db, run_id)),
        summary.month,
        None if amount is None else Decimal(amount) / 100,
    )


def run_tables(db: Database, run_id: int) -> dict[InputKind, pl.DataFrame]:
    """The inputs of a stored run: as the run kept them, or, for a run stored before inputs were
    kept (schema 0004), its episodes rebuilt from the episode lines (placements and visits are
    then out of reach: the run kept only their hashes)."""
    stored = load_run_inputs(db, run_id)
    return stored if stored is not None else {"episodes": _episodes_from_lines(db, run_id)}


def _episodes_from_lines(db: Database, run_id: int) -> pl.DataFrame:
    """A line keeps only what the result needs, so the conditions come back from the reasons of
    a not-covered line; every other condition held (a SIP was not needed: the engine then does
    not ask whether one was invited). Pending lines stay, without or with their later discharge
    date, so the run's pending counts come out the same."""
    lines = load_run(db, run_id).episode_lines
    reasons = pl.col("reasons").fill_null("").str.split(";")
    failed = {column: reasons.list.contains(reason) for column, reason in CONDITIONS.items()}
    return lines.select(
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


def list_datasets(db: Database) -> list[DatasetSummary]:
    """Every stored dataset, newest first."""
    return _summaries(db, None)


def dataset_summary(db: Database, dataset_id: int) -> DatasetSummary:
    found = _summaries(db, dataset_id)
    if not found:
        raise DatasetNotFoundError(f"inget dataset med id {dataset_id}")
    return found[0]


def delete_dataset(db: Database, dataset_id: int) -> None:
    """Remove a dataset and every input it holds (its pseudonymised episodes, placements and
    visits): stored patient data is kept only as long as a negotiator needs it. The billing run a
    dataset was made from is not touched."""
    with db.write() as connection:
        # Explicitly, not by the foreign key's cascade: SQLite enforces it only when asked to.
        connection.execute(
            sa.delete(scenario_dataset_input).where(scenario_dataset_input.c.dataset_id == dataset_id)
        )
        connection.execute(sa.delete(_DAYS).where(_DAYS.c.dataset_id == dataset_id))
        removed = connection.execute(sa.delete(scenario_dataset).where(scenario_dataset.c.id == dataset_id))
        if removed.rowcount == 0:
            raise DatasetNotFoundError(f"inget dataset med id {dataset_id}")


def load_dataset(db: Database, dataset_id: int) -> ScenarioData:
    """The dataset's inputs, validated again (typed as a billing run types them)."""
    with db.read() as connection:
        rows = connection.execute(
            sa.select(scenario_dataset_input.c.kind, scenario_dataset_input.c.data_parquet).where(
                scenario_dataset_input.c.dataset_id == dataset_id
            )
        ).all()
    if not rows:  # save_dataset never stores a dataset without an input
        raise DatasetNotFoundError(f"inget dataset med id {dataset_id}")
    return scenario_data(
        {kind: Table(frame_from_bytes(blob), f"dataset {dataset_id}: {kind}", 1) for kind, blob in rows}
    )


def _summaries(db: Database, dataset_id: int | None) -> list[DatasetSummary]:
    datasets = sa.select(scenario_dataset).order_by(scenario_dataset.c.id.desc())
    inputs = sa.select(
        scenario_dataset_input.c.dataset_id, scenario_dataset_input.c.kind, scenario_dataset_input.c.rows
    )
    if dataset_id is not None:
        datasets = datasets.where(scenario_dataset.c.id == dataset_id)
        inputs = inputs.where(scenario_dataset_input.c.dataset_id == dataset_id)
    with db.read() as connection:
        rows = connection.execute(datasets).all()
        counts: dict[int, dict[str, int]] = {}
        for owner, kind, n in connection.execute(inputs):
            counts.setdefault(int(owner), {})[str(kind)] = int(n)
    return [_summary(row, counts.get(int(row.id), {})) for row in rows]


def _summary(row: sa.Row[tuple[object, ...]], counts: Mapping[str, int]) -> DatasetSummary:
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
        inputs={kind: counts[kind] for kind in INPUT_KINDS if kind in counts},
        daily_amount_ore=None if m["daily_amount_ore"] is None else int(m["daily_amount_ore"]),
    )


def _table(kind: InputKind, table: Table | pl.DataFrame) -> Table:
    return table if isinstance(table, Table) else Table(table, kind, first_row=1)


def _pseudonymised(kind: InputKind, table: Table, key: bytes) -> Table:
    frame, _replaced = pseudonymise(table.frame, _IDS[kind], key)
    return table.with_frame(pseudonymise_person_ids(frame, key))


def _input_months(data: ScenarioData) -> list[Month]:
    """The months the inputs bill: discharges (ready dates without any), costs, visits."""
    columns: list[pl.Series] = []
    if data.episodes is not None:
        discharged = data.episodes.get_column("discharge_date").drop_nulls()
        columns.append(discharged if not discharged.is_empty() else data.episodes.get_column("ready_date"))
    if data.placements is not None:
        columns.append(data.placements.costs.get_column("month"))
    if data.visits is not None:
        columns.append(data.visits.get_column("date"))
    months = {d.replace(day=1) for column in columns for d in column.dt.truncate("1mo").unique().to_list()}
    return sorted(months)


def _problem(reason: str) -> Problem:
    return Problem(None, None, reason)
